"""Mirrors the state machine's steps (functions/enter_step, notify_team, post_reply, send_dm, escalate_case,
close_case): every line logged while a step works on a case carries the case id as correlation_id, and the trace of
a step that runs the X-Ray SDK (the two that call a platform) is annotated with it. The use-case is replaced by a fake
that logs as the layer does."""
from __future__ import annotations

import importlib

import pytest
from aws_lambda_powertools import Logger

from tests.conftest import json_logs

pytestmark = pytest.mark.filterwarnings("ignore:Disabling idempotency")  # post_reply and send_dm, below

CASE_ID = "generic-post-5521"  # the sample events' case
# function -> (the sample event, the use-case its handler calls)
STEPS = {
    "enter_step": ("enter_step.acknowledge", "enter_step"),
    "notify_team": ("notify_team.acknowledge", "await_action"),
    "post_reply": ("post_reply.acknowledgement", "post_public"),
    "send_dm": ("send_dm.handoff_confirmation", "send_private"),
    "escalate_case": ("escalate_case.acknowledge_missed", "escalate"),
    "close_case": ("close_case.dismissed", "close"),
}
TRACED = ("post_reply", "send_dm")  # the steps whose work is mostly a platform's API: the Tracer earns its import
CLOCK = {"step": "ACKNOWLEDGE", "level": 1, "rung": 1, "seconds": 900, "phase": "breach",
         "deadline": "2026-11-22T10:45:00.000Z", "hardLimitReached": False}


@pytest.fixture(autouse=True)
def no_idempotency_table(monkeypatch):
    monkeypatch.setenv("POWERTOOLS_IDEMPOTENCY_DISABLED", "true")  # post_reply and send_dm without DynamoDB


def run_step(function: str, monkeypatch, load_event, lambda_context, result: dict | None = None) -> dict:
    """Run a step's handler on its sample event, its use-case replaced by one that logs a line as the layer does."""
    app = importlib.import_module(f"functions.{function}.app")
    event_name, use_case = STEPS[function]
    annotations = []
    if function in TRACED:
        monkeypatch.setattr(app.tracer, "put_annotation", lambda key, value: annotations.append((key, value)))

    def use_case_that_logs(*args, **kwargs):
        Logger().info("working on the case")  # as socialcare.cases.service's logger would
        return result if result is not None else {"caseId": args[0]}
    monkeypatch.setattr(app.service, use_case, use_case_that_logs)
    app.lambda_handler(load_event(event_name), lambda_context)
    return {"annotations": annotations, "app": app}


@pytest.mark.parametrize("function", sorted(STEPS))
def test_a_step_logs_with_its_case_id_as_correlation_id_and_a_traced_one_annotates_its_trace(
        function, monkeypatch, load_event, lambda_context, caplog):
    logs = json_logs(caplog)
    # Given the case id already set by another case's invocation in the same Lambda environment
    Logger().set_correlation_id("generic-some-other-case")
    # When the step runs for the sample event's case
    ran = run_step(function, monkeypatch, load_event, lambda_context,
                   result=CLOCK if function == "escalate_case" else None)
    # Then what it logged names this case, and so does its trace where the step runs the X-Ray SDK
    [line] = [line for line in logs() if line["message"] == "working on the case"]
    assert line["correlation_id"] == CASE_ID
    assert ran["annotations"] == ([("caseId", CASE_ID)] if function in TRACED else [])
    assert hasattr(ran["app"], "tracer") == (function in TRACED)


def test_an_escalation_is_counted_in_total_and_by_the_level_it_reached(monkeypatch, load_event, lambda_context):
    from functions.escalate_case import app
    added, dimension_sets = [], []
    monkeypatch.setattr(app.metrics, "add_metric", lambda name, unit, value: added.append((name, value)))
    monkeypatch.setattr(app.metrics, "add_dimensions", lambda **dimensions: dimension_sets.append(dimensions))
    run_step("escalate_case", monkeypatch, load_event, lambda_context, result={**CLOCK, "level": 2})
    assert added == [("Escalations", 1)]
    assert dimension_sets == [{"service": "socialcare", "level": "2"}]


@pytest.mark.parametrize(("clock", "metric"), [
    ({**CLOCK, "level": 3, "hardLimitReached": True}, "HardLimitReached"),
    ({**CLOCK, "step": "REQUEST_DM", "level": 1, "hardLimitReached": True}, "DmWaitsEnded"),
    ({**CLOCK, "step": "REQUEST_DM", "level": 1}, "DmReminders"),
])
def test_a_hard_limit_or_the_customers_turn_is_counted_under_its_own_name_without_a_level(
        clock, metric, monkeypatch, load_event, lambda_context):
    from functions.escalate_case import app
    added, dimension_sets = [], []
    monkeypatch.setattr(app.metrics, "add_metric", lambda name, unit, value: added.append(name))
    monkeypatch.setattr(app.metrics, "add_dimensions", lambda **dimensions: dimension_sets.append(dimensions))
    run_step("escalate_case", monkeypatch, load_event, lambda_context, result=clock)
    assert (added, dimension_sets) == ([metric], [])
