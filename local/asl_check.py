"""`make statelint`: every state machine in statemachines/ passes statelint, and its placeholders match the
template's DefinitionSubstitutions both ways (cfn-lint and `sam validate --lint` never look inside DefinitionUri)."""
from __future__ import annotations

import json
import pathlib
import re
import subprocess
import sys
import tempfile

from local.template import ROOT, load_template, resources_of_type

_PLACEHOLDER = re.compile(r"\$\{(\w+)\}")  # not string.Template: it would eat the ASL's $$ and $.paths


def check(definition_path: pathlib.Path, substitutions: set[str]) -> list[str]:
    text = definition_path.read_text()
    placeholders = set(_PLACEHOLDER.findall(text))
    problems = [f"{name} has no DefinitionSubstitutions entry" for name in sorted(placeholders - substitutions)]
    problems += [f"DefinitionSubstitutions {name} is not used" for name in sorted(substitutions - placeholders)]
    concrete = _PLACEHOLDER.sub(lambda m: f"arn:aws:lambda:us-east-1:123456789012:function:{m.group(1)}", text)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        handle.write(concrete)
    statelint = pathlib.Path(sys.executable).parent / "statelint"
    result = subprocess.run([str(statelint), handle.name], capture_output=True, text=True)
    pathlib.Path(handle.name).unlink()
    if result.returncode != 0 or result.stdout.strip():
        problems.append(f"statelint: {(result.stdout + result.stderr).strip()}")
    return problems


def main() -> int:
    template = load_template()
    failed = False
    for machine in resources_of_type(template, "AWS::Serverless::StateMachine").values():
        props = machine["Properties"]
        path = ROOT / props["DefinitionUri"]
        problems = check(path, set(props.get("DefinitionSubstitutions", {})))
        if problems:
            failed = True
            print(f"ASL problems in {path.relative_to(ROOT)}:\n  " + "\n  ".join(problems))
        else:
            states = len(json.loads(path.read_text())["States"])
            print(f"ASL ok: {path.relative_to(ROOT)} ({states} states, statelint clean, substitutions match)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
