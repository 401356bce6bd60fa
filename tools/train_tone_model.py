"""Train the tone model the reply guardrails ship (layers/domain/socialcare/care/tone_model.json): a logistic
regression on word and character n-grams (TF-IDF) of the labelled corpus (tests/corpus: every reply, tone or not).

`make tone-model` runs it (scikit-learn in its own venv: the Lambda layer needs none of it, only the exported weights,
which care/tone_model.py scores in plain Python). The regularisation and the threshold are chosen by 5-fold
cross-validation on the corpus alone: the highest recall whose good replies refused stay within MAX_FALSE_REFUSALS.
The blind set (tests/corpus/replies-blind.yaml) is never read here.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import yaml
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

ROOT = Path(__file__).resolve().parents[1]
CORPUS = [ROOT / "tests/corpus/replies.yaml", ROOT / "tests/corpus/replies-holdout.yaml"]
MODEL = ROOT / "layers/domain/socialcare/care/tone_model.json"
MAX_FALSE_REFUSALS = 0.01  # in cross-validation, of the good replies
REGULARISATION = (1.0, 3.0, 10.0, 30.0)
THRESHOLDS = tuple(np.round(np.arange(0.2, 0.8, 0.02), 2))
# The features care/tone_model.py computes the same way: lowercase words and word pairs, and character 2-5-grams
# inside word boundaries, each TF-IDF with sublinear tf and smoothed idf, each L2-normalised.
WORDS = {"analyzer": "word", "ngram_range": (1, 2), "token_pattern": r"(?u)\b\w\w+\b"}
CHARACTERS = {"analyzer": "char_wb", "ngram_range": (2, 5)}


def vectorizers() -> list[TfidfVectorizer]:
    return [TfidfVectorizer(lowercase=True, sublinear_tf=True, smooth_idf=True, min_df=2, **options)
            for options in (WORDS, CHARACTERS)]


def features(fitted: list[TfidfVectorizer], texts: list[str]):
    from scipy.sparse import hstack
    return hstack([vectorizer.transform(texts) for vectorizer in fitted]).tocsr()


def fit(texts: list[str], labels: np.ndarray, regularisation: float):
    fitted = [vectorizer.fit(texts) for vectorizer in vectorizers()]
    model = LogisticRegression(C=regularisation, class_weight="balanced", max_iter=5000)
    return fitted, model.fit(features(fitted, texts), labels)


def cross_validated(texts: list[str], labels: np.ndarray, good: np.ndarray, regularisation: float) -> np.ndarray:
    scores = np.zeros(len(texts))
    for train, test in StratifiedKFold(n_splits=5, shuffle=True, random_state=7).split(texts, labels):
        fitted, model = fit([texts[i] for i in train], labels[train], regularisation)
        scores[test] = model.predict_proba(features(fitted, [texts[i] for i in test]))[:, 1]
    return scores


def main() -> int:
    entries = [entry for file in CORPUS for entry in yaml.safe_load(file.read_text())]
    texts = [entry["text"] for entry in entries]
    labels = np.array([1 if "tone" in entry["breaks"] else 0 for entry in entries])
    good = np.array([not entry["breaks"] for entry in entries])
    best = None
    for regularisation in REGULARISATION:
        scores = cross_validated(texts, labels, good, regularisation)
        for threshold in THRESHOLDS:
            refused = scores >= threshold
            recall, false_refusals = refused[labels == 1].mean(), refused[good].mean()
            if false_refusals <= MAX_FALSE_REFUSALS and (best is None or recall > best[0]):
                best = (recall, false_refusals, regularisation, float(threshold))
    recall, false_refusals, regularisation, threshold = best
    print(f"cross-validated on {len(texts)} replies: C={regularisation}, threshold {threshold}: tone recall "
          f"{recall:.1%}, good replies refused {false_refusals:.1%}")
    fitted, model = fit(texts, labels, regularisation)
    weights = model.coef_[0]
    exported, offset = [], 0
    for vectorizer in fitted:
        vocabulary = vectorizer.vocabulary_
        exported.append({"analyzer": vectorizer.analyzer, "ngram_range": list(vectorizer.ngram_range),
                         "features": {term: [round(float(vectorizer.idf_[index]), 5),
                                             round(float(weights[offset + index]), 5)]
                                      for term, index in sorted(vocabulary.items())}})
        offset += len(vocabulary)
    # replies with scikit-learn's own scores: the layer's plain-Python scoring must give the same (a unit test checks)
    checks = [{"text": text, "probability": round(float(probability), 5)} for text, probability in
              zip(texts[::31], model.predict_proba(features(fitted, texts[::31]))[:, 1])]
    MODEL.write_text(json.dumps({
        "about": "tone model for the reply guardrails: tools/train_tone_model.py; scored by care/tone_model.py",
        "threshold": threshold, "intercept": round(float(model.intercept_[0]), 5),
        "crossValidated": {"toneRecall": round(float(recall), 4), "goodRefused": round(float(false_refusals), 4)},
        "checks": checks, "vectorizers": exported}, ensure_ascii=False, separators=(",", ":")) + "\n")
    print(f"wrote {MODEL.relative_to(ROOT)} ({MODEL.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
