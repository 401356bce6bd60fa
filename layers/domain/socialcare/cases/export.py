"""The case facts for Athena: the facts of the cases opened on a day, as JSON Lines, at
s3://<InsightsBucket>/case-facts/day=YYYY-MM-DD/facts.jsonl (docs/insights.md). One object a case: case_id and every
fact field (FACT_FIELDS), a fact not known yet as null, numbers as numbers. The file is written whole, so exporting a
day again replaces it.

A case keeps changing after the day it opened (answered, escalated, closed, scored: a resolution may take days and the
customer has 72 hours after the follow-up to score us), so each daily run exports again the 31 days ending yesterday
(UTC): for a month after a case opened its row in Athena is at most a day old; after that it is frozen. A case that
changes later reaches Athena only when its day is exported again by hand, with the event {"day": "YYYY-MM-DD"}. A
month of days is 31 queries on the index and 31 small files a run: cheap beside the freshness.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import date, timedelta

from socialcare.cases import clocks
from socialcare.storage import insights
from socialcare.storage.facts import FACT_FIELDS, FactsRepository

EXPORTED_FIELDS = ("case_id", *FACT_FIELDS)
DAYS_EXPORTED = 31  # each run: the 31 days ending yesterday
PREFIX = "case-facts"
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


class InvalidExportDayError(ValueError):
    pass


def export(day: str | None = None, repo: FactsRepository | None = None) -> dict[str, int]:
    """Write the facts file of `day`, or by default of each of the 31 days ending yesterday; the cases in each file."""
    repo = repo or FactsRepository()
    exported = {}
    for each in days_to_export(day):
        facts = [record.attribute_values for record in repo.facts_between(each, each)]
        insights.put(key(each), json_lines(facts), "application/x-ndjson")
        exported[each] = len(facts)
    return exported


def days_to_export(day: str | None = None, today: date | None = None) -> list[str]:
    """The day asked for (a day after today is a mistake), or the 31 days ending yesterday, oldest first."""
    today = today or clocks.now().date()
    if day is None:
        return [(today - timedelta(days=n)).isoformat() for n in range(DAYS_EXPORTED, 0, -1)]
    try:
        asked = date.fromisoformat(day) if isinstance(day, str) and _DAY.fullmatch(day) else None
    except ValueError:
        asked = None
    if asked is None:
        raise InvalidExportDayError(f"day must be a date as YYYY-MM-DD, got {day!r}")
    if asked > today:
        raise InvalidExportDayError(f"day {day} has not begun yet (today is {today}, UTC)")
    return [day]


def key(day: str) -> str:
    return f"{PREFIX}/day={day}/facts.jsonl"


def json_lines(facts: Iterable[dict]) -> str:
    """One JSON object a line, with every exported field in the same order (null where the fact is not known)."""
    return "".join(json.dumps({field: each.get(field) for field in EXPORTED_FIELDS}, ensure_ascii=False) + "\n"
                   for each in facts)
