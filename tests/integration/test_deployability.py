"""What CloudFormation and IAM will do with template.yaml, checked on the local cloud: the SAM transform accepts it,
every function runs as its own role (a call its role does not allow fails as on AWS), and a grant taken from a copy
of the template breaks exactly the case path that needs it."""
from __future__ import annotations

import json

import pytest
from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError
from pynamodb.exceptions import GetError

from local import iam
from local.cloud import LocalCloud
from local.stack import Stack
from local.template import TEMPLATE_PATH, TemplateTransformError, transformed_template
from tests.integration.helpers import deliver, show, wait_until_waiting
from tests.conftest import LONG_CLOCKS, mention

WARNING_GRANT = "        - SNSPublishMessagePolicy: {TopicName: !GetAtt AgentsTopic.TopicName}  # the pre-breach warning"


def template_without(tmp_path, line_start: str):
    """A copy of template.yaml without the one line that starts with `line_start`."""
    lines = TEMPLATE_PATH.read_text().splitlines(keepends=True)
    kept = [line for line in lines if not line.startswith(line_start)]
    assert len(kept) == len(lines) - 1, f"expected one line starting with {line_start!r}"
    copy = tmp_path / "template.yaml"
    copy.write_text("".join(kept))
    return copy


# -- the transform ---------------------------------------------------------------------------------------------------
def test_the_sam_transform_accepts_the_template_and_gives_each_function_its_own_role():
    resources = transformed_template()["Resources"]
    functions = {name: r for name, r in resources.items() if r["Type"] == "AWS::Lambda::Function"}
    roles = {r["Properties"]["Role"]["Fn::GetAtt"][0] for r in functions.values()}
    assert len(functions) >= 11 and len(roles) == len(functions)


def test_the_transform_refuses_what_cloudformation_refuses(tmp_path):
    # An open route on an API without a default authorizer: CloudFormation's transform refuses it at deploy
    broken = template_without(tmp_path, "        DefaultAuthorizer: CareTeam  # a route added later is closed unless it says otherwise")
    with pytest.raises(TemplateTransformError, match="'NONE' is only a valid value when a DefaultAuthorizer"):
        transformed_template(broken)


def test_only_the_webhooks_are_open_and_every_other_route_takes_the_care_teams_sign_in():
    stack = Stack.load()
    routes = {(r.method, r.path): r.jwt for r in stack.routes()}
    open_routes = {route for route, jwt in routes.items() if jwt is None}
    assert open_routes == {("GET", "/webhooks/{platform}"), ("POST", "/webhooks/{platform}")}
    assert set(routes) - open_routes == {
        ("GET", "/me"), ("GET", "/cases"), ("GET", "/cases/{caseId}"), ("POST", "/cases/{caseId}/{action}"),
        ("GET", "/cases/{caseId}/private-messages"), ("GET", "/reports/summary"),
        ("GET", "/authors/{platform}/{authorId}/cases"), ("POST", "/authors/{platform}/{authorId}/links"),
        ("POST", "/authors/{platform}/{authorId}/flag-clearance"), ("GET", "/incidents"),
        ("GET", "/incidents/{incidentId}"), ("POST", "/incidents/{incidentId}/statement"),
        ("POST", "/incidents/{incidentId}/resolve")}
    # each guarded by the user pool's ID tokens for the desk's app client
    guards = {json.dumps(jwt, sort_keys=True) for jwt in routes.values() if jwt is not None}
    assert [json.loads(guard) for guard in guards] == [{
        "identitySource": "$request.header.Authorization", "type": "jwt",
        "jwtConfiguration": {"issuer": {"Fn::Sub": "https://cognito-idp.${AWS::Region}.amazonaws.com/"
                                                   "${CareTeamUserPool}"},
                             "audience": [{"Ref": "DeskClient"}]}}]


# -- each function as its role ---------------------------------------------------------------------------------------
@pytest.mark.denials_expected
def test_the_webhook_function_reads_its_signing_secrets_but_no_token_that_posts(cloud):
    from socialcare.secrets import secret
    webhook = cloud.stack.functions["ReceiveWebhookFunction"].role_arn
    with iam.acting_as(webhook):
        assert secret("GENERIC_WEBHOOK_SECRET") and secret("X_WEBHOOK_CONSUMER_SECRET") and secret("META_APP_SECRET")
        for posting in ("X_ACCESS_TOKEN", "META_PAGE_ACCESS_TOKEN", "GOOGLE_REFRESH_TOKEN"):
            with pytest.raises(GetParameterError, match="AccessDeniedException.*is not authorized to perform: "
                                                         "secretsmanager:GetSecretValue"):
                secret(posting)
    with iam.acting_as(cloud.stack.functions["PostReplyFunction"].role_arn):
        assert secret("X_ACCESS_TOKEN") and secret("META_PAGE_ACCESS_TOKEN")


@pytest.mark.denials_expected
def test_a_function_may_not_touch_a_table_it_has_no_business_with(cloud):
    from socialcare.storage.records import MentionRecord
    with iam.acting_as(cloud.stack.functions["ManageCasesFunction"].role_arn):
        with pytest.raises(GetError) as refused:
            MentionRecord.get("generic#1")
    assert refused.value.cause_response_code == "AccessDeniedException"
    assert "is not authorized to perform: dynamodb:GetItem" in str(refused.value)


def test_secret_grants_match_the_six_characters_secrets_manager_adds_and_no_more(cloud):
    role = cloud.stack.functions["PollXFunction"].role_arn
    arn = cloud._secret_arn("social-care/x")
    assert len(arn.rsplit("-", 1)[1]) == 6
    assert cloud.iam.allows(role, iam.Request("secretsmanager:GetSecretValue", arn))
    assert not cloud.iam.allows(role, iam.Request("secretsmanager:GetSecretValue", arn[:-6] + "webhook-abcdef"))


# -- one grant removed -----------------------------------------------------------------------------------------------
CLOCKS = {**LONG_CLOCKS, "ACK_SLA_SECONDS": 4, "PRE_BREACH_WARNING_SECONDS": 2}


def warned_then_escalated(cloud, case_id: str) -> list[str]:
    deliver(cloud, mention(case_id.split("-")[1], "6101"), delivery_id=f"d-{case_id}")
    wait_until_waiting(cloud, case_id, "acknowledge")
    cloud.wait_for(lambda: [n for n in cloud.notifications("EscalationsTopic-inbox")
                            if n["message"]["caseId"] == case_id] or
                   "Case Failed" in cloud.path(case_id), timeout=30, what="the escalation or the failure")
    return cloud.path(case_id)


def test_without_its_grant_on_the_agents_topic_the_escalate_function_fails_the_case_at_its_first_warning(tmp_path):
    with LocalCloud(clocks=CLOCKS, stack=Stack.load(template_without(tmp_path, WARNING_GRANT))) as cloud:
        path = warned_then_escalated(cloud, "generic-9901")
        assert path[-4:] == ["Await Acknowledgement", "Escalate Case", "Record Case Failure", "Case Failed"]
        assert any(role.endswith("/EscalateCaseFunctionRole") and request.resource.endswith(":AgentsTopic")
                   for role, request in cloud.iam.denials)
        assert not [n for n in cloud.notifications("AgentsTopic-inbox") if n["attributes"].get("warning")]


def test_with_the_grant_the_same_case_is_warned_and_escalated():
    with LocalCloud(clocks=CLOCKS) as cloud:
        path = warned_then_escalated(cloud, "generic-9902")
        assert "Record Case Failure" not in path and path.count("Escalate Case") >= 2
        assert [n for n in cloud.notifications("AgentsTopic-inbox") if n["attributes"].get("warning") == "true"]
        assert cloud.iam.denials == []
        assert show(cloud, "generic-9902")["escalationLevel"] >= 1


def test_the_ingest_function_may_read_only_its_own_queue_though_sam_grants_every_queue(cloud):
    role = cloud.stack.functions["IngestMentionsFunction"].role_arn
    ingest_queue = cloud.stack.physical("IngestQueue")["Arn"]
    assert cloud.iam.allows(role, iam.Request("sqs:ReceiveMessage", ingest_queue))
    for queue in (cloud.stack.physical("IngestDeadLetterQueue")["Arn"], "arn:aws:sqs:us-east-1:123456789012:other"):
        assert not cloud.iam.allows(role, iam.Request("sqs:ReceiveMessage", queue))
        assert not cloud.iam.allows(role, iam.Request("sqs:DeleteMessage", queue))


# -- data kept safe --------------------------------------------------------------------------------------------------
def test_every_table_queue_and_bucket_is_retained_and_the_case_tables_can_be_restored_to_a_point_in_time():
    resources = transformed_template()["Resources"]
    stateful = {name: r for name, r in resources.items()
                if r["Type"] in ("AWS::DynamoDB::Table", "AWS::SQS::Queue", "AWS::S3::Bucket")}
    # but the desk's bucket: it holds only what each deploy publishes, and DeskFiles empties it on delete
    assert stateful.pop("DeskBucket")["DeletionPolicy"] == "Delete"
    assert resources["DeskFiles"]["Properties"]["BucketName"] == {"Ref": "DeskBucket"}
    assert len(stateful) == 8
    assert all(r.get("DeletionPolicy") == r.get("UpdateReplacePolicy") == "Retain" for r in stateful.values())
    for table in ("CasesTable", "MentionsTable", "CaseFactsTable"):  # cases, incidents, mentions, the case facts
        assert resources[table]["Properties"]["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}


def test_every_function_logs_to_a_group_that_keeps_log_retention_days():
    resources = transformed_template()["Resources"]
    retained = {r["Properties"]["LogGroupName"]["Fn::Sub"]: r["Properties"]["RetentionInDays"]
                for r in resources.values() if r["Type"] == "AWS::Logs::LogGroup"}
    for name, resource in resources.items():
        if resource["Type"] == "AWS::Lambda::Function":
            assert retained.get(f"/aws/lambda/${{{name}}}") == {"Ref": "LogRetentionDays"}, name
