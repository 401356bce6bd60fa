"""The care policy: one file of a company's choices (policy.yaml beside this module, or the file POLICY_FILE names).

Every setting has a default, so an empty file is a valid policy. The file is read and checked once per process (at a
function's cold start); a mistake fails loudly with every problem listed by its place in the file, never later in
the middle of a case. README "Care policy" documents each setting.

The sections are frozen dataclasses checked by `_Section.checked` below, not pydantic models: every function checks
the policy at its cold start, and pydantic's import and model building cost most of a lifecycle step's import
(`make bench` section 1). The checks say what pydantic said ("Input should be greater than or equal to 0").
"""
import os
import re
from dataclasses import MISSING, dataclass, field, fields
from datetime import date, datetime, time
from functools import lru_cache
from pathlib import Path
from types import NoneType, UnionType
from typing import Any, Literal, Union, get_args, get_origin
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from socialcare.care.business_time import WEEKDAYS, BusinessCalendar, Interval
from socialcare.cases.lifecycle import DISMISS_REASONS
from socialcare.config import settings

DEFAULT_POLICY_FILE = Path(__file__).with_name("policy.yaml")
_HOURS = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")
MAX_LEVELS = 10  # the template's MaxEscalationLevel allows at most this many levels
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser when the wheel has it
_EXTRA = "not a setting of this section (a typo?)"
_TRUE = {"1", "on", "t", "true", "y", "yes"}
_FALSE = {"0", "off", "f", "false", "n", "no"}


class PolicyError(ValueError):
    """The policy file cannot be used; the message lists every problem."""


class _Invalid(ValueError):
    """One setting's value is not of its type or outside its bounds (the message says which)."""


def setting(default: Any = MISSING, *, validate_default: bool = False, **bounds: Any) -> Any:
    """A section's field: its default (a list or dict is copied for each instance) and its bounds: ge, gt, le, lt
    (numbers), min_length, max_length, pattern (text). `validate_default`: checked even when the file leaves it out."""
    metadata = {**bounds, "validate_default": validate_default}
    if isinstance(default, list):
        return field(default_factory=lambda: list(default), metadata=metadata)
    if isinstance(default, dict):  # its values: numbers, or lists of words
        return field(default_factory=lambda: {key: list(value) if isinstance(value, list) else value
                                              for key, value in default.items()}, metadata=metadata)
    return field(default=default, metadata=metadata)


class _Section:  # each section has a docstring: without one, dataclass() writes it from every default's repr (slow)
    """A section of the policy: a frozen dataclass whose fields are checked from the file's mapping by `checked`.
    A method `_check_<field>(value, context)` checks one field further, once its type holds, and may return the value
    to keep; `_check(self)` checks the whole section once every field holds. Either raises ValueError with the message
    the policy's author reads."""

    @classmethod
    def checked(cls, raw: Any, loc: tuple, problems: list, context: dict) -> Any:
        """The section built from `raw`, or None with every problem appended to `problems` as (place, message)."""
        if isinstance(raw, cls):
            return raw
        if not isinstance(raw, dict):
            problems.append((loc, f"Input should be a valid dictionary or instance of {cls.__name__}"))
            return None
        before = len(problems)
        values = {}
        names = set()
        for spec in fields(cls):
            names.add(spec.name)
            place = (*loc, spec.name)
            if spec.name in raw:
                value = raw[spec.name]
            elif spec.default is MISSING and spec.default_factory is MISSING:
                problems.append((place, "Field required"))
                continue
            elif spec.metadata.get("validate_default"):
                value = spec.default if spec.default_factory is MISSING else spec.default_factory()
                value = {} if isinstance(value, _Section) else value  # a section left out: its defaults, checked
            else:
                continue
            count = len(problems)
            value = _convert(spec.type, value, place, problems, context)
            if len(problems) > count:
                continue
            try:
                _within(value, spec.metadata)
                check = getattr(cls, f"_check_{spec.name}", None)
                values[spec.name] = value if check is None else check(value, context)
            except ValueError as error:
                problems.append((place, str(error)))
        problems.extend(((*loc, key), _EXTRA) for key in raw if key not in names)
        if len(problems) > before:
            return None
        section = cls(**values)
        try:
            section._check()
        except ValueError as error:
            problems.append((loc, str(error)))
            return None
        return section

    def _check(self) -> None:
        pass


def _convert(kind: Any, value: Any, loc: tuple, problems: list, context: dict) -> Any:
    """`value` as `kind` (the lax conversions pydantic made: "3" is 3, "yes" is true); a problem is appended instead."""
    origin, args = get_origin(kind), get_args(kind)
    try:
        if isinstance(kind, type) and issubclass(kind, _Section):
            return kind.checked(value, loc, problems, context)
        if origin in (Union, UnionType):  # X | None
            return None if value is None else _convert(next(a for a in args if a is not NoneType), value, loc,
                                                        problems, context)
        if origin is Literal:
            if value in args:
                return value
            choices = [repr(a) for a in args]
            raise _Invalid(f"Input should be {', '.join(choices[:-1])} or {choices[-1]}")
        if origin is list:
            if not isinstance(value, (list, tuple)):
                raise _Invalid("Input should be a valid list")
            return [_convert(args[0], item, (*loc, i), problems, context) for i, item in enumerate(value)]
        if origin is dict:
            if not isinstance(value, dict):
                raise _Invalid("Input should be a valid dictionary")
            return {_convert(args[0], key, (*loc, key, "[key]"), problems, context):
                    _convert(args[1], item, (*loc, key), problems, context) for key, item in value.items()}
        return _SCALARS[kind](value)
    except _Invalid as error:
        problems.append((loc, str(error)))
        return None


def _to_int(value: Any) -> int:
    if isinstance(value, int):  # a bool too, as pydantic took it
        return int(value)
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise _Invalid("Input should be a valid integer, got a number with a fractional part")
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            raise _Invalid("Input should be a valid integer, unable to parse string as an integer") from None
    raise _Invalid("Input should be a valid integer")


def _to_float(value: Any) -> float:
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            raise _Invalid("Input should be a valid number, unable to parse string as a number") from None
    raise _Invalid("Input should be a valid number")


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise _Invalid("Input should be a valid boolean, unable to interpret input")


def _to_str(value: Any) -> str:
    if isinstance(value, str):
        return value
    raise _Invalid("Input should be a valid string")


def _to_date(value: Any) -> date:
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.date()
        raise _Invalid("Datetimes provided to dates should have zero time - e.g. be exact dates")
    if isinstance(value, date):  # YAML reads 2026-12-25 as a date
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise _Invalid("Input should be a valid date, written YYYY-MM-DD")


_SCALARS = {int: _to_int, float: _to_float, bool: _to_bool, str: _to_str, date: _to_date}


def _within(value: Any, bounds: dict) -> None:
    """The bounds of a number or a text, with pydantic's messages."""
    if value is None:
        return
    if isinstance(value, str):
        if "min_length" in bounds and len(value) < bounds["min_length"]:
            n = bounds["min_length"]
            raise ValueError(f"String should have at least {n} character{'' if n == 1 else 's'}")
        if "max_length" in bounds and len(value) > bounds["max_length"]:
            n = bounds["max_length"]
            raise ValueError(f"String should have at most {n} character{'' if n == 1 else 's'}")
        if "pattern" in bounds and not re.search(bounds["pattern"], value):
            raise ValueError(f"String should match pattern {bounds['pattern']!r}")
        return
    for name, fails, words in (("gt", lambda v, b: not v > b, "greater than"),
                               ("ge", lambda v, b: not v >= b, "greater than or equal to"),
                               ("lt", lambda v, b: not v < b, "less than"),
                               ("le", lambda v, b: not v <= b, "less than or equal to")):
        if name in bounds and fails(value, bounds[name]):
            raise ValueError(f"Input should be {words} {bounds[name]}")


@dataclass(frozen=True)
class BusinessHours(_Section):
    """business_hours: when the team works; the steps' deadlines count these hours only."""

    timezone: str = "UTC"
    # weekday -> opening intervals "HH:MM-HH:MM" (several for a split shift); no weekly hours = always open
    weekly: dict[str, list[str]] = setting({})
    holidays: list[date] = setting([])
    pre_breach_warning_minutes: int = setting(default=10, ge=0)
    after_hours_notice: bool = False
    after_hours_text: str = ("Thanks for getting in touch. Our team is here {hours}; we will answer you when we are "
                             "back, by {reply_by}.")

    @staticmethod
    def _check_timezone(value: str, context: dict) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown timezone {value!r}; use an IANA name such as Europe/London") from None
        return value

    @staticmethod
    def _check_weekly(value: dict[str, list[str]], context: dict) -> dict[str, list[str]]:
        for day, intervals in value.items():
            if day not in WEEKDAYS:
                raise ValueError(f"{day!r} is not a weekday; use {', '.join(WEEKDAYS)}")
            parsed = [_interval(text) for text in intervals]
            ends = [(i.start, time.max if i.end == time(0) else i.end) for i in parsed]
            for (_, end), (start, _) in zip(sorted(ends), sorted(ends)[1:]):
                if start < end:
                    raise ValueError(f"{day}: the intervals {', '.join(intervals)} overlap")
        return value

    def _check(self) -> None:
        if self.weekly and not any(self.weekly.values()):
            raise ValueError("weekly lists no opening hours at all; leave weekly out to be open around the clock")

    @staticmethod
    def _check_after_hours_text(value: str, context: dict) -> str:
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


@dataclass(frozen=True)
class Guardrails(_Section):
    """guardrails: what a reply may not be (the rules are in guardrails.py; these are the company's settings)."""

    # characters a public reply may have on each surface (X counts a URL as 23; we count it as written: stricter)
    length_limits: dict[str, int] = setting({"x": 280, "facebook": 8000, "instagram": 2200, "instagram_mention": 2200,
                                             "google": 4096, "generic": 5000, "sandbox": 5000})
    # ...and a private reply, by platform or surface (Messenger 2,000; Instagram 1,000; X DMs 10,000); a comment's
    # author is answered privately in Messenger (facebook) or Instagram (instagram_mention)
    private_length_limits: dict[str, int] = setting({"x": 10_000, "messenger": 2000, "facebook": 2000,
                                                     "instagram": 1000, "instagram_mention": 1000, "generic": 5000,
                                                     "sandbox": 5000})
    canned_similarity: float = setting(default=0.85, gt=0, le=1)  # this alike to a reply to someone else = canned
    canned_window_days: int = setting(default=14, ge=0)  # how far back replies are compared; 0 turns the check off
    extra_personal_data_words: list[str] = setting([])  # the company's own identifiers, e.g. "membership number"
    extra_channel_redirect_words: list[str] = setting([])  # the company's other channels, e.g. "our careline app"
    extra_tone_words: list[str] = setting([])  # words the company's voice never uses to a customer: "dear customer"
    # the trained tone model reads what the phrases miss (tools/train_tone_model.py): off by default, since it still
    # refuses some short good replies ("Thanks Ann, we have your messages."); docs/care-policy.md has its figures
    tone_model: bool = False
    tone_model_threshold: float | None = setting(default=None, gt=0, lt=1)  # None: the one trained for few refusals


@dataclass(frozen=True)
class Priority(_Section):
    """priority: how loud or severe a new case is, and who hears of it at once."""

    complaint_words: list[str] = setting([
        "broken", "refund", "terrible", "awful", "worst", "disgusting", "never again", "useless", "scam", "rip off",
        "ripped off", "still waiting", "no response", "ignored", "cancel", "complaint", "furious", "angry",
        "unacceptable", "disappointed", "not working", "doesn't work", "does not work", "late", "missing", "lost",
        "damaged", "faulty", "overcharged", "charged twice", "down", "outage", "still", "again", "where is",
        "hasn't arrived", "never arrived", "never came", "can't", "cannot", "won't", "wrong", "problem", "issue",
        "error", "crash", "keeps", "logs me out", "logged out", "not loading", "won't load", "stuck",
    ])
    urgent_words: list[str] = setting(["safety", "injured", "injury", "fire", "smoke", "allergic", "poison", "lawyer",
                                       "legal action", "ombudsman", "fraud", "hacked", "data breach"])
    high_reach_followers: int = setting(default=10_000, ge=0)
    medium_reach_followers: int = setting(default=1_000, ge=0)
    # the post's own engagement (likes, reposts, replies, quotes) when we read it: a post going viral is loud
    high_reach_engagement: int = setting(default=100, ge=0)
    medium_reach_engagement: int = setting(default=20, ge=0)
    repeat_contact_days: int = setting(default=30, ge=0)  # an earlier case of the author this recent = repeated contact
    # the escalation tier that hears of a new case at once, by priority (0 = the agents only)
    first_tier: dict[str, int] = setting({"urgent": 2, "high": 1, "normal": 0, "low": 0})
    flag_after_dismissals: int = setting(default=2, ge=1)  # this many cases dismissed as below = flagged author
    flag_reasons: list[str] = setting(["abusive", "baseless", "troll"])
    # the highest escalation tier a flagged author's case reaches (0: no tier, the team only): it never pages leadership
    flagged_max_escalation_level: int = setting(default=1, ge=0)

    @staticmethod
    def _check_flag_reasons(value: list[str], context: dict) -> list[str]:
        unknown = set(value) - set(DISMISS_REASONS)
        if unknown:
            raise ValueError(f"{', '.join(sorted(unknown))}: not a dismiss reason; one of {', '.join(DISMISS_REASONS)}")
        return value

    @staticmethod
    def _check_first_tier(value: dict[str, int], context: dict) -> dict[str, int]:
        missing = {"urgent", "high", "normal", "low"} - value.keys()
        if missing:
            raise ValueError(f"first_tier needs every priority; missing {', '.join(sorted(missing))}")
        if any(level < 0 for level in value.values()):
            raise ValueError("first_tier levels are 0 (agents only) or an escalation level")
        return value


@dataclass(frozen=True)
class RoutingRule(_Section):
    """One rule of routing.rules: a case that names one of these words goes to the team."""

    team: str = setting(min_length=1, pattern=r"^[A-Za-z0-9_-]+$")
    keywords: list[str] = setting([])
    products: list[str] = setting([])
    locations: list[str] = setting([])

    def _check(self) -> None:
        if not (self.keywords or self.products or self.locations):
            raise ValueError(f"the rule for team {self.team!r} names no keywords, products or locations")


@dataclass(frozen=True)
class Routing(_Section):
    """routing: the team that owns a case."""

    default_team: str = setting(default="support", min_length=1, pattern=r"^[A-Za-z0-9_-]+$")
    rules: list[RoutingRule] = setting([])  # the first rule that matches wins


@dataclass(frozen=True)
class Indirect(_Section):
    """indirect: when a mention that only names the brand becomes a case."""

    # words that make an indirect mention (the brand named, not addressed) a request for help
    help_words: list[str] = setting(["help", "anyone know", "does anyone", "how do i", "how can i", "can someone",
                                     "who do i", "please fix", "contact them", "customer service"])
    complaint_reach_followers: int = setting(default=5_000, ge=0)  # an indirect complaint this loud becomes a case...
    complaint_reach_engagement: int = setting(default=50, ge=0)  # ...or one whose post has this much engagement


@dataclass(frozen=True)
class PileOn(_Section):
    """pile_on: many people about one topic at once make an incident."""

    authors: int = setting(default=3, ge=2)  # distinct authors complaining about one topic...
    window_minutes: int = setting(default=60, ge=1)  # ...within this window make an incident
    topics: dict[str, list[str]] = setting({
        "delivery": ["delivery", "parcel", "package", "courier", "shipping", "arrived", "tracking"],
        "payments": ["payment", "charged", "refund", "card", "checkout", "billing"],
        "app": ["app", "website", "site", "login", "log in", "logs me out", "crash", "down", "outage", "error"],
    })
    holding_statement: str = ("We know some of you are having trouble with {topic} right now. We're on it and will "
                              "post an update here as soon as we can. Sorry for the trouble.")
    # escalation level -> distinct authors: as the incident grows, the highest tier reached and not yet told hears it
    growth_alerts: dict[int, int] = setting(default={1: 3, 2: 10, 3: 25}, validate_default=True)
    # resolving an incident drafts a public follow-up on each of its open cases; "post": posts it too, once each
    resolve_follow_ups: Literal["draft", "post"] = "draft"

    @staticmethod
    def _check_growth_alerts(value: dict[int, int], context: dict) -> dict[int, int]:
        if not value:
            raise ValueError("growth_alerts needs at least one level, e.g. {1: 3}")
        top = context.get("max_escalation_level", MAX_LEVELS)
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


@dataclass(frozen=True)
class Echoes(_Section):
    """echoes: a mention that only repeats our own reply."""

    # a mention that only repeats one of our own recent public replies is our words coming back: dismissed at once
    dismiss: bool = True
    similarity: float = setting(default=0.9, gt=0, le=1)  # this alike (0-1) to one of our replies is an echo
    window_days: int = setting(default=7, ge=1)  # how far back our replies count


@dataclass(frozen=True)
class Intent(_Section):
    """intent: what a direct mention wants."""

    # what a direct mention wants: a complaint (the priority's complaint and urgent words), a question, praise, other
    praise_words: list[str] = setting([
        "thank", "thanks", "thx", "great", "love", "loving", "awesome", "amazing", "brilliant", "excellent",
        "fantastic", "well done", "kudos", "shout out", "shoutout", "best", "perfect", "lovely", "appreciate",
        "happy with", "impressed", "superb"])
    question_words: list[str] = setting([
        "how do", "how can", "how long", "what is", "what's", "when will", "when does", "where can", "where do",
        "which", "can i", "can you", "do you", "does it", "is there", "are you", "is it", "could you tell", "any idea",
        "wondering"])
    reopen_window_days: int = setting(default=7, ge=0)  # the customer writing again this soon reopens an answered case


@dataclass(frozen=True)
class Privacy(_Section):
    """privacy: how long the customer's private messages stay, and linked accounts."""

    # the customer's private messages are erased from a case this many days after it closed
    erase_private_messages_after_days: int = setting(default=90, ge=1)
    # agents may link the accounts of one person (an X account and a Facebook id); their histories then show together
    link_accounts: bool = True


@dataclass(frozen=True)
class Promise(_Section):
    """promise: the wall-clock promise of a public response."""

    # the wall-clock promise: no post of the customer's waits longer than this for our public response
    response_hours: float = setting(default=24, gt=0)
    warn_hours_before: float = setting(default=4, ge=0)  # the top escalation tier hears this long before (0: never)
    holding_reply: bool = True  # at the limit, post an honest holding reply on the customer's thread

    def _check(self) -> None:
        if self.warn_hours_before >= self.response_hours:
            raise ValueError("warn_hours_before must be shorter than response_hours")


@dataclass(frozen=True)
class Csat(_Section):
    """csat: asking the customer how we did."""

    # after the follow-up, the customer is asked once, privately, how we did; their 1-5 answer is the case's score
    enabled: bool = True
    question: str = setting(default="Thanks for bearing with us. How did we do? Reply with a number from 1 to 5 "
                                  "(5 is great).", min_length=1, max_length=1000)
    window_hours: float = setting(default=72, gt=0)  # an answer this long after we asked still counts
    low_score: int = setting(default=2, ge=1, le=5)  # a score this low or lower: the team lead hears it with the case


@dataclass(frozen=True)
class Policy(_Section):
    """The whole policy file, a section each."""

    business_hours: BusinessHours = BusinessHours()
    promise: Promise = Promise()
    guardrails: Guardrails = Guardrails()
    priority: Priority = Priority()
    routing: Routing = Routing()
    indirect: Indirect = Indirect()
    pile_on: PileOn = setting(PileOn(), validate_default=True)  # left out: its levels checked all the same
    echoes: Echoes = Echoes()
    intent: Intent = Intent()
    privacy: Privacy = Privacy()
    csat: Csat = Csat()

    def __post_init__(self) -> None:
        object.__setattr__(self, "_calendar", self.business_hours.calendar())  # not a field: equality ignores it

    @property
    def calendar(self) -> BusinessCalendar:
        return self._calendar


def load_policy(path: Path | str | None = None, max_escalation_level: int = MAX_LEVELS) -> Policy:
    """Read and check a policy file; PolicyError lists every problem by its place in the file. Escalation levels the
    policy names (pile_on.growth_alerts) must be on the stack's ladder: 1 to `max_escalation_level`."""
    path = Path(path or os.environ.get("POLICY_FILE") or DEFAULT_POLICY_FILE)
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER) or {}
    except OSError as error:
        raise PolicyError(f"cannot read the policy file {path}: {error.strerror}") from None
    except yaml.YAMLError as error:
        raise PolicyError(f"{path} is not valid YAML: {error}") from None
    if not isinstance(raw, dict):
        raise PolicyError(f"{path} must hold a mapping of sections (business_hours, guardrails, ...)")
    problems: list[tuple[tuple, str]] = []
    checked = Policy.checked(raw, (), problems, {"max_escalation_level": max_escalation_level})
    if problems:
        lines = [f"  {'.'.join(map(str, place)) or '(top)'}: {message}" for place, message in problems]
        raise PolicyError(f"{path} has {len(lines)} problem(s):\n" + "\n".join(lines))
    return checked


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

