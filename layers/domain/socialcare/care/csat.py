"""Asking how we did: who is asked (once, privately, after the follow-up), and what answer is a score.

A score is a whole message that is only a number from 1 to 5, as people write one: "4", "4/5", "4 out of 5",
"four", "4 stars", "⭐⭐⭐⭐", "4️⃣". Anything more ("4 but the courier was rude") is a message to answer, not a score:
it opens a normal private case, so nobody's words are lost in a number.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from socialcare.care.policy import Csat

WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
_NUMBER = r"(?P<number>[1-5]|one|two|three|four|five)"
_SCORE = re.compile(rf"^{_NUMBER}(?:\s*(?:/|out of|of)\s*(?:5|five))?(?:\s*stars?)?$")
_STARS = re.compile(r"^(?P<stars>[⭐★🌟]{1,5})$")
_KEYCAP = re.compile(r"^(?P<number>[1-5])\u20e3$")


def parse_score(text: str) -> int | None:
    """The score the message gives (1..5), or None when it is not only a score."""
    cleaned = unicodedata.normalize("NFKC", text or "").replace("\ufe0f", "").strip().lower()
    cleaned = re.sub(r"\s+", " ", cleaned).strip(" .!")
    if not cleaned or len(cleaned) > 20:
        return None
    stars = _STARS.match(cleaned.replace(" ", ""))
    if stars:
        return len(stars.group("stars"))
    match = _SCORE.match(cleaned) or _KEYCAP.match(cleaned)
    if not match:
        return None
    number = match.group("number")
    return WORDS.get(number) or int(number)


@dataclass(frozen=True)
class AskFacts:
    """What decides whether a closed-loop case's customer is asked."""

    intent: str
    flagged: bool
    private_channel: bool  # the platform has private messages at all (not Google reviews)
    wrote_privately: bool  # the customer wrote to us privately on the case: we have a conversation to ask in
    messaging_window_open: bool  # the platform's window for messages that are not a person's answer (Meta: 24 h)


def not_asked_reason(facts: AskFacts, rules: Csat) -> str:
    """Why the customer is not asked ("": ask them)."""
    if not rules.enabled:
        return "the care policy asks no one (csat.enabled: false)"
    if facts.intent == "praise":
        return "praise is never asked"
    if facts.flagged:
        return "a flagged author is never asked"
    if not facts.private_channel:
        return "no private messages on this platform"
    if not facts.wrote_privately:
        return "the customer never wrote to us privately"
    if not facts.messaging_window_open:
        return "the platform's messaging window has closed"
    return ""


def is_low(score: int, rules: Csat) -> bool:
    return score <= rules.low_score
