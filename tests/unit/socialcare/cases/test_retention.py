"""Mirrors layers/domain/socialcare/cases/retention.py: which closing case goes on the erasure index, and the erasure of
every DM of a due case, on the cases table of template.yaml in moto."""
import pytest

from local.cloud import LocalCloud
from socialcare.cases import lifecycle, retention, service
from socialcare.storage.cases import CasesRepository
from socialcare.storage.records import CASE_RECORD, PRIVATE_DATA_HELD, CaseRecord
from tests.conftest import LONG_CLOCKS

CLOSED_AT = "2026-11-22T12:00:00.000Z"


@pytest.mark.parametrize("fields", [{"dm_received": True}, {"private_contact": "a DM kept before the thread"}])
def test_a_case_closing_with_a_dm_goes_on_the_erasure_index(fields):
    assert retention.marks_for_closing(CaseRecord("generic-r1", CASE_RECORD, **fields), CLOSED_AT) != []


def test_a_case_closing_without_a_dm_does_not():
    assert retention.marks_for_closing(CaseRecord("generic-r1", CASE_RECORD), CLOSED_AT) == []


def test_a_dm_is_erased_the_policys_days_after_its_case_closed():
    assert retention.erase_at(CLOSED_AT) == "2027-02-20T12:00:00.000Z"  # the shipped policy: 90 days


@pytest.fixture
def repo():
    with LocalCloud(clocks=LONG_CLOCKS):
        yield CasesRepository()


def test_the_erasure_deletes_every_dm_of_a_due_case_and_marks_each_in_its_timeline(repo):
    repo.open(CaseRecord("generic-r2", CASE_RECORD, status=lifecycle.OPEN, deadline=CLOSED_AT, step="RESOLVE",
                         author_key="generic#r2", opened_at="2026-11-22T09:30:00.000Z", platform="generic"))
    for n, text in enumerate(["Email me: ann@example.com", "Or call 555-0100"]):
        service.receive_private_message("generic-r2", f"generic#r2-dm-{n}", text, f"2026-11-22T09:4{n}:00.000Z", repo)
    service.close("generic-r2", "resolved", repo=repo)
    closed = repo.get("generic-r2")
    assert closed.private_data == PRIVATE_DATA_HELD
    assert retention.erase_due_private_messages(now=closed.closed_at, repo=repo) == []
    assert retention.erase_due_private_messages(now=closed.erase_private_at, repo=repo) == ["generic-r2"]
    assert repo.private_messages("generic-r2") == [] and repo.private_message_times("generic-r2") == []
    events = [e.event for e in repo.timeline("generic-r2")]
    assert events.count("customer DM received (erased)") == 2 and "customer DM received" not in events
    assert retention.erase_due_private_messages(now=closed.erase_private_at, repo=repo) == []
