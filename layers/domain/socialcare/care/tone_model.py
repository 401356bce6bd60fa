"""The tone model: how likely a reply reads as dismissive, blaming or sarcastic, from its word and character
n-grams. Trained on the labelled corpus by tools/train_tone_model.py (scikit-learn, outside the layer) and shipped
as weights (tone_model.json); scored here in plain Python the way scikit-learn's TfidfVectorizer and
LogisticRegression do, so the layer needs no numerical library and a cold start stays light."""
from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

MODEL_FILE = Path(__file__).with_name("tone_model.json")
_WORD = re.compile(r"(?u)\b\w\w+\b")
_SPACES = re.compile(r"\s\s+")


@dataclass(frozen=True)
class _Vectorizer:
    analyzer: str
    ngram_range: tuple[int, int]
    features: dict[str, tuple[float, float]]  # term: (idf, weight)

    def terms(self, text: str) -> list[str]:
        low, high = self.ngram_range
        text = text.lower()
        if self.analyzer == "word":
            tokens = _WORD.findall(text)
            return [" ".join(tokens[i:i + n]) for n in range(low, high + 1) for i in range(len(tokens) - n + 1)]
        grams = []
        for word in _SPACES.sub(" ", text).split():  # char_wb: n-grams inside each word padded with spaces
            word = f" {word} "
            for n in range(low, high + 1):
                offset = 0
                grams.append(word[offset:offset + n])
                while offset + n < len(word):
                    offset += 1
                    grams.append(word[offset:offset + n])
                if offset == 0:  # a word shorter than n counts once
                    break
        return grams

    def score(self, text: str) -> float:
        """The weighted sum of the text's L2-normalised TF-IDF (sublinear tf) over the known terms."""
        counts = Counter(term for term in self.terms(text) if term in self.features)
        values = {term: (1 + math.log(count)) * self.features[term][0] for term, count in counts.items()}
        norm = math.sqrt(sum(value * value for value in values.values()))
        return sum(value * self.features[term][1] for term, value in values.items()) / norm if norm else 0.0


@dataclass(frozen=True)
class ToneModel:
    threshold: float
    intercept: float
    vectorizers: tuple[_Vectorizer, ...]

    def probability(self, text: str) -> float:
        """How likely the text reads as bad tone, 0 to 1."""
        logit = self.intercept + sum(vectorizer.score(text) for vectorizer in self.vectorizers)
        return 1 / (1 + math.exp(-logit))


@lru_cache
def tone_model() -> ToneModel:
    data = json.loads(MODEL_FILE.read_text())
    return ToneModel(threshold=data["threshold"], intercept=data["intercept"], vectorizers=tuple(
        _Vectorizer(v["analyzer"], tuple(v["ngram_range"]), {term: tuple(pair) for term, pair in v["features"].items()})
        for v in data["vectorizers"]))
