"""What each handler imports at its cold start: only what its own work needs (issue 13). Every module imported is
paid for by the first request after a scale-out; the webhook's is a platform's delivery waiting. Each check imports
the handler in a fresh interpreter, as Lambda does, and lists what got loaded."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[3]
HANDLERS = sorted(path.parent.name for path in (ROOT / "functions").glob("*/app.py"))
ADAPTERS = ("socialcare.platforms.generic", "socialcare.platforms.meta", "socialcare.platforms.x",
            "socialcare.platforms.x_poll", "socialcare.platforms.google_reviews")
POSTING = ("google", "requests_oauthlib", "oauthlib")  # Google's client and its crypto; X's OAuth 1.0a signing
# The webhook verifies, parses and enqueues: nothing of storage, posting, tracing, routing frameworks or validation.
NOT_IN_THE_WEBHOOK = (*ADAPTERS, *POSTING, "socialcare.platforms.sandbox", "socialcare.platforms.outbound_http",
                      "socialcare.storage", "socialcare.cases", "socialcare.care", "pynamodb", "requests", "pydantic",
                      "aws_xray_sdk", "aws_lambda_powertools.event_handler",
                      "aws_lambda_powertools.utilities.parameters", "aws_lambda_powertools.utilities.idempotency")
POLLERS = ("poll_x", "poll_google_reviews")


# What a handler's own work never needs, and the handlers whose work does (every other one failing here has brought
# one of them back into its cold start; `make bench` section 1 has the cost, in multiples of `import boto3`):
STEPS = ("enter_step", "notify_team", "escalate_case", "close_case", "post_reply", "send_dm")
ONLY_IN = {
    # the care policy is checked without pydantic: only the platforms' payloads and the agent API's bodies use it
    "pydantic": ("poll_x", "poll_google_reviews", "manage_cases"),
    # the X-Ray SDK where tracing earns it: the steps that call a platform, the pollers, the agent API
    "aws_xray_sdk": ("post_reply", "send_dm", "poll_x", "poll_google_reviews", "manage_cases"),
    # the layer's clients are botocore's; boto3 comes with Powertools' idempotency (and its parameters, for secrets)
    "boto3": ("post_reply", "send_dm", "poll_x", "poll_google_reviews", "manage_cases"),
    # the reply rules compile where replies are checked
    "socialcare.care.reply_phrases": ("post_reply", "send_dm", "manage_cases"),
    # an author's history and the incidents table: intake and the agent API, never a step
    "socialcare.cases.history": ("ingest_mentions", "manage_cases"),
    "socialcare.storage.incidents": ("ingest_mentions", "manage_cases"),
}


def loaded_after(code: str, lambda_like: bool = False) -> set[str]:
    """The modules a fresh interpreter holds after running `code` (`lambda_like`: with LAMBDA_TASK_ROOT set, as
    deployed, where the Tracer patches what it traces)."""
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'layers/domain'}",
           **({"LAMBDA_TASK_ROOT": str(ROOT), "AWS_LAMBDA_FUNCTION_NAME": "cold-start-test"} if lambda_like else {})}
    script = f"import json, sys\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True,
                            check=True)
    return set(json.loads(result.stdout.splitlines()[-1]))


def under(modules: set[str], packages: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == p or m.startswith(p + ".") for p in packages))


def test_the_webhook_handler_imports_no_adapter_nor_anything_of_storage_posting_or_tracing():
    assert under(loaded_after("import functions.receive_webhook.app"), NOT_IN_THE_WEBHOOK) == []


def test_a_generic_delivery_loads_the_generic_adapter_and_no_other_platform():
    modules = loaded_after("from socialcare import platforms\nplatforms.inbound('generic')")
    assert "socialcare.platforms.generic" in modules
    assert under(modules, (*POSTING, *(a for a in ADAPTERS if not a.endswith(".generic")))) == []


@pytest.mark.parametrize("platform, adapter", [("x", "socialcare.platforms.x"), ("meta", "socialcare.platforms.meta")])
def test_reading_a_platform_loads_its_adapter_and_nothing_of_google_or_of_posting_as_the_brand(platform, adapter):
    modules = loaded_after(f"from socialcare import platforms\nplatforms.inbound({platform!r})")
    assert adapter in modules
    assert under(modules, POSTING) == []


def test_no_handler_but_a_poller_loads_a_platform_adapter():
    # one interpreter for them all (a fresh one each would cost the suite seconds): whichever handler loaded one would
    # leave it in sys.modules
    imports = "\n".join(f"import functions.{handler}.app" for handler in HANDLERS if handler not in POLLERS)
    assert under(loaded_after(imports), (*ADAPTERS, *POSTING)) == []


@pytest.mark.parametrize("handler, adapters", [("poll_x", ["socialcare.platforms.x", "socialcare.platforms.x_poll"]),
                                               ("poll_google_reviews", ["socialcare.platforms.google_reviews"])])
def test_a_poller_loads_the_adapter_of_its_platform_alone(handler, adapters):
    modules = loaded_after(f"import functions.{handler}.app")
    assert under(modules, ADAPTERS) == adapters
    if handler == "poll_x":
        assert under(modules, POSTING) == []


@pytest.mark.parametrize("handler", HANDLERS)
def test_a_handler_loads_nothing_that_only_other_handlers_work_needs(handler):
    modules = loaded_after(f"import functions.{handler}.app", lambda_like=True)
    assert [m for m, handlers in ONLY_IN.items() if handler not in handlers and under(modules, (m,))] == []



def test_no_handler_makes_an_aws_client_at_its_import():
    # A client costs a cold start about 0.4 of `import boto3` (its service model, endpoints and rules) when its session
    # made none before. Each is made at its first call, from the one session the layer's clients and PynamoDB's share
    # (socialcare.aws), where the next ones cost a few milliseconds; Powertools' idempotency made one at the import
    # from a boto3 session of its own, and PynamoDB loaded it all again at the first request.
    code = ("import botocore.client\nmade = []\ncreate = botocore.client.ClientCreator.create_client\n"
            "def counting(self, service, *args, **kwargs):\n    made.append(service)\n"
            "    return create(self, service, *args, **kwargs)\n"
            "botocore.client.ClientCreator.create_client = counting\n"
            + "\n".join(f"import functions.{handler}.app" for handler in HANDLERS) + "\nprint(json.dumps(made))")
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'layers/domain'}", "LAMBDA_TASK_ROOT": str(ROOT),
           "AWS_LAMBDA_FUNCTION_NAME": "cold-start-test"}
    result = subprocess.run([sys.executable, "-c", f"import json\n{code}"], env=env, cwd=ROOT, capture_output=True,
                            text=True, check=True)
    assert json.loads(result.stdout.splitlines()[-1]) == []
