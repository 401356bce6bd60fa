"""The reply guardrails measured on the labelled corpus (tests/corpus): recall per rule and false refusals print with
the test, and it fails below the thresholds a support lead relies on. The blind set (written by someone who never saw
the rules, and never used to change them) is printed too: how the rules do on phrasings nobody tuned them for."""
from __future__ import annotations

from socialcare.care.policy import Guardrails
from tests.corpus.measure import BLIND, CORPUS, RULES, load, measure

# recall a support lead can trust, per rule, and the good replies refused at most
MINIMUM_RECALL = {"personal data in public": 0.98, "phone redirect": 0.98, "channel redirect": 0.98, "tone": 0.90}
MAXIMUM_FALSE_REFUSALS = 0.03


def test_the_guardrails_catch_the_corpus_bad_replies_and_let_its_good_ones_through(capsys):
    figures = measure(CORPUS)
    with capsys.disabled():
        print(f"\n{figures.report()}")
    for rule, minimum in MINIMUM_RECALL.items():
        assert figures.recall(rule) >= minimum, (f"{rule}: recall {figures.recall(rule):.1%} below {minimum:.0%}; "
                                                 f"missed, e.g. {figures.missed[rule][:3]}")
    assert figures.false_refusal_rate <= MAXIMUM_FALSE_REFUSALS, (
        f"{figures.false_refusal_rate:.1%} of good replies refused, e.g. {figures.false_refusals[:3]}")


def test_the_blind_set_is_measured_and_printed(capsys):
    if not load(BLIND):
        return
    figures, with_model = measure(BLIND), measure(BLIND, Guardrails(tone_model=True))
    with capsys.disabled():
        print(f"\nblind set, never used to write the rules:\n{figures.report()}")
        print(f"...with the tone model on:\n{with_model.report()}")
    assert figures.replies == len(load(BLIND))
    assert with_model.recall("tone") > figures.recall("tone")  # the model reads tone the phrases miss


def test_the_corpus_is_big_and_varied_enough_to_measure_with():
    entries = load(CORPUS)
    good = [e for e in entries if not e["breaks"]]
    assert len(entries) >= 300 and len(good) >= 100 and len(entries) - len(good) >= 150
    assert {rule for e in entries for rule in e["breaks"]} == set(RULES)
    assert sum(1 for e in entries if e.get("private")) >= 20
    # good replies that mention personal data without asking for it: the hard negatives a keyword list refuses
    assert sum(1 for e in good if any(word in e["text"].lower() for word in ("address", "card", "email"))) >= 15
    assert len({e["text"] for e in entries}) == len(entries)
