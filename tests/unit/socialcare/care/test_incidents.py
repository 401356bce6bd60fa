"""Mirrors layers/domain/socialcare/care/incidents.py (and storage/incidents.py): pile-ons make one incident, alerted
once. Real DynamoDB semantics from the `cloud` fixture (moto, tables from template.yaml)."""
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from socialcare.care.incidents import note_complaint, posted_at
from socialcare.care.policy import PileOn, Policy
from socialcare.storage.incidents import Complaint

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
POLICY = Policy(pile_on=PileOn(authors=3, window_minutes=60))


def complaint(n: int, minutes_ago: int = 5, author: str | None = None, case: str = "") -> Complaint:
    at = posted_at((NOW - timedelta(minutes=minutes_ago)).isoformat(), NOW)
    return Complaint(f"x#{n}", author or f"x#author{n}", at, case,
                     {"platform": "x", "mention_id": str(n), "text": "app down"})


def test_three_authors_within_the_window_open_one_incident_that_groups_their_cases(cloud):
    assert note_complaint("app", complaint(1, case="x-1"), POLICY, NOW).incident is None
    assert note_complaint("app", complaint(2, case="x-2"), POLICY, NOW).authors == 2
    third = note_complaint("app", complaint(3, case=""), POLICY, NOW)
    assert third.alert_leads and third.authors == 3
    assert third.incident.incident_id == "incident-app-20261123-100000"
    assert third.grouped_cases == ["x-1", "x-2"] and [c.mention_key for c in third.watched] == ["x#3"]
    fourth = note_complaint("app", complaint(4, case="x-4"), POLICY, NOW)
    assert fourth.incident == third.incident and not fourth.alert_leads


def test_the_same_author_twice_or_a_redelivery_counts_once(cloud):
    note_complaint("app", complaint(1, author="x#dana"), POLICY, NOW)
    note_complaint("app", complaint(2, author="x#dana"), POLICY, NOW)
    note_complaint("app", complaint(2, author="x#dana"), POLICY, NOW)
    assert note_complaint("app", complaint(3), POLICY, NOW).incident is None


def test_complaints_older_than_the_window_or_about_another_topic_do_not_count(cloud):
    note_complaint("app", complaint(1, minutes_ago=90), POLICY, NOW)
    note_complaint("delivery", complaint(2), POLICY, NOW)
    note_complaint("app", complaint(3), POLICY, NOW)
    assert note_complaint("app", complaint(4), POLICY, NOW).incident is None


def test_ten_ingests_seeing_the_pile_on_at_once_alert_once(cloud):
    note_complaint("app", complaint(1), POLICY, NOW)
    note_complaint("app", complaint(2), POLICY, NOW)
    with ThreadPoolExecutor(10) as pool:
        results = list(pool.map(lambda n: note_complaint("app", complaint(n), POLICY, NOW), range(3, 13)))
    assert sum(r.alert_leads for r in results) == 1
    assert len({r.incident.incident_id for r in results}) == 1


def test_after_a_quiet_window_a_new_pile_on_is_a_new_incident(cloud):
    for n in (1, 2, 3):
        note_complaint("app", complaint(n, minutes_ago=200), POLICY, NOW - timedelta(minutes=190))
    for n in (4, 5):
        assert note_complaint("app", complaint(n), POLICY, NOW).incident is None
    again = note_complaint("app", complaint(6), POLICY, NOW)
    assert again.alert_leads and again.incident.incident_id == "incident-app-20261123-100000"


def test_posted_at_is_fixed_width_utc():
    assert posted_at("2026-11-22T09:41:07+01:00", NOW) == "2026-11-22T08:41:07.000000Z"
    assert posted_at("2026-11-22T09:41:07.000Z", NOW) == "2026-11-22T09:41:07.000000Z"
    assert posted_at("yesterday", NOW) == "2026-11-23T10:00:00.000000Z"


def test_the_opener_redelivered_before_the_alert_owes_it_again_and_not_after(cloud):
    from socialcare.storage.incidents import IncidentsRepository
    note_complaint("app", complaint(1, case="x-1"), POLICY, NOW)
    note_complaint("app", complaint(2, case="x-2"), POLICY, NOW)
    opened = note_complaint("app", complaint(3), POLICY, NOW)
    # the ingest that opened it died before the alert: its redelivery does the opener's work again
    again = note_complaint("app", complaint(3), POLICY, NOW + timedelta(minutes=5))
    assert again.alert_leads and again.incident.incident_id == opened.incident.incident_id
    assert again.grouped_cases == ["x-1", "x-2"] and again.authors == 3
    # someone else's complaint meanwhile only joins
    assert not note_complaint("app", complaint(4), POLICY, NOW).alert_leads
    IncidentsRepository().mark_alerted(opened.incident, NOW.isoformat())
    assert not note_complaint("app", complaint(3), POLICY, NOW + timedelta(minutes=6)).alert_leads
