"""Mirrors layers/domain/socialcare/cases/export.py: the facts of a day as JSON Lines in the insights bucket, the days
each run exports, and a day asked for that is no day."""
from __future__ import annotations

import json
from datetime import date

import boto3
import pytest

from socialcare.cases import export
from socialcare.config import settings
from socialcare.storage.facts import FACT_FIELDS, FactsRepository


def facts(day: str, **fields) -> dict:
    return {"opened_day": day, "opened_at": f"{day}T10:00:00.000Z", "status": "OPEN", "platform": "x", **fields}


def read(key: str) -> list[dict]:
    body = boto3.client("s3").get_object(Bucket=settings().insights_bucket_name, Key=key)["Body"].read().decode()
    assert body == "" or body.endswith("\n")
    return [json.loads(line) for line in body.splitlines()]


def test_each_case_is_a_line_with_every_field_in_order_and_numbers_as_numbers():
    lines = export.json_lines([{"case_id": "x-1", **facts("2026-11-27", first_response_minutes=12.5,
                                                           highest_escalation_level=2, acknowledgement_sla_met=True)},
                               {"case_id": "x-2", **facts("2026-11-27", topic="délai")}])
    first, second = lines.splitlines()
    assert list(json.loads(first)) == ["case_id", *FACT_FIELDS]
    assert '"first_response_minutes": 12.5' in first and '"highest_escalation_level": 2' in first
    assert '"acknowledgement_sla_met": true' in first and '"outcome": null' in first
    assert json.loads(second)["topic"] == "délai"
    assert export.json_lines([]) == ""


def test_by_default_a_run_exports_the_31_days_ending_yesterday():
    days = export.days_to_export(today=date(2026, 12, 2))
    assert (len(days), days[0], days[-2:]) == (31, "2026-11-01", ["2026-11-30", "2026-12-01"])
    assert days == sorted(set(days))
    assert export.days_to_export("2026-01-15", today=date(2026, 12, 2)) == ["2026-01-15"]


@pytest.mark.parametrize(("day", "why"), [("2026-13-01", "YYYY-MM-DD"), ("20261101", "YYYY-MM-DD"),
                                          ("yesterday", "YYYY-MM-DD"), (20261101, "YYYY-MM-DD"),
                                          ("2026-12-03", "has not begun")])
def test_a_day_that_is_no_day_or_not_yet_a_day_is_refused_with_the_reason(day, why):
    with pytest.raises(export.InvalidExportDayError, match=why):
        export.days_to_export(day, today=date(2026, 12, 2))


def test_a_day_is_written_whole_so_exporting_it_again_replaces_it(shared_cloud, monkeypatch):
    repo = FactsRepository()
    repo.save("x-1", facts("2026-11-27"))
    repo.save("x-2", facts("2026-11-27", first_response_minutes=3))
    repo.save("x-3", facts("2026-11-28"))
    assert export.export("2026-11-27") == {"2026-11-27": 2}
    repo.save("x-1", facts("2026-11-27", status="CLOSED", outcome="resolved"))  # the case closes later
    assert export.export("2026-11-27") == {"2026-11-27": 2}
    lines = read("case-facts/day=2026-11-27/facts.jsonl")
    assert [(line["case_id"], line["status"], line["first_response_minutes"]) for line in lines] == [
        ("x-1", "CLOSED", None), ("x-2", "OPEN", 3)]
    monkeypatch.setattr(export.clocks, "now", lambda: export.clocks.parse("2026-11-29T00:30:00Z"))
    exported = export.export()
    assert (len(exported), exported["2026-11-28"], exported["2026-10-29"]) == (31, 1, 0)
    assert read("case-facts/day=2026-11-22/facts.jsonl") == []  # a day without cases is an empty file, not none
