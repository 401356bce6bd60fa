"""The report route on the local cloud: the facts of real cases run through the state machine, added up for the
period, with the agent's credentials, as ManageCasesFunction's role may read them."""
from __future__ import annotations

from socialcare.cases import clocks
from tests.conftest import mention
from tests.integration.helpers import act, customer_dm, deliver, show, wait_until_waiting


def report(cloud, query: str = ""):
    return cloud.http("GET", f"/reports/summary{query}", headers=cloud.signed_in())


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


def minutes_between(start: str, end: str) -> float:
    return round((clocks.parse(end) - clocks.parse(start)).total_seconds() / 60, 2)


def nearest_rank(values: list[float], percent: int) -> float:
    ordered = sorted(values)
    return ordered[-(-len(ordered) * percent // 100) - 1]


def test_cases_with_known_timings_give_the_figures_computed_by_hand(make_cloud):
    # Given a 12 s acknowledgement SLA (around the clock: business time is wall time) and six complaints
    cloud = make_cloud(ACK_SLA_SECONDS=12, ACK_HARD_LIMIT_SECONDS=600, MAX_ESCALATION_LEVEL=3,
                       PRE_BREACH_WARNING_SECONDS=0, DM_WAIT_SECONDS=600)
    ids = [f"generic-kt-{n}" for n in range(1, 7)]
    for n, case_id in enumerate(ids, start=1):
        deliver(cloud, mention(f"kt-{n}", f"62{n:02d}"), delivery_id=f"d-kt-{n}")
    for case_id in ids:
        wait_until_waiting(cloud, case_id, "acknowledge")
    # When three are acknowledged at once, one is dismissed as spam, and two wait past the SLA
    replies = ["So sorry about the late parcel, Ann. We're on it.", "Hi Raj, that missing refund isn't right. Looking now.",
               "Thanks for flagging the broken app, Mo; our team is checking it."]
    for case_id, reply in zip(ids[:3], replies):
        assert act(cloud, case_id, "acknowledge", replyText=reply).status == 200
    assert act(cloud, ids[5], "dismiss", reason="spam").status == 200
    for case_id in ids[3:5]:
        cloud.wait_for(lambda c=case_id: show(cloud, c)["escalationLevel"] >= 1, timeout=30, what="level 1")
    # and one of those two is acknowledged late; the first two are resolved
    assert act(cloud, ids[3], "acknowledge", replyText="Apologies for the slow reply, Lee: the courier is on it.").status == 200
    for n, case_id in enumerate(ids[:2], start=1):
        wait_until_waiting(cloud, case_id, "customer-dm")
        customer_dm(cloud, f"kt-{n}-dm", author_id=f"62{n:02d}", text="Order A1, ann@example.com")
        wait_until_waiting(cloud, case_id, "claim")
        assert act(cloud, case_id, "claim", owner="bob").status == 200
        wait_until_waiting(cloud, case_id, "resolve")
        assert act(cloud, case_id, "resolve", summary="refunded", publicNote="A replacement is on its way.").status \
            == 200
    for case_id in ids[:2]:  # the resolution reaches the facts as the case moves on to its follow-up
        wait_until_waiting(cloud, case_id, "follow-up")
    wait_until_waiting(cloud, ids[3], "customer-dm")
    cases = {case_id: show(cloud, case_id) for case_id in ids}
    body = report(cloud).json()

    # Then the figures are those we compute from the cases' own timelines
    def first_post(case):
        return next(e["at"] for e in case["timeline"] if e["event"] == "posted publicly")
    responses = [minutes_between(cases[c]["openedAt"], first_post(cases[c])) for c in ids[:4]]
    resolutions = [minutes_between(cases[c]["openedAt"], next(e["at"] for e in cases[c]["timeline"]
                                                                if e["event"] == "resolve")) / 60 for c in ids[:2]]
    levels = [max([e["level"] for e in cases[c]["timeline"] if e["event"] in ("escalated", "hard-limit")], default=0)
              for c in ids]
    assert body["cases"] == {"opened": 6, "closed": 0, "dismissed": 1, "open": 5}
    first = body["firstResponse"]
    # 4 responded; decided: those 4 and the one still unanswered past its deadline (the spam had none): 3 of 5
    assert (first["count"], first["slaDecided"], first["withinSla"], first["slaAttainment"]) == (4, 5, 3, 0.6)
    assert (first["p50Minutes"], first["p90Minutes"]) == (nearest_rank(responses, 50), nearest_rank(responses, 90))
    assert (first["p50BusinessMinutes"], first["p90BusinessMinutes"]) == (first["p50Minutes"], first["p90Minutes"])
    assert first["slaMinutes"] == 0.2 and sum(b["count"] for b in first["spread"]) == 4
    assert body["resolution"]["count"] == 2
    assert body["resolution"]["p50Hours"] == round(nearest_rank(resolutions, 50), 2)
    assert body["resolution"]["p90Hours"] == round(nearest_rank(resolutions, 90), 2)
    assert levels == [0, 0, 0, 1, 1, 0]  # the next rung is 196 s after the first
    assert body["escalations"]["byLevel"] == {str(level): sum(1 for h in levels if h >= level)
                                              for level in range(1, max(levels) + 1)}
    assert body["byOutcome"]["dismissed"]["count"] == 1 and body["byOutcome"]["none"]["count"] == 5
    assert [day["opened"] for day in body["daily"]][-1] == 6
    assert body["highlights"][0] == "platform generic: 60% of first responses inside the SLA"
