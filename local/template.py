"""Reads template.yaml (with its CloudFormation tags) so the local cloud is built from the one template."""
from __future__ import annotations

import copy
import functools
import json
import os
import pathlib

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


# -- the SAM transform, offline ---------------------------------------------------------------------------------------
ARTIFACT_BUCKET = "local-artifacts"
# What `sam package` replaces with an S3 location before CloudFormation's transform reads the template.
_LOCAL_ARTIFACTS = {"AWS::Serverless::Function": "CodeUri", "AWS::Serverless::LayerVersion": "ContentUri",
                    "AWS::Serverless::StateMachine": "DefinitionUri"}


class TemplateTransformError(Exception):
    """The SAM transform refuses the template, as CloudFormation would at `sam deploy`."""

    def __init__(self, causes: list[str]):
        super().__init__("the SAM transform refuses template.yaml:\n" + "\n".join(f"  - {c}" for c in causes))
        self.causes = causes


def packaged(template: dict) -> dict:
    """The template as `sam package` hands it to CloudFormation: every local CodeUri, ContentUri and DefinitionUri is
    an S3 location (bucket ARTIFACT_BUCKET, key = the path in this repository)."""
    template = copy.deepcopy(template)
    for resource in template["Resources"].values():
        key = _LOCAL_ARTIFACTS.get(resource["Type"])
        location = resource.get("Properties", {}).get(key) if key else None
        if isinstance(location, str) and not location.startswith("s3://"):
            resource["Properties"][key] = f"s3://{ARTIFACT_BUCKET}/{location.strip('/')}"
    return template


def artifact_path(location: dict) -> pathlib.Path:
    """The file or folder of this repository behind an S3 location of the packaged template."""
    bucket, key = location.get("Bucket") or location.get("S3Bucket"), location.get("Key") or location.get("S3Key")
    if bucket != ARTIFACT_BUCKET:
        raise ValueError(f"{location} is not an artifact of this repository")
    return ROOT / key


class _NoManagedPolicyNames:
    """The transform asks for this map only when a template names an AWS managed policy by its bare name; ours give
    ARNs or SAM policy templates, so an account's list of policies is never needed."""

    def load(self) -> dict[str, str]:
        raise TemplateTransformError(["name AWS managed policies by ARN: the offline transform cannot look names up"])


@functools.lru_cache(maxsize=4)
def _transformed(text: str) -> str:
    from samtranslator.model.exceptions import InvalidDocumentException
    from samtranslator.translator.transform import transform

    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")  # the transform asks boto3 for a region; any will do
    template = packaged(yaml.load(text, Loader=_CfnLoader))
    try:
        return json.dumps(transform(template, {}, _NoManagedPolicyNames()))
    except InvalidDocumentException as error:
        raise TemplateTransformError([cause.message for cause in error.causes]) from None


def transformed_template(path: pathlib.Path = TEMPLATE_PATH) -> dict:
    """template.yaml after the SAM transform that CloudFormation runs at deploy: IAM roles and policies, the HttpApi's
    OpenAPI body, event source mappings, schedules, as AWS will create them. Raises TemplateTransformError."""
    return json.loads(_transformed(path.read_text()))
