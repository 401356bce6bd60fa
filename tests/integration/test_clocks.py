"""The clocks: every missed deadline escalates, through the real ASL's timeouts (clocks compressed to seconds)."""
from __future__ import annotations

import pytest

from tests.conftest import mention
from tests.integration.helpers import act, deliver, escalations, run_to_acknowledged, show, wait_until_waiting


def subscribe_tiers(cloud, levels: int) -> list[str]:
    """Each tier subscribes to the one escalations topic with a filter policy on the level attribute."""
    topic = cloud.resolver.physical("EscalationsTopic")["TopicArn"]
    return [cloud.subscribe_inbox("EscalationsTopic", topic, {"level": [{"numeric": ["=", level]}]},
                                  inbox=f"tier-{level}") for level in range(1, levels + 1)]


def test_an_unacknowledged_complaint_climbs_every_level_then_hits_the_hard_limit(make_cloud):
    # Given a 1 s acknowledgement SLA, a 4 s hard limit and three escalation levels (one per second)
    cloud = make_cloud(ACK_SLA_SECONDS=1, ACK_HARD_LIMIT_SECONDS=4, MAX_ESCALATION_LEVEL=3)
    tiers = subscribe_tiers(cloud, 3)
    # When nobody acknowledges the complaint
    deliver(cloud, mention("6001", author_id="3001"))
    case_id = "generic-6001"
    case = cloud.wait_for(lambda: (c := show(cloud, case_id))["hardLimitReached"] and c, timeout=20,
                          what="hard limit")
    # Then each level told the escalations topic once, with its level, and the hard limit told the top tier
    messages = escalations(cloud, case_id)
    assert [(m["attributes"]["level"], m["attributes"]["hardLimit"]) for m in messages[:4]] == [
        ("1", "false"), ("2", "false"), ("3", "false"), ("3", "true")]
    assert all(m["attributes"]["step"] == "ACKNOWLEDGE" for m in messages)
    # And each tier heard only its own level
    for level, tier in enumerate(tiers, start=1):
        assert {m["attributes"]["level"] for m in cloud.notifications(tier)} == {str(level)}
    assert messages[3]["subject"].startswith("HARD LIMIT")
    # And the case is still open and waiting again: past the hard limit it is answerable, never dropped
    case = wait_until_waiting(cloud, case_id, "acknowledge")
    assert (case["status"], case["escalationLevel"], case["hardLimitReached"]) == ("OPEN", 3, True)
    assert cloud.path(case_id)[:8] == ["Open Case", "Is It An Echo?", "Outside Business Hours?",
                                       "Await Acknowledgement", "Escalate Case", "Promise Broken?",
                                       "Which Step Is Waiting?", "Await Acknowledgement"]
    events = [e["event"] for e in show(cloud, case_id)["timeline"]]
    assert events.count("escalated") == 3 and "hard-limit" in events
    # When an agent finally acknowledges it, the case moves on
    assert act(cloud, case_id, "acknowledge", replyText="We are so sorry for the wait, Ann.").status == 200
    wait_until_waiting(cloud, case_id, "customer-dm")


def test_the_dm_wait_reminds_once_then_hands_off_without_private_contact(make_cloud):
    # Given a 1 s DM wait
    cloud = make_cloud(DM_WAIT_SECONDS=1)
    case_id = run_to_acknowledged(cloud, "6002", author_id="3002")
    # When the customer never DMs
    wait_until_waiting(cloud, case_id, "claim")
    # Then one public reminder went out, and triage got the case without private contact
    path = cloud.path(case_id)
    assert path.count("Remind Customer To DM") == 1 and "Hand Off Without DM" in path
    posts = [e["kind"] for e in show(cloud, case_id)["timeline"] if e["event"] == "posted publicly"]
    assert posts == ["acknowledgement", "dm-invitation", "dm-reminder"]
    triage = [n["message"] for n in cloud.notifications("TriageTopic-inbox") if n["message"]["caseId"] == case_id]
    assert triage[0]["privateContact"] is None
    # And the customer's turn never counted against the team: no escalation
    assert escalations(cloud, case_id) == []


def test_an_unclaimed_hand_off_escalates_and_can_still_be_claimed(make_cloud):
    cloud = make_cloud(TRIAGE_CLAIM_SECONDS=2, DM_WAIT_SECONDS=1)
    case_id = run_to_acknowledged(cloud, "6003", author_id="3003")
    wait_until_waiting(cloud, case_id, "claim")
    cloud.wait_for(lambda: escalations(cloud, case_id), timeout=10, what="triage escalation")
    first = escalations(cloud, case_id)[0]
    assert (first["attributes"]["step"], first["attributes"]["level"]) == ("HAND_OFF", "1")
    wait_until_waiting(cloud, case_id, "claim")
    assert act(cloud, case_id, "claim", owner="dana").status == 200
    assert wait_until_waiting(cloud, case_id, "resolve")["owner"] == "dana"


def test_the_token_of_a_wait_that_timed_out_is_refused_and_the_case_keeps_waiting(make_cloud):
    from socialcare import workflow
    from socialcare.errors import WaitTimedOutError
    from socialcare.storage.cases import CasesRepository
    # Given a case waiting for its acknowledgement, and the task token of that wait
    cloud = make_cloud(ACK_SLA_SECONDS=1, ACK_HARD_LIMIT_SECONDS=30, MAX_ESCALATION_LEVEL=3)
    deliver(cloud, mention("6101", author_id="3101"))
    wait_until_waiting(cloud, "generic-6101", "acknowledge")
    old_token = CasesRepository().get("generic-6101").task_token
    # When the clock fires and the same wait restarts with a new token
    cloud.wait_for(lambda: show(cloud, "generic-6101")["escalationLevel"] == 1, what="level 1")
    wait_until_waiting(cloud, "generic-6101", "acknowledge")
    # Then the old token is refused as AWS refuses it (TaskTimedOut), which the agent API tells from a closed step
    try:
        workflow.resume(old_token, {"replyText": "late"})
        raise AssertionError("a timed-out token was accepted")
    except WaitTimedOutError as refused:
        assert "clock ran out" in str(refused)
    assert show(cloud, "generic-6101")["waitingFor"] == "acknowledge"


def acting_around_the_clock(cloud, case_id: str, phase: str, action: str = "acknowledge", **fields) -> dict:
    """The agent acts while the clock's Escalate Case task runs: for a warning, as its wait has just timed out (the
    token the agent takes is dead); for a rung, after the escalation dropped the token (no wait at all)."""
    original, answers = cloud.handlers["EscalateCaseFunction"], {}

    def escalate_while_the_agent_acts(event, context):
        first = event["caseId"] == case_id and event["clock"].get("phase") == phase and not answers
        if first and phase == "warning":
            answers["response"] = act(cloud, case_id, action, **fields)
        result = original(event, context)
        if first and phase != "warning":
            answers["response"] = act(cloud, case_id, action, **fields)
        return result
    cloud.handlers["EscalateCaseFunction"] = escalate_while_the_agent_acts
    cloud.wait_for(lambda: answers.get("response"), timeout=30, what=f"the {action} during the {phase}")
    return answers


@pytest.mark.parametrize("phase, clocks", [
    ("warning", {"ACK_SLA_SECONDS": 3, "PRE_BREACH_WARNING_SECONDS": 1}),
    ("breach", {"ACK_SLA_SECONDS": 1, "PRE_BREACH_WARNING_SECONDS": 0}),
])
def test_an_acknowledgement_as_the_clock_restarts_the_wait_is_applied_to_the_new_wait(make_cloud, phase, clocks):
    cloud = make_cloud(ACK_HARD_LIMIT_SECONDS=30, MAX_ESCALATION_LEVEL=3, **clocks)
    case_id = f"generic-61{len(phase)}"
    deliver(cloud, mention(case_id.split("-")[1], author_id="3102"))
    wait_until_waiting(cloud, case_id, "acknowledge")
    reply = "So sorry about the broken order A1, that is not OK. We're on it."
    answers = acting_around_the_clock(cloud, case_id, phase, replyText=reply)
    # Then the agent hears 202 (accepted, applied as the same wait starts again), not 409...
    assert answers["response"].status == 202 and answers["response"].json()["held"] is True
    # ...and the reply is posted once, and the case moves on to the DM step
    case = wait_until_waiting(cloud, case_id, "customer-dm")
    assert [e["text"] for e in case["timeline"] if e["event"] == "posted publicly"][:1] == [reply]
    assert [e["event"] for e in case["timeline"]].count("acknowledge") == 1
    assert "Post Acknowledgement" in cloud.path(case_id)


def test_a_dismissal_as_the_warning_restarts_the_wait_is_applied_to_the_new_wait(make_cloud):
    cloud = make_cloud(ACK_SLA_SECONDS=3, PRE_BREACH_WARNING_SECONDS=1, ACK_HARD_LIMIT_SECONDS=30)
    deliver(cloud, mention("6120", author_id="3120"))
    wait_until_waiting(cloud, "generic-6120", "acknowledge")
    answers = acting_around_the_clock(cloud, "generic-6120", "warning", "dismiss", reason="spam")
    assert answers["response"].status == 202
    cloud.wait_for(lambda: show(cloud, "generic-6120")["status"] == "DISMISSED", what="dismissed")
    assert show(cloud, "generic-6120")["closedReason"] == "spam"


def test_a_second_action_while_one_is_held_is_a_conflict(make_cloud):
    cloud = make_cloud(ACK_SLA_SECONDS=1, ACK_HARD_LIMIT_SECONDS=30, MAX_ESCALATION_LEVEL=3)
    deliver(cloud, mention("6130", author_id="3130"))
    wait_until_waiting(cloud, "generic-6130", "acknowledge")
    original, answers = cloud.handlers["EscalateCaseFunction"], []

    def escalate_while_two_agents_act(event, context):
        result = original(event, context)
        if not answers:
            answers.append(act(cloud, "generic-6130", "acknowledge", replyText="Sorry about order A1, we're on it."))
            answers.append(act(cloud, "generic-6130", "acknowledge", agent="bob",
                               replyText="Sorry for the trouble with your order A1, looking now."))
        return result
    cloud.handlers["EscalateCaseFunction"] = escalate_while_two_agents_act
    cloud.wait_for(lambda: len(answers) == 2, timeout=30, what="two acknowledgements")
    assert [a.status for a in answers] == [202, 409]
    case = wait_until_waiting(cloud, "generic-6130", "customer-dm")
    assert [e["text"] for e in case["timeline"] if e["event"] == "posted publicly"][:1] == [
        "Sorry about order A1, we're on it."]
