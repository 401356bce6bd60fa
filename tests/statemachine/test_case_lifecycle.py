"""Mirrors statemachines/case_lifecycle.asl.json: names read like the case lifecycle, every Lambda Task retries the
same transient errors, every human wait escalates on its clock, and every placeholder is substituted by the template."""
import json
import re

import pytest

from local.template import ROOT, load_template, resources_of_type

ASL_PATH = "statemachines/case_lifecycle.asl.json"
ASL_TEXT = (ROOT / ASL_PATH).read_text()
ASL = json.loads(ASL_TEXT)
STATES = ASL["States"]

PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")
LAMBDA_PLACEHOLDER = re.compile(r"^\$\{[A-Za-z0-9]+FunctionArn\}$")
CALLBACK_SUFFIX = ".waitForTaskToken"

# The lifecycle's verbs. A new Task whose name does not start with a verb (e.g. "Case Opener", "Lambda Notify") fails
# here; add the verb when it really is one.
VERBS = {"Open", "Await", "Post", "Request", "Invite", "Remind", "Confirm", "Hand", "Start", "Close", "Escalate",
         "Dismiss", "Record", "Notify", "Send", "Claim", "Resolve", "Acknowledge", "Follow", "Check", "Reopen", "Ask"}
SERVICE_WORDS = {"lambda", "dynamodb", "sns", "sqs", "sfn", "stepfunctions", "function", "invoke", "api", "http"}

LAMBDA_RETRY = {
    "ErrorEquals": ["Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException",
                    "Lambda.TooManyRequestsException", "ChannelUnavailableError"],
    "IntervalSeconds": 2,
    "MaxAttempts": 6,
    "BackoffRate": 2.0,
    "JitterStrategy": "FULL",
}


def of_type(kind: str) -> list[str]:
    return [name for name, state in STATES.items() if state["Type"] == kind]


def is_lambda_task(state: dict) -> bool:
    resource = state.get("Resource", "")
    return state["Type"] == "Task" and (bool(LAMBDA_PLACEHOLDER.match(resource))
                                        or resource.startswith("arn:aws:states:::lambda:invoke"))


def is_callback(state: dict) -> bool:
    return state["Type"] == "Task" and state.get("Resource", "").endswith(CALLBACK_SUFFIX)


TASKS = of_type("Task")
LAMBDA_TASKS = [name for name in TASKS if is_lambda_task(STATES[name])]
CALLBACKS = [name for name in TASKS if is_callback(STATES[name])]


def walk(node, path=()):
    """Every (path, key, value) of the definition."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield path, key, value
            yield from walk(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, (*path, index))


def substitutions() -> dict:
    machines = [m for m in resources_of_type(load_template(), "AWS::Serverless::StateMachine").values()
                if m["Properties"].get("DefinitionUri") == ASL_PATH]
    assert len(machines) == 1, f"template.yaml should define one state machine from {ASL_PATH}"
    return machines[0]["Properties"].get("DefinitionSubstitutions", {})


def test_the_definition_has_the_states_the_lifecycle_needs():
    # Guards the parametrized tests below against passing on an empty list
    assert ASL["StartAt"] == "Open Case"
    assert len(LAMBDA_TASKS) >= 10 and len(CALLBACKS) == 5 and of_type("Choice")


# -- names -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", TASKS)
def test_a_task_is_named_verb_object(name):
    words = name.split(" ")
    assert len(words) >= 2, f"{name!r}: a Task is named 'Verb Object'"
    assert all(word[:1].isupper() for word in words), f"{name!r}: every word capitalised"
    assert words[0] in VERBS, f"{name!r} does not start with a verb of the lifecycle"


@pytest.mark.parametrize("name", of_type("Choice"))
def test_a_choice_is_named_as_a_question(name):
    assert name.endswith("?")


@pytest.mark.parametrize("name", [n for n in STATES if STATES[n]["Type"] != "Choice"])
def test_only_a_choice_is_named_as_a_question(name):
    assert not name.endswith("?")


@pytest.mark.parametrize("name", CALLBACKS)
def test_a_callback_is_named_await_something(name):
    assert name.startswith("Await ")


@pytest.mark.parametrize("name", [n for n in STATES if n.startswith("Await")])
def test_only_a_callback_is_named_await_something(name):
    assert is_callback(STATES[name]), f"{name!r} is named as a callback but does not wait for a task token"


def test_a_wait_is_named_wait_until_something():
    assert [name for name in of_type("Wait") if not name.startswith("Wait Until ")] == []


def test_the_lifecycle_ends_only_in_case_closed_or_case_failed():
    ends = {name: state["Type"] for name, state in STATES.items()
            if state["Type"] in ("Succeed", "Fail") or state.get("End")}
    assert ends == {"Case Closed": "Succeed", "Case Failed": "Fail"}


@pytest.mark.parametrize("name", STATES)
def test_a_state_name_keeps_service_names_out(name):
    assert not {word.lower().strip("?") for word in re.split(r"[ -]", name)} & SERVICE_WORDS


def test_every_transition_leads_to_a_state_that_exists():
    targets = {(name, value) for name, state in STATES.items() for _, key, value in walk(state)
               if key in ("Next", "Default")}
    assert targets, "the definition should have transitions"
    assert {(name, target) for name, target in targets if target not in STATES} == set()


def test_every_state_can_be_reached_from_the_start():
    reached, todo = set(), [ASL["StartAt"]]
    while todo:
        name = todo.pop()
        if name not in reached:
            reached.add(name)
            todo += [v for _, key, v in walk(STATES[name]) if key in ("Next", "Default") and v in STATES]
    assert set(STATES) - reached == set()


# -- retries -----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", LAMBDA_TASKS)
def test_a_lambda_task_retries_transient_errors_with_backoff_and_jitter(name):
    retries = STATES[name].get("Retry", [])
    assert len(retries) == 1, f"{name!r} should have exactly one Retry block"
    [retry] = retries
    assert sorted(retry["ErrorEquals"]) == sorted(LAMBDA_RETRY["ErrorEquals"])
    assert {k: v for k, v in retry.items() if k != "ErrorEquals"} == {
        k: v for k, v in LAMBDA_RETRY.items() if k != "ErrorEquals"}


@pytest.mark.parametrize("name", [n for n in STATES if STATES[n].get("Catch")])
def test_every_catch_keeps_the_case_and_records_the_error(name):
    # The error goes under $.error, next to the case, never in its place. Record Case Failure keeps its own error
    # apart ($.closeError), so the error that failed the case is not overwritten.
    expected = "$.closeError" if name == "Record Case Failure" else "$.error"
    assert [c.get("ResultPath") for c in STATES[name]["Catch"]] == [expected] * len(STATES[name]["Catch"])


# -- human waits -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", CALLBACKS)
def test_a_human_wait_times_out_on_its_clock_passed_as_data(name):
    state = STATES[name]
    assert state.get("TimeoutSecondsPath"), f"{name!r} needs TimeoutSecondsPath"
    assert "TimeoutSeconds" not in state


@pytest.mark.parametrize("name", CALLBACKS)
def test_a_missed_deadline_escalates_the_case(name):
    catches = {tuple(sorted(c["ErrorEquals"])): c["Next"] for c in STATES[name].get("Catch", [])}
    assert catches.get(("States.HeartbeatTimeout", "States.Timeout")) == "Escalate Case"


@pytest.mark.parametrize("name", CALLBACKS)
def test_a_dismissal_during_a_wait_dismisses_the_case(name):
    catches = {tuple(c["ErrorEquals"]): c["Next"] for c in STATES[name].get("Catch", [])}
    assert catches.get(("CaseDismissed",)) == "Dismiss Case"


@pytest.mark.parametrize("name", CALLBACKS)
def test_a_catch_all_comes_after_the_specific_catches(name):
    errors = [c["ErrorEquals"] for c in STATES[name]["Catch"]]
    assert ["States.ALL"] not in errors[:-1], f"{name!r}: States.ALL must be the last Catch"


# -- substitutions -----------------------------------------------------------------------------------------------
def test_every_placeholder_has_a_substitution_in_the_template_and_every_substitution_is_used():
    used = set(PLACEHOLDER.findall(ASL_TEXT))
    assert used, "the definition should reference its functions through placeholders"
    assert used == set(substitutions())


def test_every_placeholder_is_a_whole_quoted_string():
    partial = [(path, key, value) for path, key, value in walk(ASL)
               if isinstance(value, str) and "${" in value and not PLACEHOLDER.fullmatch(value)]
    assert partial == []


def test_every_substitution_names_a_function_of_the_template():
    functions = set(resources_of_type(load_template(), "AWS::Serverless::Function"))
    for name, value in substitutions().items():
        logical_id = value["Fn::GetAtt"][0] if isinstance(value, dict) and "Fn::GetAtt" in value else None
        assert logical_id in functions, f"{name} -> {value}"
        assert name == f"{logical_id}Arn"


# -- what moto can run -------------------------------------------------------------------------------------------
def test_the_definition_uses_jsonpath_only():
    assert "QueryLanguage" not in ASL
    offending = [(path, key) for path, key, _ in walk(ASL)
                 if key in ("QueryLanguage", "Assign", "Arguments", "Output")]
    assert offending == []
    assert not [value for _, _, value in walk(ASL) if isinstance(value, str) and value.strip().startswith("{%")]
