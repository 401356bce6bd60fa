"""Mirrors layers/domain/socialcare/cases/history.py: an author's history across their linked accounts, on the
tables template.yaml defines, in moto."""
import pytest

from socialcare.cases import history
from socialcare.errors import InvalidAuthorError, LinkingOffError
from socialcare.care.policy import Policy, Privacy
from socialcare.storage.cases import CasesRepository
from socialcare.storage.records import CASE_RECORD, CaseRecord

ANN, ANN_ON_X, ANN_ON_FACEBOOK = "generic#1001", "x#42", "meta#998877"


def stored(case_id: str, author_key: str, day: str, status: str = "CLOSED", closed_reason: str = "resolved"
           ) -> CaseRecord:
    case = CaseRecord(case_id, CASE_RECORD, status=status, author_key=author_key, opened_at=f"2026-11-{day}T09:00:00Z",
                      platform=author_key.split("#")[0], author_handle="@ann", priority="high", topic="delivery",
                      closed_reason=None if status == "OPEN" else closed_reason, summary_text="where is my parcel",
                      private_contact="ann@example.com", resolution_summary="refunded card 4242")
    case.save()
    return case


@pytest.mark.parametrize(("platform", "author_id", "key"), [
    ("x", "1605800000000000001", "x#1605800000000000001"), ("meta", "998877", "meta#998877"),
    ("generic", "ann.b:42@tool_x-1", "generic#ann.b:42@tool_x-1")])
def test_an_author_is_keyed_as_ingest_keys_them(platform, author_id, key):
    assert history.author_key(platform, author_id) == key


@pytest.mark.parametrize(("platform", "author_id"), [
    ("tiktok", "1"), ("google", "accounts/1/locations/2/reviews/3"), ("X", "1"), ("x", "ann"), ("x", "１２"),
    ("x", "٣"), ("x", "1" * 21), ("x", "12\n"), ("meta", ""), ("generic", "ann b"), ("generic", "ann#b"),
    ("generic", "é"), ("generic", "a" * 129)])
def test_an_unknown_platform_or_an_id_it_never_gives_is_refused(platform, author_id):
    with pytest.raises(InvalidAuthorError):
        history.author_key(platform, author_id)


def test_an_authors_cases_come_newest_first_with_what_is_public_only(repo):
    stored("generic-1", ANN, "20")
    stored("generic-2", ANN, "21", status="DISMISSED", closed_reason="spam")
    stored("generic-bob", "generic#2002", "22")
    answer = history.author_cases("generic", "1001", repo)
    assert answer["linkedAccounts"] == []
    assert [(c["caseId"], c["status"], c["closedReason"]) for c in answer["cases"]] == [
        ("generic-2", "DISMISSED", "spam"), ("generic-1", "CLOSED", "resolved")]
    assert answer["cases"][1] == {
        "caseId": "generic-1", "platform": "generic", "authorId": "1001", "author": "@ann", "linked": False,
        "openedAt": "2026-11-20T09:00:00Z", "status": "CLOSED", "closedAt": None, "closedReason": "resolved",
        "topic": "delivery", "priority": "high", "text": "where is my parcel"}


def test_earlier_cases_are_those_the_person_opened_before_this_one(repo):
    stored("generic-1", ANN, "20")
    stored("x-2", ANN_ON_X, "21")
    middle = stored("generic-3", ANN, "22")
    current = stored("generic-4", ANN, "23", status="OPEN")
    repo.link_authors(ANN, ANN_ON_X, by="maria")
    assert [(c["caseId"], c["linked"]) for c in history.earlier_cases(current, repo)] == [
        ("generic-3", False), ("x-2", True), ("generic-1", False)]
    assert [c["caseId"] for c in history.earlier_cases(middle, repo)] == ["x-2", "generic-1"]


def test_earlier_cases_show_the_newest_few(repo, monkeypatch):
    monkeypatch.setattr(history, "EARLIER_CASES_SHOWN", 2)
    for day in ("20", "21", "22"):
        stored(f"generic-{day}", ANN, day)
    current = stored("x-23", ANN_ON_X, "23", status="OPEN")
    repo.link_authors(ANN_ON_X, ANN, by="maria")
    assert [c["caseId"] for c in history.earlier_cases(current, repo)] == ["generic-22", "generic-21"]


def test_links_are_followed_through_another_account(repo):
    stored("meta-1", ANN_ON_FACEBOOK, "20")
    history.link("generic", "1001", "x", "42", agent="maria", repo=repo)
    history.link("x", "42", "meta", "998877", agent="maria", repo=repo)
    answer = history.author_cases("generic", "1001", repo)
    assert answer["linkedAccounts"] == [{"platform": "x", "authorId": "42"}, {"platform": "meta", "authorId": "998877"}]
    assert [(c["caseId"], c["platform"], c["linked"]) for c in answer["cases"]] == [("meta-1", "meta", True)]


def test_linking_again_or_the_other_way_round_changes_nothing(repo):
    assert history.link("generic", "1001", "x", "42", agent="maria", repo=repo) == {
        "author": {"platform": "generic", "authorId": "1001"}, "linked": {"platform": "x", "authorId": "42"},
        "alreadyLinked": False}
    assert history.link("x", "42", "generic", "1001", agent="dev", repo=repo)["alreadyLinked"] is True
    assert history.linked_accounts(ANN, repo) == [ANN, ANN_ON_X]


def test_an_account_is_not_linked_to_itself_or_to_a_bad_id(repo):
    for other in (("generic", "1001"), ("x", "ann"), ("google", "1")):
        with pytest.raises(InvalidAuthorError):
            history.link("generic", "1001", *other, agent="maria", repo=repo)
    assert repo.links_of(ANN) == []


def test_with_linking_off_no_link_is_made_and_stored_ones_are_ignored(repo, monkeypatch):
    stored("x-1", ANN_ON_X, "20")
    history.link("generic", "1001", "x", "42", agent="maria", repo=repo)
    monkeypatch.setattr(history, "policy", lambda: Policy(privacy=Privacy(link_accounts=False)))
    with pytest.raises(LinkingOffError):
        history.link("generic", "1001", "meta", "998877", agent="maria", repo=repo)
    assert history.author_cases("generic", "1001", repo) == {"platform": "generic", "authorId": "1001",
                                                             "linkedAccounts": [], "cases": [], "flagClearances": []}


# -- the record behind a flag ----------------------------------------------------------------------------------------
def dismissed(case_id: str, author_key: str, day: str, reason: str) -> CaseRecord:
    case = stored(case_id, author_key, day, status="DISMISSED", closed_reason=reason)
    case.update(actions=[CaseRecord.closed_at.set(f"2026-11-{day}T09:30:00.000Z")])
    return case


def test_the_flag_shows_the_dismissals_that_counted_newest_first_and_the_clearances_before_the_case(repo):
    # Given an author cleared once, then dismissed twice as troll (and once as spam, which does not count)
    dismissed("generic-1", ANN, "10", "abusive")  # before the clearance: wiped
    repo.add_flag_clearance(ANN, "2026-11-11T09:00:00.000Z", by="maria", reason="sorted out by phone")
    dismissed("generic-2", ANN, "12", "troll")
    dismissed("generic-3", ANN, "13", "spam")
    dismissed("generic-4", ANN, "14", "troll")
    dismissed("x-5", ANN_ON_X, "15", "troll")  # a linked account's record is its own
    repo.link_authors(ANN, ANN_ON_X, by="maria")
    current = stored("generic-6", ANN, "16", status="OPEN")
    current.update(actions=[CaseRecord.flagged_reason.set("2 earlier cases dismissed as troll")])
    repo.add_flag_clearance(ANN, "2026-11-17T09:00:00.000Z", by="dev", reason="after this case opened")
    # Then its flag shows why, as decided when the case opened
    assert history.flag_of(current, repo) == {
        "reason": "2 earlier cases dismissed as troll",
        "dismissedCases": [{"caseId": "generic-4", "closedAt": "2026-11-14T09:30:00.000Z", "reason": "troll"},
                           {"caseId": "generic-2", "closedAt": "2026-11-12T09:30:00.000Z", "reason": "troll"}],
        "clearances": [{"at": "2026-11-11T09:00:00.000Z", "by": "maria", "reason": "sorted out by phone"}]}


def test_the_assessment_reads_the_authors_own_record_and_their_last_clearance(repo):
    dismissed("generic-1", ANN, "10", "troll")
    stored("generic-2", ANN, "12")
    assert [(c.case_id, c.dismissed_reason, c.closed_at is not None) for c in history.earlier_record(ANN, repo)] == [
        ("generic-1", "troll", True), ("generic-2", "", False)]
    assert history.flag_cleared_at(ANN, repo) is None
    repo.add_flag_clearance(ANN, "2026-11-11T09:00:00.000Z", by="maria", reason="fine")
    repo.add_flag_clearance(ANN, "2026-11-13T09:00:00.000Z", by="dev", reason="fine again")
    assert history.flag_cleared_at(ANN, repo).isoformat() == "2026-11-13T09:00:00+00:00"
    assert history.flag_cleared_at(ANN, repo, by="2026-11-12T00:00:00.000Z").isoformat() == "2026-11-11T09:00:00+00:00"


def test_an_authors_history_lists_the_flag_clearances_of_every_account_newest_first(repo):
    repo.link_authors(ANN, ANN_ON_X, by="maria")
    repo.add_flag_clearance(ANN, "2026-11-11T09:00:00.000Z", by="maria", reason="a real customer")
    repo.add_flag_clearance(ANN_ON_X, "2026-11-12T09:00:00.000Z", by="dev", reason="not a troll")
    assert history.author_cases("generic", "1001", repo)["flagClearances"] == [
        {"platform": "x", "authorId": "42", "at": "2026-11-12T09:00:00.000Z", "by": "dev", "reason": "not a troll"},
        {"platform": "generic", "authorId": "1001", "at": "2026-11-11T09:00:00.000Z", "by": "maria",
         "reason": "a real customer"}]
