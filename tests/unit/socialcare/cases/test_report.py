"""Mirrors layers/domain/socialcare/cases/report.py: a set of case facts with known timings gives a report whose
counts, attainment and percentiles are what we compute here by hand."""
from __future__ import annotations

from socialcare.cases.report import summarize


def fact(status="CLOSED", outcome="resolved", minutes=None, business=None, sla=None, resolve=None, level=0,
         hard=False, platform="x", topic=None, team="support", priority="normal", incident=None, csat=None,
         day="2026-11-02", asked=None, stars=None) -> dict:
    return {"opened_day": day, "status": status, "outcome": outcome, "first_response_minutes": minutes,
            "first_response_business_minutes": business, "acknowledgement_sla_met": sla, "minutes_to_resolve": resolve,
            "highest_escalation_level": level, "hard_limit_reached": hard, "platform": platform, "topic": topic,
            "team": team, "priority": priority, "incident_id": incident, "csat_asked": bool(asked or csat),
            "csat_score": csat, "first_response_at": "t" if minutes is not None else None,
            "review_rating_before": stars[0] if stars else None, "review_rating_after": stars[1] if stars else None}


# Ten cases opened in the period: first responses of 5, 10, ..., 40 minutes (8 answered, 6 inside the SLA, 2 late,
# one still unanswered past its deadline, one spam dismissed before it), resolutions of 2, 4 and 30 hours.
FACTS = [
    fact(minutes=5, business=5, sla=True, resolve=120, topic="delivery", csat=5, incident="incident-delivery-1"),
    fact(minutes=10, business=10, sla=True, resolve=240, topic="delivery", csat=4, incident="incident-delivery-1"),
    fact(minutes=15, business=15, sla=True, resolve=1800, topic="delivery", csat=1, platform="meta", team="billing"),
    fact(minutes=20, business=20, sla=True, topic="app", platform="meta", status="OPEN", outcome=None, asked=True),
    fact(minutes=25, business=25, sla=True, outcome="answered", topic="app", platform="google", stars=(2, 4)),
    fact(minutes=30, business=30, sla=True, outcome="answered", platform="google", stars=(3, 3), day="2026-11-03"),
    fact(minutes=35, business=35, sla=False, level=1, status="OPEN", outcome=None, topic="payments", day="2026-11-03"),
    fact(minutes=40, business=0, sla=False, level=2, priority="high", status="OPEN", outcome=None, day="2026-11-03"),
    fact(sla=False, level=3, hard=True, status="OPEN", outcome=None, priority="high", topic="payments",
         day="2026-11-03"),
    fact(status="DISMISSED", outcome="dismissed", day="2026-11-03"),
]
PREVIOUS = [fact(topic="app"), fact(topic="app"), fact(topic="app"), fact(topic="payments")]


def test_the_counts_the_attainment_and_the_percentiles_are_those_computed_by_hand():
    report = summarize(FACTS, PREVIOUS)
    assert report["cases"] == {"opened": 10, "closed": 5, "dismissed": 1, "open": 4}
    # 8 responded; the SLA is decided for 9 (8 responded + 1 unanswered past it), 6 met: 6/9
    first = report["firstResponse"]
    assert (first["count"], first["slaDecided"], first["withinSla"], first["slaAttainment"]) == (8, 9, 6, 0.6667)
    # nearest rank over 5..40: p50 is the 4th (20), p90 the ceil(7.2) = 8th (40); business: 0,5,...,35 → 15 and 35
    assert (first["p50Minutes"], first["p90Minutes"]) == (20, 40)
    assert (first["p50BusinessMinutes"], first["p90BusinessMinutes"]) == (15, 35)
    # resolutions of 2, 4 and 30 hours: p50 the 2nd (4), p90 the 3rd (30)
    assert report["resolution"] == {"count": 3, "p50Hours": 4, "p90Hours": 30}


def test_escalations_groups_topics_incidents_and_satisfaction_are_added_up():
    report = summarize(FACTS, PREVIOUS)
    assert report["escalations"] == {"byLevel": {"1": 3, "2": 2, "3": 1}, "hardLimits": 1}
    assert report["byPlatform"] == {"google": {"count": 2, "slaAttainment": 1.0, "csatAverage": None},
                                    "meta": {"count": 2, "slaAttainment": 1.0, "csatAverage": 1.0},
                                    "x": {"count": 6, "slaAttainment": 0.4, "csatAverage": 4.5}}
    assert report["byOutcome"]["none"] == {"count": 4, "slaAttainment": 0.25, "csatAverage": None}
    assert report["byPriority"]["high"] == {"count": 2, "slaAttainment": 0.0, "csatAverage": None}
    # delivery rose from 0 to 3, payments from 1 to 2, app fell from 3 to 2
    assert report["topics"] == [{"topic": "delivery", "count": 3, "previous": 0, "change": 3},
                                {"topic": "payments", "count": 2, "previous": 1, "change": 1},
                                {"topic": "app", "count": 2, "previous": 3, "change": -1}]
    assert report["incidents"] == {"count": 1, "cases": 2}
    # asked: the 3 who answered and 1 who did not; two Google reviews answered, one raised from 2 to 4 stars
    assert report["csat"] == {"asked": 4, "answered": 3, "average": 3.33,
                              "distribution": {"1": 1, "2": 0, "3": 0, "4": 1, "5": 1},
                              "reviews": {"answered": 2, "averageBefore": 2.5, "averageAfter": 3.5, "raised": 1,
                                          "lowered": 0}}


def test_the_days_of_the_period_each_have_their_cases_and_attainment_none_left_out():
    period = {"from": "2026-11-01", "to": "2026-11-04", "days": 4}
    daily = summarize(FACTS, PREVIOUS, period=period)["daily"]
    assert daily == [
        {"day": "2026-11-01", "opened": 0, "slaDecided": 0, "withinSla": 0, "slaAttainment": None},
        {"day": "2026-11-02", "opened": 5, "slaDecided": 5, "withinSla": 5, "slaAttainment": 1.0},
        {"day": "2026-11-03", "opened": 5, "slaDecided": 4, "withinSla": 1, "slaAttainment": 0.25},
        {"day": "2026-11-04", "opened": 0, "slaDecided": 0, "withinSla": 0, "slaAttainment": None}]


def test_the_spread_counts_first_responses_by_multiples_of_the_sla():
    # an SLA of 20 business minutes: edges 5, 10, 20, 40, 80, 160, 480; responses 0, 5, 10, ..., 35
    first = summarize(FACTS, sla_minutes=20)["firstResponse"]
    assert first["slaMinutes"] == 20
    assert [(bucket["upToMinutes"], bucket["count"]) for bucket in first["spread"]] == [
        (5, 2), (10, 1), (20, 2), (40, 3), (80, 0), (160, 0), (480, 0), (None, 0)]


def test_the_highlights_name_the_worst_attaining_group_the_fastest_rising_topic_and_the_lowest_scoring_team():
    assert summarize(FACTS, PREVIOUS)["highlights"] == [
        "priority high: 0% of first responses inside the SLA",
        "topic delivery is rising: 3 cases against 0 before",
        "team billing: customers scored us 1.0 of 5 on average"]


def test_an_empty_period_reports_zeros_and_no_percentiles():
    report = summarize([])
    assert report["cases"] == {"opened": 0, "closed": 0, "dismissed": 0, "open": 0}
    assert report["firstResponse"]["slaAttainment"] is None and report["firstResponse"]["p50Minutes"] is None
    assert report["escalations"] == {"byLevel": {}, "hardLimits": 0} and report["csat"]["average"] is None
    assert report["highlights"] == [] and report["daily"] == []
