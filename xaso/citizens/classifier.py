"""The category classifier: TF-IDF over underthesea's Vietnamese word tokens plus
character n-grams of the accent-free text (so "duong hong" and "đường hỏng" meet), and a
logistic regression giving a confidence. Everything runs offline; no model is downloaded.
"""

from __future__ import annotations

import io
import itertools
import pickle
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from xaso.core.text import fold

# Below this confidence a suggestion is only shown; at or above it, a case that came
# without a category gets it (and the officer can still change it).
AUTO_APPLY_THRESHOLD = 0.8
MIN_SAMPLES = 20


def analyse(text: str) -> list[str]:
    """Features of one text: underthesea's words (joined compounds such as "xe_may") and
    their pairs, plus character 3- and 4-grams of the accent-free text."""
    from underthesea import word_tokenize

    words = [fold(w).replace(" ", "_") for w in word_tokenize(text)]
    words = [w for w in words if w]
    features = words + [f"{a}|{b}" for a, b in itertools.pairwise(words)]
    folded = f" {fold(text)} "
    for n in (3, 4):
        features += [f"#{folded[i : i + n]}" for i in range(len(folded) - n + 1)]
    return features


@dataclass(frozen=True)
class Suggestion:
    code: str
    confidence: float


@dataclass
class Trained:
    pipeline: Any
    labels: list[str]
    accuracy: float | None


def build() -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    features = TfidfVectorizer(analyzer=analyse, sublinear_tf=True, min_df=2)
    return Pipeline([("features", features), ("model", LogisticRegression(max_iter=2000, C=20.0))])


def train(
    texts: Sequence[str], labels: Sequence[str], *, holdout: float = 0.2, seed: int = 1
) -> Trained:
    """Fits on all data; ``accuracy`` is measured first on a stratified held-out split."""
    if len(texts) < MIN_SAMPLES or len(set(labels)) < 2:
        raise ValueError(
            f"Cần ít nhất {MIN_SAMPLES} phản ánh đã đóng thuộc 2 lĩnh vực trở lên để huấn luyện."
        )
    accuracy: float | None = None
    counts = Counter(labels)
    if holdout and min(counts.values()) >= 2:
        from sklearn.model_selection import train_test_split

        x_train, x_test, y_train, y_test = train_test_split(
            list(texts), list(labels), test_size=holdout, random_state=seed, stratify=labels
        )
        probe = build().fit(x_train, y_train)
        hits = sum(1 for p, y in zip(probe.predict(x_test), y_test, strict=True) if p == y)
        accuracy = hits / len(y_test)
    pipeline = build().fit(list(texts), list(labels))
    return Trained(pipeline, sorted(set(labels)), accuracy)


def suggest(pipeline: Any, text: str) -> Suggestion:
    probabilities = pipeline.predict_proba([text])[0]
    best = int(probabilities.argmax())
    return Suggestion(str(pipeline.classes_[best]), float(probabilities[best]))


def dumps(pipeline: Any) -> bytes:
    buffer = io.BytesIO()
    pickle.dump(pipeline, buffer, protocol=pickle.HIGHEST_PROTOCOL)
    return buffer.getvalue()


def loads(blob: bytes) -> Any:
    # Only blobs this application trained and stored itself are ever loaded.
    return pickle.loads(blob)
