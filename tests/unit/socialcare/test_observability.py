"""Mirrors layers/domain/socialcare/observability.py: which metric a clock that ran out and an acknowledgement count
under."""
from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from socialcare import observability

DEADLINE = "2026-11-23T10:00:00.000Z"
BEFORE, AFTER = datetime(2026, 11, 23, 9, 59, 59, tzinfo=UTC), datetime(2026, 11, 23, 10, 0, 1, tzinfo=UTC)


@pytest.mark.parametrize(("step", "warning", "hard_limit", "metric"), [
    ("ACKNOWLEDGE", True, False, "BreachWarnings"),
    ("RESOLVE", True, True, "BreachWarnings"),  # a warning ahead of a repeated hard-limit deadline is still a warning
    ("ACKNOWLEDGE", False, False, "Escalations"),
    ("HAND_OFF", False, True, "HardLimitReached"),
    ("FOLLOW_UP", False, True, "HardLimitReached"),
    # the DM wait is the customer's turn: neither its reminder nor its end is an escalation or a hard limit
    ("REQUEST_DM", False, False, "DmReminders"),
    ("REQUEST_DM", False, True, "DmWaitsEnded"),
])
def test_a_clock_that_ran_out_is_counted_by_what_it_means(step, warning, hard_limit, metric):
    assert observability.escalation_metric(step, warning, hard_limit) == metric


@pytest.mark.parametrize(("level", "deadline", "at", "metric"), [
    (0, DEADLINE, BEFORE, "AcknowledgedWithinSla"),
    (None, DEADLINE, BEFORE, "AcknowledgedWithinSla"),  # a case that never escalated has no level stored
    (0, DEADLINE, AFTER, "AcknowledgedLate"),  # past the deadline, the escalation still on its way
    (1, "2026-11-23T11:00:00.000Z", BEFORE, "AcknowledgedLate"),  # escalated: a later deadline, but late
    (0, None, BEFORE, "AcknowledgedLate"),
])
def test_an_acknowledgement_is_within_the_sla_only_before_the_first_deadline(level, deadline, at, metric):
    case = SimpleNamespace(escalation_level=level, deadline=deadline)
    assert observability.acknowledgement_metric(case, at) == metric

