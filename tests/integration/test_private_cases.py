"""DM-first customers are cases: a private message from someone without an open case opens a private case, run through
the real state machine with no public step at all (acknowledged privately, handed to triage, resolved, followed up
privately), with the clocks, escalations, priority and guardrails of a public case. Each function as its own role."""
from __future__ import annotations

import hashlib
import hmac
import json
import os

from socialcare.care.policy import policy
from socialcare.config import settings
from socialcare.platforms import sandbox
from tests.conftest import mention
from tests.integration.helpers import act, customer_dm, deliver, escalations, show, wait_until_waiting

PUBLIC_STATES = ("Post Acknowledgement", "Request DM", "Invite Customer To DM", "Confirm Hand-Off By DM",
                 "Post Public Follow-Up", "Post After-Hours Notice", "Post Holding Reply")


def private_messages(cloud, case_id: str):
    return cloud.http("GET", f"/cases/{case_id}/private-messages", headers=cloud.signed_in())


def sent_to(case_id: str) -> list[dict]:
    return [s for s in sandbox.SENT if s["key"].startswith(f"{case_id}:")]


def open_private_case(cloud, mention_id: str, author_id: str, text: str) -> str:
    customer_dm(cloud, mention_id, author_id=author_id, text=text)
    case_id = f"generic-{mention_id}"
    wait_until_waiting(cloud, case_id, "acknowledge")
    return case_id


def test_a_messenger_dm_first_case_is_acknowledged_handed_off_resolved_and_followed_up_privately(
        make_cloud, load_event, monkeypatch):
    import responses

    from socialcare.platforms.meta import GRAPH_URL
    monkeypatch.setenv("OUTBOUND_MODE", "live")
    monkeypatch.setenv("META_PAGE_ID", "104000000000001")
    settings.cache_clear()
    cloud = make_cloud()
    body = load_event("receive_webhook.meta_messenger_message")["body"].encode()  # Meta's own example delivery
    sender = json.loads(body)["entry"][0]["messaging"][0]["sender"]["id"]
    dm_text = json.loads(body)["entry"][0]["messaging"][0]["message"]["text"]
    try:
        with responses.RequestsMock(assert_all_requests_are_fired=True) as graph:
            messages = graph.post(f"{GRAPH_URL}/104000000000001/messages",
                                  json={"recipient_id": sender, "message_id": "m_ours"})
            # Given the customer's first words to the brand are a Messenger message
            signature = "sha256=" + hmac.new(os.environ["META_APP_SECRET"].encode(), body, hashlib.sha256).hexdigest()
            assert cloud.http("POST", "/webhooks/meta", body, {"x-hub-signature-256": signature}).status == 200
            cloud.deliver_queue()
            # Then it is a case, listed like any other, private, its words nowhere in the public view
            [listed] = cloud.http("GET", "/cases", headers=cloud.signed_in()).json()["cases"]
            case_id = listed["caseId"]
            assert (listed["visibility"], listed["platform"], listed["text"]) == ("private", "meta", None)
            case = wait_until_waiting(cloud, case_id, "acknowledge")
            assert (case["privateMessages"], case["intent"]) == (1, "question") and "draftReply" not in case
            # And the care team reads the message, and a draft, on the private route
            thread = private_messages(cloud, case_id).json()
            assert [m["text"] for m in thread["privateMessages"]] == [dm_text]
            assert thread["draftReply"].startswith("Hi, thanks for asking!")
            # When the agent acknowledges, asking for the details they need (allowed in private)
            reply = "Hi! Happy to help with order A1. Could you tell us the email address you ordered with?"
            assert act(cloud, case_id, "acknowledge", replyText=reply).status == 200
            # Then the reply went privately, through the Send API to the sender, and the case went straight to triage
            case = wait_until_waiting(cloud, case_id, "claim")
            first = json.loads(messages.calls[0].request.body)
            assert first == {"recipient": {"id": sender}, "messaging_type": "RESPONSE", "message": {"text": reply}}
            [handed] = [n["message"] for n in cloud.notifications("TriageTopic-inbox")
                        if n["message"]["caseId"] == case_id]
            assert [m["text"] for m in handed["privateMessages"]] == [dm_text]
            # When triage claims and resolves it, and the agent follows up (by default with the public note)
            assert act(cloud, case_id, "claim", owner="bob").status == 200
            wait_until_waiting(cloud, case_id, "resolve")
            assert act(cloud, case_id, "resolve", summary="Refund 42 sent to card", publicNote=(
                "Your refund for order A1 is on its way, thanks for bearing with us.")).status == 200
            wait_until_waiting(cloud, case_id, "follow-up")
            assert act(cloud, case_id, "follow-up").status == 200
            case = cloud.wait_for(lambda: (c := show(cloud, case_id))["status"] == "CLOSED" and c, what="closed")
            # Then the follow-up went privately too, then the policy's question, and nothing was ever posted in public
            assert [json.loads(call.request.body)["message"]["text"] for call in messages.calls] == [
                reply, "Your refund for order A1 is on its way, thanks for bearing with us.",
                policy().csat.question]
            assert len(graph.calls) == 3
    finally:
        settings.cache_clear()
    path = cloud.path(case_id)
    assert {"Reply In Private?", "Send Private Acknowledgement", "Answered Privately?", "Hand Off To Triage",
            "Follow Up In Private?", "Send Private Follow-Up", "Ask How We Did", "Close Case"} <= set(path)
    assert not set(PUBLIC_STATES) & set(path)
    assert case["closedReason"] == "resolved" and case["promiseSince"] is None
    sent = [e for e in case["timeline"] if e["event"] == "sent privately"]
    assert [e["kind"] for e in sent] == ["acknowledgement", "follow-up", "csat-question"]
    assert all("text" not in e for e in sent)
    # And the customer's words are in no execution, no agents' message and no public field
    elsewhere = json.dumps([cloud.history(case_id), cloud.notifications("AgentsTopic-inbox"), case], default=str)
    assert "wrote on your page" not in elsewhere
    # nor is what we wrote to them privately in the execution (it is their conversation)
    history = json.dumps(cloud.history(case_id), default=str)
    assert "email address you ordered with" not in history and "refund for order A1" not in history
    assert cloud.iam.denials == []


def test_a_private_reply_may_ask_for_personal_data_but_never_push_a_phone_line(cloud):
    # Given a DM-first complaint
    case_id = open_private_case(cloud, "pc-9101", "5101", "My card was charged twice for order A7")
    # When the agent's reply pushes the customer to a phone line
    refused = act(cloud, case_id, "acknowledge", replyText="Sorry! Please call our customer service line.")
    # Then it is refused with the rule, nothing is sent, and the case keeps waiting
    assert refused.status == 422 and refused.json()["rejections"][0]["rule"] == "phone redirect"
    assert sent_to(case_id) == [] and show(cloud, case_id)["waitingFor"] == "acknowledge"
    # When it asks for the order number and email address instead, which a public reply may never do
    ask = "So sorry about the double charge on A7. Could you share your email address and the order number?"
    assert act(cloud, case_id, "acknowledge", replyText=ask).status == 200
    # Then it goes, privately, once
    wait_until_waiting(cloud, case_id, "claim")
    assert [(s["channel"], s["target"], s["text"]) for s in sent_to(case_id)] == [("dm", "5101", ask)]
    assert cloud.iam.denials == []


def test_a_question_by_dm_answered_in_one_message_closes_the_case(cloud):
    # Given a question sent by DM
    case_id = open_private_case(cloud, "pc-9102", "5102", "Do you deliver to the islands?")
    assert show(cloud, case_id)["intent"] == "question"
    # When the agent answers it
    answer = "Yes, we deliver to every island, usually within three days."
    assert act(cloud, case_id, "answer", replyText=answer).status == 200
    # Then the answer is sent privately and the case closes, answered privately: no triage, nothing public
    case = cloud.wait_for(lambda: (c := show(cloud, case_id))["status"] == "CLOSED" and c, what="closed")
    assert case["closedReason"] == "answered privately"
    assert [(s["channel"], s["text"]) for s in sent_to(case_id)] == [("dm", answer)]
    assert "Hand Off To Triage" not in cloud.path(case_id)


def test_a_dm_first_case_keeps_the_clocks_escalations_and_priority_of_a_public_one(make_cloud):
    # Given short clocks and a DM about a hacked account (urgent words)
    cloud = make_cloud(ACK_SLA_SECONDS=2, ACK_HARD_LIMIT_SECONDS=60, MAX_ESCALATION_LEVEL=3,
                       PRE_BREACH_WARNING_SECONDS=0)
    case_id = open_private_case(cloud, "pc-9103", "5103", "My account was hacked, my address is 1 Elm St")
    # When nobody acknowledges it
    case = cloud.wait_for(lambda: (c := show(cloud, case_id))["escalationLevel"] >= 1 and c, timeout=30,
                          what="level 1")
    # Then it is urgent, its first tier heard at once, and the ladder climbed, without the customer's words
    assert case["priority"] == "urgent"
    told = escalations(cloud, case_id)
    assert any(m["subject"].startswith(f"Escalation 1: case {case_id}") for m in told)
    assert all(m["message"]["visibility"] == "private" and m["message"]["text"] is None for m in told)
    assert "Elm St" not in json.dumps([told, cloud.history(case_id), case], default=str)
    # And an acknowledgement after the deadline still goes, privately
    wait_until_waiting(cloud, case_id, "acknowledge")
    assert act(cloud, case_id, "acknowledge", replyText="We've locked your account, the team is on it.").status in (
        200, 202)
    wait_until_waiting(cloud, case_id, "claim")
    assert [s["channel"] for s in sent_to(case_id)] == ["dm"]
    assert cloud.iam.denials == []


def test_the_opening_dm_redelivered_opens_one_case_and_later_dms_join_its_thread(cloud):
    # Given a DM-first case, its opening DM delivered twice by the platform
    for delivery_id in ("d-pc-9104", "d-pc-9104-retry"):
        deliver(cloud, mention("pc-9104", "5104", text="Where is my parcel?", kind="dm"), delivery_id=delivery_id)
    case_id = "generic-pc-9104"
    wait_until_waiting(cloud, case_id, "acknowledge")
    # When the customer writes again before anyone answers
    customer_dm(cloud, "pc-9104-2", author_id="5104", text="It was order B12")
    # Then there is one case (one execution), its thread both messages in order
    assert [e["name"] for e in cloud.executions()] == [case_id]
    assert [m["text"] for m in private_messages(cloud, case_id).json()["privateMessages"]] == [
        "Where is my parcel?", "It was order B12"]
    assert show(cloud, case_id)["privateMessages"] == 2


def test_a_public_case_keeps_its_dm_on_the_private_route_and_shows_no_draft_there(cloud):
    # Given a public complaint whose customer DMs as asked
    deliver(cloud, mention("pc-9105", "5105"), delivery_id="d-pc-9105")
    case_id = "generic-pc-9105"
    wait_until_waiting(cloud, case_id, "acknowledge")
    customer_dm(cloud, "pc-9105-dm", author_id="5105", text="ann@example.com please")
    # Then the private route shows the thread of a public case too, and an unknown case is a 404
    thread = private_messages(cloud, case_id).json()
    assert thread["visibility"] == "public" and [m["text"] for m in thread["privateMessages"]] == [
        "ann@example.com please"]
    assert "draftReply" not in thread
    assert private_messages(cloud, "generic-nope").status == 404


def test_a_dm_outside_the_hours_gets_the_after_hours_notice_privately(make_cloud, monkeypatch, tmp_path):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from socialcare.cases import clocks
    from tests.integration.test_care_policy import OFFICE_HOURS
    # Given office hours with an after-hours notice, and a DM-first customer writing on a Saturday
    policy_file = tmp_path / "policy.yaml"
    policy_file.write_text(OFFICE_HOURS + "  after_hours_notice: true\n")
    monkeypatch.setenv("POLICY_FILE", str(policy_file))
    saturday = datetime(2026, 11, 28, 11, 0, tzinfo=ZoneInfo("Europe/London"))
    monkeypatch.setattr(clocks, "now", lambda: saturday)
    cloud = make_cloud(ACK_SLA_SECONDS=3600, ACK_HARD_LIMIT_SECONDS=7200)
    case_id = open_private_case(cloud, "pc-9106", "5106", "Is my order A9 coming today?")
    # Then the notice went to their private conversation, not to any public thread
    assert cloud.path(case_id)[:5] == ["Open Case", "Is It An Echo?", "Outside Business Hours?",
                                       "Send After-Hours Notice Privately", "Await Acknowledgement"]
    [notice] = sent_to(case_id)
    assert (notice["channel"], notice["target"]) == ("dm", "5106")
    assert notice["text"].startswith("Thanks for getting in touch. Our team is here Mon-Fri 08:00-18:00")


def test_a_private_case_past_the_promise_gets_its_holding_reply_privately(make_cloud):
    # Given a 3 s promise and a business SLA that runs out after it
    cloud = make_cloud(ACK_SLA_SECONDS=6, ACK_HARD_LIMIT_SECONDS=60, MAX_ESCALATION_LEVEL=3, PROMISE_SECONDS=3,
                       PROMISE_WARNING_SECONDS=2, PRE_BREACH_WARNING_SECONDS=0)
    # When nobody answers a DM-first customer
    case_id = open_private_case(cloud, "pc-9107", "5107", "My parcel never arrived and nobody answers")
    case = cloud.wait_for(lambda: (c := show(cloud, case_id))["promiseBreachedAt"] and c, timeout=30,
                          what="the promise broken")
    # Then one holding reply in their words went privately, and the case is marked
    cloud.wait_for(lambda: sent_to(case_id), what="the holding reply")
    [holding] = sent_to(case_id)
    assert holding["channel"] == "dm" and holding["key"] == f"{case_id}:holding"
    assert "your parcel never arrived" in holding["text"]
    assert "Send Holding Reply Privately" in cloud.path(case_id) and "Post Holding Reply" not in cloud.path(case_id)
    assert [e["kind"] for e in case["timeline"] if e["event"] == "sent privately"] in ([], ["holding"])
    assert cloud.iam.denials == []
