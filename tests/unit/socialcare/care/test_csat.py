"""Mirrors layers/domain/socialcare/care/csat.py: what answer is a score, and who is asked how we did."""
import pytest

from socialcare.care.csat import AskFacts, is_low, not_asked_reason, parse_score
from socialcare.care.policy import Csat


@pytest.mark.parametrize("text, score", [
    ("4", 4), (" 4 ", 4), ("4.", 4), ("5!", 5), ("4/5", 4), ("4 / 5", 4), ("4 out of 5", 4), ("4 of 5", 4),
    ("1 star", 1), ("3 stars", 3), ("four", 4), ("Five", 5), ("FIVE STARS", 5), ("two out of five", 2),
    ("⭐⭐⭐⭐", 4), ("⭐️⭐️", 2), ("★★★", 3), ("⭐ ⭐ ⭐ ⭐ ⭐", 5), ("4️⃣", 4), ("５", 5),
])
def test_a_message_that_is_only_a_number_from_1_to_5_is_a_score(text, score):
    assert parse_score(text) == score


@pytest.mark.parametrize("text", [
    "", "   ", "0", "6", "10", "45", "3.5", "4/10", "-1", "⭐⭐⭐⭐⭐⭐", "4 but the box was dented",
    "thanks!", "five stars, the courier was lovely", "order 4", "call me at 4", "my order A4 is late", "ok",
])
def test_anything_more_or_else_is_not_a_score(text):
    assert parse_score(text) is None


FACTS = AskFacts(intent="complaint", flagged=False, private_channel=True, wrote_privately=True,
                 messaging_window_open=True)


def test_a_resolved_complaints_customer_who_wrote_privately_is_asked():
    assert not_asked_reason(FACTS, Csat()) == ""


@pytest.mark.parametrize("change, reason", [
    ({"intent": "praise"}, "praise is never asked"),
    ({"flagged": True}, "a flagged author is never asked"),
    ({"private_channel": False}, "no private messages on this platform"),
    ({"wrote_privately": False}, "the customer never wrote to us privately"),
    ({"messaging_window_open": False}, "the platform's messaging window has closed"),
])
def test_who_is_never_asked_and_why(change, reason):
    assert not_asked_reason(AskFacts(**{**FACTS.__dict__, **change}), Csat()) == reason


def test_a_policy_that_asks_no_one_asks_no_one():
    assert not_asked_reason(FACTS, Csat(enabled=False)) == "the care policy asks no one (csat.enabled: false)"


def test_a_low_score_is_the_policys_low_score_or_lower():
    assert [score for score in range(1, 6) if is_low(score, Csat())] == [1, 2]
    assert [score for score in range(1, 6) if is_low(score, Csat(low_score=3))] == [1, 2, 3]
