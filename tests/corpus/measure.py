"""The reply guardrails measured on the labelled corpus (replies.yaml): recall per rule (of the replies that break a
rule, how many the guardrails refuse for it) and false refusals (of the good replies, how many they refuse at all)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from socialcare.care.guardrails import check_private_reply, check_public_reply
from socialcare.care.policy import Guardrails

# The corpus the rules were written against (a first set, then a held-out set whose misses were then fixed), and a
# blind set nobody working on the rules has read: the honest measure of how they generalise.
CORPUS = [Path(__file__).with_name("replies.yaml"), Path(__file__).with_name("replies-holdout.yaml")]
BLIND = [Path(__file__).with_name("replies-blind.yaml")]
RULES = ("personal data in public", "phone redirect", "channel redirect", "tone", "canned reply", "too long")


@dataclass
class Figures:
    replies: int = 0
    good: int = 0
    false_refusals: list[tuple[str, list[str]]] = field(default_factory=list)
    labelled: dict[str, int] = field(default_factory=lambda: dict.fromkeys(RULES, 0))
    missed: dict[str, list[str]] = field(default_factory=lambda: {rule: [] for rule in RULES})

    def recall(self, rule: str) -> float:
        return 1 - len(self.missed[rule]) / self.labelled[rule] if self.labelled[rule] else 1.0

    @property
    def false_refusal_rate(self) -> float:
        return len(self.false_refusals) / self.good if self.good else 0.0

    def report(self) -> str:
        lines = [f"guardrails on {self.replies} labelled replies ({self.good} good):"]
        lines += [f"  recall {rule:<24} {self.recall(rule):7.1%}  ({self.labelled[rule] - len(self.missed[rule])}"
                  f"/{self.labelled[rule]})" for rule in RULES]
        lines.append(f"  false refusals                  {self.false_refusal_rate:7.1%}  "
                     f"({len(self.false_refusals)}/{self.good})")
        return "\n".join(lines)


def load(files: list[Path]) -> list[dict]:
    return [entry for file in files if file.exists() for entry in yaml.safe_load(file.read_text())]


def measure(files: list[Path] = CORPUS, rules: Guardrails | None = None) -> Figures:
    rules = rules or Guardrails()
    figures = Figures()
    for entry in load(files):
        check = check_private_reply if entry.get("private") else check_public_reply
        found = {r.rule for r in check(entry["text"], entry.get("surface", "facebook"), entry.get("recent", []),
                                       rules, to_praise=entry.get("to") == "praise")}
        figures.replies += 1
        if not entry["breaks"]:
            figures.good += 1
            if found:
                figures.false_refusals.append((entry["text"], sorted(found)))
        for rule in entry["breaks"]:
            figures.labelled[rule] += 1
            if rule not in found:
                figures.missed[rule].append(entry["text"])
    return figures


if __name__ == "__main__":  # python -m tests.corpus.measure [blind]: the figures and every miss
    import sys
    result = measure(BLIND if sys.argv[1:] == ["blind"] else CORPUS)
    print(result.report())
    for rule, texts in result.missed.items():
        for text in texts:
            print(f"MISSED {rule}: {text}")
    for text, found in result.false_refusals:
        print(f"REFUSED {found}: {text}")
