"""The desk as the stack deploys it: the publisher run as CloudFormation runs a custom resource's provider (DeskFiles'
properties from the template, its role enforced, its answer PUT to a ResponseURL that records it), and the template's
CloudFront, bucket policy, CORS and CSP."""
from __future__ import annotations

import http.server
import json
import threading
import uuid

import boto3
import pytest

from functions.publish_desk import desk_files
from local import iam
from local.stack import ACCOUNT, REGION, Stack

STACK_ID = f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/social-care-local/{uuid.uuid4()}"


class ResponseEndpoint:
    """Stands in for the presigned S3 URL of each CloudFormation request: records every PUT (headers and JSON)."""

    def __init__(self):
        answers = self.answers = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_PUT(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                answers.append({"path": self.path, "headers": dict(self.headers), "body": json.loads(body)})
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, request_id: str) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/cloudformation-answers/{request_id}?X-Amz-Signature=x"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def endpoint():
    answering = ResponseEndpoint()
    yield answering
    answering.close()


def as_cloudformation_sends(value):
    """CloudFormation hands a provider every scalar property as a string."""
    if isinstance(value, dict):
        return {k: as_cloudformation_sends(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_cloudformation_sends(v) for v in value]
    return value if isinstance(value, str) else json.dumps(value)


def desk_files_properties(cloud) -> dict:
    resource = cloud.stack.template["Resources"]["DeskFiles"]
    return as_cloudformation_sends(cloud.stack.resolver.value(resource["Properties"]))


def request(endpoint, request_type: str, properties: dict, old: dict | None = None,
            physical_id: str | None = None) -> dict:
    request_id = str(uuid.uuid4())
    event = {"RequestType": request_type, "ServiceToken": properties["ServiceToken"],
             "ResponseURL": endpoint.url(request_id), "StackId": STACK_ID, "RequestId": request_id,
             "LogicalResourceId": "DeskFiles", "ResourceType": "Custom::DeskFiles",
             "ResourceProperties": properties}
    if old is not None:
        event["OldResourceProperties"] = old
    if physical_id is not None:
        event["PhysicalResourceId"] = physical_id
    return event


def run(cloud, endpoint, event: dict) -> dict:
    """Invoke the publisher as CloudFormation does, and return the one answer it PUT for this request."""
    cloud.invoke("PublishDeskFunction", event)
    [answer] = [a for a in endpoint.answers if a["path"].startswith(f"/cloudformation-answers/{event['RequestId']}")]
    assert answer["headers"]["Content-Type"] == ""  # as presigned: any other type would be refused by S3
    assert {k: answer["body"][k] for k in ("StackId", "RequestId", "LogicalResourceId")} == {
        k: event[k] for k in ("StackId", "RequestId", "LogicalResourceId")}
    return answer["body"]


def objects(bucket: str) -> dict[str, dict]:
    s3 = boto3.client("s3")
    found = {}
    for item in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
        got = s3.get_object(Bucket=bucket, Key=item["Key"])
        found[item["Key"]] = {"type": got["ContentType"], "cache": got.get("CacheControl"), "body": got["Body"].read()}
    return found


SITE = desk_files.site_files()  # whatever the desk's page is made of today


# -- the publisher, as CloudFormation runs it --------------------------------------------------------------------------
def test_create_publishes_every_site_file_and_the_stacks_config_and_answers_success(cloud, endpoint):
    properties = desk_files_properties(cloud)
    bucket = cloud.stack.physical("DeskBucket")["Ref"]
    answer = run(cloud, endpoint, request(endpoint, "Create", properties))
    assert (answer["Status"], answer["PhysicalResourceId"]) == ("SUCCESS", f"desk-files:{bucket}")
    assert answer["Data"] == {"Files": len(SITE) + 1}
    published = objects(bucket)
    assert set(published) == {*SITE, "config.json"}
    for key, path in SITE.items():
        assert published[key]["body"] == path.read_bytes(), key
        assert published[key]["type"] == desk_files.CONTENT_TYPES[path.suffix.lower()], key
        assert published[key]["cache"] == "no-cache", key
    assert published["index.html"]["type"] == "text/html; charset=utf-8"
    config = published["config.json"]
    assert (config["type"], config["cache"]) == ("application/json", "no-store")
    assert json.loads(config["body"]) == {
        "apiUrl": f"https://{cloud.stack.physical('CaseApi')['Ref']}.execute-api.{REGION}.amazonaws.com",
        "region": REGION, "clientId": cloud.care_team.client_id,
        "cognitoUrl": f"https://cognito-idp.{REGION}.amazonaws.com/"}
    # the keys the local server's /desk/config.json answers with, so the page reads one shape
    assert set(json.loads(config["body"])) == set(cloud.desk_config())


def test_an_update_publishes_again_and_removes_what_the_site_no_longer_has(cloud, endpoint):
    properties = desk_files_properties(cloud)
    bucket = cloud.stack.physical("DeskBucket")["Ref"]
    created = run(cloud, endpoint, request(endpoint, "Create", properties))
    boto3.client("s3").put_object(Bucket=bucket, Key="old-desk.js", Body=b"// an earlier deploy's")
    changed = {**properties, "SiteVersion": properties["SiteVersion"].replace(":1", ":2"),
               "Config": {**properties["Config"], "clientId": "another-app-client"}}
    answer = run(cloud, endpoint, request(endpoint, "Update", changed, old=properties,
                                          physical_id=created["PhysicalResourceId"]))
    assert (answer["Status"], answer["PhysicalResourceId"]) == ("SUCCESS", created["PhysicalResourceId"])
    published = objects(bucket)
    assert set(published) == {*SITE, "config.json"}  # old-desk.js gone
    assert json.loads(published["config.json"]["body"])["clientId"] == "another-app-client"


def test_delete_empties_the_bucket_so_that_cloudformation_can_delete_it(cloud, endpoint):
    properties = desk_files_properties(cloud)
    bucket = cloud.stack.physical("DeskBucket")["Ref"]
    created = run(cloud, endpoint, request(endpoint, "Create", properties))
    answer = run(cloud, endpoint, request(endpoint, "Delete", properties, physical_id=created["PhysicalResourceId"]))
    assert (answer["Status"], answer["PhysicalResourceId"]) == ("SUCCESS", created["PhysicalResourceId"])
    assert answer["Data"] == {"Removed": len(SITE) + 1}
    assert objects(bucket) == {}
    boto3.client("s3").delete_bucket(Bucket=bucket)  # what CloudFormation does next: S3 refuses a bucket not empty
    # a Delete sent again (CloudFormation retries a delete it did not hear back from) finds the bucket gone: done
    again = run(cloud, endpoint, request(endpoint, "Delete", properties, physical_id=created["PhysicalResourceId"]))
    assert (again["Status"], again["Data"]) == ("SUCCESS", {"Removed": 0})


@pytest.mark.denials_expected
def test_a_bucket_it_may_not_write_fails_the_request_with_the_reason_and_still_answers(cloud, endpoint):
    insights = cloud.stack.physical("InsightsBucket")["Ref"]
    properties = {**desk_files_properties(cloud), "BucketName": insights}
    answer = run(cloud, endpoint, request(endpoint, "Create", properties))
    assert answer["Status"] == "FAILED"
    assert answer["PhysicalResourceId"] == f"desk-files:{insights}"
    assert "AccessDenied" in answer["Reason"] and f"s3:PutObject on resource: arn:aws:s3:::{insights}/" in \
        answer["Reason"]
    assert "log stream" in answer["Reason"]
    assert objects(insights) == {}
    assert {request.action for _, request in cloud.iam.denials} == {"s3:PutObject"}


def test_a_site_file_of_an_unknown_type_fails_the_deploy_naming_it(cloud, endpoint, tmp_path, monkeypatch):
    (tmp_path / "index.html").write_text("<!doctype html>")
    (tmp_path / "desk.wasm").write_bytes(b"\0asm")
    monkeypatch.setattr(desk_files, "SITE", tmp_path)
    answer = run(cloud, endpoint, request(endpoint, "Create", desk_files_properties(cloud)))
    assert answer["Status"] == "FAILED"
    assert answer["Reason"].startswith("UnknownFileTypeError: site/desk.wasm: no Content-Type known for '.wasm'")
    assert objects(cloud.stack.physical("DeskBucket")["Ref"]) == {}


@pytest.mark.denials_expected
def test_the_publishers_role_may_write_the_desk_bucket_and_nothing_else(cloud):
    role = cloud.stack.functions["PublishDeskFunction"].role_arn
    desk = cloud.stack.physical("DeskBucket")["Arn"]
    insights = cloud.stack.physical("InsightsBucket")["Arn"]
    allowed = [("s3:PutObject", f"{desk}/index.html"), ("s3:DeleteObject", f"{desk}/desk.js"), ("s3:ListBucket", desk)]
    refused = [("s3:PutObject", f"{insights}/case-facts/x.json"), ("s3:DeleteObject", f"{insights}/digests/x.html"),
               ("s3:ListBucket", insights), ("s3:GetObject", f"{desk}/config.json"), ("s3:DeleteBucket", desk),
               ("s3:PutBucketPolicy", desk), ("s3:PutObject", "arn:aws:s3:::another-bucket/index.html"),
               ("dynamodb:GetItem", cloud.stack.physical("CasesTable")["Arn"])]
    assert all(cloud.iam.allows(role, iam.Request(*grant)) for grant in allowed)
    assert not [grant for grant in refused if cloud.iam.allows(role, iam.Request(*grant))]
    with iam.acting_as(role), pytest.raises(Exception, match="AccessDenied"):
        boto3.client("s3").put_object(Bucket=insights.removeprefix("arn:aws:s3:::"), Key="x", Body=b"x")


def test_the_publisher_ships_without_the_domain_layer_and_every_other_function_with_it():
    functions = Stack.load().resources("AWS::Lambda::Function")
    assert "Layers" not in functions.pop("PublishDeskFunction")
    assert [name for name, f in functions.items() if [layer[:11] for layer in f["Layers"]] != ["DomainLayer"]] == []


# -- the template ------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def stack() -> Stack:
    return Stack.load()


def test_cloudfront_alone_reads_the_bucket_over_tls_and_nobody_else(stack):
    bucket = stack.resources("AWS::S3::Bucket")["DeskBucket"]
    assert bucket["PublicAccessBlockConfiguration"] == dict.fromkeys(
        ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"), True)
    assert bucket["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    read, deny = stack.resources("AWS::S3::BucketPolicy")["DeskBucketPolicy"]["PolicyDocument"]["Statement"]
    assert read == {"Sid": "CloudFrontReadsTheDesk", "Effect": "Allow",
                    "Principal": {"Service": "cloudfront.amazonaws.com"}, "Action": "s3:GetObject",
                    "Resource": f"{stack.physical('DeskBucket')['Arn']}/*",
                    "Condition": {"StringEquals": {"AWS:SourceArn": stack.physical("DeskDistribution")["Arn"]}}}
    assert (deny["Effect"], deny["Condition"]) == ("Deny", {"Bool": {"aws:SecureTransport": "false"}})
    config = stack.resources("AWS::CloudFront::Distribution")["DeskDistribution"]["DistributionConfig"]
    [origin] = config["Origins"]
    assert origin["DomainName"] == stack.physical("DeskBucket")["RegionalDomainName"]
    assert origin["OriginAccessControlId"] == stack.physical("DeskOriginAccessControl")["Id"]
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    behaviors = [config["DefaultCacheBehavior"], *config["CacheBehaviors"]]
    assert {b["ViewerProtocolPolicy"] for b in behaviors} == {"redirect-to-https"}
    assert {b["AllowedMethods"] == ["GET", "HEAD"] for b in behaviors} == {True}


def test_config_json_is_never_cached_and_the_page_is_revalidated(stack):
    config = stack.resources("AWS::CloudFront::Distribution")["DeskDistribution"]["DistributionConfig"]
    caching_optimized, caching_disabled = "658327ea-f89d-4fab-a63d-7e88639e58f6", "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
    assert config["DefaultCacheBehavior"]["CachePolicyId"] == caching_optimized
    assert [(b["PathPattern"], b["CachePolicyId"]) for b in config["CacheBehaviors"]] == [
        ("/config.json", caching_disabled)]
    assert (desk_files.SITE_CACHE_CONTROL, desk_files.CONFIG_CACHE_CONTROL) == ("no-cache", "no-store")


def test_the_page_may_call_only_its_own_origin_the_regions_apis_and_cognito(stack):
    headers = stack.resources("AWS::CloudFront::ResponseHeadersPolicy")["DeskResponseHeadersPolicy"]
    security = headers["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    assert security["ContentSecurityPolicy"] == {"Override": True, "ContentSecurityPolicy": (
        "default-src 'self'; "
        f"connect-src 'self' https://*.execute-api.{REGION}.amazonaws.com https://cognito-idp.{REGION}.amazonaws.com; "
        "img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'")}
    assert security["FrameOptions"]["FrameOption"] == "DENY" and security["ContentTypeOptions"]["Override"]
    config = stack.resources("AWS::CloudFront::Distribution")["DeskDistribution"]["DistributionConfig"]
    behaviors = [config["DefaultCacheBehavior"], *config["CacheBehaviors"]]
    assert {b["ResponseHeadersPolicyId"] for b in behaviors} == {stack.physical("DeskResponseHeadersPolicy")["Id"]}


def test_the_api_answers_the_desks_origin_alone_and_the_distribution_does_not_name_the_api(stack):
    cors = stack.resolver.value(stack.template["Resources"]["CaseApi"]["Properties"]["Body"]
                                ["x-amazon-apigateway-cors"])
    assert cors == {"allowOrigins": ["https://local-desk.cloudfront.net"],
                    "allowHeaders": ["authorization", "content-type"], "allowMethods": ["GET", "POST"],
                    "maxAge": 600}
    # CaseApi's CORS names the distribution, so nothing the distribution is made of may name CaseApi (a cycle)
    for name in ("DeskDistribution", "DeskResponseHeadersPolicy", "DeskOriginAccessControl", "DeskBucket"):
        assert "CaseApi" not in json.dumps(stack.template["Resources"][name]), name
    assert stack.resolver.value(stack.template["Outputs"]["DeskUrl"]["Value"]) == "https://local-desk.cloudfront.net/"


def test_deskfiles_republishes_when_the_code_or_the_config_changes(stack):
    properties = stack.template["Resources"]["DeskFiles"]["Properties"]
    [version] = [name for name, r in stack.template["Resources"].items()
                 if r["Type"] == "AWS::Lambda::Version" and r["Properties"]["FunctionName"] == {"Ref": "PublishDeskFunction"}]
    assert properties["SiteVersion"] == {"Ref": version}  # its logical id carries the code's hash
    assert set(properties["Config"]) == {"apiUrl", "region", "clientId", "cognitoUrl"}
    assert int(properties["ServiceTimeout"]) > stack.functions["PublishDeskFunction"].timeout
    # its log group exists before its first run, and outlives its last
    assert stack.template["Resources"]["DeskFiles"]["DependsOn"] == "PublishDeskFunctionLogGroup"
