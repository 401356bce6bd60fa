"""Whole cases through the real ASL on the local cloud: every path of the lifecycle."""
from __future__ import annotations

import json

from socialcare.platforms import sandbox
from tests.conftest import mention
from tests.integration.helpers import (
    act,
    customer_dm,
    deliver,
    escalations,
    run_to_acknowledged,
    show,
    wait_until_waiting,
)

PRIVATE_DM = "Email me: ann@example.com or call 555-0100"
PRIVATE_SUMMARY = "Refunded to card ending 4242 for ann@example.com"


def test_a_complaint_goes_through_all_five_steps_and_closes(cloud):
    # Given a complaint that an agent acknowledges
    case_id = run_to_acknowledged(cloud, "5001")
    wait_until_waiting(cloud, case_id, "customer-dm")
    # When the customer DMs, triage claims, the owner resolves and an agent follows up
    customer_dm(cloud, "5001-dm", text=PRIVATE_DM)
    wait_until_waiting(cloud, case_id, "claim")
    assert act(cloud, case_id, "claim", owner="bob").status == 200
    wait_until_waiting(cloud, case_id, "resolve")
    assert act(cloud, case_id, "resolve", summary=PRIVATE_SUMMARY, publicNote="A replacement is on its way.").status == 200
    wait_until_waiting(cloud, case_id, "follow-up")
    assert act(cloud, case_id, "follow-up").status == 200
    # Then the execution, named by the case id, walked every step and closed
    execution = cloud.wait_for_status(case_id)
    assert execution["status"] == "SUCCEEDED" and execution["name"] == case_id
    assert cloud.path(case_id) == [
        "Open Case", "Is It An Echo?", "Outside Business Hours?", "Await Acknowledgement", "Reply In Private?",
        "Post Acknowledgement", "Answered In Public?", "Request DM", "Can The Customer Write Privately?",
        "Customer Already Wrote?", "Invite Customer To DM", "Await Customer DM", "Confirm Hand-Off By DM",
        "Hand Off To Triage", "Await Triage Claim", "Start Resolution", "Await Resolution", "Start Follow-Up",
        "Await Follow-Up", "Follow Up In Private?", "Post Public Follow-Up", "Ask How We Did", "Close Case",
        "Case Closed"]
    case = show(cloud, case_id)
    assert (case["status"], case["owner"], case["closedReason"]) == ("CLOSED", "bob", "resolved")
    posts = [e for e in case["timeline"] if e["event"] == "posted publicly"]
    assert [p["kind"] for p in posts] == ["acknowledgement", "dm-invitation", "follow-up"]
    assert posts[0]["text"] == "Sorry about order A1, that's not OK."
    assert posts[2]["text"] == "A replacement is on its way."
    assert all(p["platformPostId"].startswith("sandbox-") for p in posts)
    # And the triage team (a private channel) heard the private contact; the agents' channel did not
    triage = [n["message"] for n in cloud.notifications("TriageTopic-inbox") if n["message"]["caseId"] == case_id]
    assert triage and triage[0]["privateContact"] == PRIVATE_DM
    agents = json.dumps(cloud.notifications("AgentsTopic-inbox"))
    assert "ann@example.com" not in agents


def test_execution_input_and_history_carry_no_private_details(cloud):
    # Given a case that went through the DM and the resolution with private details
    case_id = run_to_acknowledged(cloud, "5002")
    wait_until_waiting(cloud, case_id, "customer-dm")
    customer_dm(cloud, "5002-dm", text=PRIVATE_DM)
    wait_until_waiting(cloud, case_id, "claim")
    act(cloud, case_id, "claim")
    wait_until_waiting(cloud, case_id, "resolve")
    act(cloud, case_id, "resolve", summary=PRIVATE_SUMMARY, publicNote="Sorted, thanks for your patience.")
    wait_until_waiting(cloud, case_id, "follow-up")
    # When anyone reads the execution in the console
    history = json.dumps(cloud.history(case_id), default=str)
    # Then neither the DM nor the internal summary is there, but the case table keeps them
    for private in ("ann@example.com", "555-0100", "4242"):
        assert private not in history
    assert "Sorted, thanks for your patience." in history
    assert show(cloud, case_id)["dmReceived"] is True


def test_a_case_dismissed_as_spam_while_it_waits_closes_with_the_reason(cloud):
    # Given a case waiting for its acknowledgement
    deliver(cloud, mention("5003", author_id="2002"))
    case_id = "generic-5003"
    wait_until_waiting(cloud, case_id, "acknowledge")
    # When an agent dismisses it as spam
    assert act(cloud, case_id, "dismiss", reason="spam").status == 200
    # Then the execution ends through Dismiss Case, and the case says why
    assert cloud.wait_for_status(case_id)["status"] == "SUCCEEDED"
    assert cloud.path(case_id)[-2:] == ["Dismiss Case", "Case Closed"]
    case = show(cloud, case_id)
    assert (case["status"], case["closedReason"], case["waitingFor"]) == ("DISMISSED", "spam", None)
    # And the author's next mention opens a new case
    deliver(cloud, mention("5004", author_id="2002"), delivery_id="d2")
    assert wait_until_waiting(cloud, "generic-5004", "acknowledge")["status"] == "OPEN"


def test_a_dismissal_ends_any_wait_including_the_customers_dm(cloud):
    case_id = run_to_acknowledged(cloud, "5005", author_id="2003")
    wait_until_waiting(cloud, case_id, "customer-dm")
    assert act(cloud, case_id, "dismiss", reason="solved-elsewhere").status == 200
    assert cloud.wait_for_status(case_id)["status"] == "SUCCEEDED"
    assert show(cloud, case_id)["closedReason"] == "solved-elsewhere"


def test_the_customer_writing_before_we_ask_skips_the_dm_invitation(cloud):
    # Given the customer DMs while the case still waits for its acknowledgement
    deliver(cloud, mention("5006", author_id="2004"))
    case_id = "generic-5006"
    wait_until_waiting(cloud, case_id, "acknowledge")
    customer_dm(cloud, "5006-dm", author_id="2004", text=PRIVATE_DM)
    # When the agent acknowledges
    act(cloud, case_id, "acknowledge", replyText="Thanks, we have your message and are on it.")
    # Then the case goes straight to triage: no public DM invitation is posted
    wait_until_waiting(cloud, case_id, "claim")
    assert "Invite Customer To DM" not in cloud.path(case_id)
    assert "Confirm Hand-Off By DM" in cloud.path(case_id)


def test_a_retried_post_step_never_posts_twice(cloud):
    # Given the post-reply function posts but its response is lost once, so Step Functions retries it
    from socialcare.errors import ChannelUnavailableError
    cloud.lose_next_response["PostReplyFunction"] = ChannelUnavailableError("response lost")
    # When the case is acknowledged
    case_id = run_to_acknowledged(cloud, "5007", author_id="2005")
    wait_until_waiting(cloud, case_id, "customer-dm")
    # Then the step ran twice but the platform was asked once, and the case records one acknowledgement
    post_calls = [e for name, e in cloud.invocations if name == "PostReplyFunction" and e["kind"] == "acknowledgement"
                  and e["caseId"] == case_id]
    assert len(post_calls) == 2
    assert len([s for s in sandbox.SENT if s["key"] == f"{case_id}:acknowledgement"]) == 1
    posts = [e for e in show(cloud, case_id)["timeline"] if e.get("kind") == "acknowledgement"]
    assert len(posts) == 1


def test_a_post_that_failed_after_posting_is_not_posted_again_on_retry(cloud, monkeypatch):
    # Given the platform accepts the post but the step then fails with a transient error once
    from socialcare.cases import service
    from socialcare.errors import ChannelUnavailableError
    original = service.CasesRepository.add_event
    failures = {"left": 1}

    def add_event_then_fail(self, case_id, event_key, *args, **kwargs):
        added = original(self, case_id, event_key, *args, **kwargs)
        if event_key == "post:acknowledgement" and failures["left"]:
            failures["left"] -= 1
            raise ChannelUnavailableError("timeout after the post")
        return added
    monkeypatch.setattr(service.CasesRepository, "add_event", add_event_then_fail)
    # When the case is acknowledged
    case_id = run_to_acknowledged(cloud, "5008", author_id="2006")
    wait_until_waiting(cloud, case_id, "customer-dm")
    # Then the retry found the recorded post and did not post again
    assert len([s for s in sandbox.SENT if s["key"] == f"{case_id}:acknowledgement"]) == 1


def test_escalations_are_not_raised_on_a_case_that_is_answered_in_time(cloud):
    case_id = run_to_acknowledged(cloud, "5009", author_id="2007")
    wait_until_waiting(cloud, case_id, "customer-dm")
    assert escalations(cloud, case_id) == []
