"""Mirrors layers/domain/socialcare/cases/digest.py: the week it covers, the plain-text message a lead reads, and the
page and message it sends (on the local cloud's bucket and topic)."""
from __future__ import annotations

from datetime import date

import boto3

from socialcare.cases import digest
from socialcare.cases.report import summarize
from socialcare.config import settings
from socialcare.storage.facts import FactsRepository

PERIOD = {"from": "2026-11-23", "to": "2026-11-29", "days": 7}


def fact(day: str, **fields) -> dict:
    return {"opened_day": day, "opened_at": f"{day}T10:00:00.000Z", "status": "CLOSED", "platform": "x",
            "team": "support", **fields}


def test_the_week_is_the_seven_utc_days_ending_yesterday():
    assert digest.last_week(date(2026, 11, 30)) == ("2026-11-23", "2026-11-29")


def test_the_message_gives_the_weeks_figures_the_three_things_to_look_at_and_the_link():
    facts = [fact("2026-11-23", first_response_minutes=10, acknowledgement_sla_met=True, csat_asked=True,
                  csat_score=4),
             fact("2026-11-24", first_response_minutes=90, acknowledgement_sla_met=False, team="billing",
                  status="OPEN")]
    text = digest.message(summarize(facts, period=PERIOD), "https://example/link",
                          "s3://bucket/digests/2026-11-23_2026-11-29.html")
    assert text.splitlines()[0] == "Social care, 2026-11-23 to 2026-11-29 (UTC days)"
    assert "Cases: 2 opened, 1 closed, 0 dismissed, 1 still open" in text
    assert "First response inside the SLA: 50% (1 of 2 decided)" in text
    assert "First response time: p50 10 min, p90 90 min" in text
    assert "CSAT: 4.0 of 5 (1 answered of 1 asked)" in text
    assert "1. team billing: 0% of first responses inside the SLA" in text
    assert "https://example/link" in text
    assert ("aws s3 presign s3://bucket/digests/2026-11-23_2026-11-29.html --expires-in 604800") in text


def test_a_quiet_week_says_so_rather_than_inventing_something_to_look_at():
    text = digest.message(summarize([], period=PERIOD), "https://example/link", "s3://b/k")
    assert "Cases: 0 opened" in text and "no SLA decided" in text and "p50 -, p90 -" in text
    assert "1. nothing stood out" in text


def test_the_page_goes_in_the_bucket_and_the_message_to_the_leadership_topic(shared_cloud, monkeypatch):
    FactsRepository().save("x-1", fact("2026-11-25", first_response_minutes=5, acknowledgement_sla_met=True))
    sent = digest.send_weekly(render=lambda summary: f"<p>{summary['cases']['opened']} cases</p>",
                              today=date(2026, 11, 30))
    assert sent == {"from": "2026-11-23", "to": "2026-11-29", "key": "digests/2026-11-23_2026-11-29.html",
                    "opened": 1}
    page = boto3.client("s3").get_object(Bucket=settings().insights_bucket_name, Key=sent["key"])
    assert (page["Body"].read(), page["ContentType"]) == (b"<p>1 cases</p>", "text/html; charset=utf-8")
    [told] = shared_cloud.notifications("LeadershipTopic-inbox")
    assert told["subject"] == "Social care weekly digest 2026-11-23 to 2026-11-29"
    assert "Cases: 1 opened" in told["message"] and "X-Amz-Expires=604800" in told["message"]
