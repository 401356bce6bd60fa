"""Mirrors layers/domain/socialcare/cases/facts.py: a case's measures from the case and its timeline (pure)."""
from __future__ import annotations

import json
from datetime import datetime, time, timezone
from zoneinfo import ZoneInfo

from socialcare import observability
from socialcare.care.business_time import BusinessCalendar, Interval
from socialcare.cases.facts import compute
from socialcare.storage.records import CaseRecord

UTC = ZoneInfo("UTC")
OFFICE = BusinessCalendar(UTC, ((Interval(time(8), time(18)),),) * 5 + ((), ()))  # Mon-Fri 08:00-18:00 UTC
OPENED = "2026-11-27T17:50:00.000Z"  # a Friday, 10 minutes before closing time


def entry(at: str, event: str, **detail) -> CaseRecord:
    return CaseRecord("c-1", f"TL#{event}:{at}", at=at, event=event, detail=detail)


def a_case(**fields) -> CaseRecord:
    values = {"status": "OPEN", "opened_at": OPENED, "platform": "x", "intent": "complaint", "topic": "delivery",
              "team": "deliveries", "priority": "high", **fields}
    return CaseRecord("c-1", "CASE", **values)


OPENING = entry(OPENED, "case opened", kind="mention", reach="medium", repeatedContact=True)
ACK_STEP = entry("2026-11-27T17:50:01.000Z", "step", step="ACKNOWLEDGE", deadline="2026-11-30T08:50:01.000Z")


def test_a_case_through_every_step_has_exact_minutes_business_minutes_and_times_to_each_milestone():
    # Given a case opened Friday 17:50, escalated twice over the weekend, acknowledged Monday 08:30...
    timeline = [
        OPENING, ACK_STEP,
        entry("2026-11-28T13:50:00.000Z", "promise at risk", step="ACKNOWLEDGE"),
        entry("2026-11-28T17:50:00.000Z", "promise broken", step="ACKNOWLEDGE"),
        entry("2026-11-30T08:50:05.000Z", "escalated", step="ACKNOWLEDGE", level=1),
        entry("2026-11-30T08:29:00.000Z", "acknowledge", step="ACKNOWLEDGE", by="ann"),
        entry("2026-11-30T08:30:00.000Z", "posted publicly", kind="acknowledgement", text="Sorry, Ann"),
        entry("2026-11-30T08:31:00.000Z", "escalated", step="REQUEST_DM", level=1),  # the customer's turn
        entry("2026-11-30T08:32:00.000Z", "hard-limit", step="REQUEST_DM", level=2),
        entry("2026-11-30T09:00:00.000Z", "step", step="HAND_OFF", deadline="2026-11-30T09:30:00.000Z"),
        entry("2026-11-30T09:20:00.000Z", "claim", step="HAND_OFF", owner="bob"),
        entry("2026-11-30T12:00:00.000Z", "resolve", step="RESOLVE"),
        entry("2026-11-30T12:44:00.000Z", "follow-up", step="FOLLOW_UP"),
        entry("2026-11-30T12:45:00.000Z", "posted publicly", kind="follow-up", text="Fixed"),
        entry("2026-11-30T12:46:00.000Z", "closed", outcome="resolved", reason="resolved"),
    ]
    case = a_case(status="CLOSED", closed_at="2026-11-30T12:46:00.000Z", closed_reason="resolved", incident_id="i-1")
    # When its facts are computed
    facts = compute(case, timeline, OFFICE)
    # Then the first response is the post: 62 h 40 min on the wall clock, 40 business minutes (10 Fri + 30 Mon)
    assert (facts["first_response_at"], facts["first_response_kind"]) == ("2026-11-30T08:30:00.000Z",
                                                                            "acknowledgement")
    assert (facts["first_response_minutes"], facts["first_response_business_minutes"]) == (3760.0, 40.0)
    # And it met the acknowledgement SLA (before Monday 08:50), but not the 24-hour promise
    assert (facts["acknowledgement_sla_met"], facts["promise_met"]) == (True, False)
    # And the ladder counts the team's rungs only, not the DM wait's
    assert (facts["highest_escalation_level"], facts["hard_limit_reached"]) == (1, False)
    # And claim 20 min after the hand-off, resolved 66 h 10 min after opening, followed up 45 min after
    assert (facts["minutes_to_claim"], facts["minutes_to_resolve"], facts["minutes_to_follow_up"]) == (
        20.0, 3970.0, 45.0)
    assert facts["followed_up_at"] == "2026-11-30T12:45:00.000Z"
    assert {k: facts[k] for k in ("opened_day", "status", "outcome", "dismiss_reason", "platform", "kind",
                                  "visibility", "intent", "topic", "team", "priority", "reach", "incident_id",
                                  "repeat_contact", "csat_score")} == {
        "opened_day": "2026-11-27", "status": "CLOSED", "outcome": "resolved", "dismiss_reason": None,
        "platform": "x", "kind": "mention", "visibility": "public", "intent": "complaint", "topic": "delivery",
        "team": "deliveries", "priority": "high", "reach": "medium", "incident_id": "i-1", "repeat_contact": True,
        "csat_score": None}


def test_a_response_after_the_deadline_missed_the_sla_and_a_hard_limit_is_kept():
    timeline = [OPENING, ACK_STEP,
                entry("2026-11-30T08:50:05.000Z", "escalated", step="ACKNOWLEDGE", level=1),
                entry("2026-11-30T10:00:00.000Z", "hard-limit", step="ACKNOWLEDGE", level=3),
                entry("2026-11-30T10:05:00.000Z", "sent privately", kind="answer")]
    facts = compute(a_case(visibility="private"), timeline, OFFICE)
    assert (facts["acknowledgement_sla_met"], facts["promise_met"], facts["visibility"]) == (False, True, "private")
    assert (facts["highest_escalation_level"], facts["hard_limit_reached"]) == (3, True)
    assert facts["first_response_business_minutes"] == 10 + 125  # Fri 17:50-18:00, Mon 08:00-10:05


def test_no_response_yet_is_judged_only_once_the_deadline_passed():
    timeline = [OPENING, ACK_STEP]
    before = datetime(2026, 11, 30, 8, 0, tzinfo=timezone.utc)
    after = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)
    assert compute(a_case(), timeline, OFFICE, now=before)["acknowledgement_sla_met"] is None
    assert compute(a_case(), timeline, OFFICE, now=after)["acknowledgement_sla_met"] is False
    assert compute(a_case(), timeline, OFFICE, now=after)["first_response_minutes"] is None


def test_a_case_dismissed_before_its_deadline_keeps_the_reason_and_has_no_sla():
    closing = entry("2026-11-27T18:30:00.000Z", "closed", outcome="dismissed", reason="spam")
    case = a_case(status="DISMISSED", closed_at="2026-11-27T18:30:00.000Z", closed_reason="spam")
    facts = compute(case, [OPENING, ACK_STEP, closing], OFFICE, now=datetime(2026, 12, 9, tzinfo=timezone.utc))
    assert (facts["outcome"], facts["dismiss_reason"], facts["acknowledgement_sla_met"]) == ("dismissed", "spam", None)
    assert facts["promise_met"] is None and facts["minutes_to_claim"] is None


def test_a_csat_score_on_the_case_is_kept_when_the_case_has_one():
    case = a_case()
    case.csat_score = 4  # the attribute the CSAT work adds to CaseRecord (read with getattr until then)
    assert compute(case, [OPENING, ACK_STEP], OFFICE)["csat_score"] == 4


def test_the_metrics_carry_platform_and_team_and_a_score(capsys):
    observability.publish_first_response({"platform": "x", "team": "deliveries", "first_response_minutes": 12.5,
                                          "acknowledgement_sla_met": True})
    observability.record_csat_metric(5, "meta", None)
    lines = capsys.readouterr().out.splitlines()
    assert [next(m["Name"] for m in json.loads(line)["_aws"]["CloudWatchMetrics"][0]["Metrics"])
            for line in lines] == ["FirstResponseMinutes", "AcknowledgementSlaMet", "CsatScore"]
    assert '"platform":"x","team":"deliveries","FirstResponseMinutes":[12.5]' in lines[0]
    assert '"platform":"meta","team":"none","CsatScore":[5.0]' in lines[2]
