# make demo | make test | make browser | make serve | make bench | make bench-burst | make lint | make build | make lock | make tone-model
# Python 3.13 is found as a newcomer has it (build/find-python313): python3.13 on PATH, else pyenv's highest 3.13.x,
# else `uv python find 3.13`. Override with `make PYTHON_313=/path/to/python3.13`.
PYTHON_313 := $(shell build/find-python313)
VENV := .venv
PY := $(VENV)/bin/python
SAM_VENV := .venv-sam
TRAIN_VENV := .venv-train
# SAM looks for `python3.13` on PATH: the SAM venv's own bin/python3.13 is the interpreter found above.
SAM := PATH="$(CURDIR)/$(SAM_VENV)/bin:$$PATH" $(SAM_VENV)/bin/sam
export PYTHONPATH := $(CURDIR):$(CURDIR)/layers/domain
export SAM_CLI_TELEMETRY := 0
# zoneinfo reads only the tzdata package (pinned in the layer), as Lambda does with PYTHONTZPATH="": no test depends
# on this machine's /usr/share/zoneinfo.
export PYTHONTZPATH :=

need-python = @test -n "$(PYTHON_313)" || { echo "Python 3.13 not found. Install Python 3.13: pyenv install 3.13, or uv python install 3.13, or your OS package (python3.13); then run make again." >&2; exit 1; }

.PHONY: setup demo test browser serve bench bench-burst lint validate statelint transform build lock clean tone-model

# Locked with hashes (make lock): the dev venv gets exactly the layer's versions plus the tools.
$(VENV)/.installed: requirements-dev.txt
	$(need-python)
	$(PYTHON_313) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check --require-hashes -r requirements-dev.txt
	touch $@

setup: $(VENV)/.installed

demo: setup
	$(PY) -m local.demo

test: setup browser
	$(PY) -m pytest -n 2 -q

# The desk's browser tests drive Debian's chromium through its chromedriver (tests/integration/test_desk_browser.py):
# installed with apt when missing (as root, else with sudo).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser:
	@test -x /usr/bin/chromium -a -x /usr/bin/chromedriver || { \
	  command -v apt-get >/dev/null || { echo "Install Chromium and ChromeDriver at /usr/bin (Debian, Ubuntu: the chromium and chromium-driver packages)" >&2; exit 1; }; \
	  $(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q chromium chromium-driver; }

serve: setup
	$(PY) -m local.cli serve

bench: setup
	$(PY) -m bench.run

# BURST_MENTIONS (default 10000) and BURST_AUTHORS (default a fifth of it) size it.
bench-burst: setup
	$(PY) -W ignore -m bench.burst

statelint: setup
	$(PY) -m local.asl_check

# The SAM transform and cfn-lint on its output (local/lint.py, added by its owner; skipped until it exists).
transform: setup
	@if [ -f local/lint.py ]; then echo "$(PY) -m local.lint"; $(PY) -m local.lint; \
	else echo "transform: local/lint.py not there yet, skipped"; fi

$(SAM_VENV)/.installed: build/requirements-sam.txt
	$(need-python)
	$(PYTHON_313) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install --quiet --disable-pip-version-check --require-hashes -r build/requirements-sam.txt
	touch $@

validate: $(SAM_VENV)/.installed
	$(SAM) validate --lint

# The functions and the arm64 layer into .aws-sam/ (the layer's aarch64 wheels come from PyPI, hash-checked); then
# each function with its layers against Lambda's 250 MB unzipped (local/package_sizes.py).
build: $(SAM_VENV)/.installed setup
	$(SAM) build
	$(PY) -m local.package_sizes

lint: statelint validate transform build

# Retrains the reply guardrails' tone model on tests/corpus and writes its weights into the layer (scikit-learn in its
# own venv: the layer scores the weights in plain Python). Run after changing the corpus; commit the .json.
$(TRAIN_VENV)/.installed: build/requirements-train.txt
	$(need-python)
	$(PYTHON_313) -m venv $(TRAIN_VENV)
	$(TRAIN_VENV)/bin/pip install --quiet --disable-pip-version-check --require-hashes -r build/requirements-train.txt
	touch $@

tone-model: $(TRAIN_VENV)/.installed
	$(TRAIN_VENV)/bin/python tools/train_tone_model.py

# Rewrites the locks from their .in files; pins already there are kept unless LOCK_ARGS=--upgrade
# (or --upgrade-package NAME). The layer and the digest function are resolved for Lambda (aarch64, 3.13) within the
# dev lock's versions.
UV_COMPILE = $(VENV)/bin/uv pip compile --quiet --generate-hashes --python-version 3.13 \
	--custom-compile-command "make lock" $(LOCK_ARGS)
lock: setup
	$(UV_COMPILE) --universal requirements-dev.in -o requirements-dev.txt
	$(UV_COMPILE) --python-platform aarch64-manylinux2014 layers/domain/requirements.in \
		-c requirements-dev.txt -o layers/domain/requirements.txt
	$(UV_COMPILE) --python-platform aarch64-manylinux2014 functions/send_weekly_digest/requirements.in \
		-c requirements-dev.txt -o functions/send_weekly_digest/requirements.txt
	$(UV_COMPILE) --universal build/requirements-sam.in -o build/requirements-sam.txt
	$(UV_COMPILE) --universal build/requirements-train.in -o build/requirements-train.txt

clean:
	rm -rf $(VENV) $(SAM_VENV) $(TRAIN_VENV) .aws-sam
