"""The whole private thread is kept: every DM the customer sends stays on the case, in order, in the table only; a DM
after the hand-off reaches the team that has the case; the case view counts them without their words; and no execution,
agents' or escalations' message ever carries them. Through the real state machine, each function as its own role."""
from __future__ import annotations

import json

from socialcare.storage.cases import CasesRepository
from tests.conftest import json_logs, mention
from tests.integration.helpers import act, customer_dm, deliver, run_to_acknowledged, show, wait_until_waiting

FIRST = "Email me: ann@example.com"
SECOND = "Or call 555-0100 after six"
THIRD = "Still nothing arrived; my flat number is 4B"


def thread(case_id: str) -> list[str]:
    return [message.private_contact for message in CasesRepository().private_messages(case_id)]


def told_of_a_dm(cloud, case_id: str) -> list[dict]:
    return [n for n in cloud.notifications("TriageTopic-inbox")
            if n["message"]["caseId"] == case_id and "privateMessage" in n["message"]]


def test_every_dm_is_kept_in_order_and_the_team_that_has_the_case_hears_the_later_ones(cloud, caplog):
    logs = json_logs(caplog)
    # Given a complaint whose customer DMs once, as asked, and the case goes to triage
    case_id = run_to_acknowledged(cloud, "8001", author_id="8001")
    wait_until_waiting(cloud, case_id, "customer-dm")
    customer_dm(cloud, "8001-dm-1", author_id="8001", text=FIRST)
    wait_until_waiting(cloud, case_id, "claim")
    # When they write again before anyone claims it, and once more after bob claimed it
    customer_dm(cloud, "8001-dm-2", author_id="8001", text=SECOND)
    assert act(cloud, case_id, "claim", owner="bob").status == 200
    wait_until_waiting(cloud, case_id, "resolve")
    customer_dm(cloud, "8001-dm-3", author_id="8001", text=THIRD)
    # Then every DM is kept, in order, and the first one alone ended the DM wait
    assert thread(case_id) == [FIRST, SECOND, THIRD]
    assert cloud.path(case_id).count("Await Customer DM") == 1
    # And the triage team heard each later DM, the case, its owner once claimed, on its own filtered attribute
    told = told_of_a_dm(cloud, case_id)
    assert [n["message"]["privateMessage"]["text"] for n in told] == [SECOND, THIRD]
    assert [(n["message"]["step"], n["message"]["owner"]) for n in told] == [("HAND_OFF", None), ("RESOLVE", "bob")]
    assert {n["subject"] for n in told} == {f"New private message: case {case_id}"}
    assert {n["attributes"]["team"] for n in told} == {"support"}
    # And the resolution's briefing carried the thread so far, in order, the latest as privateContact
    [resolving] = [n["message"] for n in cloud.notifications("TriageTopic-inbox")
                   if n["message"]["caseId"] == case_id and n["message"]["reason"] == "waiting for resolve"]
    assert [m["text"] for m in resolving["privateMessages"]] == [FIRST, SECOND]
    assert resolving["privateContact"] == SECOND
    # And the case view counts them and says when the last came, never what they say
    case = show(cloud, case_id)
    assert (case["dmReceived"], case["privateMessages"]) == (True, 3)
    assert case["lastPrivateMessageAt"] == CasesRepository().private_message_times(case_id)[-1]
    events = [e["event"] for e in case["timeline"]]
    assert events.count("customer DM received") == 3 and events.count("owner told of a new DM") == 2
    # And no DM is in the execution, the agents' or the escalations' messages, the API's answer or the logs
    assert any(line["message"] == "mention ingested" for line in logs())
    elsewhere = json.dumps([cloud.history(case_id), cloud.notifications("AgentsTopic-inbox"),
                            cloud.notifications("EscalationsTopic-inbox"), case, logs()], default=str)
    for private in ("ann@example.com", "555-0100", "flat number"):
        assert private not in elsewhere
    assert cloud.iam.denials == []


def test_a_redelivered_dm_is_kept_once_and_told_once(cloud):
    # Given a case in triage
    case_id = run_to_acknowledged(cloud, "8002", author_id="8002")
    wait_until_waiting(cloud, case_id, "customer-dm")
    customer_dm(cloud, "8002-dm-1", author_id="8002", text=FIRST)
    wait_until_waiting(cloud, case_id, "claim")
    # When the platform delivers the customer's next DM twice
    for delivery_id in ("d-8002-dm-2", "d-8002-dm-2-retry"):
        deliver(cloud, mention("8002-dm-2", "8002", text=SECOND, kind="dm"), delivery_id=delivery_id)
    # Then it is kept once and its team told once
    assert thread(case_id) == [FIRST, SECOND]
    assert len(told_of_a_dm(cloud, case_id)) == 1
    assert show(cloud, case_id)["privateMessages"] == 2


def test_the_hand_off_carries_every_dm_sent_before_it_in_order(cloud):
    # Given a customer who writes twice before we even acknowledge
    deliver(cloud, mention("8003", author_id="8003"))
    case_id = "generic-8003"
    wait_until_waiting(cloud, case_id, "acknowledge")
    customer_dm(cloud, "8003-dm-1", author_id="8003", text=FIRST)
    customer_dm(cloud, "8003-dm-2", author_id="8003", text=SECOND)
    # When the agent acknowledges and the case goes to triage
    assert act(cloud, case_id, "acknowledge", replyText="Thanks Ann, we have your messages.").status == 200
    wait_until_waiting(cloud, case_id, "claim")
    # Then triage's hand-off message carries both, in order; nobody was told of them one by one
    [handed] = [n["message"] for n in cloud.notifications("TriageTopic-inbox") if n["message"]["caseId"] == case_id]
    assert [m["text"] for m in handed["privateMessages"]] == [FIRST, SECOND]
    assert handed["privateContact"] == SECOND
