"""The report route on the local cloud: the facts of real cases run through the state machine, added up for the
period, with the agent's credentials, as ManageCasesFunction's role may read them."""
from __future__ import annotations

from tests.conftest import AGENT, mention
from tests.integration.helpers import act, deliver, wait_until_waiting


def report(cloud, query: str = ""):
    return cloud.http("GET", f"/reports/summary{query}", headers=AGENT)


def test_the_report_adds_up_the_cases_opened_in_the_period(cloud):
    # Given two complaints today, one acknowledged at once and one still waiting
    for mention_id, author in (("rp-1", "6101"), ("rp-2", "6102")):
        deliver(cloud, mention(mention_id, author), delivery_id=f"d-{mention_id}")
        wait_until_waiting(cloud, f"generic-{mention_id}", "acknowledge")
    assert act(cloud, "generic-rp-1", "acknowledge", replyText="So sorry about order A1, Ann. We're on it.").status == 200
    wait_until_waiting(cloud, "generic-rp-1", "customer-dm")
    # When a lead asks for the last 7 days
    answer = report(cloud)
    # Then both are counted, one answered inside its SLA, nothing escalated yet
    assert answer.status == 200, answer
    body = answer.json()
    assert body["period"]["days"] == 7
    assert body["cases"] == {"opened": 2, "closed": 0, "dismissed": 0, "open": 2}
    first = body["firstResponse"]
    assert (first["count"], first["withinSla"], first["slaAttainment"]) == (1, 1, 1.0)
    assert body["escalations"] == {"byLevel": {}, "hardLimits": 0}
    assert body["byPlatform"] == {"generic": {"count": 2, "slaAttainment": 1.0, "csatAverage": None}}
    assert cloud.iam.denials == []


def test_a_bad_period_is_a_400_that_says_why(cloud):
    assert report(cloud, "?from=2026-13-01").status == 400
    answer = report(cloud, "?from=2026-11-20&to=2026-11-01")
    assert answer.status == 400 and "before" in answer.json()["message"]
    assert report(cloud, "?from=2025-01-01&to=2026-11-01").status == 400
    assert report(cloud, "?from=2026-11-01&to=2026-11-07").json()["cases"]["opened"] == 0
