# make demo | make test | make serve | make bench | make lint
PYTHON_313 := $(shell pyenv prefix 3.13.0 2>/dev/null)/bin/python3
VENV := .venv
PY := $(VENV)/bin/python
SAM_VENV := .venv-sam
export PYTHONPATH := $(CURDIR):$(CURDIR)/layers/domain
export SAM_CLI_TELEMETRY := 0

.PHONY: setup demo test serve bench lint validate statelint clean

$(VENV)/.installed: requirements-dev.txt layers/domain/requirements.txt
	@test -x "$(PYTHON_313)" || { echo "Python 3.13 not found: pyenv prefix 3.13.0 must name a folder"; exit 1; }
	$(PYTHON_313) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

setup: $(VENV)/.installed

demo: setup
	$(PY) -m local.demo

test: setup
	$(PY) -m pytest -n 2 -q

serve: setup
	$(PY) -m local.cli serve

bench: setup
	$(PY) -m bench.run

statelint: setup
	$(PY) -m local.asl_check

$(SAM_VENV)/.installed:
	$(PYTHON_313) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install --quiet --disable-pip-version-check aws-sam-cli==1.170.0
	touch $@

validate: $(SAM_VENV)/.installed
	$(SAM_VENV)/bin/sam validate --lint

lint: statelint validate

clean:
	rm -rf $(VENV) $(SAM_VENV) .aws-sam
