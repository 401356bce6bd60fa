"""Intent sets the path, through the real state machine: praise and a quick question are answered in public and the
case closes there (no DM invitation, reminder or hand-off); a complaint keeps the five steps; the customer writing
again soon after an answer takes it up in a new case linked to the answered one."""
from __future__ import annotations

from tests.conftest import mention
from tests.integration.helpers import act, deliver, show, wait_until_waiting

ANSWERED_PATH = ["Open Case", "Is It An Echo?", "Outside Business Hours?", "Await Acknowledgement",
                 "Reply In Private?", "Post Acknowledgement", "Answered In Public?", "Close Case As Answered", "Case Closed"]


def posted(case: dict) -> list[tuple[str, str]]:
    return [(e["kind"], e["text"]) for e in case["timeline"] if e["event"] == "posted publicly"]


def test_praise_answered_in_public_closes_the_case_with_no_dm_invitation(cloud):
    deliver(cloud, mention("8101", "5801", text="@brand great service today, thanks!"), delivery_id="d-8101")
    case = wait_until_waiting(cloud, "generic-8101", "acknowledge")
    assert case["intent"] == "praise" and "DM" not in case["draftReply"]
    reply = "Thank you Ann, that's lovely to hear! We'll tell the team at the store."
    assert act(cloud, "generic-8101", "answer", replyText=reply).status == 200
    assert cloud.wait_for_status("generic-8101")["status"] == "SUCCEEDED"
    assert cloud.path("generic-8101") == ANSWERED_PATH
    case = show(cloud, "generic-8101")
    assert (case["status"], case["closedReason"]) == ("CLOSED", "answered in public")
    assert posted(case) == [("answer", reply)]  # no DM invitation, no reminder, no hand-off
    assert not [n for n in cloud.notifications("TriageTopic-inbox") if n["message"]["caseId"] == "generic-8101"]


def test_acknowledging_praise_also_closes_it_without_asking_for_a_dm(cloud):
    deliver(cloud, mention("8102", "5802", text="@brand love the new store layout"), delivery_id="d-8102")
    wait_until_waiting(cloud, "generic-8102", "acknowledge")
    assert act(cloud, "generic-8102", "acknowledge", replyText="Thank you Ann, we love it too!").status == 200
    cloud.wait_for_status("generic-8102")
    assert cloud.path("generic-8102") == ANSWERED_PATH
    assert [kind for kind, _ in posted(show(cloud, "generic-8102"))] == ["answer"]


def test_a_question_answered_in_one_public_reply_closes_and_a_complaint_keeps_its_five_steps(cloud):
    deliver(cloud, mention("8103", "5803", text="@brand do you open on Sundays?"), delivery_id="d-8103")
    deliver(cloud, mention("8104", "5804", text="@brand my order #A1 arrived broken"), delivery_id="d-8104")
    assert wait_until_waiting(cloud, "generic-8103", "acknowledge")["intent"] == "question"
    assert wait_until_waiting(cloud, "generic-8104", "acknowledge")["intent"] == "complaint"
    answer = "Hi Ann, thanks for asking! Yes: Sundays 10:00 to 16:00 at every store."
    assert act(cloud, "generic-8103", "answer", replyText=answer).status == 200
    assert act(cloud, "generic-8104", "acknowledge", replyText="Sorry about order A1, that's not OK.").status == 200
    cloud.wait_for_status("generic-8103")
    assert cloud.path("generic-8103") == ANSWERED_PATH
    wait_until_waiting(cloud, "generic-8104", "customer-dm")  # the complaint goes on to the DM step
    assert "Request DM" in cloud.path("generic-8104")


def test_an_answer_is_checked_by_the_guardrails_and_refused_changes_nothing(cloud):
    deliver(cloud, mention("8105", "5805", text="@brand do you deliver to Cornwall?"), delivery_id="d-8105")
    wait_until_waiting(cloud, "generic-8105", "acknowledge")
    refused = act(cloud, "generic-8105", "answer", replyText="Please call 0800 123 4567 and we will tell you.")
    assert refused.status == 422
    assert show(cloud, "generic-8105")["waitingFor"] == "acknowledge"


def test_the_customer_writing_again_soon_after_an_answer_reopens_it_in_a_linked_case(cloud):
    deliver(cloud, mention("8106", "5806", text="@brand do you open on Sundays?"), delivery_id="d-8106")
    wait_until_waiting(cloud, "generic-8106", "acknowledge")
    assert act(cloud, "generic-8106", "answer", replyText="Hi Ann, yes, 10:00 to 16:00.").status == 200
    cloud.wait_for_status("generic-8106")
    deliver(cloud, mention("8107", "5806", text="@brand I went on Sunday and it was shut!"), delivery_id="d-8107")
    case = wait_until_waiting(cloud, "generic-8107", "acknowledge")
    assert case["reopensCase"] == "generic-8106"
    assert "reopens a case answered in public" in [e["event"] for e in case["timeline"]]
    assert "reopened by the customer writing again" in [e["event"] for e in show(cloud, "generic-8106")["timeline"]]
