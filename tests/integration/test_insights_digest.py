"""The weekly digest on the local cloud: the schedule runs SendWeeklyDigestFunction as its own role, the week's page
is in the insights bucket, and the leadership topic hears the week's figures, the three things to look at and the
link; the role may touch the digests and nothing else of the bucket."""
from __future__ import annotations

import re
from datetime import timedelta

import boto3

from local import iam
from socialcare.cases import clocks
from socialcare.storage.facts import FactsRepository


def test_the_schedule_puts_the_weeks_page_in_the_bucket_and_tells_the_leadership_topic(cloud):
    # Given last week: a case answered inside the SLA on the platform x, and one late on meta
    today = clocks.now().date()
    for case_id, days_ago, platform, met in (("x-1", 3, "x", True), ("meta-1", 5, "meta", False)):
        day = (today - timedelta(days=days_ago)).isoformat()
        FactsRepository().save(case_id, {"opened_day": day, "opened_at": f"{day}T09:00:00.000Z", "status": "CLOSED",
                                         "outcome": "resolved", "platform": platform, "team": "support",
                                         "first_response_minutes": 20 if met else 200,
                                         "acknowledgement_sla_met": met})
    # When the weekly schedule fires
    sent = cloud.run_schedule("social-care-local-weekly-digest")
    # Then the week's page is in the bucket, as HTML
    first, last = (today - timedelta(days=7)).isoformat(), (today - timedelta(days=1)).isoformat()
    assert sent == {"from": first, "to": last, "key": f"digests/{first}_{last}.html", "opened": 2}
    bucket = cloud.stack.physical("InsightsBucket")["Ref"]
    page = boto3.client("s3").get_object(Bucket=bucket, Key=sent["key"])
    assert page["ContentType"] == "text/html; charset=utf-8" and b"<svg" in page["Body"].read()
    # And the leadership topic hears the figures, what to look at, and a link to the page
    [told] = cloud.notifications("LeadershipTopic-inbox")
    text = told["message"]
    assert told["subject"] == f"Social care weekly digest {first} to {last}"
    assert "Cases: 2 opened, 2 closed" in text and "First response inside the SLA: 50% (1 of 2 decided)" in text
    assert "1. platform meta: 0% of first responses inside the SLA" in text
    [link] = re.findall(r"https://\S+", text)
    assert f"{bucket}" in link and sent["key"] in link and "X-Amz-Expires=604800" in link
    assert f"aws s3 presign s3://{bucket}/{sent['key']}" in text
    assert cloud.iam.denials == []


def test_the_digest_may_read_and_write_the_digests_and_nothing_else_of_the_bucket(cloud):
    role = cloud.stack.functions["SendWeeklyDigestFunction"].role_arn
    bucket = cloud.stack.physical("InsightsBucket")["Arn"]
    for allowed in ("s3:PutObject", "s3:GetObject"):
        assert cloud.iam.allows(role, iam.Request(allowed, f"{bucket}/digests/2026-11-23_2026-11-29.html"))
    assert cloud.iam.allows(role, iam.Request("sns:Publish", cloud.stack.physical("LeadershipTopic")["Ref"]))
    for refused in (iam.Request("s3:PutObject", f"{bucket}/case-facts/day=2026-11-28/facts.jsonl"),
                    iam.Request("s3:GetObject", f"{bucket}/case-facts/day=2026-11-28/facts.jsonl"),
                    iam.Request("s3:DeleteObject", f"{bucket}/digests/2026-11-23_2026-11-29.html"),
                    iam.Request("sns:Publish", cloud.stack.physical("EscalationsTopic")["Ref"])):
        assert not cloud.iam.allows(role, refused), refused
