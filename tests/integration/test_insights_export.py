"""The daily export on the local cloud: the facts of real cases, written by ExportCaseFactsFunction as its own role to
the insights bucket as JSON Lines, read back line by line; the Glue table Athena reads has a column for exactly each
exported field; and the role may write the case-facts/ files and nothing else."""
from __future__ import annotations

import json
from datetime import timedelta

import boto3
import pytest
from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute

from local import iam
from socialcare.cases import clocks, export
from socialcare.storage.facts import CaseFactsRecord, FactsRepository
from tests.conftest import mention
from tests.integration.helpers import deliver, wait_until_waiting

HIVE_TYPES = {UnicodeAttribute: "string", BooleanAttribute: "boolean", NumberAttribute: "double"}


def exported_lines(cloud, day: str) -> list[dict]:
    bucket = cloud.stack.physical("InsightsBucket")["Ref"]
    body = boto3.client("s3").get_object(Bucket=bucket, Key=f"case-facts/day={day}/facts.jsonl")["Body"].read()
    return [json.loads(line) for line in body.decode().splitlines()]


def test_the_facts_of_the_cases_opened_on_a_day_are_exported_as_json_lines(cloud):
    # Given a complaint delivered today, and the facts of a case opened yesterday
    deliver(cloud, mention("ex-1", "7101"), delivery_id="d-ex-1")
    wait_until_waiting(cloud, "generic-ex-1", "acknowledge")
    today = clocks.now().date()
    yesterday = (today - timedelta(days=1)).isoformat()
    FactsRepository().save("x-old-1", {"opened_day": yesterday, "opened_at": f"{yesterday}T23:59:00.000Z",
                                       "status": "CLOSED", "outcome": "resolved", "platform": "x",
                                       "first_response_minutes": 7.5, "acknowledgement_sla_met": True})
    # When today is exported by hand, and the daily schedule runs
    assert cloud.invoke("ExportCaseFactsFunction", {"day": today.isoformat()}) == {"exported": {today.isoformat(): 1}}
    daily = cloud.run_schedule("social-care-local-export-case-facts")
    # Then each day's file holds a line per case, every field, numbers as numbers
    assert list(daily["exported"]) == [(today - timedelta(days=n)).isoformat() for n in range(31, 0, -1)]
    [case] = exported_lines(cloud, today.isoformat())
    assert list(case) == list(export.EXPORTED_FIELDS)
    assert (case["case_id"], case["status"], case["platform"], case["intent"]) == (
        "generic-ex-1", "OPEN", "generic", "complaint")
    assert case["first_response_at"] is None and case["highest_escalation_level"] == 0
    [old] = exported_lines(cloud, yesterday)
    assert (old["case_id"], old["first_response_minutes"], old["acknowledgement_sla_met"]) == ("x-old-1", 7.5, True)
    assert cloud.iam.denials == []


def test_a_day_that_is_no_day_fails_the_run_with_the_reason(cloud):
    with pytest.raises(export.InvalidExportDayError, match="YYYY-MM-DD"):
        cloud.invoke("ExportCaseFactsFunction", {"day": "29/11/2026"})


def test_the_glue_table_has_a_column_for_exactly_each_exported_field_with_its_type(cloud):
    database = cloud.stack.physical("InsightsDatabase")["Ref"]
    table = boto3.client("glue").get_table(DatabaseName=database, Name="case_facts")["Table"]
    attributes = CaseFactsRecord.get_attributes()
    assert [(c["Name"], c["Type"]) for c in table["StorageDescriptor"]["Columns"]] == [
        (name, HIVE_TYPES[type(attributes[name])]) for name in export.EXPORTED_FIELDS]
    assert table["PartitionKeys"] == [{"Name": "day", "Type": "string"}]
    bucket = cloud.stack.physical("InsightsBucket")["Ref"]
    parameters = table["Parameters"]
    assert parameters["storage.location.template"] == f"s3://{bucket}/{export.PREFIX}/day=${{day}}/"
    assert (parameters["projection.enabled"], parameters["projection.day.type"],
            parameters["projection.day.format"]) == ("true", "date", "yyyy-MM-dd")
    assert table["StorageDescriptor"]["SerdeInfo"]["SerializationLibrary"] == "org.openx.data.jsonserde.JsonSerDe"


def test_the_export_may_write_the_case_facts_files_and_nothing_else(cloud):
    role = cloud.stack.functions["ExportCaseFactsFunction"].role_arn
    bucket = cloud.stack.physical("InsightsBucket")["Arn"]
    facts = cloud.stack.physical("CaseFactsTable")["Arn"]
    assert cloud.iam.allows(role, iam.Request("s3:PutObject", f"{bucket}/{export.key('2026-11-28')}"))
    assert cloud.iam.allows(role, iam.Request("dynamodb:Query", f"{facts}/index/FactsByDay"))
    for refused in (iam.Request("s3:PutObject", f"{bucket}/digests/2026-11-23_2026-11-29.html"),
                    iam.Request("s3:GetObject", f"{bucket}/{export.key('2026-11-28')}"),
                    iam.Request("s3:DeleteObject", f"{bucket}/{export.key('2026-11-28')}"),
                    iam.Request("dynamodb:Query", facts), iam.Request("dynamodb:Scan", facts)):
        assert not cloud.iam.allows(role, refused), refused


def test_the_insights_bucket_expires_the_digests_and_keeps_the_case_facts(cloud):
    bucket = cloud.stack.physical("InsightsBucket")["Ref"]
    rules = boto3.client("s3").get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert [(r["Filter"]["Prefix"], r["Expiration"]["Days"], r["Status"]) for r in rules] == [
        ("digests/", 90, "Enabled")]
