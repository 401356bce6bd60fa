"""Mirrors layers/domain/socialcare/ingest.py, for the answer to "how did we do?": which DM is a case's score. On the
tables and topics of template.yaml, in moto."""
from datetime import UTC, datetime, timedelta

import pytest

from socialcare import ingest
from socialcare.cases import clocks, lifecycle
from socialcare.models import Author, Mention
from socialcare.storage.cases import CasesRepository
from socialcare.storage.records import CASE_RECORD, CaseRecord

ASKED_AT = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)




def asked_case(repo: CasesRepository, case_id: str = "generic-77") -> str:
    repo.open(CaseRecord(case_id, CASE_RECORD, status=lifecycle.OPEN, author_key="generic#1001", platform="generic",
                         opened_at="2026-11-22T09:00:00.000Z", deadline="2026-11-22T09:00:00.000Z",
                         step=lifecycle.FOLLOW_UP, summary_text="my parcel is lost"))
    repo.close(case_id, "generic#1001", [CaseRecord.status.set(lifecycle.CLOSED)])
    repo.mark_asked("generic#1001", case_id, clocks.iso(ASKED_AT))
    return case_id


def dm(text: str, n: int = 1) -> Mention:
    return Mention("generic", f"dm-{n}", "dm", text, Author("1001", "@ann"), "2026-11-23T10:05:00Z")


@pytest.mark.parametrize("after, scored", [(timedelta(hours=71), True), (timedelta(hours=73), False)])
def test_a_score_counts_within_the_policys_window_only(repo, monkeypatch, after, scored):
    case_id = asked_case(repo)
    monkeypatch.setattr(clocks, "now", lambda: ASKED_AT + after)
    assert ingest._rated_case(dm("4"), repo) == (case_id if scored else None)
    assert repo.get(case_id).csat_score == (4 if scored else None)


def test_a_number_from_someone_never_asked_or_with_a_newer_open_case_is_a_normal_dm(repo, monkeypatch):
    monkeypatch.setattr(clocks, "now", lambda: ASKED_AT + timedelta(hours=1))
    assert ingest._rated_case(dm("4"), repo) is None  # never asked
    case_id = asked_case(repo)
    repo.open(CaseRecord("generic-88", CASE_RECORD, status=lifecycle.OPEN, author_key="generic#1001",
                         platform="generic", opened_at="2026-11-23T10:30:00.000Z", deadline="2026-11-23T10:30:00.000Z"))
    assert ingest._rated_case(dm("4"), repo) is None  # they wrote about something new since
    assert repo.get(case_id).csat_score is None


def review(stars: int, n: int) -> Mention:
    name = "accounts/1/locations/2/reviews/R1"
    return Mention("google", f"R1-{n}", "review", "Waited ages", Author(name, "Priya"), "2026-11-23T10:05:00Z",
                   reply_to_id=name, extra={"surface": "google", "star_rating": stars})


def a_review_case(repo: CasesRepository, replied: bool) -> str:
    repo.open(CaseRecord("google-R1-1", CASE_RECORD, status=lifecycle.OPEN, author_key=review(2, 1).author_key,
                         platform="google", opened_at="2026-11-22T09:00:00.000Z", deadline="2026-11-22T09:00:00.000Z",
                         review_rating_before=2))
    if replied:
        repo.add_event("google-R1-1", "post:acknowledgement", "posted publicly", {"kind": "acknowledgement"})
    return "google-R1-1"


@pytest.mark.parametrize("replied, stars, after", [(False, 4, None), (True, 2, None), (True, 4, 4), (True, 1, 1)])
def test_a_reviews_new_stars_are_recorded_only_after_our_reply_and_only_when_they_changed(repo, replied, stars, after):
    case_id = a_review_case(repo, replied)
    ingest._note_review_rating(review(stars, 2), repo)
    case = repo.get(case_id)
    assert (case.review_rating_before, case.review_rating_after) == (2, after)
