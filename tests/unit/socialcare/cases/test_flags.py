"""Mirrors layers/domain/socialcare/cases/flags.py: an agent clears an author's flag with a reason, audited on the
author; only later dismissals count, and the author's open case loses its flag. On the tables of template.yaml, in
moto."""
import pytest

from socialcare.cases import flags, history, lifecycle
from socialcare.care.assessment import flag_reason
from socialcare.care.policy import policy
from socialcare.errors import InvalidAuthorError
from socialcare.storage.records import CASE_RECORD, CaseRecord

TROLL = "2 earlier cases dismissed as troll"
CLEARED_AT = "2026-11-11T12:00:00.000Z"


@pytest.fixture(autouse=True)
def clear_at_noon_on_the_11th(monkeypatch):
    monkeypatch.setattr(flags, "now_iso", lambda: CLEARED_AT)


def dismissed_as_troll(case_id: str, author_key: str, day: str) -> None:
    CaseRecord(case_id, CASE_RECORD, status=lifecycle.DISMISSED, author_key=author_key, closed_reason="troll",
               opened_at=f"2026-11-{day}T09:00:00.000Z", closed_at=f"2026-11-{day}T09:30:00.000Z").save()


def flagged_now(author_key: str, repo) -> str:
    """What the assessment of the author's next mention would say."""
    return flag_reason(history.earlier_record(author_key, repo), policy(), history.flag_cleared_at(author_key, repo))


def test_clearing_a_flagged_authors_flag_is_audited_and_their_open_case_loses_its_flag(repo):
    # Given an author with two cases dismissed as troll and an open flagged case
    for case_id, day in (("x-1", "09"), ("x-2", "10")):
        dismissed_as_troll(case_id, "x#42", day)
    repo.open(CaseRecord("x-3", CASE_RECORD, status=lifecycle.OPEN, author_key="x#42", step=lifecycle.ACKNOWLEDGE,
                         opened_at="2026-11-11T09:00:00.000Z", deadline="2026-11-11T10:00:00.000Z", platform="x",
                         flagged_reason=TROLL, priority="normal"))
    assert flagged_now("x#42", repo) == TROLL
    # When an agent clears the flag with a reason
    cleared = flags.clear_flag("x", "42", "Talked to them: a real customer", agent="maria", repo=repo)
    # Then the clearance is kept under the author, their open case is no longer flagged, and their record is clean
    assert cleared == {"author": {"platform": "x", "authorId": "42"}, "clearedAt": CLEARED_AT,
                       "by": "maria", "reason": "Talked to them: a real customer", "wasFlagged": True,
                       "unflaggedCase": "x-3"}
    [kept] = repo.flag_clearances("x#42")
    assert (kept.at, kept.cleared_by, kept.clearance_reason) == (CLEARED_AT, "maria",
                                                                  "Talked to them: a real customer")
    assert repo.get("x-3").flagged_reason is None
    assert [(e.at, e.event) for e in repo.timeline("x-3")] == [(CLEARED_AT, "flag cleared")]
    assert flagged_now("x#42", repo) == ""
    # until two more of their cases are dismissed for a flag reason
    dismissed_as_troll("x-6", "x#42", "12")
    dismissed_as_troll("x-7", "x#42", "13")
    assert flagged_now("x#42", repo) == "2 earlier cases dismissed as troll since their flag was cleared on 2026-11-11"


def test_clearing_an_author_who_is_not_flagged_is_allowed_audited_and_says_so(repo):
    dismissed_as_troll("x-4", "x#43", "10")  # one short of the flag
    cleared = flags.clear_flag("x", "43", "vouching for them", agent="dev", repo=repo)
    assert (cleared["wasFlagged"], cleared["unflaggedCase"]) == (False, None)
    assert [c.cleared_by for c in repo.flag_clearances("x#43")] == ["dev"]
    # and the dismissal before it no longer counts: two more are needed to flag them again
    dismissed_as_troll("x-5", "x#43", "12")
    assert flagged_now("x#43", repo) == ""


def test_an_author_a_platform_never_gives_is_refused_and_nothing_is_kept(repo):
    with pytest.raises(InvalidAuthorError):
        flags.clear_flag("google", "accounts/1", "fine", agent="dev", repo=repo)
    with pytest.raises(InvalidAuthorError):
        flags.clear_flag("x", "@dana", "fine", agent="dev", repo=repo)
    assert list(CaseRecord.scan()) == []
