"""What the functions tell whoever runs the stack: the metrics they emit, and the case id their logs and traces carry.

Metrics go to the namespace POWERTOOLS_METRICS_NAMESPACE (SocialCare) with the dimension `service`
(POWERTOOLS_SERVICE_NAME, socialcare). template.yaml's alarms and dashboard name them, so the names below are stable
strings: renaming one silently empties its alarm and its graph (tests/integration/test_operability.py checks that the
template names each of them). docs/operations.md says what each one means.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit, single_metric

from socialcare.cases import clocks, lifecycle

if TYPE_CHECKING:
    from aws_lambda_powertools import Tracer

    from socialcare.storage.records import CaseRecord

# What the traced functions (the platform callers and the agent API) have X-Ray patch: their AWS calls and their calls
# to the platforms. Tracer's default patches every library the SDK knows, which they do not use.
TRACED_MODULES = ("botocore", "requests")
# ingest_mentions: one per mention, named after its ingest outcome (socialcare.ingest: opened, attached, ...)
MENTIONS_PREFIX = "Mentions-"
# escalate_case: one per clock that ran out
BREACH_WARNINGS = "BreachWarnings"  # a wait's warning time came: whoever must act hears that the deadline is close
ESCALATIONS = "Escalations"  # a team missed a deadline: the next tier was told (also with the dimension `level`)
HARD_LIMIT_REACHED = "HardLimitReached"  # past the last tier: the top tier is told again until someone acts
DM_REMINDERS = "DmReminders"  # the customer did not write privately in time: one reminder
DM_WAITS_ENDED = "DmWaitsEnded"  # nor after the reminder: handed off without private contact (normal, no alarm)
# manage_cases: one per acknowledgement an agent gave
ACKNOWLEDGED_WITHIN_SLA = "AcknowledgedWithinSla"
ACKNOWLEDGED_LATE = "AcknowledgedLate"
# post_reply / send_dm: once per case, as our first response reaches the customer (cases/facts.py), with the
# dimensions service, platform and team; CsatScore wherever a customer's score is recorded (record_csat_metric)
FIRST_RESPONSE_MINUTES = "FirstResponseMinutes"  # wall-clock minutes from the opening mention to our first response
ACKNOWLEDGEMENT_SLA_MET = "AcknowledgementSlaMet"  # that response came by the acknowledgement deadline
ACKNOWLEDGEMENT_SLA_MISSED = "AcknowledgementSlaMissed"
CSAT_SCORE = "CsatScore"  # the customer's satisfaction score, 1 to 5
CASE_DIMENSIONS = ("platform", "team")  # besides `service`

CASE_ID_PATH = "caseId"  # where the state machine puts the case id in every step's event (the ASL's Parameters)


def mention_metric(outcome: str) -> str:
    return f"{MENTIONS_PREFIX}{outcome}"


def escalation_metric(step: str, warning: bool, hard_limit_reached: bool) -> str:
    """The metric of a clock that ran out. The DM wait is the customer's turn: its reminder and its end are not
    escalations, and its end is no hard limit (the case is handed off without the DM, as it should be)."""
    if warning:
        return BREACH_WARNINGS
    if step == lifecycle.REQUEST_DM:
        return DM_WAITS_ENDED if hard_limit_reached else DM_REMINDERS
    return HARD_LIMIT_REACHED if hard_limit_reached else ESCALATIONS


def acknowledgement_metric(case: CaseRecord, acknowledged_at: datetime | None = None) -> str:
    """Within the SLA: acknowledged before the acknowledgement clock's first deadline (AckSlaMinutes of business time).
    `case` is the case as it was when the agent acted (read before the action: the next step resets the clock). At
    escalation level 0 its deadline is the SLA's; a case that had climbed the ladder, or whose deadline had passed with
    the escalation still on its way, was acknowledged late."""
    acknowledged_at = acknowledged_at or clocks.now()
    within = (not case.escalation_level and case.deadline is not None
              and acknowledged_at <= clocks.parse(case.deadline))
    return ACKNOWLEDGED_WITHIN_SLA if within else ACKNOWLEDGED_LATE


def _case_metric(name: str, unit: MetricUnit, value: float, platform: str | None, team: str | None) -> None:
    """One metric in its own EMF line with the dimensions service, platform and team (not the handler's metric set:
    its dimensions are the handler's)."""
    dimensions = {"service": Metrics().service or "socialcare",  # POWERTOOLS_SERVICE_NAME, as every metric has
                  "platform": platform or "unknown", "team": team or "none"}
    with single_metric(name=name, unit=unit, value=value, default_dimensions=dimensions):
        pass


def publish_first_response(facts: dict) -> None:
    """The first response's metrics, from the case's facts: its minutes and whether it met the acknowledgement SLA."""
    platform, team = facts.get("platform"), facts.get("team")
    _case_metric(FIRST_RESPONSE_MINUTES, MetricUnit.NoUnit, facts["first_response_minutes"], platform, team)
    met = facts.get("acknowledgement_sla_met")
    if met is not None:
        name = ACKNOWLEDGEMENT_SLA_MET if met else ACKNOWLEDGEMENT_SLA_MISSED
        _case_metric(name, MetricUnit.Count, 1, platform, team)


def record_csat_metric(score: int, platform: str | None, team: str | None) -> None:
    """A customer's satisfaction score (1 to 5), for whoever records one: the dashboard averages it."""
    _case_metric(CSAT_SCORE, MetricUnit.NoUnit, score, platform, team)


def annotate_case(tracer: Tracer, case_id_of: Callable[[dict], str] = lambda event: event[CASE_ID_PATH]):
    """A handler decorator: annotate the invocation's trace with its case id (X-Ray filter expression
    `annotation.caseId = "x-1200"`) before the handler runs, so a step that returns its stored result (idempotency)
    is found too. Goes under @tracer.capture_lambda_handler."""
    def decorate(handler):
        @functools.wraps(handler)
        def annotated(event: dict, context):
            tracer.put_annotation(key="caseId", value=case_id_of(event))
            return handler(event, context)
        return annotated
    return decorate
