"""The local cloud: moto-backed AWS built from template.yaml, with every Lambda invoke (from the state machine or
from code) and every SQS delivery dispatched to the real handlers in this process, and the real ASL executed by moto's
Step Functions interpreter. Nothing here re-states the workflow: tables, queues, topics, functions, routes,
environment and the state machine all come from template.yaml and statemachines/.
"""
from __future__ import annotations

import base64
import functools
import importlib
import json
import logging
import os
import re
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

# Fake credentials and endpoints for moto, before boto3 or moto are imported anywhere.
os.environ.update(AWS_DEFAULT_REGION="us-east-1", AWS_REGION="us-east-1", AWS_ACCESS_KEY_ID="local", AWS_SECRET_ACCESS_KEY="local",
                  AWS_ACCOUNT_ID_ENDPOINT_MODE="disabled")
for _name, _value in {"POWERTOOLS_TRACE_DISABLED": "true", "POWERTOOLS_METRICS_DISABLED": "true",
                      "POWERTOOLS_LOG_LEVEL": "WARNING",
                      "GENERIC_WEBHOOK_SECRET": "local-generic-secret", "X_CONSUMER_SECRET": "local-x-consumer-secret",
                      "X_CONSUMER_KEY": "local-x-consumer-key", "X_ACCESS_TOKEN": "local-x-access-token",
                      "X_ACCESS_TOKEN_SECRET": "local-x-access-token-secret", "X_BEARER_TOKEN": "local-x-bearer-token",
                      "META_APP_SECRET": "local-meta-app-secret", "META_VERIFY_TOKEN": "local-meta-verify-token",
                      "META_PAGE_ACCESS_TOKEN": "local-meta-page-token", "GOOGLE_CLIENT_ID": "local-google-client",
                      "GOOGLE_CLIENT_SECRET": "local-google-client-secret",
                      "GOOGLE_REFRESH_TOKEN": "local-google-refresh-token"}.items():
    os.environ.setdefault(_name, _value)

import boto3  # noqa: E402
from aws_lambda_powertools import Metrics  # noqa: E402
from aws_lambda_powertools.utilities import parameters  # noqa: E402
from botocore.exceptions import BotoCoreError, ClientError  # noqa: E402
from moto import mock_aws  # noqa: E402
from moto.awslambda_simple.models import LambdaSimpleBackend  # noqa: E402

from local import care_team, iam, moto_patches, sign_in  # noqa: E402
from local.stack import ACCOUNT, REGION, Stack  # noqa: E402
from local.template import artifact_path  # noqa: E402

# moto's interpreter logs every failure event at ERROR, even a timeout a Catch turns into an escalation; the
# execution history (which the CLI, the demo and the tests read) has them all.
logging.getLogger("moto.stepfunctions.parser").setLevel(logging.CRITICAL)

# The boto3 default session is kept from one mock to the next (moto's default makes a new one each time, and with it
# botocore's loader, which reads every service model's JSON again: a third of a local cloud's start). Nothing in it
# belongs to one cloud: moto intercepts requests by a handler of every session, and the credentials are fake.
MOTO_CONFIG = {"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False},
               "core": {"reset_boto3_session": False}}
_PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_]+)\}")
CLOCK_OVERRIDES = ("ACK_SLA_SECONDS", "ACK_HARD_LIMIT_SECONDS", "DM_WAIT_SECONDS", "TRIAGE_CLAIM_SECONDS",
                   "RESOLVE_SECONDS", "FOLLOW_UP_SECONDS", "MAX_ESCALATION_LEVEL", "PRE_BREACH_WARNING_SECONDS",
                   "PROMISE_SECONDS", "PROMISE_WARNING_SECONDS")


@dataclass
class LambdaContext:
    """What Powertools reads from a Lambda context."""

    function_name: str
    memory_limit_in_mb: int = 256
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    timeout_seconds: int = 15
    _started: float = field(default_factory=time.monotonic)

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{self.function_name}"

    @property
    def function_version(self) -> str:
        return "$LATEST"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    @property
    def log_stream_name(self) -> str:
        return "local"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.timeout_seconds - (time.monotonic() - self._started)) * 1000))


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: dict
    body: str

    def json(self):
        return json.loads(self.body) if self.body else None


def local_environment() -> dict[str, str]:
    """The functions' environment (table names, topic ARNs...) for code that runs outside the local cloud, e.g. a unit
    test. It leaves out the variables naming Secrets Manager secrets, so such code reads secrets from the environment;
    inside the local cloud, handlers read them from Secrets Manager as their role, as on AWS."""
    return {name: value for name, value in Stack.load().environment().items() if not name.endswith("_SECRET_NAME")}


class LocalCloud:
    """Use as a context manager, or start()/stop(). `clocks` overrides clock variables (e.g. ACK_SLA_SECONDS=2).
    `stack` is the stack to build (default: template.yaml, transformed), e.g. a copy with one grant removed."""

    def __init__(self, clocks: dict[str, int] | None = None, stack: Stack | None = None):
        self.stack = stack or Stack.load()
        self.resolver = self.stack.resolver
        self.clock_overrides = {k: str(v) for k, v in (clocks or {}).items()}
        unknown = set(self.clock_overrides) - set(CLOCK_OVERRIDES)
        if unknown:
            raise ValueError(f"unknown clock overrides {sorted(unknown)}; known: {CLOCK_OVERRIDES}")
        self.routes = self.stack.routes()
        self.handlers: dict[str, object] = {}
        self.invocations: list[tuple[str, dict]] = []
        self.lose_next_response: dict[str, Exception] = {}  # function -> error raised once after it ran
        self.iam = iam.LocalIam(self.stack.role_statements(iam.MANAGED_POLICIES), REGION, ACCOUNT, self._secret_arn)
        self._enforcing = None
        self._saved_env: dict[str, str | None] = {}
        self._mock = None
        self._original_invoke = None
        self._pump: threading.Thread | None = None
        self._pump_stop = threading.Event()
        self._threads_before: set[threading.Thread] = set()
        self._lock = threading.Lock()
        self._running: dict[str, int] = {}  # function -> invocations under way (its reserved concurrency caps it)
        self._changed = threading.Condition()
        self._changes = 0  # invocations ended, except those of a thread looking at a wait_for predicate
        self.inboxes: dict[str, str] = {}
        self.received: dict[str, list[dict]] = {}
        self.care_team: care_team.CareTeam | None = None
        self._tokens: dict[str, str] = {}  # user -> their ID token, signed in once per cloud

    # -- lifecycle ------------------------------------------------------------------------------------------------
    def __enter__(self) -> "LocalCloud":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> "LocalCloud":
        user_settable = {name: os.environ[name] for name in self.stack.parameter_variables() if os.environ.get(name)}
        self._set_env({**self.stack.environment(), **user_settable, **self.clock_overrides})
        from socialcare.config import settings
        from socialcare.care.policy import policy
        settings.cache_clear()
        policy.cache_clear()  # POLICY_FILE may name another file for this run
        policy()  # as a function's cold start does: a broken policy file stops here, with its problems listed
        parameters.clear_caches()  # secrets cached by an earlier local cloud in this process
        moto_patches.apply_all()
        self._mock = mock_aws(config=MOTO_CONFIG)
        self._mock.start()
        self._threads_before = set(threading.enumerate())
        self._original_invoke = LambdaSimpleBackend.invoke
        cloud = self
        LambdaSimpleBackend.invoke = lambda backend, name, qualifier, body, headers, response_headers: \
            cloud._invoke_from_aws(name, body, response_headers)
        self._create_resources()
        self._load_handlers()
        self._enforcing = iam.enforcing(self.iam)
        self._enforcing.__enter__()
        return self

    def stop(self) -> None:
        self.stop_pump()
        if self._mock is None:
            return
        try:
            self._stop_running_executions()
        finally:
            if self._enforcing is not None:
                self._enforcing.__exit__(None, None, None)
                self._enforcing = None
            LambdaSimpleBackend.invoke = self._original_invoke
            self._mock.stop()
            self._mock = None
            self._restore_env()
            parameters.clear_caches()

    def _stop_running_executions(self) -> None:
        """A running execution left behind would wake later and call moto's server port. One that has only just
        started cannot be stopped yet in moto (its worker has no environment), so try again shortly."""
        sfn = _client("stepfunctions")
        for attempt in range(20):
            running = [e for e in self.executions() if e["status"] == "RUNNING"]
            if not running:
                break
            for execution in running:
                try:
                    sfn.stop_execution(executionArn=execution["executionArn"], error="LocalCloudStopped")
                except Exception:
                    pass  # not stoppable yet; the next round tries again
            time.sleep(0.1)
        # Let the interrupted interpreter threads finish before the mock goes: each thread started while this cloud ran
        # is given up to 0.1 s in all (what this waited unconditionally before; most have ended already).
        deadline = time.monotonic() + 0.1
        for thread in threading.enumerate():
            if thread not in self._threads_before and thread is not threading.current_thread():
                thread.join(max(0.0, deadline - time.monotonic()))

    def _restore_env(self) -> None:
        for name, value in self._saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        from socialcare.config import settings
        from socialcare.care.policy import policy
        settings.cache_clear()
        policy.cache_clear()

    def _set_env(self, variables: dict[str, str]) -> None:
        for name, value in variables.items():
            self._saved_env.setdefault(name, os.environ.get(name))
            os.environ[name] = value

    # -- resources from the stack ---------------------------------------------------------------------------------
    def _create_resources(self) -> None:
        dynamodb = _client("dynamodb")
        for name, props in self.stack.resources("AWS::DynamoDB::Table").items():
            args = {"TableName": name, "BillingMode": "PAY_PER_REQUEST",
                    "AttributeDefinitions": props["AttributeDefinitions"], "KeySchema": props["KeySchema"]}
            if props.get("GlobalSecondaryIndexes"):
                args["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
            dynamodb.create_table(**args)
            if props.get("TimeToLiveSpecification"):
                dynamodb.update_time_to_live(TableName=name, TimeToLiveSpecification=props["TimeToLiveSpecification"])
        sqs = _client("sqs")
        queues = self.stack.resources("AWS::SQS::Queue")
        for name, props in sorted(queues.items(), key=lambda item: "RedrivePolicy" in item[1]):
            attributes = {"VisibilityTimeout": str(props.get("VisibilityTimeout", 30))}
            if "RedrivePolicy" in props:
                attributes["RedrivePolicy"] = json.dumps(props["RedrivePolicy"])
            sqs.create_queue(QueueName=name, Attributes=attributes)
        sns = _client("sns")
        for name in self.stack.resources("AWS::SNS::Topic"):
            arn = sns.create_topic(Name=name)["TopicArn"]
            self.subscribe_inbox(name, arn)
        self._create_secrets()
        self._create_insights()
        self._create_care_team()
        sfn = _client("stepfunctions")
        for name, props in self.stack.resources("AWS::StepFunctions::StateMachine").items():
            definition = artifact_path(props["DefinitionS3Location"]).read_text()
            substitutions = {k: str(v) for k, v in props.get("DefinitionSubstitutions", {}).items()}
            missing = set(_PLACEHOLDER.findall(definition)) - set(substitutions)
            if missing:
                raise KeyError(f"{name}'s definition has placeholders without substitutions: {sorted(missing)}")
            definition = _PLACEHOLDER.sub(lambda m: substitutions[m.group(1)], definition)
            sfn.create_state_machine(name=self.stack.physical(name)["Name"], definition=definition,
                                     type=props.get("StateMachineType", "STANDARD"), roleArn=props["RoleArn"])

    def _create_care_team(self) -> None:
        cognito = _client("cognito-idp")
        care_team.create_user_pools(self.stack, cognito)
        pools = list(self.stack.resources("AWS::Cognito::UserPool"))
        clients = list(self.stack.resources("AWS::Cognito::UserPoolClient"))
        if len(pools) != 1 or len(clients) != 1:
            raise ValueError(f"the local cloud signs in to one user pool with one app client: {pools}, {clients}")
        self.care_team = care_team.CareTeam(cognito, self.stack.physical(pools[0])["Ref"],
                                            self.stack.physical(clients[0])["Ref"])
        self._tokens.clear()

    def signed_in(self, user: str = "lead", group: str | None = None) -> dict[str, str]:
        """The Authorization header of a member of the care team, signed in with the local password: one of the
        local users (agent, triage, lead), or any other name, added to `group` the first time (as a lead would)."""
        if user not in self._tokens:
            with iam.acting_as(None):  # a person signing in, even from a test's hook inside a function's run
                self._sign_in(user, group)
        return {"Authorization": f"Bearer {self._tokens[user]}"}

    def _sign_in(self, user: str, group: str | None) -> None:
        if user not in self.care_team.users:
            group = group or care_team.LOCAL_USERS.get(user)
            if group is None:
                raise ValueError(f"{user} is not a local user ({', '.join(care_team.LOCAL_USERS)}): give their group")
            self.care_team.add_user(user, group)
        self._tokens[user] = self.care_team.sign_in(user)["IdToken"]

    def cognito_call(self, target: str, body: bytes) -> HttpResponse:
        """One call of Cognito's public sign-in API, as https://cognito-idp.<region>.amazonaws.com/ answers it (the
        local server's /local/cognito-idp/): only the calls the desk and the CLI make."""
        operation = target.removeprefix(sign_in.TARGET_PREFIX)
        if operation not in SIGN_IN_OPERATIONS:
            return _cognito_error(400, "UnknownOperationException", f"{target} is not served here")
        try:
            request = json.loads(body or b"{}")
            method = getattr(self.care_team.cognito, SIGN_IN_OPERATIONS[operation])
            answer = method(**request)
        except ClientError as error:
            return _cognito_error(400, error.response["Error"]["Code"], error.response["Error"]["Message"])
        except (ValueError, TypeError, BotoCoreError) as error:  # not JSON, or fields the call does not take
            return _cognito_error(400, "InvalidParameterException", str(error))
        answer.pop("ResponseMetadata", None)
        return HttpResponse(200, {"content-type": "application/x-amz-json-1.1"}, json.dumps(answer))

    def desk_config(self) -> dict:
        """What the desk and the CLI need to sign in and call the API, as the deployed desk's config.json has it."""
        return {"apiUrl": "", "region": REGION, "clientId": self.care_team.client_id,
                "cognitoUrl": LOCAL_COGNITO_PATH}

    def _create_insights(self) -> None:
        """The buckets with their lifecycle rules, and the Glue databases and tables (so a test reads a table's
        columns as Athena would). Not the bucket policies: moto reads a statement without its Condition, so the
        deny-without-TLS statement would refuse every call (and local IAM checks no resource policy either)."""
        s3 = _client("s3")
        for name, props in self.stack.resources("AWS::S3::Bucket").items():
            bucket = self.stack.physical(name)["Ref"]
            s3.create_bucket(Bucket=bucket)
            rules = props.get("LifecycleConfiguration", {}).get("Rules", [])
            if rules:
                s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [
                    {"ID": rule["Id"], "Status": rule["Status"], "Filter": {"Prefix": rule.get("Prefix", "")},
                     "Expiration": {"Days": int(rule["ExpirationInDays"])}} for rule in rules]})
        glue = _client("glue")
        for props in self.stack.resources("AWS::Glue::Database").values():
            glue.create_database(DatabaseInput=props["DatabaseInput"])
        for props in self.stack.resources("AWS::Glue::Table").values():
            glue.create_table(DatabaseName=props["DatabaseName"], TableInput=props["TableInput"])

    def _create_secrets(self) -> None:
        """Each secret the functions name, holding the local values of its keys (the local environment's, as
        README lists them), so handlers read them from Secrets Manager as their role, as on AWS."""
        from socialcare.secrets import SECRETS
        contents: dict[str, dict | str] = {}
        for where in SECRETS.values():
            secret_id = os.environ.get(where.name_variable)
            value = os.environ.get(where.local_variable)
            if not secret_id or not value:
                continue
            if where.key is None:
                contents[secret_id] = value
            else:
                contents.setdefault(secret_id, {})[where.key] = value
        client = _client("secretsmanager")
        for secret_id, content in contents.items():
            client.create_secret(Name=secret_id, SecretString=content if isinstance(content, str)
                                 else json.dumps(content))

    def put_secret(self, name: str, value: str) -> None:
        """Change one secret value (a name of socialcare.secrets.SECRETS) in Secrets Manager, e.g. in a test."""
        from socialcare.secrets import SECRETS
        where = SECRETS[name]
        secret_id = os.environ[where.name_variable]
        client = _client("secretsmanager")
        if where.key is None:
            content = value
        else:
            current = json.loads(client.get_secret_value(SecretId=secret_id)["SecretString"])
            content = json.dumps({**current, where.key: value})
        client.put_secret_value(SecretId=secret_id, SecretString=content)
        parameters.clear_caches()

    def _secret_arn(self, secret_id: str) -> str:
        """The ARN of a secret named by name or ARN: Secrets Manager adds six random characters to the name."""
        if secret_id.startswith("arn:"):
            return secret_id
        with iam.acting_as(None):
            try:
                return _client("secretsmanager").describe_secret(SecretId=secret_id)["ARN"]
            except ClientError:  # no such secret: the name alone, which no "-??????" grant matches
                return f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{secret_id}"

    def subscribe_inbox(self, topic_logical_id: str, topic_arn: str, filter_policy: dict | None = None,
                        inbox: str | None = None) -> str:
        """An SQS queue that receives what a topic publishes (optionally through a filter policy), so a local run
        can show who was told what."""
        inbox = inbox or f"{topic_logical_id}-inbox"
        sqs = _client("sqs")
        url = sqs.create_queue(QueueName=inbox)["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        attributes = {"FilterPolicy": json.dumps(filter_policy)} if filter_policy else {}
        _client("sns").subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn, Attributes=attributes)
        self.inboxes[inbox] = url
        self.received[inbox] = []
        return inbox

    def notifications(self, inbox: str) -> list[dict]:
        """Everything delivered to an inbox so far: subject, message (parsed if JSON) and attributes."""
        sqs = _client("sqs")
        while True:
            messages = sqs.receive_message(QueueUrl=self.inboxes[inbox], MaxNumberOfMessages=10).get("Messages", [])
            if not messages:
                return list(self.received[inbox])
            for message in messages:
                envelope = json.loads(message["Body"])
                self.received[inbox].append({
                    "subject": envelope.get("Subject"),
                    "message": _message(envelope["Message"]),
                    "attributes": {k: v["Value"] for k, v in envelope.get("MessageAttributes", {}).items()},
                })
                sqs.delete_message(QueueUrl=self.inboxes[inbox], ReceiptHandle=message["ReceiptHandle"])

    # -- functions --------------------------------------------------------------------------------------------------
    def _load_handlers(self) -> None:
        for name, function in self.stack.functions.items():
            self.handlers[name] = getattr(importlib.import_module(function.module), function.handler)

    def invoke(self, function: str, event: dict) -> dict:
        """Run a function's handler as Lambda would: a fresh context per call, its AWS calls made as its role. A function
        already running as many invocations as its reserved concurrency is throttled, as Lambda does."""
        spec = self.stack.functions[function]
        with self._lock:
            if spec.reserved_concurrency is not None and self._running.get(function, 0) >= spec.reserved_concurrency:
                raise ClientError({"Error": {"Code": "TooManyRequestsException", "Message": "Rate Exceeded."},
                                   "Reason": "ReservedFunctionConcurrentInvocationLimitExceeded"}, "Invoke")
            self._running[function] = self._running.get(function, 0) + 1
            self.invocations.append((function, event))
        try:
            with iam.acting_as(spec.role_arn):
                result = self.handlers[function](event, LambdaContext(function_name=function,
                                                                      timeout_seconds=spec.timeout))
        finally:
            with self._lock:
                self._running[function] -= 1
            if not getattr(_waiter, "active", False):
                with self._changed:  # wakes wait_for
                    self._changes += 1
                    self._changed.notify_all()
            # Powertools keeps disabled metrics in memory and prints them once a metric has 100 values; a Lambda
            # would have flushed them at the end of each invocation.
            Metrics().clear_metrics()
        with self._lock:
            lost = self.lose_next_response.pop(function, None)
        if lost is not None:  # the function did its work, but its caller never heard back
            raise lost
        return result

    def _invoke_from_aws(self, function_name: str, body: bytes | str, response_headers: dict) -> bytes:
        name = function_name.split(":function:")[-1].split(":")[0]
        event = json.loads(body) if body else {}
        try:
            result = self.invoke(name, event)
        except Exception as error:  # a Lambda "Unhandled" error: Step Functions sees errorType
            response_headers["x-amz-function-error"] = "Unhandled"
            return json.dumps({"errorType": type(error).__name__, "errorMessage": str(error)}).encode()
        return json.dumps(result).encode()

    def run_schedule(self, name: str) -> dict:
        """Fire an EventBridge Scheduler schedule of the stack (named as the template names it, e.g.
        `social-care-local-poll-x`) once: its role must be allowed to invoke the target, as on AWS."""
        schedule = self.stack.schedules()[name]
        target = self.stack.functions[schedule["function"]]
        request = iam.Request("lambda:InvokeFunction", self.stack.physical(target.logical_id)["Arn"])
        if not self.iam.allows(schedule["role_arn"], request):
            raise PermissionError(f"schedule {name}: its role may not invoke {target.logical_id}")
        return self.invoke(target.logical_id, json.loads(schedule["input"]))

    # -- the HttpApi ------------------------------------------------------------------------------------------------
    def http(self, method: str, path: str, body: bytes | str | None = None, headers: dict | None = None
             ) -> HttpResponse:
        """Serve one request as the deployed HttpApi would: route, authorise, build the payload v2 event."""
        parsed = urllib.parse.urlsplit(path)
        headers = {k.lower(): v for k, v in (headers or {}).items()}
        for route in self.routes:
            match = route.regex.match(parsed.path)
            if route.method == method.upper() and match:
                break
        else:
            return HttpResponse(404, {"content-type": "application/json"}, json.dumps({"message": "Not Found"}))
        claims = None
        if route.jwt is not None:
            try:
                claims = care_team.authorize(self.resolver.value(route.jwt), headers)
            except care_team.Unauthorized as error:
                challenge = f'Bearer scope="" error="invalid_token" error_description="{error}"'
                return HttpResponse(401, {"content-type": "application/json", "www-authenticate": challenge},
                                    json.dumps({"message": "Unauthorized"}))
        if not self.stack.api_may_invoke(route.function, route.method, parsed.path):
            # API Gateway cannot invoke a function that has no resource-based permission for the route
            return HttpResponse(500, {"content-type": "application/json"},
                                json.dumps({"message": "Internal Server Error"}))
        raw = body.encode() if isinstance(body, str) else (body or b"")
        try:
            text, is_base64 = raw.decode("utf-8"), False
        except UnicodeDecodeError:
            text, is_base64 = base64.b64encode(raw).decode(), True
        now = datetime.now(UTC)
        request_context = {
            "accountId": ACCOUNT, "apiId": "local", "domainName": "127.0.0.1", "stage": "$default",
            "requestId": str(uuid.uuid4()), "routeKey": f"{route.method} {route.path}",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"), "timeEpoch": int(now.timestamp() * 1000),
            "http": {"method": route.method, "path": parsed.path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1",
                     "userAgent": headers.get("user-agent", "local")},
        }
        if claims is not None:
            request_context["authorizer"] = {"jwt": {"claims": claims, "scopes": None}}
        query = dict(urllib.parse.parse_qsl(parsed.query, keep_blank_values=True))
        event = {
            "version": "2.0", "routeKey": f"{route.method} {route.path}", "rawPath": parsed.path,
            "rawQueryString": parsed.query, "headers": headers, "queryStringParameters": query or None,
            "pathParameters": match.groupdict() or None, "requestContext": request_context,
            "body": text or None, "isBase64Encoded": is_base64,
        }
        result = self.invoke(route.function, event)
        return HttpResponse(result.get("statusCode", 200), result.get("headers", {}), result.get("body") or "")

    # -- the ingest queue -----------------------------------------------------------------------------------------
    def deliver_queue(self, max_rounds: int = 100) -> int:
        """Deliver the ingest queue to its function until it is empty, as the event source mapping would (reading and
        deleting as the function's role): a batch, the partial-batch response, failed messages made visible again at
        once (locally, no visibility wait)."""
        mapping, = self.stack.queue_mappings()
        function, url = mapping["function"], mapping["queue_url"]
        sqs = _client("sqs")
        delivered = 0
        with iam.acting_as(self.stack.functions[function].role_arn):
            for _ in range(max_rounds):
                messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=mapping["batch_size"],
                                               AttributeNames=["All"]).get("Messages", [])
                if not messages:
                    return delivered
                event = {"Records": [_sqs_record(m, url) for m in messages]}
                try:
                    answer = self.invoke(function, event) if mapping["partial"] else {}
                    failed = {f["itemIdentifier"] for f in answer.get("batchItemFailures", [])}
                except Exception:
                    failed = {m["MessageId"] for m in messages}  # the whole batch failed (the function crashed)
                for message in messages:
                    if message["MessageId"] in failed:
                        with iam.acting_as(None):  # not a call of the mapping: its visibility timeout, elapsed
                            sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"],
                                                          VisibilityTimeout=0)
                    else:
                        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
                        delivered += 1
        return delivered

    def start_pump(self, interval: float = 0.2) -> None:
        """Deliver the ingest queue in the background (the local server)."""
        def pump():
            while not self._pump_stop.wait(interval):
                try:
                    self.deliver_queue()
                except Exception as error:  # keep serving; the message stays queued
                    print(f"ingest delivery failed: {error!r}")
        self._pump_stop.clear()
        self._pump = threading.Thread(target=pump, name="ingest-pump", daemon=True)
        self._pump.start()

    def stop_pump(self) -> None:
        if self._pump is not None:
            self._pump_stop.set()
            self._pump.join(timeout=5)
            self._pump = None

    # -- looking at executions ------------------------------------------------------------------------------------
    @property
    def state_machine_arn(self) -> str:
        name = next(iter(self.stack.resources("AWS::StepFunctions::StateMachine")))
        return self.stack.physical(name)["Arn"]

    def execution_arn(self, case_id: str) -> str:
        return self.state_machine_arn.replace(":stateMachine:", ":execution:") + f":{case_id}"

    def executions(self) -> list[dict]:
        pages = _client("stepfunctions").get_paginator("list_executions")
        return [e for page in pages.paginate(stateMachineArn=self.state_machine_arn) for e in page["executions"]]

    def history(self, case_id: str) -> list[dict]:
        return _client("stepfunctions").get_execution_history(executionArn=self.execution_arn(case_id))["events"]

    def path(self, case_id: str) -> list[str]:
        """The states the case's execution entered, in order."""
        return [e["stateEnteredEventDetails"]["name"] for e in self.history(case_id) if "stateEnteredEventDetails" in e]

    def wait_for(self, predicate, timeout: float = 20, interval: float = 0.25, what: str = "condition"):
        """predicate()'s value once it is truthy. It is looked at again as soon as an invocation ends in another thread
        (a task of the state machine, the ingest pump, a request to the local server): what a handler changes is seen
        at once, without polling a case 20 times a second while a clock runs. Between two looks: at least 0.05 s (a
        burst of tasks costs no more looks than polling did) and at most `interval` (for what changes without an
        invocation: a Choice or a Wait of the interpreter, an execution's end)."""
        deadline = time.monotonic() + timeout
        shortest = min(0.05, interval)
        while True:
            with self._changed:
                seen = self._changes
            looked_at = time.monotonic()
            was_waiting, _waiter.active = getattr(_waiter, "active", False), True
            try:
                value = predicate()  # (its own invocations, e.g. GET /cases/{id}, are no change to wake on)
            finally:
                _waiter.active = was_waiting
            if value:
                return value
            if time.monotonic() >= deadline:
                raise TimeoutError(f"{what} not reached within {timeout}s")
            with self._changed:
                self._changed.wait_for(lambda: self._changes != seen,
                                       timeout=max(0.0, min(looked_at + interval, deadline) - time.monotonic()))
            time.sleep(max(0.0, min(looked_at + shortest, deadline) - time.monotonic()))

    def wait_for_status(self, case_id: str, timeout: float = 30) -> dict:
        sfn = _client("stepfunctions")

        def finished():
            description = sfn.describe_execution(executionArn=self.execution_arn(case_id))
            return description if description["status"] != "RUNNING" else None
        return self.wait_for(finished, timeout, interval=0.05, what=f"end of {case_id}")  # no invocation ends one


_waiter = threading.local()  # .active: this thread is evaluating a wait_for predicate


SIGN_IN_OPERATIONS = {"InitiateAuth": "initiate_auth", "RespondToAuthChallenge": "respond_to_auth_challenge"}
LOCAL_COGNITO_PATH = "/local/cognito-idp/"  # the local server's stand-in for https://cognito-idp.<region>.amazonaws.com/


def _cognito_error(status: int, code: str, message: str) -> HttpResponse:
    return HttpResponse(status, {"content-type": "application/x-amz-json-1.1"},
                        json.dumps({"__type": code, "message": message}))


@functools.cache
def _client(service: str):
    """The harness's own client of a service, made once per process (botocore's client creation costs a few ms of CPU,
    and a local cloud's start and each look at an execution or an inbox made several). A client holds nothing of one
    cloud: moto serves whichever mock is running, and local IAM checks each call's principal, not its client."""
    return boto3.client(service)


def _message(text: str) -> dict | str:
    """A notification's message: the JSON the case topics carry, or the plain text of the leadership digest."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _sqs_record(message: dict, queue_url: str) -> dict:
    queue_name = queue_url.rsplit("/", 1)[-1]
    return {"messageId": message["MessageId"], "receiptHandle": message["ReceiptHandle"], "body": message["Body"],
            "attributes": message.get("Attributes", {}), "messageAttributes": {}, "md5OfBody": message["MD5OfBody"],
            "eventSource": "aws:sqs", "eventSourceARN": f"arn:aws:sqs:{REGION}:{ACCOUNT}:{queue_name}",
            "awsRegion": REGION}
