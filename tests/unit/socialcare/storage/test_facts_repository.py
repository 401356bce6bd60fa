"""Mirrors layers/domain/socialcare/storage/facts.py, on the table (and GSI) template.yaml defines, in moto."""
import pytest

from local.cloud import LocalCloud
from socialcare.storage.facts import FactsRepository
from tests.conftest import LONG_CLOCKS


@pytest.fixture(scope="module")
def facts_repo():
    with LocalCloud(clocks=LONG_CLOCKS):
        yield FactsRepository()


def facts(day: str, **fields) -> dict:
    return {"opened_day": day, "opened_at": f"{day}T10:00:00.000Z", "status": "OPEN", "platform": "x", **fields}


def test_facts_are_read_day_by_day_and_a_rewrite_replaces_them(facts_repo):
    facts_repo.save("c-1", facts("2026-11-27", team="deliveries", first_response_minutes=12.5))
    facts_repo.save("c-2", facts("2026-11-28"))
    facts_repo.save("c-3", facts("2026-11-30"))
    facts_repo.save("c-1", facts("2026-11-27", status="CLOSED", outcome="resolved"))  # the whole record, again
    assert [f.case_id for f in facts_repo.facts_between("2026-11-27", "2026-11-28")] == ["c-1", "c-2"]
    [first] = facts_repo.facts_between("2026-11-27", "2026-11-27")
    assert (first.status, first.outcome, first.team, first.first_response_minutes) == ("CLOSED", "resolved", None, None)


def test_the_first_response_metrics_are_claimed_once_and_survive_a_rewrite(facts_repo):
    assert facts_repo.claim_first_response_metrics("c-9") is False  # no facts yet
    facts_repo.save("c-9", facts("2026-11-29"))
    assert facts_repo.claim_first_response_metrics("c-9") is True
    facts_repo.save("c-9", facts("2026-11-29", status="CLOSED"))
    assert facts_repo.claim_first_response_metrics("c-9") is False


@pytest.mark.parametrize(("start", "end"), [("2026-11-30", "2026-11-01"), ("2025-01-01", "2026-12-31")])
def test_a_backwards_or_too_long_range_is_refused(facts_repo, start, end):
    with pytest.raises(ValueError):
        facts_repo.facts_between(start, end)
