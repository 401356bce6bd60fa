"""The summary report for the people who lead care, added up from the case facts (cases/facts.py) of the cases opened
in a period: how many, how fast the first response came and how often inside the SLA, how long resolution takes, how
high cases climbed, by platform, topic, team, priority and outcome, which topics rise against the period before, the
incidents, and what customers scored us.

`summarize` is pure (facts in, the report out), so a test can compute every figure by hand. Percentiles are by
nearest rank: p50 of n sorted values is the ceil(n / 2)-th, p90 the ceil(9n / 10)-th.
"""
from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date, timedelta

from socialcare.cases import clocks
from socialcare.storage.facts import MAX_DAYS, FactsRepository

GROUPS = {"byPlatform": "platform", "byTopic": "topic", "byTeam": "team", "byPriority": "priority",
          "byOutcome": "outcome"}
NONE = "none"  # the group of a case without that fact (no topic, still open: no outcome)
DEFAULT_DAYS = 7


class InvalidPeriodError(ValueError):
    pass


def summary(from_day: str | None = None, to_day: str | None = None, repo: FactsRepository | None = None) -> dict:
    """The report over the cases opened from `from_day` to `to_day` (UTC days, inclusive; default the last 7 days,
    today included), against the period of the same length before it."""
    first, last = _period(from_day, to_day)
    days = (last - first).days + 1
    repo = repo or FactsRepository()
    facts = [record.attribute_values for record in repo.facts_between(first.isoformat(), last.isoformat())]
    before = repo.facts_between((first - timedelta(days=days)).isoformat(), (first - timedelta(days=1)).isoformat())
    return summarize(facts, [record.attribute_values for record in before],
                     period={"from": first.isoformat(), "to": last.isoformat(), "days": days})


def _period(from_day: str | None, to_day: str | None) -> tuple[date, date]:
    try:
        last = date.fromisoformat(to_day) if to_day else clocks.now().date()
        first = date.fromisoformat(from_day) if from_day else last - timedelta(days=DEFAULT_DAYS - 1)
    except ValueError:
        raise InvalidPeriodError("from and to are days: YYYY-MM-DD") from None
    if last < first:
        raise InvalidPeriodError(f"to ({last}) is before from ({first})")
    if (last - first).days >= MAX_DAYS:
        raise InvalidPeriodError(f"at most {MAX_DAYS} days at a time")
    return first, last


def summarize(facts: list[dict], previous: Iterable[dict] = (), period: dict | None = None) -> dict:
    """The report over `facts` (one dict per case opened in the period); `previous` are the facts of the period of
    the same length before it, for the topics' trend."""
    responded = [f for f in facts if f.get("first_response_minutes") is not None]
    resolved = [f["minutes_to_resolve"] / 60 for f in facts if f.get("minutes_to_resolve") is not None]
    scores = [int(f["csat_score"]) for f in facts if f.get("csat_score") is not None]
    statuses = Counter(f.get("status") for f in facts)
    return {
        **({"period": period} if period else {}),
        "cases": {"opened": len(facts), "closed": statuses["CLOSED"], "dismissed": statuses["DISMISSED"],
                  "open": statuses["OPEN"]},
        "firstResponse": {
            "count": len(responded), **_attainment(facts),
            "p50Minutes": _percentile([f["first_response_minutes"] for f in responded], 50),
            "p90Minutes": _percentile([f["first_response_minutes"] for f in responded], 90),
            "p50BusinessMinutes": _percentile(_values(responded, "first_response_business_minutes"), 50),
            "p90BusinessMinutes": _percentile(_values(responded, "first_response_business_minutes"), 90)},
        "resolution": {"count": len(resolved), "p50Hours": _percentile(resolved, 50),
                       "p90Hours": _percentile(resolved, 90)},
        "escalations": {"byLevel": _by_level(facts), "hardLimits": sum(1 for f in facts if f.get("hard_limit_reached"))},
        **{name: _grouped(facts, field) for name, field in GROUPS.items()},
        "topics": _topic_trends(facts, list(previous)),
        "incidents": {"count": len({f["incident_id"] for f in facts if f.get("incident_id")}),
                      "cases": sum(1 for f in facts if f.get("incident_id"))},
        "csat": {"answered": len(scores), "average": round(sum(scores) / len(scores), 2) if scores else None,
                 "distribution": {str(score): scores.count(score) for score in range(1, 6)}},
    }


def _attainment(facts: list[dict]) -> dict:
    """Of the cases whose acknowledgement SLA is decided (met, or missed: late or still unanswered past it), how
    many met it."""
    decided = [f["acknowledgement_sla_met"] for f in facts if f.get("acknowledgement_sla_met") is not None]
    met = sum(1 for value in decided if value)
    return {"slaDecided": len(decided), "withinSla": met,
            "slaAttainment": round(met / len(decided), 4) if decided else None}


def _grouped(facts: list[dict], field: str) -> dict:
    groups: dict[str, list[dict]] = defaultdict(list)
    for fact in facts:
        groups[str(fact.get(field) or NONE)].append(fact)
    return {key: {"count": len(members), "slaAttainment": _attainment(members)["slaAttainment"]}
            for key, members in sorted(groups.items())}


def _by_level(facts: list[dict]) -> dict:
    """How many cases climbed to at least each level (a case at level 2 was at level 1 first)."""
    highest = [int(f.get("highest_escalation_level") or 0) for f in facts]
    top = max(highest, default=0)
    return {str(level): sum(1 for h in highest if h >= level) for level in range(1, top + 1)}


def _topic_trends(facts: list[dict], previous: list[dict]) -> list[dict]:
    """Each topic's count against the period before, the fastest rising first."""
    now, before = (Counter(f["topic"] for f in group if f.get("topic")) for group in (facts, previous))
    trends = [{"topic": topic, "count": now[topic], "previous": before[topic], "change": now[topic] - before[topic]}
              for topic in set(now) | set(before)]
    return sorted(trends, key=lambda trend: (-trend["change"], trend["topic"]))


def _values(facts: list[dict], field: str) -> list[float]:
    return [f[field] for f in facts if f.get(field) is not None]


def _percentile(values: list[float], percent: int) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(float(ordered[math.ceil(len(ordered) * percent / 100) - 1]), 2)
