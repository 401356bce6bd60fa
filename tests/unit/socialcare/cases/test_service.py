"""Mirrors layers/domain/socialcare/cases/service.py, for the customer's private thread: every DM kept in order on its
case, the owner's team told of one that comes after the hand-off, the case view counting them without their words, and
the triage briefing carrying them all; and for private cases (opened by a DM, answered only in private). On the tables
and topics of template.yaml, in moto."""
import json
from datetime import UTC, datetime

import pytest

from socialcare.care.policy import policy
from socialcare.cases import clocks, lifecycle, service
from socialcare.errors import InvalidCaseTransitionError
from socialcare.platforms.base import PostReceipt
from socialcare.storage.cases import CasesRepository
from socialcare.storage.records import CASE_RECORD, CaseRecord

FIRST, SECOND = "Email me: ann@example.com", "Or call 555-0100 after six"


def a_case(repo: CasesRepository, case_id: str, step: str, **fields) -> str:
    repo.open(CaseRecord(case_id, CASE_RECORD, status=lifecycle.OPEN, deadline="2026-11-22T10:30:00.000Z",
                         author_key=f"generic#{case_id}", opened_at="2026-11-22T09:30:00.000Z", platform="generic",
                         author_handle="@ann", summary_text="@brand my parcel is lost", step=step, escalation_level=0,
                         team="deliveries", **fields))
    return case_id


def dm(repo: CasesRepository, case_id: str, n: int, text: str) -> bool:
    return service.receive_private_message(case_id, f"generic#{case_id}-dm-{n}", text, f"2026-11-22T09:4{n}:00.000Z",
                                           repo, sender_id="1001")


def triage_heard(cloud, case_id: str) -> list[dict]:
    return [n for n in cloud.notifications("TriageTopic-inbox") if n["message"]["caseId"] == case_id]


def test_every_dm_is_kept_in_order_and_the_timeline_says_only_that_one_came(repo):
    case_id = a_case(repo, "generic-s1", lifecycle.ACKNOWLEDGE)
    dm(repo, case_id, 1, FIRST)
    dm(repo, case_id, 2, SECOND)
    case = repo.get(case_id)
    assert service.private_thread(case, repo) == [{"at": "2026-11-22T09:41:00.000Z", "text": FIRST},
                                                  {"at": "2026-11-22T09:42:00.000Z", "text": SECOND}]
    assert (case.dm_received, case.dm_sender_id, case.private_contact) == (True, "1001", None)
    timeline = [(e.event, e.detail.as_dict()) for e in repo.timeline(case_id)]
    assert timeline == [("customer DM received", {"private": True})] * 2


def test_a_dm_before_the_hand_off_tells_no_one(repo, shared_cloud):
    case_id = a_case(repo, "generic-s2", lifecycle.REQUEST_DM)
    dm(repo, case_id, 1, FIRST)
    assert triage_heard(shared_cloud, case_id) == []


@pytest.mark.parametrize("step, owner", [(lifecycle.HAND_OFF, None), (lifecycle.RESOLVE, "bob"),
                                         (lifecycle.FOLLOW_UP, "bob")])
def test_a_dm_after_the_hand_off_tells_the_team_that_has_the_case_once(repo, shared_cloud, step, owner):
    case_id = a_case(repo, f"generic-s3-{step.lower()}", step, owner=owner)
    assert dm(repo, case_id, 1, FIRST) is False  # no wait to resume
    dm(repo, case_id, 1, FIRST)  # the same DM redelivered
    [heard] = triage_heard(shared_cloud, case_id)
    assert heard["subject"] == f"New private message: case {case_id}"
    assert heard["attributes"]["team"] == "deliveries"  # the team's filtered subscription hears it
    message = heard["message"]
    assert (message["caseId"], message["owner"], message["step"]) == (case_id, owner, step)
    assert message["privateMessage"] == {"at": "2026-11-22T09:41:00.000Z", "text": FIRST}
    assert len(repo.private_messages(case_id)) == 1
    events = [e.event for e in repo.timeline(case_id)]
    assert events == ["customer DM received", "owner told of a new DM"]


def test_a_dm_for_a_case_that_closed_meanwhile_is_not_kept_on_it(repo):
    case_id = a_case(repo, "generic-s4", lifecycle.RESOLVE)
    repo.update(case_id, [CaseRecord.status.set(lifecycle.CLOSED)])
    with pytest.raises(InvalidCaseTransitionError):
        dm(repo, case_id, 1, FIRST)
    assert repo.private_messages(case_id) == [] and not repo.get(case_id).dm_received


def test_the_case_view_counts_the_dms_and_says_when_the_last_came_but_never_what_they_say(repo):
    case_id = a_case(repo, "generic-s5", lifecycle.ACKNOWLEDGE)
    assert (service.view(case_id, repo)["privateMessages"], service.view(case_id, repo)["lastPrivateMessageAt"]) == (
        0, None)
    dm(repo, case_id, 1, FIRST)
    dm(repo, case_id, 2, SECOND)
    view = service.view(case_id, repo)
    assert (view["dmReceived"], view["privateMessages"], view["lastPrivateMessageAt"]) == (
        True, 2, "2026-11-22T09:42:00.000Z")
    assert "ann@example.com" not in json.dumps(view) and "555-0100" not in json.dumps(view)


def test_the_hand_off_tells_triage_the_whole_thread_in_order_with_the_latest_as_private_contact(repo, shared_cloud):
    case_id = a_case(repo, "generic-s6", lifecycle.HAND_OFF)
    dm(repo, case_id, 2, SECOND)
    dm(repo, case_id, 1, FIRST)  # handled second, sent first: the thread keeps the order they came in
    service.await_action(case_id, lifecycle.HAND_OFF, "token-s6", 0, repo)
    [handed] = [n["message"] for n in triage_heard(shared_cloud, case_id)
                if n["message"]["reason"] == "waiting for claim"]
    assert [m["text"] for m in handed["privateMessages"]] == [FIRST, SECOND]
    assert handed["privateContact"] == SECOND


def test_the_agents_and_the_escalations_never_hear_a_dm(repo, shared_cloud):
    case_id = a_case(repo, "generic-s7", lifecycle.ACKNOWLEDGE)
    dm(repo, case_id, 1, FIRST)
    service.await_action(case_id, lifecycle.ACKNOWLEDGE, "token-s7", 0, repo)
    service.escalate(case_id, {"step": lifecycle.ACKNOWLEDGE, "level": 0, "rung": 0, "phase": "breach"}, repo)
    told = [n for inbox in ("AgentsTopic-inbox", "EscalationsTopic-inbox") for n in shared_cloud.notifications(inbox)
            if n["message"]["caseId"] == case_id]
    assert len(told) == 2 and "ann@example.com" not in json.dumps(told)


def test_a_case_from_before_the_thread_briefs_triage_with_the_dm_it_kept(repo, shared_cloud):
    case_id = a_case(repo, "generic-s8", lifecycle.HAND_OFF, dm_received=True, private_contact=FIRST)
    service.await_action(case_id, lifecycle.HAND_OFF, "token-s8", 0, repo)
    [handed] = [n["message"] for n in triage_heard(shared_cloud, case_id)]
    assert (handed["privateMessages"], handed["privateContact"]) == ([{"at": None, "text": FIRST}], FIRST)


# -- private cases ---------------------------------------------------------------------------------------------------
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
DRAFT = "Hi Ann, we're so sorry: your parcel is lost. Could you tell us your order or account number?"
ANSWER = "Thanks Ann, the refund for order A1234 went to ann@example.com today."


class Outbox:
    """The platform as _post_once reaches it: every private message sent, with whether it went as a human agent's."""

    def __init__(self):
        self.sent: list[dict] = []

    def send_private(self, author_id: str, text: str, idempotency_key: str, human_agent: bool = False) -> PostReceipt:
        self.sent.append({"to": author_id, "text": text, "humanAgent": human_agent})
        return PostReceipt(f"m_{len(self.sent)}")


@pytest.fixture
def outbox(monkeypatch) -> Outbox:
    sent = Outbox()
    monkeypatch.setattr(service.platforms, "outbound", lambda platform: sent)
    monkeypatch.setattr(clocks, "now", lambda: NOW)
    return sent


def a_private_case(repo: CasesRepository, case_id: str, step: str = lifecycle.ACKNOWLEDGE, *dms: str,
                   **fields) -> str:
    """A case a customer opened with a DM on Messenger: no public summary, their messages in the thread."""
    repo.open(CaseRecord(case_id, CASE_RECORD, status=lifecycle.OPEN, deadline="2026-11-23T11:00:00.000Z",
                         author_key=f"meta#{case_id}", opened_at="2026-11-22T09:30:00.000Z", platform="meta",
                         surface="messenger", author_handle="Ann", step=step, escalation_level=0, team="deliveries",
                         visibility=lifecycle.PRIVATE, dm_received=True, dm_sender_id="6001", **fields))
    for n, at in enumerate(dms):
        repo.add_private_message(case_id, at, f"meta#{case_id}-dm-{n}", f"message sent at {at}")
    return case_id


@pytest.mark.parametrize("last_dm_at, human_agent", [("2026-11-22T09:59:00.000Z", True),
                                                     ("2026-11-22T10:01:00.000Z", False)])
def test_an_agents_private_answer_goes_as_a_human_agents_once_the_customers_last_dm_is_24_hours_old(
        repo, outbox, last_dm_at, human_agent):
    # Given a private case whose customer wrote three days ago, and last 24 h 1 min (or 23 h 59 min) ago
    case_id = a_private_case(repo, f"meta-p1-{human_agent}", lifecycle.RESOLVE, "2026-11-20T10:00:00.000Z",
                             last_dm_at)
    # When an agent's answer is sent privately
    result = service.send_private(case_id, "answer", ANSWER, repo)
    # Then it goes to the customer's id, tagged as a human agent's only past the window
    assert result == {"kind": "answer", "platformPostId": "m_1"}
    assert outbox.sent == [{"to": "6001", "text": ANSWER, "humanAgent": human_agent}]


def test_an_agents_reply_kept_on_the_case_is_the_one_sent_and_goes_as_a_human_agents_past_the_window(repo, outbox):
    # Given a private case whose agent's answer is kept on the case (the execution carries no text), last DM 2 days old
    case_id = a_private_case(repo, "meta-p1-table", lifecycle.RESOLVE, "2026-11-21T10:00:00.000Z",
                             private_reply=ANSWER)
    # When the state machine sends the answer without a text
    service.send_private(case_id, "answer", None, repo)
    # Then the agent's text from the case goes, as a person's answer past the window
    assert outbox.sent == [{"to": "6001", "text": ANSWER, "humanAgent": True}]


def test_an_automatic_private_notice_never_goes_as_a_human_agents(repo, outbox):
    # Given a private case whose customer's last DM is two days old
    case_id = a_private_case(repo, "meta-p2", lifecycle.ACKNOWLEDGE, "2026-11-21T10:00:00.000Z",
                             holding_reply="Hi Ann, we're sorry we haven't got back to you yet.")
    # When the holding reply (no agent's text) is sent privately
    service.send_private(case_id, "holding", None, repo)
    # Then no tag: HUMAN_AGENT is for a person's answer only
    assert outbox.sent == [{"to": "6001", "text": "Hi Ann, we're sorry we haven't got back to you yet.",
                            "humanAgent": False}]


def test_the_timeline_says_a_private_answer_was_sent_but_never_what_it_said(repo, outbox):
    case_id = a_private_case(repo, "meta-p3", lifecycle.RESOLVE, "2026-11-23T09:00:00.000Z")
    service.send_private(case_id, "answer", ANSWER, repo)
    view = service.view(case_id, repo)
    [sent] = [entry for entry in view["timeline"] if entry["event"] == "sent privately"]
    assert {key: value for key, value in sent.items() if key != "at"} == {
        "event": "sent privately", "kind": "answer", "platformPostId": "m_1"}
    assert "A1234" not in json.dumps(view) and "ann@example.com" not in json.dumps(view)


def test_the_care_team_reads_a_private_cases_thread_oldest_first_with_the_draft_to_start_from(repo):
    # Given a private case waiting for its acknowledgement, its messages stored out of the order they came in
    case_id = a_private_case(repo, "meta-p4", lifecycle.ACKNOWLEDGE, "2026-11-23T09:42:00.000Z",
                             "2026-11-23T09:41:00.000Z", draft_reply=DRAFT)
    # When the care team reads its private messages
    thread = service.private_view(case_id, repo)
    # Then every message is there, oldest first, and the draft (which quotes them) with them
    assert thread == {"caseId": case_id, "visibility": "private", "draftReply": DRAFT, "privateMessages": [
        {"at": "2026-11-23T09:41:00.000Z", "text": "message sent at 2026-11-23T09:41:00.000Z"},
        {"at": "2026-11-23T09:42:00.000Z", "text": "message sent at 2026-11-23T09:42:00.000Z"}]}


def test_the_private_draft_is_shown_only_while_a_private_case_waits_for_its_acknowledgement(repo):
    resolving = a_private_case(repo, "meta-p5", lifecycle.RESOLVE, "2026-11-23T09:41:00.000Z", draft_reply=DRAFT)
    assert "draftReply" not in service.private_view(resolving, repo)
    public = a_case(repo, "generic-p6", lifecycle.ACKNOWLEDGE, draft_reply="Hi Ann, so sorry. Could you DM us?")
    assert service.private_view(public, repo) == {"caseId": public, "visibility": "public", "privateMessages": []}
    assert service.view(public, repo)["draftReply"] == "Hi Ann, so sorry. Could you DM us?"


def test_the_case_view_of_a_private_case_says_so_and_has_no_draft_quoting_the_dm(repo):
    case_id = a_private_case(repo, "meta-p7", lifecycle.ACKNOWLEDGE, "2026-11-23T09:41:00.000Z", draft_reply=DRAFT)
    view = service.view(case_id, repo)
    assert (view["visibility"], view["privateMessages"], view["text"]) == ("private", 1, None)
    assert "draftReply" not in view and "parcel is lost" not in json.dumps(view)


def test_a_private_case_answered_in_one_message_closes_as_answered_privately(repo):
    private = a_private_case(repo, "meta-p8", lifecycle.ACKNOWLEDGE, "2026-11-23T09:41:00.000Z")
    public = a_case(repo, "generic-p9", lifecycle.ACKNOWLEDGE)
    assert service.close(private, "answered", repo=repo)["reason"] == "answered privately"
    assert service.close(public, "answered", repo=repo)["reason"] == "answered in public"
    assert repo.get(private).closed_reason == "answered privately"


# -- a flagged author's case: the escalation cap ----------------------------------------------------------------------
FLAG = "2 earlier cases dismissed as troll"


def tiers_told(cloud, case_id: str) -> list[tuple[str, str, str]]:
    return [(n["subject"], n["attributes"]["level"], n["attributes"]["hardLimit"])
            for n in cloud.notifications("EscalationsTopic-inbox") if n["attributes"]["caseId"] == case_id]


def miss_deadline(repo: CasesRepository, case_id: str, clock: dict, phase: str = "breach") -> dict:
    return service.escalate(case_id, {**clock, "phase": phase}, repo)


@pytest.fixture
def capped_at_zero(monkeypatch):
    from socialcare.care.policy import Policy, Priority
    monkeypatch.setattr(service, "policy", lambda: Policy(priority=Priority(flagged_max_escalation_level=0)))


def test_a_flagged_authors_ladder_stops_at_the_cap_and_its_hard_limit_tells_that_level_again(repo, shared_cloud):
    # Given a flagged author's case on a three-level ladder (the policy's cap: level 1)
    case_id = a_case(repo, "generic-f1", lifecycle.ACKNOWLEDGE, flagged_reason=FLAG)
    # When it misses deadline after deadline
    clock = {"step": lifecycle.ACKNOWLEDGE, "level": 0, "rung": 0}
    rungs = []
    for _ in range(3):
        clock = miss_deadline(repo, case_id, clock)
        rungs.append((clock["level"], clock["hardLimitReached"], clock["seconds"]))
    # Then it climbs to level 1, reaches the hard limit there and tells level 1 again a day later (warned 10 minutes
    # before, as every deadline), never level 2
    assert rungs == [(1, False, 60), (1, True, 86400 - 600), (1, True, 86400 - 600)]
    assert tiers_told(shared_cloud, case_id) == [(f"Escalation 1: case {case_id} (ACKNOWLEDGE)", "1", "false")] + [
        (f"HARD LIMIT: case {case_id} (ACKNOWLEDGE)", "1", "true")] * 2
    hard_limit = [n["message"] for n in shared_cloud.notifications("EscalationsTopic-inbox")
                  if n["attributes"]["caseId"] == case_id][1]
    assert hard_limit["reason"] == ("ACKNOWLEDGE missed its deadline (a flagged author's case climbs no higher than "
                                    "level 1)")
    case = repo.get(case_id)
    assert (case.escalation_level, case.hard_limit_reached) == (1, True)


def test_an_urgent_flagged_case_tells_no_tier_above_the_cap_at_once(repo, shared_cloud):
    case_id = a_case(repo, "generic-f2", lifecycle.ACKNOWLEDGE, flagged_reason=FLAG, priority="urgent")
    service.await_action(case_id, lifecycle.ACKNOWLEDGE, "token-f2", 0, repo)
    assert [(subject, level) for subject, level, _ in tiers_told(shared_cloud, case_id)] == [
        (f"Urgent case {case_id} (ACKNOWLEDGE)", "1")]
    [told] = [e.detail.as_dict() for e in repo.timeline(case_id) if e.event == "first tier told"]
    assert told == {"priority": "urgent", "level": 1, "cappedFrom": 2}


def test_a_flagged_cases_priority_raised_to_urgent_tells_the_cap_level_only(repo, shared_cloud):
    case_id = a_case(repo, "generic-f3", lifecycle.RESOLVE, flagged_reason=FLAG, priority="normal")
    assert service.raise_priority(case_id, "urgent", "the customer wrote again", repo) is True
    assert [level for _, level, _ in tiers_told(shared_cloud, case_id)] == ["1"]


def test_a_flagged_cases_promise_alerts_go_to_the_cap_level_not_the_top_tier(repo, shared_cloud):
    case_id = a_case(repo, "generic-f4", lifecycle.ACKNOWLEDGE, flagged_reason=FLAG,
                     promise_since=clocks.iso(datetime.now(UTC)))
    clock = {"step": lifecycle.ACKNOWLEDGE, "level": 0, "rung": 0, "deadline": "2099-01-01T00:00:00.000Z",
             "warnAt": None}
    miss_deadline(repo, case_id, clock, "promise-warning")
    result = miss_deadline(repo, case_id, clock, "promise-limit")
    assert [(subject.split(":")[0], level) for subject, level, _ in tiers_told(shared_cloud, case_id)] == [
        ("24-hour promise at risk", "1"), ("24-hour promise broken", "1")]
    assert result["holdingReply"] is True  # asked for, then withheld as every automatic notice to a flagged author


def test_a_flagged_case_above_a_lowered_cap_is_warned_and_escalated_at_the_cap(repo, shared_cloud):
    # Given a flagged author's case at level 2 (the policy's cap was lowered to 1 since)
    case_id = a_case(repo, "generic-f5", lifecycle.HAND_OFF, flagged_reason=FLAG)
    clock = {"step": lifecycle.HAND_OFF, "level": 2, "rung": 2, "deadline": "2099-01-01T00:00:00.000Z"}
    miss_deadline(repo, case_id, clock, "warning")
    rung = miss_deadline(repo, case_id, clock)
    warned, escalated = tiers_told(shared_cloud, case_id)
    assert warned == (f"Deadline soon: case {case_id} (HAND_OFF)", "1", "false")
    assert escalated == (f"HARD LIMIT: case {case_id} (HAND_OFF)", "1", "true")
    assert (rung["level"], rung["hardLimitReached"]) == (1, True)


def test_a_cap_of_zero_tells_no_tier_at_all_the_team_hears_the_hard_limit(repo, shared_cloud, capped_at_zero):
    case_id = a_case(repo, "generic-f6", lifecycle.ACKNOWLEDGE, flagged_reason=FLAG, priority="urgent")
    service.await_action(case_id, lifecycle.ACKNOWLEDGE, "token-f6", 0, repo)
    clock = miss_deadline(repo, case_id, {"step": lifecycle.ACKNOWLEDGE, "level": 0, "rung": 0})
    assert (clock["level"], clock["hardLimitReached"]) == (0, True)
    assert tiers_told(shared_cloud, case_id) == []
    agents = [n["subject"] for n in shared_cloud.notifications("AgentsTopic-inbox")
              if n["attributes"]["caseId"] == case_id]
    assert agents == [f"Case {case_id}: acknowledge", f"HARD LIMIT: case {case_id} (ACKNOWLEDGE)"]


def test_an_unflagged_case_climbs_the_whole_ladder(repo, shared_cloud):
    case_id = a_case(repo, "generic-f7", lifecycle.ACKNOWLEDGE, priority="urgent")
    service.await_action(case_id, lifecycle.ACKNOWLEDGE, "token-f7", 0, repo)
    clock = {"step": lifecycle.ACKNOWLEDGE, "level": 0, "rung": 0}
    for _ in range(4):
        clock = miss_deadline(repo, case_id, clock)
    assert [level for _, level, _ in tiers_told(shared_cloud, case_id)] == ["2", "1", "2", "3", "3"]


# -- clearing the flag of an open case --------------------------------------------------------------------------------
def test_a_cleared_flag_lifts_the_cap_from_the_open_case_and_the_tier_it_kept_out_hears_now(repo, shared_cloud):
    # Given an urgent flagged case whose first tier was capped at level 1, at its hard limit there
    case_id = a_case(repo, "generic-f8", lifecycle.ACKNOWLEDGE, flagged_reason=FLAG, priority="urgent")
    service.await_action(case_id, lifecycle.ACKNOWLEDGE, "token-f8", 0, repo)
    clock = {"step": lifecycle.ACKNOWLEDGE, "level": 0, "rung": 0}
    for _ in range(2):
        clock = miss_deadline(repo, case_id, clock)
    # When an agent clears the author's flag
    assert service.lift_flag(case_id, "maria", "a real customer", "2026-11-23T10:00:00.000Z", repo) is True
    # Then the case is no longer flagged, its timeline says who and why, and level 2 hears of the urgent case now
    assert repo.get(case_id).flagged_reason is None
    [cleared] = [e for e in repo.timeline(case_id) if e.event == "flag cleared"]
    assert (cleared.at, cleared.detail.as_dict()) == ("2026-11-23T10:00:00.000Z", {
        "by": "maria", "reason": "a real customer", "flag": FLAG})
    assert [level for _, level, _ in tiers_told(shared_cloud, case_id)] == ["1", "1", "1", "2"]
    # and its ladder climbs on past the cap at its next deadline
    assert miss_deadline(repo, case_id, clock)["level"] == 2
    assert "flag" not in service.view(case_id, repo)
    # A second clearance changes nothing on the case
    assert service.lift_flag(case_id, "dev", "again", "2026-11-23T11:00:00.000Z", repo) is False


def test_a_flag_is_not_lifted_from_a_closed_case(repo):
    case_id = a_case(repo, "generic-f9", lifecycle.RESOLVE, flagged_reason=FLAG)
    service.close(case_id, "dismissed", repo=repo)
    assert service.lift_flag(case_id, "maria", "a real customer", "2026-11-23T10:00:00.000Z", repo) is False
    assert repo.get(case_id).flagged_reason == FLAG


def test_the_view_of_a_flagged_case_shows_the_flag_with_its_record(repo):
    CaseRecord("generic-f10-old", CASE_RECORD, status=lifecycle.DISMISSED, author_key="generic#generic-f10",
               opened_at="2026-11-20T09:00:00.000Z", closed_at="2026-11-20T09:30:00.000Z", closed_reason="troll").save()
    case_id = a_case(repo, "generic-f10", lifecycle.ACKNOWLEDGE, flagged_reason=FLAG)
    assert service.view(case_id, repo)["flag"] == {
        "reason": FLAG, "dismissedCases": [{"caseId": "generic-f10-old", "closedAt": "2026-11-20T09:30:00.000Z",
                                            "reason": "troll"}], "clearances": []}
    assert "flag" not in service.view(a_case(repo, "generic-f11", lifecycle.ACKNOWLEDGE), repo)


# -- asking how we did ---------------------------------------------------------------------------------------------
def test_the_customer_is_asked_how_we_did_once_privately_in_the_policys_words(repo, outbox):
    # Given a private case followed up, its customer's last DM an hour old
    case_id = a_private_case(repo, "meta-csat-1", lifecycle.FOLLOW_UP, "2026-11-23T09:00:00.000Z")
    # When the state machine asks, and the step is retried
    first = service.send_private(case_id, service.CSAT_QUESTION, None, repo)
    again = service.send_private(case_id, service.CSAT_QUESTION, None, repo)
    # Then one message went, to the sender, as a standard message, and the case remembers when
    assert outbox.sent == [{"to": "6001", "text": policy().csat.question, "humanAgent": False}]
    assert first["asked"] and again["asked"]
    assert repo.get(case_id).csat_asked_at
    assert repo.asked_case_of("meta#6001")[0] == case_id  # their answer, from the PSID, finds the case


@pytest.mark.parametrize("fields, reason", [
    ({"intent": "praise"}, "praise is never asked"),
    ({"flagged_reason": FLAG}, "a flagged author is never asked"),
])
def test_praise_and_flagged_authors_are_never_asked_and_the_case_says_why(repo, outbox, fields, reason):
    case_id = a_private_case(repo, "meta-csat-2", lifecycle.FOLLOW_UP, "2026-11-23T09:00:00.000Z", **fields)
    assert service.ask_how_we_did(case_id, repo) == {"kind": service.CSAT_QUESTION, "asked": False, "reason": reason}
    assert outbox.sent == [] and repo.get(case_id).csat_asked_at is None
    assert repo.get_event(case_id, "csat-question:not-asked").detail.as_dict() == {"reason": reason}


def test_on_messenger_the_question_waits_for_no_one_past_the_24_hour_window(repo, outbox):
    case_id = a_private_case(repo, "meta-csat-3", lifecycle.FOLLOW_UP, "2026-11-22T09:00:00.000Z")
    assert service.ask_how_we_did(case_id, repo)["reason"] == "the platform's messaging window has closed"
    assert outbox.sent == []


def test_a_google_review_is_never_asked(repo, outbox):
    case_id = a_case(repo, "google-csat-4", lifecycle.FOLLOW_UP)
    repo.update(case_id, [CaseRecord.platform.set("google")])
    assert service.ask_how_we_did(case_id, repo)["reason"] == "no private messages on this platform"


def test_a_low_score_tells_the_team_lead_with_the_case_once_and_a_second_answer_changes_nothing(repo, shared_cloud):
    case_id = a_case(repo, "generic-csat-5", lifecycle.FOLLOW_UP)
    assert service.record_score(case_id, 2, "generic#csat-5-dm", repo)
    assert service.record_score(case_id, 2, "generic#csat-5-dm", repo)  # the same answer redelivered
    assert not service.record_score(case_id, 5, "generic#csat-5-other", repo)
    assert repo.get(case_id).csat_score == 2
    told = [n for n in shared_cloud.notifications("EscalationsTopic-inbox") if n["attributes"]["caseId"] == case_id]
    assert [(n["subject"], n["attributes"]["level"]) for n in told] == [(f"Low score 2/5: case {case_id}", "1")]
    assert told[0]["message"]["text"] == "@brand my parcel is lost"


def test_a_good_score_tells_no_one(repo, shared_cloud):
    case_id = a_case(repo, "generic-csat-6", lifecycle.FOLLOW_UP)
    assert service.record_score(case_id, 3, "generic#csat-6-dm", repo)
    assert [n for n in shared_cloud.notifications("EscalationsTopic-inbox")
            if n["attributes"]["caseId"] == case_id] == []
    assert [e.event for e in repo.timeline(case_id)] == ["customer rated us 3/5"]


# -- the queue --------------------------------------------------------------------------------------------------------
def every_field(case_id: str) -> dict:
    """A value for every attribute of a case record, so a summary shows all it can."""
    from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute, UnicodeSetAttribute
    values = {UnicodeAttribute: f"some {case_id}", NumberAttribute: 2, BooleanAttribute: True,
              UnicodeSetAttribute: {"generic#other"}}
    return {name: values[type(attribute)] for name, attribute in CaseRecord.get_attributes().items()
            if type(attribute) in values and name not in ("case_id", "record")}


def test_a_summary_reads_only_the_attributes_the_queue_asks_for():
    whole = CaseRecord("generic-q0", CASE_RECORD, **every_field("generic-q0"))
    read = CaseRecord("generic-q0", CASE_RECORD, **{name: getattr(whole, name) for name in service.SUMMARY_ATTRIBUTES
                                                     if name not in ("case_id", "record")})
    assert service.summary(read) == service.summary(whole)


def test_the_queue_lists_each_case_as_its_summary_without_the_rest_of_the_case(repo):
    fields = {**every_field("generic-q1"), "status": lifecycle.OPEN, "deadline": "2026-11-22T08:00:00.000Z",
              "author_key": "generic#generic-q1", "closed_at": None}
    repo.open(CaseRecord("generic-q1", CASE_RECORD, **fields))
    listed = {case["caseId"]: case for case in service.list_cases(lifecycle.OPEN, 500, repo)}
    whole = repo.get("generic-q1")
    assert whole.draft_reply and whole.task_token  # stored, and not read by the queue
    assert listed["generic-q1"] == service.summary(whole)


def test_a_counted_mention_starts_a_promise_only_when_none_runs_and_never_on_a_closed_case(repo):
    a_case(repo, "count-1", lifecycle.NEW, mention_count=1)                    # no promise running
    case = service.count_mention("count-1", repo)
    assert case.mention_count == 2 and case.promise_since
    assert repo.get_event("count-1", f"promise:{case.promise_since}").event == "response promised"
    again = service.count_mention("count-1", repo)                            # one runs: it stays, no new event
    assert (again.mention_count, again.promise_since) == (3, case.promise_since)
    assert [e.record for e in repo.timeline("count-1") if "promise:" in e.record] == [f"TL#promise:{case.promise_since}"]
    a_case(repo, "count-2", lifecycle.NEW, mention_count=1)
    repo.update("count-2", [CaseRecord.status.set(lifecycle.CLOSED)])       # closed meanwhile
    closed = service.count_mention("count-2", repo)
    assert (closed.mention_count, closed.promise_since) == (2, None)
    assert not [e for e in repo.timeline("count-2") if "promise:" in e.record]


def test_a_priority_the_case_already_has_is_not_written_again(repo):
    a_case(repo, "prio-1", lifecycle.NEW, priority="urgent")
    before = repo.get("prio-1")
    assert not service.raise_priority("prio-1", "high", "again", repo, known=before)
    assert repo.get("prio-1").updated_at == before.updated_at
