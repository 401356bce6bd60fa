"""The local IAM evaluator: IAM's rules on the statements of a role, and the (action, resource) each call asks for."""
from __future__ import annotations

import boto3
import pytest

from local.iam import LocalIam, Request

ROLE = "arn:aws:iam::123456789012:role/FunctionRole"
SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:social-care/x-AbC123"
QUEUE = "arn:aws:sqs:us-east-1:123456789012:IngestQueue"


def role(*statements: dict) -> LocalIam:
    return LocalIam({ROLE: list(statements)}, "us-east-1", "123456789012")


def allow(action, resource) -> dict:
    return {"Effect": "Allow", "Action": action, "Resource": resource}


@pytest.mark.parametrize("pattern, resource, allowed", [
    ("arn:aws:secretsmanager:us-east-1:123456789012:secret:social-care/x-??????", SECRET, True),
    ("arn:aws:secretsmanager:us-east-1:123456789012:secret:social-care/x-??????", SECRET + "X", False),
    # "?" is one character, not a regular expression's "optional"
    ("arn:aws:secretsmanager:us-east-1:123456789012:secret:social-care/x-??????",
     "arn:aws:secretsmanager:us-east-1:123456789012:secret:social-care/x-webhook-AbC123", False),
    ("arn:aws:secretsmanager:us-east-1:123456789012:secret:social-care/*", SECRET, True),
    # a dot in a pattern is a dot
    ("arn:aws:sqs:us-east-1:123456789012:Ingest.ueue", QUEUE, False),
])
def test_resources_match_with_iams_wildcards_only(pattern, resource, allowed):
    assert role(allow("secretsmanager:GetSecretValue", pattern)).allows(
        ROLE, Request("secretsmanager:GetSecretValue", resource)) is allowed


def test_actions_match_whatever_their_case_and_with_wildcards():
    iam = role(allow(["SQS:SendMessage*"], QUEUE))
    assert iam.allows(ROLE, Request("sqs:SendMessage", QUEUE))
    assert iam.allows(ROLE, Request("sqs:SendMessageBatch", QUEUE))
    assert not iam.allows(ROLE, Request("sqs:ReceiveMessage", QUEUE))


def test_an_explicit_deny_wins_over_any_allow_and_nothing_is_allowed_by_default():
    iam = role(allow("sqs:*", "*"), {"Effect": "Deny", "Action": "sqs:ReceiveMessage", "NotResource": QUEUE})
    assert iam.allows(ROLE, Request("sqs:ReceiveMessage", QUEUE))
    assert not iam.allows(ROLE, Request("sqs:ReceiveMessage", QUEUE + "-other"))
    assert not role().allows(ROLE, Request("sqs:ReceiveMessage", QUEUE))


def test_an_unknown_role_is_a_mistake_of_the_local_cloud_not_a_denial():
    with pytest.raises(LookupError):
        role().allows("arn:aws:iam::123456789012:role/Nobody", Request("sqs:SendMessage", QUEUE))


def test_each_call_names_the_action_and_resource_iam_checks():
    iam = LocalIam({}, "us-east-1", "123456789012", secret_arn=lambda name: f"{name}-AbC123")
    dynamodb, sqs, sfn = (boto3.client(s, region_name="us-east-1") for s in ("dynamodb", "sqs", "stepfunctions"))
    table = "arn:aws:dynamodb:us-east-1:123456789012:table/CasesTable"
    assert iam.requests(dynamodb, "Query", {"TableName": "CasesTable", "IndexName": "CasesByStatus"}) == [
        Request("dynamodb:Query", f"{table}/index/CasesByStatus")]
    assert iam.requests(dynamodb, "TransactWriteItems", {"TransactItems": [
        {"Update": {"TableName": "CasesTable"}}, {"Delete": {"TableName": "CasesTable"}}]}) == [
        Request("dynamodb:UpdateItem", table), Request("dynamodb:DeleteItem", table)]
    assert iam.requests(sqs, "SendMessageBatch", {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/"
                                                              "IngestQueue"}) == [Request("sqs:SendMessage", QUEUE)]
    assert iam.requests(sfn, "SendTaskSuccess", {"taskToken": "t"}) == [Request("states:SendTaskSuccess", "*")]
    assert iam.requests(boto3.client("lambda", region_name="us-east-1"), "Invoke", {"FunctionName": "F"}) == [
        Request("lambda:InvokeFunction", "arn:aws:lambda:us-east-1:123456789012:function:F")]
    assert iam.requests(boto3.client("secretsmanager", region_name="us-east-1"), "GetSecretValue",
                        {"SecretId": "social-care/x"}) == [
        Request("secretsmanager:GetSecretValue", "social-care/x-AbC123")]


def test_an_s3_call_names_the_object_or_the_bucket_it_touches():
    iam = LocalIam({}, "us-east-1", "123456789012")
    s3 = boto3.client("s3", region_name="us-east-1")
    key = {"Bucket": "insights", "Key": "case-facts/day=2026-11-28/facts.jsonl"}
    assert iam.requests(s3, "PutObject", key) == [
        Request("s3:PutObject", "arn:aws:s3:::insights/case-facts/day=2026-11-28/facts.jsonl")]
    assert iam.requests(s3, "HeadObject", key) == [
        Request("s3:GetObject", "arn:aws:s3:::insights/case-facts/day=2026-11-28/facts.jsonl")]
    assert iam.requests(s3, "ListObjectsV2", {"Bucket": "insights", "Prefix": "digests/"}) == [
        Request("s3:ListBucket", "arn:aws:s3:::insights")]
