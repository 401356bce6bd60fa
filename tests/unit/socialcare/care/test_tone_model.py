"""Mirrors layers/domain/socialcare/care/tone_model.py: the shipped weights scored in plain Python give the scores
scikit-learn gave when it trained them, and they read a curt reply as bad tone and a warm one as fine."""
from __future__ import annotations

import json

import pytest

from socialcare.care.tone_model import MODEL_FILE, tone_model

CHECKS = json.loads(MODEL_FILE.read_text())["checks"]


@pytest.mark.parametrize("check", CHECKS, ids=[check["text"][:40] for check in CHECKS])
def test_the_layer_scores_a_reply_as_scikit_learn_did_when_it_trained(check):
    assert tone_model().probability(check["text"]) == pytest.approx(check["probability"], abs=1e-4)


def test_a_curt_reply_reads_as_bad_tone_and_a_warm_one_does_not():
    model = tone_model()
    assert model.probability("We don't make mistakes with parcels. It was probably your neighbour.") >= model.threshold
    assert model.probability("Hi Jo, we're so sorry your parcel is late. We've chased the courier and it's out for "
                             "delivery today.") < model.threshold


def test_an_empty_or_unknown_text_scores_the_bare_intercept():
    model = tone_model()
    assert model.probability("") == model.probability("☃") == pytest.approx(1 / (1 + 2.718281828 ** -model.intercept))
