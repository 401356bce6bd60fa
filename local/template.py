"""Reads template.yaml (with its CloudFormation tags) so the local cloud is built from the one template."""
from __future__ import annotations

import pathlib
import re

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
TEMPLATE_PATH = ROOT / "template.yaml"


class _CfnLoader(yaml.SafeLoader):
    pass


def _tag(name: str):
    def construct(loader, node):
        if isinstance(node, yaml.ScalarNode):
            value = loader.construct_scalar(node)
            if name == "Fn::GetAtt":
                value = value.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        return {name: value}
    return construct


for _short in ("Ref", "GetAtt", "Sub", "Join", "If", "Equals", "Not", "Select", "Split", "FindInMap", "ImportValue",
               "GetAZs", "Base64", "And", "Or", "Condition"):
    _CfnLoader.add_constructor(f"!{_short}", _tag("Ref" if _short == "Ref" else f"Fn::{_short}"))


def load_template(path: pathlib.Path = TEMPLATE_PATH) -> dict:
    return yaml.load(path.read_text(), Loader=_CfnLoader)


def resources_of_type(template: dict, type_name: str) -> dict[str, dict]:
    return {name: r for name, r in template["Resources"].items() if r["Type"] == type_name}


def http_routes(template: dict) -> list[dict]:
    """Every HttpApi route: method, path template, function logical id, and whether it needs IAM auth."""
    routes = []
    for name, function in resources_of_type(template, "AWS::Serverless::Function").items():
        for event in function["Properties"].get("Events", {}).values():
            if event["Type"] != "HttpApi":
                continue
            props = event["Properties"]
            authorizer = props.get("Auth", {}).get("Authorizer", "NONE")
            pattern = "^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", props["Path"]) + "$"
            routes.append({"method": props["Method"].upper(), "path": props["Path"], "function": name,
                           "iam": authorizer == "AWS_IAM", "regex": re.compile(pattern)})
    return routes
