"""The local cloud's IAM: every Lambda handler makes its AWS calls as the role the transformed template gives it, the
state machine as its own role, the SQS event source mapping as its function's role; a call the role does not allow
fails as AWS fails it (AccessDeniedException, AuthorizationError, AccessDenied).

The check is made on the client side, in botocore, for every call (boto3, PynamoDB, Powertools): the request's
action and resource ARN are evaluated against the role's policies (inline and AWS managed) with IAM's rules: an
explicit Deny wins, else an Allow whose Action and Resource match (wildcards * and ?), else denied. moto's own
server-side check knows resources only for SQS, IAM, STS and S3 (aws-notes.md §6), so it is not used.

Not covered (they allow here what AWS may refuse): Condition keys (a statement with a Condition counts as if it held),
resource-based policies (SNS topic, SQS queue, KMS key policies), permission boundaries, SCPs and session policies.
"""
from __future__ import annotations

import contextlib
import contextvars
import functools
import json
import os
import re
import threading
from dataclasses import dataclass

import botocore.client
from botocore.exceptions import ClientError

# Who makes the AWS calls of the current thread: a role ARN, or None for the harness itself (setting up resources,
# a test reading a table), which is not checked.
_principal: contextvars.ContextVar[str | None] = contextvars.ContextVar("local_aws_principal", default=None)
_active: list["LocalIam"] = []
_LOG_PATH = os.environ.get("LOCAL_IAM_LOG")  # a file to append each checked request to, as a JSON line

# The AWS managed policies SAM attaches, as AWS publishes them (only the statements; the versions of 2024-2026).
MANAGED_POLICIES = {
    "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole": [
        {"Effect": "Allow", "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
         "Resource": "*"}],
    "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess": [
        {"Effect": "Allow", "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules",
                                       "xray:GetSamplingTargets", "xray:GetSamplingStatisticSummaries"],
         "Resource": "*"}],
    "arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole": [
        {"Effect": "Allow", "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes",
                                       "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
         "Resource": "*"}],
}

# The IAM action of an API operation, where it is not "<prefix>:<Operation>".
_ACTIONS = {
    ("lambda", "Invoke"): "lambda:InvokeFunction",
    ("sns", "PublishBatch"): "sns:Publish",
    ("sqs", "SendMessageBatch"): "sqs:SendMessage",
    ("sqs", "DeleteMessageBatch"): "sqs:DeleteMessage",
    ("sqs", "ChangeMessageVisibilityBatch"): "sqs:ChangeMessageVisibility",
    ("s3", "HeadObject"): "s3:GetObject",
    ("s3", "ListObjectsV2"): "s3:ListBucket",
    ("s3", "HeadBucket"): "s3:ListBucket",
}
_TRANSACT_ACTIONS = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem", "ConditionCheck":
                     "ConditionCheckItem", "Get": "GetItem"}
# The error each service answers for a refused call.
_DENIED_CODES = {"sns": ("AuthorizationError", 403), "sqs": ("AccessDenied", 403), "s3": ("AccessDenied", 403)}


@dataclass(frozen=True)
class Request:
    action: str
    resource: str


class LocalIam:
    """The roles of one local stack: role ARN -> the statements of every policy attached to it."""

    def __init__(self, roles: dict[str, list[dict]], region: str, account: str, secret_arn=None):
        self.roles = roles
        self.region = region
        self.account = account
        self.secret_arn = secret_arn or (lambda secret_id: secret_id)
        self.denials: list[tuple[str, Request]] = []

    # -- evaluation -----------------------------------------------------------------------------------------------
    def allows(self, role_arn: str, request: Request) -> bool:
        if role_arn not in self.roles:
            raise LookupError(f"{role_arn} is not a role of the local stack")
        allowed = False
        for statement in self.roles[role_arn]:
            if not _statement_matches(statement, request):
                continue
            if statement.get("Effect") == "Deny":
                return False
            allowed = True
        return allowed

    def authorise(self, role_arn: str, client, operation: str, params: dict) -> None:
        service = client.meta.service_model.service_name
        for request in self.requests(client, operation, params):
            allowed = self.allows(role_arn, request)
            if _LOG_PATH:  # which grants each role uses: the evidence for narrowing them
                line = [role_arn.rsplit("/", 1)[-1], request.action, request.resource, allowed]
                with open(_LOG_PATH, "a") as log:
                    log.write(json.dumps(line) + "\n")
            if not allowed:
                self.denials.append((role_arn, request))
                raise _denied(client, service, operation, role_arn, request)

    # -- what a call asks for ---------------------------------------------------------------------------------------
    def requests(self, client, operation: str, params: dict) -> list[Request]:
        service = client.meta.service_model.service_name
        prefix = client.meta.service_model.signing_name
        action = _ACTIONS.get((service, operation), f"{prefix}:{operation}")
        if service == "dynamodb":
            return self._dynamodb(operation, action, params)
        return [Request(action, self._resource(service, operation, params))]

    def _arn(self, service: str, resource: str) -> str:
        return f"arn:aws:{service}:{self.region}:{self.account}:{resource}"

    def _dynamodb(self, operation: str, action: str, params: dict) -> list[Request]:
        table = lambda name: name if name.startswith("arn:") else self._arn("dynamodb", f"table/{name}")  # noqa: E731
        if operation in ("BatchGetItem", "BatchWriteItem"):
            return [Request(action, table(name)) for name in params.get("RequestItems", {})]
        if operation in ("TransactWriteItems", "TransactGetItems"):
            return [Request(f"dynamodb:{_TRANSACT_ACTIONS[kind]}", table(body["TableName"]))
                    for item in params.get("TransactItems", []) for kind, body in item.items()]
        if "TableName" not in params:
            return [Request(action, "*")]
        arn = table(params["TableName"])
        if params.get("IndexName"):
            arn += f"/index/{params['IndexName']}"
        return [Request(action, arn)]

    def _resource(self, service: str, operation: str, params: dict) -> str:
        if service == "sns":
            return params.get("TopicArn") or params.get("TargetArn") or "*"
        if service == "sqs":
            if "QueueUrl" in params:
                return self._arn("sqs", params["QueueUrl"].rstrip("/").rsplit("/", 1)[-1])
            return self._arn("sqs", params["QueueName"]) if "QueueName" in params else "*"
        if service == "stepfunctions":
            if operation.startswith("SendTask"):
                return "*"  # task-token actions have no resource (the Service Authorization Reference)
            return params.get("executionArn") or params.get("stateMachineArn") or "*"
        if service == "secretsmanager":
            return self.secret_arn(params["SecretId"]) if "SecretId" in params else "*"
        if service == "s3" and "Bucket" in params:  # an object's ARN for an object operation, else the bucket's
            return f"arn:aws:s3:::{params['Bucket']}" + (f"/{params['Key']}" if "Key" in params else "")
        if service == "lambda" and "FunctionName" in params:
            name = params["FunctionName"]
            arn = name if name.startswith("arn:") else self._arn("lambda", f"function:{name}")
            return f"{arn}:{params['Qualifier']}" if params.get("Qualifier") else arn
        return "*"


def _statement_matches(statement: dict, request: Request) -> bool:
    if "NotAction" in statement:
        action_matches = not _any_glob(statement["NotAction"], request.action, ignore_case=True)
    else:
        action_matches = _any_glob(statement.get("Action", []), request.action, ignore_case=True)
    if not action_matches:
        return False
    if "NotResource" in statement:
        return not _any_glob(statement["NotResource"], request.resource)
    return _any_glob(statement.get("Resource", []), request.resource)


def _any_glob(patterns, value: str, ignore_case: bool = False) -> bool:
    patterns = [patterns] if isinstance(patterns, str) else patterns
    return any(_glob(pattern, ignore_case).fullmatch(value) for pattern in patterns)


@functools.lru_cache(maxsize=1024)
def _glob(pattern: str, ignore_case: bool) -> re.Pattern:
    """IAM's wildcards: * any run of characters, ? exactly one."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(regex, re.IGNORECASE if ignore_case else 0)


def _denied(client, service: str, operation: str, role_arn: str, request: Request) -> ClientError:
    code, status = _DENIED_CODES.get(service, ("AccessDeniedException", 400))
    role = role_arn.rsplit("/", 1)[-1]
    message = (f"User: arn:aws:sts::{role_arn.split(':')[4]}:assumed-role/{role}/local is not authorized to perform: "
               f"{request.action} on resource: {request.resource} because no identity-based policy allows the "
               f"{request.action} action")
    error = {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}}
    return client.exceptions.from_code(code)(error, operation)


# -- who is calling ---------------------------------------------------------------------------------------------------
@contextlib.contextmanager
def acting_as(role_arn: str | None):
    """Make this thread's AWS calls (and those of the threads it starts) as `role_arn`; None is the harness."""
    token = _principal.set(role_arn)
    try:
        yield
    finally:
        _principal.reset(token)


def current_principal() -> str | None:
    return _principal.get()


@contextlib.contextmanager
def enforcing(iam: LocalIam):
    _install()
    _active.append(iam)
    try:
        yield iam
    finally:
        _active.remove(iam)


_installed = False
_install_lock = threading.Lock()


def _install() -> None:
    """Once per process: botocore checks each call; threads inherit the caller's principal (as contextvars do for
    asyncio tasks; moto's interpreter runs every execution and task in threads of its own); each execution of a state
    machine runs as the role the state machine was created with."""
    global _installed
    with _install_lock:
        if _installed:
            return
        original_call = botocore.client.BaseClient._make_api_call

        def _make_api_call(client, operation_name, api_params):
            principal = _principal.get()
            if principal is not None and _active:
                _active[-1].authorise(principal, client, operation_name, api_params)
            return original_call(client, operation_name, api_params)
        botocore.client.BaseClient._make_api_call = _make_api_call

        original_start = threading.Thread.start

        def start(thread):
            context = contextvars.copy_context()
            run = thread.run
            thread.run = lambda: context.run(run)
            original_start(thread)
        threading.Thread.start = start

        from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker
        original_logic = ExecutionWorker._execution_logic

        def _execution_logic(worker):
            with acting_as(worker._evaluation_details.aws_execution_details.role_arn):
                original_logic(worker)
        ExecutionWorker._execution_logic = _execution_logic
        _installed = True
