"""The stack as CloudFormation would create it, locally: the transformed template (local.template) with its
intrinsics resolved to the local resources' names and ARNs. The local cloud builds everything from this: tables,
queues, topics, functions and their roles, the HttpApi's routes, the event source mapping, the schedules and the
state machine."""
from __future__ import annotations

import pathlib
import re
from dataclasses import dataclass, field

from local.template import ROOT, TEMPLATE_PATH, artifact_path, transformed_template

REGION = "us-east-1"
ACCOUNT = "123456789012"
STACK = "social-care-local"
API_ID = "local"
ASSIGNED_IDS = ("AWS::Cognito::UserPool", "AWS::Cognito::UserPoolClient")  # their Ref is chosen by AWS, not by us
_SUB_VARIABLE = re.compile(r"\$\{(!?)([A-Za-z0-9_:.]+)\}")
_NO_VALUE = object()


class Resolver:
    """Resolves CloudFormation intrinsics (Ref, Fn::GetAtt, Fn::Sub, Fn::Join, Fn::If, Fn::Select, Fn::Split, the
    condition functions) against the local resources."""

    def __init__(self, template: dict, parameters: dict[str, str]):
        self.template = template
        self.parameters = parameters
        # Ids AWS chooses as it creates a resource (a user pool's, its app client's), as the local cloud created them.
        self.assigned: dict[str, dict[str, str]] = {}

    def physical(self, logical_id: str) -> dict[str, str]:
        """Ref and the attributes of each resource, as the local cloud names them (the logical id as name; a bucket
        the stack's name and its logical id, lowercase; a Glue database the name it is given)."""
        kind = self.template["Resources"][logical_id]["Type"]
        if kind in ASSIGNED_IDS:
            if logical_id not in self.assigned:
                raise LookupError(f"{logical_id} ({kind}) has the id AWS gives it: the local cloud creates it first")
            return self.assigned[logical_id]
        arn = lambda service, resource: f"arn:aws:{service}:{REGION}:{ACCOUNT}:{resource}"  # noqa: E731
        if kind == "AWS::DynamoDB::Table":
            return {"Ref": logical_id, "Arn": arn("dynamodb", f"table/{logical_id}"),
                    "StreamArn": arn("dynamodb", f"table/{logical_id}/stream/local")}
        if kind == "AWS::SQS::Queue":
            url = f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{logical_id}"
            return {"Ref": url, "QueueUrl": url, "QueueName": logical_id, "Arn": arn("sqs", logical_id)}
        if kind == "AWS::SNS::Topic":
            return {"Ref": arn("sns", logical_id), "TopicArn": arn("sns", logical_id), "TopicName": logical_id}
        if kind == "AWS::Lambda::Function":
            return {"Ref": logical_id, "Arn": arn("lambda", f"function:{logical_id}")}
        if kind == "AWS::StepFunctions::StateMachine":
            machine = arn("states", f"stateMachine:{logical_id}")
            return {"Ref": machine, "Arn": machine, "Name": logical_id}
        if kind == "AWS::IAM::Role":
            return {"Ref": logical_id, "Arn": f"arn:aws:iam::{ACCOUNT}:role/{logical_id}", "RoleId": logical_id}
        if kind == "AWS::Logs::LogGroup":
            name = self.value(self.template["Resources"][logical_id].get("Properties", {}).get("LogGroupName",
                                                                                               logical_id))
            return {"Ref": name, "Arn": arn("logs", f"log-group:{name}:*")}
        if kind == "AWS::S3::Bucket":  # bucket names are global and lowercase: CloudFormation's are stack-logicalid-x
            name = f"{STACK}-{logical_id}".lower()
            return {"Ref": name, "Arn": f"arn:aws:s3:::{name}", "DomainName": f"{name}.s3.amazonaws.com",
                    "RegionalDomainName": f"{name}.s3.{REGION}.amazonaws.com"}
        if kind == "AWS::Glue::Database":
            return {"Ref": self.value(self.template["Resources"][logical_id]["Properties"]["DatabaseInput"]["Name"])}
        if kind == "AWS::ApiGatewayV2::Api":
            return {"Ref": API_ID, "ApiEndpoint": f"https://{API_ID}.execute-api.{REGION}.amazonaws.com"}
        if kind == "AWS::Lambda::Version":  # SAM's AutoPublishAlias: Ref is the version's ARN
            function = self.template["Resources"][logical_id]["Properties"]["FunctionName"]["Ref"]
            return {"Ref": arn("lambda", f"function:{function}:1"), "Version": "1"}
        if kind == "AWS::Lambda::Alias":
            props = self.template["Resources"][logical_id]["Properties"]
            return {"Ref": arn("lambda", f"function:{props['FunctionName']['Ref']}:{props['Name']}")}
        # CloudFront is not created locally (the local server serves the desk); its ids, for what names them: the
        # bucket policy's SourceArn, CaseApi's CORS origin, the DeskUrl output.
        if kind == "AWS::CloudFront::Distribution":  # DeskDistribution: local-desk.cloudfront.net
            name = logical_id.removesuffix("Distribution").lower()
            distribution_id = f"LOCAL{name.upper()}"
            return {"Ref": distribution_id, "Id": distribution_id, "DomainName": f"local-{name}.cloudfront.net",
                    "Arn": f"arn:aws:cloudfront::{ACCOUNT}:distribution/{distribution_id}"}
        if kind in ("AWS::CloudFront::OriginAccessControl", "AWS::CloudFront::ResponseHeadersPolicy"):
            return {"Ref": logical_id, "Id": logical_id}
        return {"Ref": logical_id, "Arn": arn("local", logical_id)}

    def condition(self, name: str) -> bool:
        return bool(self.value(self.template.get("Conditions", {})[name]))

    def value(self, node):
        """The node with every intrinsic resolved; properties that resolve to AWS::NoValue are left out."""
        resolved = self._value(node)
        return None if resolved is _NO_VALUE else resolved

    def _value(self, node):
        if isinstance(node, dict) and len(node) == 1:
            (key, arg), = node.items()
            function = _FUNCTIONS.get(key)
            if function is not None:
                return function(self, arg)
        if isinstance(node, dict):
            return {k: v for k, v in ((k, self._value(v)) for k, v in node.items()) if v is not _NO_VALUE}
        if isinstance(node, list):
            return [v for v in (self._value(v) for v in node) if v is not _NO_VALUE]
        return node

    def _ref(self, name: str):
        pseudo = {"AWS::Region": REGION, "AWS::AccountId": ACCOUNT, "AWS::StackName": STACK,
                  "AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com", "AWS::NoValue": _NO_VALUE}
        if name in pseudo:
            return pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        return self.physical(name)["Ref"]

    def _get_att(self, arg):
        logical_id, attribute = arg.split(".", 1) if isinstance(arg, str) else arg
        return self.physical(logical_id)[self._value(attribute)]

    def _sub(self, arg):
        text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], self._value(arg[1]))

        def replace(match: re.Match) -> str:
            literal, name = match.groups()
            if literal:
                return "${" + name + "}"
            if name in variables:
                return str(variables[name])
            if "." in name and not name.startswith("AWS::"):
                return str(self._get_att(name))
            return str(self._ref(name))
        return _SUB_VARIABLE.sub(replace, text)

    def _if(self, arg):
        name, when_true, when_false = arg
        return self._value(when_true if self.condition(name) else when_false)


_FUNCTIONS = {
    "Ref": Resolver._ref,
    "Fn::GetAtt": Resolver._get_att,
    "Fn::Sub": Resolver._sub,
    "Fn::If": Resolver._if,
    "Fn::Join": lambda r, arg: r._value(arg[0]).join(str(v) for v in r._value(arg[1])),
    "Fn::Select": lambda r, arg: r._value(arg[1])[int(r._value(arg[0]))],
    "Fn::Split": lambda r, arg: r._value(arg[1]).split(r._value(arg[0])),
    "Fn::Equals": lambda r, arg: str(r._value(arg[0])) == str(r._value(arg[1])),
    "Fn::Not": lambda r, arg: not r._value(arg[0]),
    "Fn::And": lambda r, arg: all(r._value(v) for v in arg),
    "Fn::Or": lambda r, arg: any(r._value(v) for v in arg),
    "Condition": lambda r, arg: r.condition(arg),
}


@dataclass(frozen=True)
class Function:
    logical_id: str
    module: str  # the handler's module, e.g. functions.receive_webhook.app
    handler: str  # the attribute in it
    environment: dict[str, str]
    role_arn: str
    timeout: int
    reserved_concurrency: int | None


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    function: str
    jwt: dict | None  # the JWT authorizer's identitySource and jwtConfiguration (unresolved), or None: open
    regex: re.Pattern


def _jwt_authorizer(api: str, path: str, security: list[dict], schemes: dict) -> dict | None:
    names = {name for requirement in security for name in requirement} - {"NONE"}
    if not names:
        return None
    authorizer = schemes[names.pop()].get("x-amazon-apigateway-authorizer", {})
    if authorizer.get("type") != "jwt" or names:
        raise ValueError(f"{api} {path}: only one JWT authorizer per route is served locally, not {security}")
    return authorizer


@dataclass
class Stack:
    template: dict
    resolver: Resolver
    functions: dict[str, Function] = field(default_factory=dict)
    permissions: list[dict] = field(default_factory=list)  # the functions' resource-based policies

    @classmethod
    def load(cls, path: pathlib.Path = TEMPLATE_PATH, parameter_overrides: dict[str, str] | None = None) -> "Stack":
        """The stack of a SAM template (default template.yaml), transformed as CloudFormation will."""
        template = transformed_template(path)
        parameters = {name: str(p.get("Default", "")) for name, p in template.get("Parameters", {}).items()}
        parameters.update(parameter_overrides or {})
        stack = cls(template, Resolver(template, parameters))
        stack.functions = {name: stack._function(name, props)
                           for name, props in stack.resources("AWS::Lambda::Function").items()}
        stack.permissions = list(stack.resources("AWS::Lambda::Permission").values())
        return stack

    def resources(self, type_name: str) -> dict[str, dict]:
        """The resolved Properties of every resource of a type that the stack creates (its Condition holds)."""
        return {name: self.resolver.value(r.get("Properties", {}))
                for name, r in self.template["Resources"].items()
                if r["Type"] == type_name and ("Condition" not in r or self.resolver.condition(r["Condition"]))}

    def physical(self, logical_id: str) -> dict[str, str]:
        return self.resolver.physical(logical_id)

    def logical_id(self, physical: str) -> str:
        """The resource behind a name or ARN, e.g. a function's ARN in a route or an event source mapping."""
        for name, resource in self.template["Resources"].items():
            if resource["Type"] in ASSIGNED_IDS and name not in self.resolver.assigned:
                continue  # not created yet, so nothing can name it
            if physical in self.resolver.physical(name).values():
                return name
        raise LookupError(f"no resource of the stack is {physical}")

    def _function(self, name: str, props: dict) -> Function:
        code = artifact_path(props["Code"]).relative_to(ROOT)
        module, handler = props["Handler"].rsplit(".", 1)
        return Function(
            logical_id=name, module=".".join((*code.parts, module)), handler=handler,
            environment={k: str(v) for k, v in props.get("Environment", {}).get("Variables", {}).items()},
            role_arn=props["Role"], timeout=int(props.get("Timeout", 3)),
            reserved_concurrency=props.get("ReservedConcurrentExecutions"))

    # -- IAM --------------------------------------------------------------------------------------------------------
    def role_statements(self, managed: dict[str, list[dict]]) -> dict[str, list[dict]]:
        """Role ARN -> every statement of its inline and managed policies."""
        roles = {}
        for name, props in self.resources("AWS::IAM::Role").items():
            statements = []
            for policy in props.get("Policies", []):
                document = policy["PolicyDocument"]["Statement"]
                statements += document if isinstance(document, list) else [document]
            for arn in props.get("ManagedPolicyArns", []):
                if arn not in managed:
                    raise LookupError(f"{name} has managed policy {arn}: add its statements to local/iam.py")
                statements += managed[arn]
            roles[self.physical(name)["Arn"]] = statements
        return roles

    # -- the HttpApi ------------------------------------------------------------------------------------------------
    def routes(self) -> list[Route]:
        """Every route of the HttpApi's OpenAPI body, as API Gateway imports it: the function its integration
        invokes, and the JWT authorizer that guards it (None: open to anyone). Any other kind of authorizer is refused
        here, as the local cloud could not check it."""
        routes = []
        for name, resource in self.template["Resources"].items():
            if resource["Type"] != "AWS::ApiGatewayV2::Api":
                continue
            body = resource["Properties"]["Body"]  # unresolved: an authorizer names resources created at start
            schemes = body.get("components", {}).get("securitySchemes", {})
            for path, methods in body.get("paths", {}).items():
                for method, operation in methods.items():
                    uri = self.resolver.value(operation["x-amazon-apigateway-integration"]["uri"])
                    function_arn = re.search(r"functions/(.+)/invocations", uri).group(1)
                    security = operation.get("security", body.get("security", []))
                    pattern = "^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", path) + "$"
                    routes.append(Route(method.upper(), path, self.logical_id(function_arn),
                                        _jwt_authorizer(name, path, security, schemes), re.compile(pattern)))
        return routes

    def api_may_invoke(self, function: str, method: str, path: str) -> bool:
        """A resource-based permission lets API Gateway invoke the function for this request (else API Gateway
        answers 500)."""
        source = f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{API_ID}/$default/{method}{path}"
        for props in self.permissions:
            if (props["FunctionName"] in (function, self.physical(function)["Arn"])
                    and props["Action"] == "lambda:InvokeFunction" and props["Principal"] == "apigateway.amazonaws.com"
                    and re.fullmatch(re.escape(props.get("SourceArn", "*")).replace(r"\*", ".*"), source)):
                return True
        return False

    # -- event sources ----------------------------------------------------------------------------------------------
    def queue_mappings(self) -> list[dict]:
        """Each SQS event source mapping: function, queue URL, batch size, partial batch responses."""
        mappings = []
        for props in self.resources("AWS::Lambda::EventSourceMapping").values():
            queue = self.logical_id(props["EventSourceArn"])
            mappings.append({"function": self.logical_id(props["FunctionName"]), "queue_url": self.physical(queue)["Ref"],
                             "batch_size": int(props.get("BatchSize", 10)),
                             "partial": "ReportBatchItemFailures" in props.get("FunctionResponseTypes", [])})
        return mappings

    def schedules(self) -> dict[str, dict]:
        """Each EventBridge Scheduler schedule by its name: target function, input, role, state, retry policy."""
        schedules = {}
        for props in self.resources("AWS::Scheduler::Schedule").values():
            target = props["Target"]
            schedules[props["Name"]] = {"function": self.logical_id(target["Arn"]), "input": target.get("Input", "{}"),
                                        "role_arn": target["RoleArn"], "state": props.get("State", "ENABLED"),
                                        "expression": props["ScheduleExpression"],
                                        "retry": target.get("RetryPolicy")}
        return schedules

    def environment(self) -> dict[str, str]:
        """The union of every function's environment. One process runs every handler, so the template must never
        give two functions one variable with two values (checked here)."""
        merged: dict[str, str] = {}
        for function in self.functions.values():
            for name, value in function.environment.items():
                if merged.get(name, value) != value:
                    raise ValueError(f"{function.logical_id} sets {name}={value!r}, another function {merged[name]!r}")
                merged[name] = value
        return merged

    def parameter_variables(self) -> set[str]:
        """The environment variables the template fills from a Parameter: on a local run, the user's own environment
        sets those (as `sam deploy --parameter-overrides` would)."""
        parameters = set(self.template.get("Parameters", {}))
        names = set()
        for name, resource in self.template["Resources"].items():
            if resource["Type"] == "AWS::Lambda::Function":
                variables = resource["Properties"].get("Environment", {}).get("Variables", {})
                names |= {k for k, v in variables.items() if isinstance(v, dict) and v.get("Ref") in parameters}
        return names
