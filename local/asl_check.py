"""`make statelint`: every statemachines/*.asl.json passes statelint, and its ${placeholders} match its state machine's
DefinitionSubstitutions in template.yaml both ways. cfn-lint and `sam validate --lint` never look inside a
DefinitionUri file (aws-notes.md §6), so nothing else checks these."""
from __future__ import annotations

import json
import pathlib
import re
import subprocess
import sys
import tempfile

from local.template import ROOT, load_template, resources_of_type

STATEMACHINES_DIR = ROOT / "statemachines"
PLACEHOLDER = re.compile(r"\$\{(\w+)\}")  # not string.Template: it would also take the ASL's $$ and $.paths
# statelint only checks that a Resource is a URI; any ARN-shaped value stands in for the deployed one.
DUMMY_ARN = "arn:aws:lambda:us-east-1:123456789012:function:{name}"


def substitutions_by_definition(template: dict) -> dict[pathlib.Path, set[str]]:
    """Each DefinitionUri in the template, with the names its DefinitionSubstitutions provide."""
    return {(ROOT / machine["Properties"]["DefinitionUri"]).resolve():
            set(machine["Properties"].get("DefinitionSubstitutions", {}))
            for machine in resources_of_type(template, "AWS::Serverless::StateMachine").values()
            if "DefinitionUri" in machine["Properties"]}


def placeholder_problems(text: str, substitutions: set[str]) -> list[str]:
    placeholders = set(PLACEHOLDER.findall(text))
    return ([f"${{{name}}} has no DefinitionSubstitutions entry" for name in sorted(placeholders - substitutions)]
            + [f"DefinitionSubstitutions {name} is not used in the definition"
               for name in sorted(substitutions - placeholders)])


def statelint_problems(text: str) -> list[str]:
    """statelint's report on the definition with every placeholder filled in; [] when it is clean."""
    statelint = pathlib.Path(sys.executable).parent / "statelint"  # the venv's, whatever PATH says
    if not statelint.exists():
        return [f"{statelint} not found: run `make setup` (statelint is in requirements-dev.txt)"]
    concrete = PLACEHOLDER.sub(lambda match: DUMMY_ARN.format(name=match.group(1)), text)
    with tempfile.TemporaryDirectory() as folder:
        definition = pathlib.Path(folder, "definition.asl.json")
        definition.write_text(concrete)
        result = subprocess.run([str(statelint), str(definition)], capture_output=True, text=True)
    report = (result.stdout + result.stderr).strip()
    if result.returncode == 0 and not report:
        return []
    return [f"statelint (exit {result.returncode}):", *(f"  {line}" for line in report.splitlines())]


def count_states(states: dict) -> int:
    """States at every depth: Parallel branches and Map processors hold their own."""
    total = 0
    for state in states.values():
        total += 1
        for branch in state.get("Branches", []):
            total += count_states(branch["States"])
        for processor in ("ItemProcessor", "Iterator"):
            if processor in state:
                total += count_states(state[processor]["States"])
    return total


def main() -> int:
    substitutions = substitutions_by_definition(load_template())
    definitions = sorted(STATEMACHINES_DIR.glob("*.asl.json"))
    if not definitions:
        print(f"no *.asl.json in {STATEMACHINES_DIR.relative_to(ROOT)}")
        return 1
    failed = False
    for path in definitions:
        name = path.relative_to(ROOT)
        text = path.read_text()
        if path.resolve() in substitutions:
            problems = placeholder_problems(text, substitutions[path.resolve()])
        else:
            problems = [f"no AWS::Serverless::StateMachine in template.yaml has DefinitionUri: {name}"]
        problems += statelint_problems(text)
        if problems:
            failed = True
            print(f"ASL problems: {name}\n  " + "\n  ".join(problems))
        else:
            print(f"ASL ok: {name} ({count_states(json.loads(text)['States'])} states)")
    for path in sorted(set(substitutions) - {p.resolve() for p in definitions}):
        failed = True
        print(f"ASL problems: template.yaml names {path.relative_to(ROOT)}, which is not in statemachines/")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
