"""The summary report for the people who lead care, added up from the case facts (cases/facts.py) of the cases opened
in a period: how many, how fast the first response came and how often inside the SLA, how long resolution takes, how
high cases climbed, by platform, topic, team, priority and outcome, which topics rise against the period before, the
incidents, and what customers scored us; a day-by-day series and the first responses' spread against the SLA for the
charts; and the three things a lead should look at first (`highlights`).

`summarize` is pure (facts in, the report out), so a test can compute every figure by hand. Percentiles are by
nearest rank: p50 of n sorted values is the ceil(n / 2)-th, p90 the ceil(9n / 10)-th.
"""
from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date, timedelta

from socialcare.cases import clocks
from socialcare.config import settings
from socialcare.storage.facts import MAX_DAYS, FactsRepository

GROUPS = {"byPlatform": "platform", "byTopic": "topic", "byTeam": "team", "byPriority": "priority",
          "byOutcome": "outcome"}
NONE = "none"  # the group of a case without that fact (no topic, still open: no outcome)
DEFAULT_DAYS = 7
# The first responses' spread, in business minutes, as multiples of the SLA: a quarter of it, half, the SLA itself...
SPREAD = (0.25, 0.5, 1, 2, 4, 8, 24)


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
                     period={"from": first.isoformat(), "to": last.isoformat(), "days": days},
                     sla_minutes=round(settings().clocks.ack_sla / 60, 2))


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


def summarize(facts: list[dict], previous: Iterable[dict] = (), period: dict | None = None,
              sla_minutes: float | None = None) -> dict:
    """The report over `facts` (one dict per case opened in the period); `previous` are the facts of the period of
    the same length before it, for the topics' trend; `sla_minutes` the acknowledgement SLA (business minutes), for
    the spread of first responses."""
    responded = [f for f in facts if f.get("first_response_minutes") is not None]
    resolved = [f["minutes_to_resolve"] / 60 for f in facts if f.get("minutes_to_resolve") is not None]
    statuses = Counter(f.get("status") for f in facts)
    report = {
        **({"period": period} if period else {}),
        "cases": {"opened": len(facts), "closed": statuses["CLOSED"], "dismissed": statuses["DISMISSED"],
                  "open": statuses["OPEN"]},
        "firstResponse": {
            "count": len(responded), **_attainment(facts),
            "p50Minutes": _percentile([f["first_response_minutes"] for f in responded], 50),
            "p90Minutes": _percentile([f["first_response_minutes"] for f in responded], 90),
            "p50BusinessMinutes": _percentile(_values(responded, "first_response_business_minutes"), 50),
            "p90BusinessMinutes": _percentile(_values(responded, "first_response_business_minutes"), 90),
            "slaMinutes": sla_minutes,
            "spread": _spread(_values(responded, "first_response_business_minutes"), sla_minutes)},
        "resolution": {"count": len(resolved), "p50Hours": _percentile(resolved, 50),
                       "p90Hours": _percentile(resolved, 90)},
        "escalations": {"byLevel": _by_level(facts), "hardLimits": sum(1 for f in facts if f.get("hard_limit_reached"))},
        **{name: _grouped(facts, field) for name, field in GROUPS.items()},
        "topics": _topic_trends(facts, list(previous)),
        "incidents": {"count": len({f["incident_id"] for f in facts if f.get("incident_id")}),
                      "cases": sum(1 for f in facts if f.get("incident_id"))},
        "csat": _csat(facts),
        "daily": _daily(facts, period),
    }
    report["highlights"] = highlights(report)
    return report


def highlights(report: dict) -> list[str]:
    """The three things a lead should look at first, worst first: the platform, team or priority furthest below the
    SLA, the fastest-rising topic, the team customers scored lowest, then hard limits and open cases past the SLA."""
    found = []
    groups = [(name[2:].lower(), key, group) for name in ("byPlatform", "byTeam", "byPriority")
              for key, group in report[name].items() if key != NONE and group["slaAttainment"] is not None]
    below = [(group["slaAttainment"], kind, key) for kind, key, group in groups if group["slaAttainment"] < 1]
    if below:
        attainment, kind, key = min(below)
        found.append(f"{kind} {key}: {attainment:.0%} of first responses inside the SLA")
    rising = [trend for trend in report["topics"] if trend["change"] > 0]
    if rising:
        top = rising[0]
        found.append(f"topic {top['topic']} is rising: {top['count']} cases against {top['previous']} before")
    scored = [(group["csatAverage"], key) for key, group in report["byTeam"].items()
              if key != NONE and group["csatAverage"] is not None]
    if scored:
        average, team = min(scored)
        found.append(f"team {team}: customers scored us {average} of 5 on average")
    hard_limits = report["escalations"]["hardLimits"]
    if hard_limits:
        found.append(f"{hard_limits} case{'s' if hard_limits > 1 else ''} reached the hard limit unanswered")
    return found[:3]


def _csat(facts: list[dict]) -> dict:
    """What customers scored us when asked (private channels), and the stars of Google reviews before and after our
    reply (a review has no private channel to ask in: its stars are its answer)."""
    scores = [int(f["csat_score"]) for f in facts if f.get("csat_score") is not None]
    reviews = [(int(f["review_rating_before"]), int(f.get("review_rating_after") or f["review_rating_before"]))
               for f in facts if f.get("review_rating_before") is not None and f.get("first_response_at")]
    return {"asked": sum(1 for f in facts if f.get("csat_asked")), "answered": len(scores),
            "average": _average(scores), "distribution": {str(score): scores.count(score) for score in range(1, 6)},
            "reviews": {"answered": len(reviews), "averageBefore": _average([before for before, _ in reviews]),
                        "averageAfter": _average([after for _, after in reviews]),
                        "raised": sum(1 for before, after in reviews if after > before),
                        "lowered": sum(1 for before, after in reviews if after < before)}}


def _daily(facts: list[dict], period: dict | None) -> list[dict]:
    """Day by day (each day of the period, none left out): cases opened, and first-response attainment."""
    days: dict[str, list[dict]] = defaultdict(list)
    for fact in facts:
        days[fact["opened_day"]].append(fact)
    if period:
        first = date.fromisoformat(period["from"])
        names = [(first + timedelta(days=n)).isoformat() for n in range(period["days"])]
    else:
        names = sorted(days)
    return [{"day": day, "opened": len(days[day]), **_attainment(days[day])} for day in names]


def _spread(business_minutes: list[float], sla_minutes: float | None) -> list[dict]:
    """How many first responses came within each multiple of the SLA (the last bucket: later than 24 SLAs)."""
    if not sla_minutes:
        return []
    edges = [round(sla_minutes * share, 2) for share in SPREAD]
    counts = Counter(next((edge for edge in edges if minutes <= edge), None) for minutes in business_minutes)
    return [{"upToMinutes": edge, "count": counts[edge]} for edge in [*edges, None]]


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
    return {key: {"count": len(members), "slaAttainment": _attainment(members)["slaAttainment"],
                  "csatAverage": _average([int(m["csat_score"]) for m in members if m.get("csat_score") is not None])}
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


def _average(values: list[int]) -> float | None:
    return round(sum(values) / len(values), 2) if values else None


def _values(facts: list[dict], field: str) -> list[float]:
    return [f[field] for f in facts if f.get(field) is not None]


def _percentile(values: list[float], percent: int) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(float(ordered[math.ceil(len(ordered) * percent / 100) - 1]), 2)
