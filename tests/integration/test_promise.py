"""The wall-clock promise through the real ASL (clocks compressed to seconds): the top tier is warned before it runs
out; at the limit a holding reply in the customer's words is posted once and the case is marked; the business
ladder climbs as before; a reply in time prevents both; a later post starts a new promise."""
from __future__ import annotations

import time

from tests.conftest import mention
from tests.integration.helpers import act, deliver, escalations, run_to_acknowledged, show, wait_until_waiting

PROMISE = {"PROMISE_SECONDS": 3, "PROMISE_WARNING_SECONDS": 2, "PRE_BREACH_WARNING_SECONDS": 0}


def posts(case: dict, kind: str) -> list[dict]:
    return [e for e in case["timeline"] if e["event"] == "posted publicly" and e["kind"] == kind]


def test_an_unanswered_post_warns_the_top_tier_then_gets_one_holding_reply_and_the_ladder_climbs_as_before(make_cloud):
    # Given a 3 s promise warned 2 s before, and a business SLA (6 s) that runs out after it
    cloud = make_cloud(ACK_SLA_SECONDS=6, ACK_HARD_LIMIT_SECONDS=60, MAX_ESCALATION_LEVEL=3, **PROMISE)
    # When nobody answers the customer's post
    deliver(cloud, mention("7001", author_id="4001", text="@brand my parcel never arrived and nobody answers"))
    case_id = "generic-7001"
    case = cloud.wait_for(lambda: (c := show(cloud, case_id))["escalationLevel"] == 1 and c, timeout=30,
                          what="level 1")
    # Then the top tier heard the promise at risk, then broken, and the business ladder's level 1 came as before
    told = [(m["subject"], m["attributes"]["level"]) for m in escalations(cloud, case_id)]
    assert told[:3] == [(f"24-hour promise at risk: case {case_id}", "3"),
                        (f"24-hour promise broken: case {case_id}", "3"),
                        (f"Escalation 1: case {case_id} (ACKNOWLEDGE)", "1")]
    # And one holding reply in the customer's words went on their thread, recorded with the platform's id
    holding = posts(case, "holding")
    assert len(holding) == 1 and holding[0]["platformPostId"]
    assert holding[0]["text"].startswith("Hi Ann, we're sorry we haven't got back to you yet about \"your parcel")
    # And the case is marked: promiseBreachedAt and the timeline
    assert case["promiseBreachedAt"] and case["promiseSince"]
    events = [e["event"] for e in case["timeline"]]
    assert events.count("promise at risk") == 1 and events.count("promise broken") == 1
    # (level 1 is on the case a moment before its Escalate Case task ends and Promise Broken? is entered)
    path = cloud.wait_for(lambda: (p := cloud.path(case_id)).count("Promise Broken?") == 3 and p, timeout=10,
                          what="the third Promise Broken?")
    assert path.count("Post Holding Reply") == 1
    assert path[3:9] == ["Await Acknowledgement", "Escalate Case", "Promise Broken?", "Which Step Is Waiting?",
                         "Await Acknowledgement", "Escalate Case"]
    # When the agent finally acknowledges, the case moves on, answered late
    wait_until_waiting(cloud, case_id, "acknowledge")
    assert act(cloud, case_id, "acknowledge", replyText="So sorry for the wait about your parcel, Ann.").status == 200
    case = wait_until_waiting(cloud, case_id, "customer-dm")
    assert case["promiseSince"] is None and "answered after the promise broke" in [e["event"] for e in case["timeline"]]
    assert len(posts(case, "holding")) == 1 and cloud.iam.denials == []


def test_a_reply_in_time_prevents_the_warning_and_the_holding_reply(make_cloud):
    # Given an 8 s promise warned 2 s before, and an agent who acknowledges at once
    cloud = make_cloud(ACK_SLA_SECONDS=30, ACK_HARD_LIMIT_SECONDS=60, PROMISE_SECONDS=8, PROMISE_WARNING_SECONDS=2,
                       PRE_BREACH_WARNING_SECONDS=0)
    case_id = run_to_acknowledged(cloud, "7002", author_id="4002")
    wait_until_waiting(cloud, case_id, "customer-dm")
    time.sleep(9)  # past the promise's limit: nothing may happen
    # Then the promise was met: no warning, no holding reply, no mark
    case = show(cloud, case_id)
    assert case["promiseSince"] is None and case["promiseBreachedAt"] is None
    assert "promise met" in [e["event"] for e in case["timeline"]] and posts(case, "holding") == []
    assert escalations(cloud, case_id) == [] and "Post Holding Reply" not in cloud.path(case_id)


def test_a_later_post_on_the_open_case_starts_a_new_promise_that_the_teams_next_wait_keeps(make_cloud):
    # Given an acknowledged case whose customer posts again, and the customer's turn (DM wait) that runs out
    cloud = make_cloud(DM_WAIT_SECONDS=2, TRIAGE_CLAIM_SECONDS=60, PROMISE_SECONDS=8, PROMISE_WARNING_SECONDS=2,
                       PRE_BREACH_WARNING_SECONDS=0)
    case_id = run_to_acknowledged(cloud, "7003", author_id="4003")
    wait_until_waiting(cloud, case_id, "customer-dm")
    assert show(cloud, case_id)["promiseSince"] is None
    deliver(cloud, mention("7004", author_id="4003", text="@brand still nothing about my parcel"), delivery_id="d2")
    case = show(cloud, case_id)
    assert case["promiseSince"] and "response promised" in [e["event"] for e in case["timeline"]]
    # Then the team's next wait (the triage claim) keeps the new promise: the holding reply goes out at its limit
    case = cloud.wait_for(lambda: (c := show(cloud, case_id))["promiseBreachedAt"] and posts(c, "holding") and c,
                          timeout=30, what="the new promise broken")
    assert case["step"] == "HAND_OFF" and len(posts(case, "holding")) == 1
    told = [(m["subject"], m["attributes"]["level"]) for m in escalations(cloud, case_id) if "promise" in m["subject"]]
    assert told == [(f"24-hour promise at risk: case {case_id}", "3"), (f"24-hour promise broken: case {case_id}", "3")]
