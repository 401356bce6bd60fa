"""The case facts through the real state machine: each case's measures kept as one record, read by day."""
from __future__ import annotations

from socialcare.cases import clocks
from socialcare.storage.facts import FactsRepository
from tests.conftest import mention
from tests.integration.helpers import act, customer_dm, deliver, run_to_acknowledged, show, wait_until_waiting


def facts_of(case_id: str) -> dict:
    record = FactsRepository().get(case_id)
    assert record is not None, f"no facts for {case_id}"
    return record.attribute_values


def test_two_cases_one_acknowledged_in_time_one_after_an_escalation_have_their_facts_by_day(make_cloud, capsys):
    # Given a 3 s acknowledgement SLA (a 12 s hard limit, three levels)
    cloud = make_cloud(ACK_SLA_SECONDS=3, ACK_HARD_LIMIT_SECONDS=12, MAX_ESCALATION_LEVEL=3,
                       PRE_BREACH_WARNING_SECONDS=0, DM_WAIT_SECONDS=1)
    # When one complaint is acknowledged at once and taken through every step
    prompt = run_to_acknowledged(cloud, "9001", author_id="9101")
    wait_until_waiting(cloud, prompt, "claim")
    assert act(cloud, prompt, "claim", owner="bob").status == 200
    wait_until_waiting(cloud, prompt, "resolve")
    assert act(cloud, prompt, "resolve", summary="refunded", publicNote="A replacement is on its way.").status == 200
    wait_until_waiting(cloud, prompt, "follow-up")
    assert act(cloud, prompt, "follow-up").status == 200
    cloud.wait_for_status(prompt)
    # And another is acknowledged only after its first escalation
    deliver(cloud, mention("9002", author_id="9102"), delivery_id="d-9002")
    late = "generic-9002"
    cloud.wait_for(lambda: show(cloud, late)["escalationLevel"] == 1, timeout=20, what="level 1")
    wait_until_waiting(cloud, late, "acknowledge")
    # (its facts say so already, while it waits: the rung is a milestone; no response yet)
    waiting = facts_of(late)
    assert (waiting["highest_escalation_level"], waiting["acknowledgement_sla_met"]) == (1, False)
    assert "first_response_at" not in waiting
    assert act(cloud, late, "acknowledge", replyText="So sorry for the wait about order A1, Ann.").status == 200
    wait_until_waiting(cloud, late, "customer-dm")

    # Then the first case's facts: responded within the SLA, never escalated, each milestone timed
    case, first = show(cloud, prompt), facts_of(prompt)
    timeline = {e["event"]: e for e in reversed(case["timeline"])}  # the first of each
    posted = [e for e in case["timeline"] if e["event"] == "posted publicly"]
    opened = clocks.parse(case["openedAt"])
    assert first["first_response_at"] == posted[0]["at"] and first["first_response_kind"] == "acknowledgement"
    assert first["first_response_minutes"] == round(
        (clocks.parse(posted[0]["at"]) - opened).total_seconds() / 60, 2)
    assert first["first_response_business_minutes"] == first["first_response_minutes"]  # around the clock
    assert (first["acknowledgement_sla_met"], first["promise_met"]) == (True, True)
    assert (first["highest_escalation_level"], first["hard_limit_reached"]) == (0, False)
    assert (first["status"], first["outcome"], first["platform"], first["kind"]) == (
        "CLOSED", "resolved", "generic", "mention")
    assert (first["intent"], first["priority"], first["team"], first["reach"]) == (
        "complaint", case["priority"], case["team"], "low")
    assert first["repeat_contact"] is False and "dismiss_reason" not in first
    assert first["claimed_at"] == timeline["claim"]["at"] and first["resolved_at"] == timeline["resolve"]["at"]
    assert first["minutes_to_claim"] >= 0 and first["minutes_to_resolve"] >= first["minutes_to_claim"]
    assert first["followed_up_at"] == posted[-1]["at"] and first["minutes_to_follow_up"] >= 0
    assert first["opened_day"] == case["openedAt"][:10]

    # And the second's: missed the SLA, level 1, still open
    second = facts_of(late)
    assert (second["acknowledgement_sla_met"], second["highest_escalation_level"], second["status"]) == (
        False, 1, "OPEN")
    assert second["first_response_minutes"] * 60 >= 3
    assert "outcome" not in second and "claimed_at" not in second

    # And both are read by the day they opened, through the index
    day = first["opened_day"]
    assert {f.case_id for f in FactsRepository().facts_between(day, day)} >= {prompt, late}
    # And each first response was published once, with platform and team: met, then missed
    emitted = [line for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert sum('"AcknowledgementSlaMet"' in line and '"platform":"generic"' in line for line in emitted) == 1
    assert sum('"AcknowledgementSlaMissed"' in line for line in emitted) == 1
    assert sum('"FirstResponseMinutes"' in line for line in emitted) == 2


def test_a_dismissed_case_keeps_its_reason_in_its_facts(cloud):
    # Given a case waiting for its acknowledgement
    deliver(cloud, mention("9003", author_id="9103"))
    wait_until_waiting(cloud, "generic-9003", "acknowledge")
    # When an agent dismisses it as spam
    assert act(cloud, "generic-9003", "dismiss", reason="spam").status == 200
    cloud.wait_for_status("generic-9003")
    # Then its facts say so, with no response and no SLA judged (dismissed before its deadline)
    facts = facts_of("generic-9003")
    assert (facts["status"], facts["outcome"], facts["dismiss_reason"]) == ("DISMISSED", "dismissed", "spam")
    assert "first_response_at" not in facts and "acknowledgement_sla_met" not in facts


def test_the_customers_score_joins_the_facts_and_is_published_once(cloud, capsys):
    from tests.integration.test_csat import resolved_complaint
    # Given a resolved complaint whose customer was asked how we did
    case_id = resolved_complaint(cloud, "9004", "9104")
    # When they answer 4 by DM (and the same DM is delivered again)
    customer_dm(cloud, "9004-score", author_id="9104", text="4")
    customer_dm(cloud, "9004-score", author_id="9104", text="4")
    # Then the score is in the case's facts, and CsatScore went out once, with platform and team
    facts = facts_of(case_id)
    assert (facts["csat_score"], facts["outcome"]) == (4, "resolved")
    emitted = [line for line in capsys.readouterr().out.splitlines() if '"CsatScore"' in line]
    assert len(emitted) == 1 and '"platform":"generic"' in emitted[0] and '"CsatScore":[4' in emitted[0]
