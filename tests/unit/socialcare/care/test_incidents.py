"""Mirrors layers/domain/socialcare/care/incidents.py (and storage/incidents.py): pile-ons make one incident, which
keeps its people, their reach and when each joined, and tells each tier of its growth once. Real DynamoDB semantics
from the `cloud` fixture (moto, tables from template.yaml)."""
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


# -- growth: its people, its reach, the tiers told --------------------------------------------------------------------
def pile_on(n: int, policy: Policy = POLICY, at: datetime = NOW, followers: int = 100):
    """Complaints 1..n by n people, each with `followers`: the incident they make, as the last one saw it."""
    result = None
    for i in range(1, n + 1):
        c = complaint(i, case=f"x-{i}")
        result = note_complaint("app", Complaint(c.mention_key, c.author_key, c.posted_at, c.case_id, c.mention,
                                                 f"@author{i}", followers, "x"), policy, at)
    return result.incident


def test_the_incident_keeps_each_person_once_with_their_reach_and_when_they_joined(cloud):
    from socialcare.storage.incidents import IncidentsRepository
    incident = pile_on(4, followers=250)
    again = complaint(2, case="x-2")  # the second person complains again: counted once
    note_complaint("app", Complaint("x#22", again.author_key, again.posted_at, "x-22", {}, "@author2", 250, "x"),
                   POLICY, NOW)
    state = IncidentsRepository().load(incident.incident_id)
    assert (state.status, state.topic, state.authors, state.reach) == ("OPEN", "app", 4, 1000)
    assert [m.author for m in state.members] == ["@author1", "@author2", "@author3", "@author4"]
    assert all(m.joined_at and m.platform == "x" and m.followers == 250 for m in state.members)
    assert state.holding_statement.startswith("We know some of you are having trouble with app")


def test_each_tier_hears_once_when_the_people_reach_its_threshold(cloud):
    from socialcare.care.incidents import growth_alert
    told = []
    for n in range(1, 27):
        c = complaint(n, case=f"x-{n}")
        pile = note_complaint("app", c, POLICY, NOW)
        if pile.incident:
            alert = growth_alert(pile.incident.incident_id, c.mention_key, POLICY, NOW.isoformat())
            if alert:
                told.append((n, alert.level))
    assert told == [(3, 1), (10, 2), (25, 3)]


def test_a_jump_past_several_thresholds_tells_the_highest_tier_only(cloud):
    from socialcare.care.incidents import growth_alert
    incident = pile_on(12)  # nobody was told while it grew: 12 people at once
    assert growth_alert(incident.incident_id, "x#12", POLICY, NOW.isoformat()).level == 2
    assert growth_alert(incident.incident_id, "x#13", POLICY, NOW.isoformat()) is None


def test_ten_ingests_seeing_the_same_growth_claim_the_tier_once(cloud):
    from socialcare.care.incidents import growth_alert
    incident = pile_on(10)
    with ThreadPoolExecutor(10) as pool:
        alerts = list(pool.map(lambda n: growth_alert(incident.incident_id, f"x#{n}", POLICY, NOW.isoformat()),
                               range(100, 110)))
    assert [a.level for a in alerts if a] == [2]


def test_a_claimed_alert_whose_ingest_died_is_sent_by_its_redelivery_only(cloud):
    from socialcare.care.incidents import growth_alert
    from socialcare.storage.incidents import IncidentsRepository
    incident = pile_on(3)
    assert growth_alert(incident.incident_id, "x#3", POLICY, NOW.isoformat()).level == 1  # claimed, then died
    assert growth_alert(incident.incident_id, "x#4", POLICY, NOW.isoformat()) is None  # someone else: not theirs
    assert growth_alert(incident.incident_id, "x#3", POLICY, NOW.isoformat()).level == 1  # the redelivery sends it
    IncidentsRepository().mark_tier_alerted(incident.incident_id, 1)
    assert growth_alert(incident.incident_id, "x#3", POLICY, NOW.isoformat()) is None


def test_a_resolved_incident_takes_no_one_and_its_complaints_do_not_open_the_next(cloud):
    from socialcare.storage.incidents import IncidentsRepository
    incident = pile_on(3)
    repo = IncidentsRepository()
    resolved_at = posted_at((NOW - timedelta(minutes=1)).isoformat(), NOW)
    assert repo.resolve(repo.get(incident.incident_id), "fixed", "lead", NOW.isoformat(), resolved_at)
    assert not repo.resolve(repo.get(incident.incident_id), "again", "lead", NOW.isoformat(), resolved_at)
    # two more people within the window: not the resolved incident's, and not yet a new one
    assert note_complaint("app", complaint(4, minutes_ago=0), POLICY, NOW).incident is None
    assert note_complaint("app", complaint(5, minutes_ago=0), POLICY, NOW).incident is None
    assert repo.get(incident.incident_id).authors == 3
    again = note_complaint("app", complaint(6, minutes_ago=0), POLICY, NOW + timedelta(seconds=1))
    assert again.alert_leads and again.incident.incident_id == "incident-app-20261123-100001"
