"""Reading a mention the way a good support lead does: is it addressed to us, a complaint, a request for help; how
loud is the author; have they been here before; which team owns the problem; what priority does it get.

Pure functions of the mention, the author's earlier cases and the policy, so every rule is testable on its own.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from socialcare.cases.lifecycle import PRIORITIES
from socialcare.models import Mention
from socialcare.care.policy import Policy

# Kinds that address the brand; the others (a hashtag, a keyword found by search) only name it.
DIRECT_KINDS = frozenset({"mention", "reply", "quote", "comment", "review", "dm"})
INTENTS = ("complaint", "question", "praise", "other")


@dataclass(frozen=True)
class EarlierCase:
    """What the assessment needs of an author's earlier case."""

    case_id: str
    opened_at: datetime
    dismissed_reason: str = ""
    closed_at: datetime | None = None


@dataclass(frozen=True)
class Assessment:
    direct: bool
    complaint: bool
    asks_for_help: bool
    urgent_words: tuple[str, ...]
    complaint_words: tuple[str, ...]
    reach: str  # high | medium | low, from the author's followers or the post's engagement
    repeated_contact: bool
    flagged_reason: str  # why the author is flagged to a human ("" when not)
    topic: str  # the pile-on topic the mention is about ("" when none)
    team: str  # the triage team the hand-off goes to
    priority: str  # urgent | high | normal | low
    intent: str = "other"  # complaint | question | praise | other: which path the case can take

    @property
    def flagged(self) -> bool:
        return bool(self.flagged_reason)

    def first_tier(self, policy: Policy) -> int:
        """The escalation tier that hears of the case at once (0: the agents only)."""
        return policy.priority.first_tier[self.priority]

    def to_detail(self) -> dict:
        """What a case records and an agent's notification shows (no private data: all of it is public)."""
        return {"priority": self.priority, "reach": self.reach, "complaint": self.complaint,
                "repeatedContact": self.repeated_contact, "flagged": self.flagged_reason, "topic": self.topic,
                "team": self.team, "direct": self.direct, "intent": self.intent}


def assess(mention: Mention, earlier: list[EarlierCase], policy: Policy, now: datetime,
           pile_on: bool = False, flag_cleared_at: datetime | None = None) -> Assessment:
    text = mention.text
    rules = policy.priority
    complaint_words = _found(rules.complaint_words, text)
    urgent_words = _found(rules.urgent_words, text)
    followers, engagement = mention.author.followers, mention.engagement
    reach = ("high" if followers >= rules.high_reach_followers or engagement >= rules.high_reach_engagement
             else "medium" if followers >= rules.medium_reach_followers or engagement >= rules.medium_reach_engagement
             else "low")
    recent = now - timedelta(days=rules.repeat_contact_days)
    repeated = any(case.opened_at >= recent and not case.dismissed_reason for case in earlier)
    asks_for_help = bool(_found(policy.indirect.help_words, text))
    question = asks_for_help or "?" in text or bool(_found(policy.intent.question_words, text))
    intent = intent_of(text, complaint_words, urgent_words, question, policy)
    complaint = intent == "complaint"
    return Assessment(
        direct=mention.kind in DIRECT_KINDS,
        complaint=complaint,
        asks_for_help=asks_for_help,
        urgent_words=urgent_words,
        complaint_words=complaint_words,
        reach=reach,
        repeated_contact=repeated,
        flagged_reason=flag_reason(earlier, policy, flag_cleared_at),
        topic=topic_of(text, policy),
        team=team_for(mention, policy),
        priority=_priority(complaint, bool(urgent_words), reach, repeated, pile_on,
                           question=asks_for_help or "?" in text),
        intent=intent,
    )


def intent_of(text: str, complaint_words: tuple[str, ...], urgent_words: tuple[str, ...], question: bool,
              policy: Policy) -> str:
    """Complaint, question, praise or other. Urgent words always make a complaint; praise wins over complaint words
    when it has more of its own ("thanks again, great service": "again" alone is no complaint)."""
    praise = _found(policy.intent.praise_words, text)
    if urgent_words or (complaint_words and len(complaint_words) >= len(praise)):
        return "complaint"
    if question:
        return "question"
    return "praise" if praise else "other"


def pile_on_priority(opening: dict) -> str:
    """The priority of a complaint that turned out to be part of a pile-on, from its opening assessment (`to_detail`):
    as if it had been assessed knowing the pile-on."""
    if opening.get("priority") == "urgent":
        return "urgent"
    return _priority(True, False, opening.get("reach") or "low", bool(opening.get("repeatedContact")), True, False)


def worth_a_case(mention: Mention, assessment: Assessment, policy: Policy) -> bool:
    """A direct mention is always a case. An indirect one only when its author asks for help, or it is a complaint
    from someone with at least the policy's reach (a pile-on makes cases of the rest: see incidents)."""
    if assessment.direct:
        return True
    loud = (mention.author.followers >= policy.indirect.complaint_reach_followers
            or mention.engagement >= policy.indirect.complaint_reach_engagement)
    return assessment.asks_for_help or (assessment.complaint and loud)


def topic_of(text: str, policy: Policy) -> str:
    """The first pile-on topic whose words the text uses."""
    for topic, words in policy.pile_on.topics.items():
        if _found(words, text):
            return topic
    return ""


def team_for(mention: Mention, policy: Policy) -> str:
    """The first routing rule whose keywords, products or locations the mention names (a review's location counts
    as where it happened)."""
    where = f"{mention.text} {mention.extra.get('location_name', '')}"
    for rule in policy.routing.rules:
        if _found([*rule.keywords, *rule.products, *rule.locations], where):
            return rule.team
    return policy.routing.default_team


def _priority(complaint: bool, urgent: bool, reach: str, repeated: bool, pile_on: bool, question: bool) -> str:
    """Severity and reach add up; there is no VIP list. Urgent words alone make it urgent."""
    if urgent:
        return "urgent"
    score = (2 if complaint else 0) + repeated + pile_on + {"high": 2, "medium": 1, "low": 0}[reach]
    if score >= 5:
        return "urgent"
    if score >= 3:
        return "high"
    if complaint or question or score:
        return "normal"
    return "low"


def counted_dismissals(earlier: list[EarlierCase], policy: Policy,
                       flag_cleared_at: datetime | None = None) -> list[EarlierCase]:
    """The author's earlier cases that count towards the flag, newest first: dismissed for one of the policy's flag
    reasons, after an agent last cleared their flag (a clearance wipes the record before it)."""
    reasons = set(policy.priority.flag_reasons)
    counted = [case for case in earlier if case.dismissed_reason in reasons
               and (flag_cleared_at is None or (case.closed_at or case.opened_at) > flag_cleared_at)]
    return sorted(counted, key=lambda case: case.closed_at or case.opened_at, reverse=True)


def flag_reason(earlier: list[EarlierCase], policy: Policy, flag_cleared_at: datetime | None = None) -> str:
    """Why the author is flagged ("": they are not): enough dismissals that count."""
    dismissed = counted_dismissals(earlier, policy, flag_cleared_at)
    if len(dismissed) < policy.priority.flag_after_dismissals:
        return ""
    why = ", ".join(sorted({case.dismissed_reason for case in dismissed}))
    since = f" since their flag was cleared on {flag_cleared_at:%Y-%m-%d}" if flag_cleared_at else ""
    return f"{len(dismissed)} earlier cases dismissed as {why}{since}"


def _found(words: list[str], text: str) -> tuple[str, ...]:
    return tuple(word for word in words if _word_pattern(word.lower()).search(text))


@lru_cache(maxsize=4096)
def _word_pattern(word: str) -> re.Pattern:
    return re.compile(rf"(?<!\w){re.escape(word)}(?!\w)", re.IGNORECASE)
