"""`make transform` (part of `make lint`): the SAM transform that CloudFormation runs at deploy, offline, on
template.yaml; then cfn-lint on what it gives, with the state machine's definition read into it (cfn-lint never reads
a DefinitionS3Location, so its ASL rule E3601 would see nothing). Fails on a transform error and on any cfn-lint
finding, informational ones included, except the rules listed below with the reason they do not apply.

`sam validate --lint` cannot stand in for this: cfn-lint 1.x no longer runs the transform, so it passes templates that
CloudFormation refuses (aws-notes.md §6)."""
from __future__ import annotations

import json
import pathlib
import subprocess
import sys
import tempfile

from local.template import TemplateTransformError, artifact_path, transformed_template

# cfn-lint rules switched off, each with why. Informational rules (I...) stay on: they found the missing
# DeletionPolicy/UpdateReplacePolicy and the queue's implicit 4-day retention.
IGNORED_RULES: dict[str, str] = {}


def with_definitions_inline(template: dict) -> dict:
    """Each state machine's definition in the template (Definition), as CloudFormation reads it from S3."""
    for resource in template["Resources"].values():
        props = resource.get("Properties", {})
        if resource["Type"] == "AWS::StepFunctions::StateMachine" and "DefinitionS3Location" in props:
            props["Definition"] = json.loads(artifact_path(props.pop("DefinitionS3Location")).read_text())
    return template


def cfn_lint(template: dict) -> list[str]:
    """cfn-lint's findings on the template, each as "RULE Resources/Name/...: message"."""
    cfn_lint_command = pathlib.Path(sys.executable).parent / "cfn-lint"  # the venv's, whatever PATH says
    with tempfile.TemporaryDirectory() as folder:
        path = pathlib.Path(folder) / "template.transformed.json"
        path.write_text(json.dumps(template, indent=1))
        command = [str(cfn_lint_command), "--include-checks", "I", "--format", "json"]
        if IGNORED_RULES:
            command += ["--ignore-checks", *IGNORED_RULES]
        result = subprocess.run([*command, "--", str(path)], capture_output=True, text=True)
    if result.returncode and not result.stdout.strip():
        raise RuntimeError(f"cfn-lint did not run: {result.stderr}")
    return [f"{f['Rule']['Id']} {'/'.join(str(p) for p in f['Location']['Path'])}: {f['Message']}"
            for f in json.loads(result.stdout or "[]")]


def main() -> int:
    try:
        template = transformed_template()
    except TemplateTransformError as error:
        print(error, file=sys.stderr)
        return 1
    types = sorted({r["Type"] for r in template["Resources"].values()})
    print(f"SAM transform: ok, {len(template['Resources'])} resources ({', '.join(types)})")
    findings = cfn_lint(with_definitions_inline(template))
    for finding in findings:
        print(f"cfn-lint: {finding}")
    print(f"cfn-lint on the transformed template: {'ok' if not findings else f'{len(findings)} findings'}")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
