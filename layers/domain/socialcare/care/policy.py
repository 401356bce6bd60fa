"""The care policy: one file of a company's choices (policy.yaml beside this module, or the file POLICY_FILE names).

Every setting has a default, so an empty file is a valid policy. The file is read and checked once per process (at a
function's cold start); a mistake fails loudly with every problem listed by its place in the file, never later in
the middle of a case. README "Care policy" documents each setting.
"""
from __future__ import annotations

import os
import re
from datetime import date, time
from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from socialcare.care.business_time import WEEKDAYS, BusinessCalendar, Interval
from socialcare.cases.lifecycle import DISMISS_REASONS
from socialcare.config import settings

DEFAULT_POLICY_FILE = Path(__file__).with_name("policy.yaml")
_HOURS = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")
MAX_LEVELS = 10  # the template's MaxEscalationLevel allows at most this many levels


class PolicyError(ValueError):
    """The policy file cannot be used; the message lists every problem."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BusinessHours(_Section):
    timezone: str = "UTC"
    # weekday -> opening intervals "HH:MM-HH:MM" (several for a split shift); no weekly hours = always open
    weekly: dict[str, list[str]] = {}
    holidays: list[date] = []
    pre_breach_warning_minutes: int = Field(default=10, ge=0)
    after_hours_notice: bool = False
    after_hours_text: str = ("Thanks for getting in touch. Our team is here {hours}; we will answer you when we are "
                             "back, by {reply_by}.")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown timezone {value!r}; use an IANA name such as Europe/London") from None
        return value

    @field_validator("weekly")
    @classmethod
    def _valid_week(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for day, intervals in value.items():
            if day not in WEEKDAYS:
                raise ValueError(f"{day!r} is not a weekday; use {', '.join(WEEKDAYS)}")
            parsed = [_interval(text) for text in intervals]
            ends = [(i.start, time.max if i.end == time(0) else i.end) for i in parsed]
            for (_, end), (start, _) in zip(sorted(ends), sorted(ends)[1:]):
                if start < end:
                    raise ValueError(f"{day}: the intervals {', '.join(intervals)} overlap")
        return value

    @model_validator(mode="after")
    def _some_opening(self) -> "BusinessHours":
        if self.weekly and not any(self.weekly.values()):
            raise ValueError("weekly lists no opening hours at all; leave weekly out to be open around the clock")
        return self

    @field_validator("after_hours_text")
    @classmethod
    def _known_placeholders(cls, value: str) -> str:
        try:
            value.format(hours="", reply_by="")
        except (KeyError, IndexError, ValueError) as error:
            raise ValueError(f"after_hours_text may use {{hours}} and {{reply_by}} only ({error!r})") from None
        return value

    def calendar(self) -> BusinessCalendar:
        if not self.weekly:
            return BusinessCalendar(ZoneInfo(self.timezone), (), frozenset(self.holidays))
        week = tuple(tuple(sorted((_interval(t) for t in self.weekly.get(day, [])), key=lambda i: i.start))
                     for day in WEEKDAYS)
        return BusinessCalendar(ZoneInfo(self.timezone), week, frozenset(self.holidays))


class Guardrails(_Section):
    # characters a public reply may have on each surface (X counts a URL as 23; we count it as written: stricter)
    length_limits: dict[str, int] = {"x": 280, "facebook": 8000, "instagram": 2200, "instagram_mention": 2200,
                                     "google": 4096, "generic": 5000, "sandbox": 5000}
    # ...and a private reply, by platform or surface (Messenger 2,000; Instagram 1,000; X DMs 10,000); a comment's
    # author is answered privately in Messenger (facebook) or Instagram (instagram_mention)
    private_length_limits: dict[str, int] = {"x": 10_000, "messenger": 2000, "facebook": 2000, "instagram": 1000,
                                             "instagram_mention": 1000, "generic": 5000, "sandbox": 5000}
    canned_similarity: float = Field(default=0.85, gt=0, le=1)  # this alike to a reply to someone else = canned
    canned_window_days: int = Field(default=14, ge=0)  # how far back replies are compared; 0 turns the check off
    extra_personal_data_words: list[str] = []  # the company's own identifiers, e.g. "membership number"
    extra_channel_redirect_words: list[str] = []  # the company's other channels, e.g. "our careline app"
    extra_tone_words: list[str] = []  # words the company's voice never uses to a customer, e.g. "dear customer"
    # the trained tone model reads what the phrases miss (tools/train_tone_model.py): off by default, since it still
    # refuses some short good replies ("Thanks Ann, we have your messages."); docs/care-policy.md has its figures
    tone_model: bool = False
    tone_model_threshold: float | None = Field(default=None, gt=0, lt=1)  # None: the one trained for few refusals


class Priority(_Section):
    complaint_words: list[str] = [
        "broken", "refund", "terrible", "awful", "worst", "disgusting", "never again", "useless", "scam", "rip off",
        "ripped off", "still waiting", "no response", "ignored", "cancel", "complaint", "furious", "angry",
        "unacceptable", "disappointed", "not working", "doesn't work", "does not work", "late", "missing", "lost",
        "damaged", "faulty", "overcharged", "charged twice", "down", "outage", "still", "again", "where is",
        "hasn't arrived", "never arrived", "never came", "can't", "cannot", "won't", "wrong", "problem", "issue",
        "error", "crash", "keeps", "logs me out", "logged out", "not loading", "won't load", "stuck",
    ]
    urgent_words: list[str] = ["safety", "injured", "injury", "fire", "smoke", "allergic", "poison", "lawyer",
                               "legal action", "ombudsman", "fraud", "hacked", "data breach"]
    high_reach_followers: int = Field(default=10_000, ge=0)
    medium_reach_followers: int = Field(default=1_000, ge=0)
    # the post's own engagement (likes, reposts, replies, quotes) when we read it: a post going viral is loud
    high_reach_engagement: int = Field(default=100, ge=0)
    medium_reach_engagement: int = Field(default=20, ge=0)
    repeat_contact_days: int = Field(default=30, ge=0)  # an earlier case of the author this recent = repeated contact
    # the escalation tier that hears of a new case at once, by priority (0 = the agents only)
    first_tier: dict[str, int] = {"urgent": 2, "high": 1, "normal": 0, "low": 0}
    flag_after_dismissals: int = Field(default=2, ge=1)  # this many cases dismissed as below = flagged author
    flag_reasons: list[str] = ["abusive", "baseless", "troll"]
    # the highest escalation tier a flagged author's case reaches (0: no tier, the team only): it never pages leadership
    flagged_max_escalation_level: int = Field(default=1, ge=0)

    @field_validator("flag_reasons")
    @classmethod
    def _known_reasons(cls, value: list[str]) -> list[str]:
        unknown = set(value) - set(DISMISS_REASONS)
        if unknown:
            raise ValueError(f"{', '.join(sorted(unknown))}: not a dismiss reason; one of {', '.join(DISMISS_REASONS)}")
        return value

    @field_validator("first_tier")
    @classmethod
    def _every_priority(cls, value: dict[str, int]) -> dict[str, int]:
        missing = {"urgent", "high", "normal", "low"} - value.keys()
        if missing:
            raise ValueError(f"first_tier needs every priority; missing {', '.join(sorted(missing))}")
        if any(level < 0 for level in value.values()):
            raise ValueError("first_tier levels are 0 (agents only) or an escalation level")
        return value


class RoutingRule(_Section):
    team: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_-]+$")
    keywords: list[str] = []
    products: list[str] = []
    locations: list[str] = []

    @model_validator(mode="after")
    def _matches_something(self) -> "RoutingRule":
        if not (self.keywords or self.products or self.locations):
            raise ValueError(f"the rule for team {self.team!r} names no keywords, products or locations")
        return self


class Routing(_Section):
    default_team: str = Field(default="support", min_length=1, pattern=r"^[A-Za-z0-9_-]+$")
    rules: list[RoutingRule] = []  # the first rule that matches wins


class Indirect(_Section):
    # words that make an indirect mention (the brand named, not addressed) a request for help
    help_words: list[str] = ["help", "anyone know", "does anyone", "how do i", "how can i", "can someone",
                             "who do i", "please fix", "contact them", "customer service"]
    complaint_reach_followers: int = Field(default=5_000, ge=0)  # an indirect complaint this loud becomes a case...
    complaint_reach_engagement: int = Field(default=50, ge=0)  # ...or one whose post has this much engagement


class PileOn(_Section):
    authors: int = Field(default=3, ge=2)  # distinct authors complaining about one topic...
    window_minutes: int = Field(default=60, ge=1)  # ...within this window make an incident
    topics: dict[str, list[str]] = {
        "delivery": ["delivery", "parcel", "package", "courier", "shipping", "arrived", "tracking"],
        "payments": ["payment", "charged", "refund", "card", "checkout", "billing"],
        "app": ["app", "website", "site", "login", "log in", "logs me out", "crash", "down", "outage", "error"],
    }
    holding_statement: str = ("We know some of you are having trouble with {topic} right now. We're on it and will "
                              "post an update here as soon as we can. Sorry for the trouble.")
    # escalation level -> distinct authors: as the incident grows, the highest tier reached and not yet told hears it
    growth_alerts: dict[int, int] = Field(default={1: 3, 2: 10, 3: 25}, validate_default=True)
    # resolving an incident drafts a public follow-up on each of its open cases; "post": posts it too, once each
    resolve_follow_ups: Literal["draft", "post"] = "draft"

    @field_validator("growth_alerts")
    @classmethod
    def _a_climbing_ladder(cls, value: dict[int, int], info: ValidationInfo) -> dict[int, int]:
        if not value:
            raise ValueError("growth_alerts needs at least one level, e.g. {1: 3}")
        top = (info.context or {}).get("max_escalation_level", MAX_LEVELS)
        for level, authors in value.items():
            if not 1 <= level <= top:
                raise ValueError(f"level {level} is not an escalation level from 1 to {top} (MaxEscalationLevel)")
            if authors < 2:
                raise ValueError(f"level {level}: {authors} author(s) is no pile-on; at least 2")
        levels = sorted(value)
        for lower, higher in zip(levels, levels[1:]):
            if value[higher] <= value[lower]:
                raise ValueError(f"level {higher} needs more authors than level {lower} "
                                 f"({value[higher]} is not more than {value[lower]})")
        return value

    def tier_for(self, authors: int) -> int:
        """The highest escalation level whose threshold `authors` reaches (0: none yet)."""
        return max((level for level, needed in self.growth_alerts.items() if authors >= needed), default=0)


class Echoes(_Section):
    # a mention that only repeats one of our own recent public replies is our words coming back: dismissed at once
    dismiss: bool = True
    similarity: float = Field(default=0.9, gt=0, le=1)  # this alike (0-1) to one of our replies is an echo
    window_days: int = Field(default=7, ge=1)  # how far back our replies count


class Intent(_Section):
    # what a direct mention wants: a complaint (the priority's complaint and urgent words), a question, praise, other
    praise_words: list[str] = ["thank", "thanks", "thx", "great", "love", "loving", "awesome", "amazing",
                               "brilliant", "excellent", "fantastic", "well done", "kudos", "shout out", "shoutout",
                               "best", "perfect", "lovely", "appreciate", "happy with", "impressed", "superb"]
    question_words: list[str] = ["how do", "how can", "how long", "what is", "what's", "when will", "when does",
                                 "where can", "where do", "which", "can i", "can you", "do you", "does it", "is there",
                                 "are you", "is it", "could you tell", "any idea", "wondering"]
    reopen_window_days: int = Field(default=7, ge=0)  # the customer writing again this soon reopens an answered case


class Privacy(_Section):
    # the customer's private messages are erased from a case this many days after it closed
    erase_private_messages_after_days: int = Field(default=90, ge=1)
    # agents may link the accounts of one person (an X account and a Facebook id); their histories then show together
    link_accounts: bool = True


class Promise(_Section):
    # the wall-clock promise: no post of the customer's waits longer than this for our public response
    response_hours: float = Field(default=24, gt=0)
    warn_hours_before: float = Field(default=4, ge=0)  # the top escalation tier hears this long before (0: never)
    holding_reply: bool = True  # at the limit, post an honest holding reply on the customer's thread

    @model_validator(mode="after")
    def _warning_inside(self) -> "Promise":
        if self.warn_hours_before >= self.response_hours:
            raise ValueError("warn_hours_before must be shorter than response_hours")
        return self


class Csat(_Section):
    # after the follow-up, the customer is asked once, privately, how we did; their 1-5 answer is the case's score
    enabled: bool = True
    question: str = Field(default="Thanks for bearing with us. How did we do? Reply with a number from 1 to 5 "
                                  "(5 is great).", min_length=1, max_length=1000)
    window_hours: float = Field(default=72, gt=0)  # an answer this long after we asked still counts
    low_score: int = Field(default=2, ge=1, le=5)  # a score this low or lower: the team lead hears it with the case


class Policy(_Section):
    business_hours: BusinessHours = BusinessHours()
    promise: Promise = Promise()
    guardrails: Guardrails = Guardrails()
    priority: Priority = Priority()
    routing: Routing = Routing()
    indirect: Indirect = Indirect()
    pile_on: PileOn = Field(default_factory=dict, validate_default=True)  # left out: its levels checked all the same
    echoes: Echoes = Echoes()
    intent: Intent = Intent()
    privacy: Privacy = Privacy()
    csat: Csat = Csat()
    _calendar: BusinessCalendar = PrivateAttr()

    def model_post_init(self, context: object) -> None:
        self._calendar = self.business_hours.calendar()

    @property
    def calendar(self) -> BusinessCalendar:
        return self._calendar


def load_policy(path: Path | str | None = None, max_escalation_level: int = MAX_LEVELS) -> Policy:
    """Read and check a policy file; PolicyError lists every problem by its place in the file. Escalation levels the
    policy names (pile_on.growth_alerts) must be on the stack's ladder: 1 to `max_escalation_level`."""
    path = Path(path or os.environ.get("POLICY_FILE") or DEFAULT_POLICY_FILE)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as error:
        raise PolicyError(f"cannot read the policy file {path}: {error.strerror}") from None
    except yaml.YAMLError as error:
        raise PolicyError(f"{path} is not valid YAML: {error}") from None
    if not isinstance(raw, dict):
        raise PolicyError(f"{path} must hold a mapping of sections (business_hours, guardrails, ...)")
    try:
        return Policy.model_validate(raw, context={"max_escalation_level": max_escalation_level})
    except ValidationError as error:
        problems = [f"  {'.'.join(map(str, e['loc'])) or '(top)'}: {_problem(e)}" for e in error.errors()]
        raise PolicyError(f"{path} has {len(problems)} problem(s):\n" + "\n".join(problems)) from None


def _problem(error: dict) -> str:
    if error["type"] == "extra_forbidden":
        return "not a setting of this section (a typo?)"
    return error["msg"].removeprefix("Value error, ")


@lru_cache
def policy() -> Policy:
    """The policy of this process, read once, checked against the stack's ladder."""
    return load_policy(max_escalation_level=settings().clocks.max_escalation_level)


def _interval(text: str) -> Interval:
    match = _HOURS.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not an interval like 08:00-12:30")
    start_h, start_m, end_h, end_m = map(int, match.groups())
    if start_h > 23 or end_h > 24 or start_m > 59 or end_m > 59 or (end_h == 24 and end_m):
        raise ValueError(f"{text!r} is not a time of day")
    start, end = time(start_h, start_m), time(0) if end_h == 24 else time(end_h, end_m)
    if end != time(0) and end <= start:
        raise ValueError(f"{text!r} ends before it starts (overnight shifts: split at 24:00)")
    return Interval(start, end)

