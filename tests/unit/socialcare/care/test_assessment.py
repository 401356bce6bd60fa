"""Mirrors layers/domain/socialcare/care/assessment.py: direct or indirect, complaint, help, reach, repeat contact,
flagged authors, topic, team and priority."""
from datetime import UTC, datetime, timedelta

import pytest

from socialcare.care.assessment import EarlierCase, assess, counted_dismissals, team_for, topic_of, worth_a_case
from socialcare.models import Author, Mention
from socialcare.care.policy import Policy, Priority, Routing, RoutingRule

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
POLICY = Policy()


def mention(text: str, kind: str = "mention", followers: int = 100, **extra) -> Mention:
    return Mention("x", "1", kind, text, Author("42", "@dana", "Dana", followers), NOW.isoformat(), extra=extra)


def earlier(days_ago: int, dismissed: str = "") -> EarlierCase:
    return EarlierCase(f"x-{days_ago}", NOW - timedelta(days=days_ago), dismissed)


@pytest.mark.parametrize(("text", "followers", "history", "priority"), [
    ("Love the new store!", 100, [], "low"),
    ("Do you open on Sundays?", 100, [], "normal"),
    ("My parcel is late", 100, [], "normal"),
    ("My parcel is late", 2_000, [], "high"),             # a complaint with medium reach
    ("My parcel is late", 100, [earlier(3)], "high"),     # a complaint, again
    ("My parcel is late", 50_000, [earlier(3)], "urgent"),  # loud and repeated
    ("Love it", 50_000, [], "normal"),                    # reach alone does not make it urgent
    ("The kettle caught fire", 10, [], "urgent"),         # safety words
    ("My parcel is late", 100, [earlier(60)], "normal"),  # an old case is not a repeated contact
])
def test_priority_comes_from_severity_and_reach(text, followers, history, priority):
    assert assess(mention(text, followers=followers), history, POLICY, NOW).priority == priority


def test_a_pile_on_raises_the_priority():
    quiet = assess(mention("The app is down"), [], POLICY, NOW)
    assert quiet.priority == "normal"
    assert assess(mention("The app is down"), [], POLICY, NOW, pile_on=True).priority == "high"


def test_the_first_tier_follows_the_priority():
    urgent = assess(mention("Fraud on my card"), [], POLICY, NOW)
    assert urgent.first_tier(POLICY) == 2
    assert assess(mention("Love it"), [], POLICY, NOW).first_tier(POLICY) == 0


def test_an_author_with_a_record_of_abusive_or_baseless_posts_is_flagged():
    history = [earlier(10, "abusive"), earlier(20, "baseless"), earlier(30, "spam")]
    flagged = assess(mention("you are useless"), history, POLICY, NOW)
    assert flagged.flagged and flagged.flagged_reason == "2 earlier cases dismissed as abusive, baseless"
    assert not assess(mention("you are useless"), history[:1], POLICY, NOW).flagged
    strict = Policy(priority=Priority(flag_after_dismissals=1))
    assert assess(mention("x"), history[:1], strict, NOW).flagged


def test_trolling_counts_towards_the_flag_by_default():
    flagged = assess(mention("lol"), [earlier(10, "troll"), earlier(20, "troll")], POLICY, NOW)
    assert flagged.flagged_reason == "2 earlier cases dismissed as troll"


def cleared_case(days_ago: int, closed_days_ago: int, dismissed: str) -> EarlierCase:
    return EarlierCase(f"x-{days_ago}", NOW - timedelta(days=days_ago), dismissed,
                       NOW - timedelta(days=closed_days_ago))


def test_only_dismissals_after_the_flag_was_last_cleared_count():
    # Given two cases dismissed as troll, one opened before the clearance but dismissed after it
    history = [cleared_case(30, 29, "troll"), cleared_case(12, 9, "troll")]
    cleared = NOW - timedelta(days=10)
    # Then only the one dismissed after the clearance counts: not flagged
    assert not assess(mention("lol"), history, POLICY, NOW, flag_cleared_at=cleared).flagged
    assert [case.case_id for case in counted_dismissals(history, POLICY, cleared)] == ["x-12"]
    # and a second dismissal after it flags them again, saying since when
    again = [*history, cleared_case(5, 5, "abusive")]
    assert assess(mention("lol"), again, POLICY, NOW, flag_cleared_at=cleared).flagged_reason == (
        "2 earlier cases dismissed as abusive, troll since their flag was cleared on 2026-11-13")


def test_the_dismissals_that_count_come_newest_first_by_when_they_were_dismissed():
    history = [cleared_case(30, 1, "troll"), cleared_case(20, 19, "baseless"), cleared_case(10, 9, "spam")]
    assert [case.case_id for case in counted_dismissals(history, POLICY)] == ["x-30", "x-20"]


@pytest.mark.parametrize(("kind", "text", "followers", "cased"), [
    ("mention", "nice", 10, True),                              # addressed to the brand: always a case
    ("review", "meh", 10, True),
    ("hashtag", "Loving my new #Acme kettle", 10, False),       # indirect praise: watched
    ("keyword", "acme parcel never arrived", 10, False),        # an indirect complaint, quiet: watched
    ("keyword", "acme parcel never arrived", 9_000, True),      # ...with reach: a case
    ("hashtag", "Does anyone know how to descale an #Acme kettle", 10, True),  # asks for help
])
def test_indirect_mentions_are_watched_unless_they_ask_for_help_or_are_loud_complaints(kind, text, followers, cased):
    m = mention(text, kind=kind, followers=followers)
    assert worth_a_case(m, assess(m, [], POLICY, NOW), POLICY) is cased


def test_topic_and_team():
    routing = Routing(default_team="care", rules=[
        RoutingRule(team="deliveries", keywords=["parcel", "courier"]),
        RoutingRule(team="kettles", products=["kettle"]),
        RoutingRule(team="london", locations=["london"]),
    ])
    policy = Policy(routing=routing)
    assert team_for(mention("my parcel is late"), policy) == "deliveries"
    assert team_for(mention("the kettle leaks"), policy) == "kettles"
    assert team_for(mention("rude staff", location_name="Acme London Camden"), policy) == "london"
    assert team_for(mention("rude staff"), policy) == "care"
    assert team_for(mention("parcels"), policy) == "care"  # whole words only
    assert topic_of("the app logs me out", POLICY) == "app" and topic_of("nice day", POLICY) == ""


def test_a_complaint_found_to_be_part_of_a_pile_on_is_assessed_again_knowing_it():
    from socialcare.care.assessment import pile_on_priority
    assert pile_on_priority({"priority": "normal", "reach": "low", "repeatedContact": False}) == "high"
    assert pile_on_priority({"priority": "high", "reach": "medium", "repeatedContact": True}) == "urgent"
    assert pile_on_priority({"priority": "urgent", "reach": "low"}) == "urgent"
    assert pile_on_priority({}) == "high"  # nothing recorded: still a complaint in a pile-on


def test_a_post_with_much_engagement_is_loud_whoever_wrote_it():
    from dataclasses import replace
    quiet = mention("@brand my parcel never arrived", followers=12)
    assert assess(quiet, [], POLICY, NOW).reach == "low"
    assert assess(replace(quiet, engagement=25), [], POLICY, NOW).reach == "medium"
    viral = replace(quiet, engagement=400)
    assert (assess(viral, [], POLICY, NOW).reach, assess(viral, [], POLICY, NOW).priority) == ("high", "high")


def test_an_indirect_complaint_with_engagement_becomes_a_case():
    from dataclasses import replace
    post = mention("#AcmeFail second broken kettle this month", kind="hashtag", followers=40)
    assert not worth_a_case(post, assess(post, [], POLICY, NOW), POLICY)
    shared = replace(post, engagement=80)
    assert worth_a_case(shared, assess(shared, [], POLICY, NOW), POLICY)


@pytest.mark.parametrize("text, intent", [
    ("@brand my parcel never arrived", "complaint"),
    ("@brand great service today, thanks!", "praise"),
    ("@brand thanks again, the new app is brilliant", "praise"),  # "again" alone is no complaint
    ("@brand thanks, but my order is still missing and the refund never came", "complaint"),
    ("@brand do you open on Sundays?", "question"),
    ("@brand what is the return window for sale items", "question"),
    ("@brand the kettle caught fire, thanks a lot", "complaint"),  # urgent words always make a complaint
    ("@brand just picked up my order", "other"),
])
def test_intent_reads_complaints_questions_praise_and_the_rest(text, intent):
    mention = Mention("x", "1", "reply", text, Author("1", "@dana", "Dana", 100), "2026-11-22T09:00:00+00:00")
    assert assess(mention, [], Policy(), datetime.now(UTC)).intent == intent
