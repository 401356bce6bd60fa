"""Mirrors layers/domain/socialcare/cases/service.py, for the customer's private thread: every DM kept in order on its
case, the owner's team told of one that comes after the hand-off, the case view counting them without their words, and
the triage briefing carrying them all. On the tables and topics of template.yaml, in moto."""
import json

import pytest

from socialcare.cases import lifecycle, service
from socialcare.errors import InvalidCaseTransitionError
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
