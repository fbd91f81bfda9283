"""The category classifier: TF-IDF over underthesea's Vietnamese word tokens plus
character n-grams of the accent-free text (so "duong hong" and "đường hỏng" meet), and a
logistic regression giving a confidence. Everything runs offline; no model is downloaded.
"""

from __future__ import annotations

import io
import itertools
import pickle
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from xaso.core.text import fold

# Below this confidence a suggestion is only shown; at or above it, a case that came
# without a category gets it (and the officer can still change it).
AUTO_APPLY_THRESHOLD = 0.8
MIN_SAMPLES = 20


_TOKENIZER_LOCK = threading.Lock()
_tokenizer_ready = False


def _word_tokenize(text: str) -> list[str]:
    """underthesea loads its model on first use and publishes it before it has loaded:
    under gunicorn's threads a second request saw a model without its featurizer and the
    intake answered 500 (found by the load test). The first load happens under a lock."""
    global _tokenizer_ready
    from underthesea import word_tokenize

    if not _tokenizer_ready:
        with _TOKENIZER_LOCK:
            word_tokenize("khởi động")
            _tokenizer_ready = True
    return list(word_tokenize(text))


def warm_up() -> None:
    """Loads what the first report in a fresh process would: scikit-learn (what the stored
    model unpickles into) and underthesea's tokenizer model. Seconds of imports that hold
    the import lock, so a web worker's other threads waited behind the first report of
    the day: 20–30 s answers at start-up in the load test. ``xaso/wsgi.py`` calls this
    before a worker takes requests."""
    import sklearn.feature_extraction.text
    import sklearn.linear_model
    import sklearn.pipeline  # noqa: F401

    _word_tokenize("khởi động")


def analyse(text: str) -> list[str]:
    """Features of one text: underthesea's words (joined compounds such as "xe_may") and
    their pairs, plus character 3- and 4-grams of the accent-free text."""
    words = [fold(w).replace(" ", "_") for w in _word_tokenize(text)]
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


@dataclass(frozen=True)
class _Scorer:
    """The fitted pipeline's arithmetic for one text at a time. sklearn's
    ``predict_proba`` validates and builds sparse matrices on every call, which cost more
    than the arithmetic itself at intake's one-text-per-case rate."""

    vocabulary: dict[str, int]
    idf: Any  # ndarray (features,)
    coef_t: Any  # ndarray (features, classes or 1)
    intercept: Any  # ndarray (classes or 1,)
    classes: list[str]

    @classmethod
    def of(cls, pipeline: Any) -> _Scorer:
        features, model = pipeline.named_steps["features"], pipeline.named_steps["model"]
        return cls(
            dict(features.vocabulary_),
            features.idf_,
            model.coef_.T.copy(),
            model.intercept_,
            [str(c) for c in model.classes_],
        )

    def probabilities(self, text: str) -> Any:
        import numpy as np

        counts = Counter(i for f in analyse(text) if (i := self.vocabulary.get(f)) is not None)
        if counts:
            index = np.fromiter(counts, dtype=np.intp, count=len(counts))
            tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
            weights = (1.0 + np.log(tf)) * self.idf[index]  # sublinear tf × idf
            weights /= np.sqrt(weights @ weights)  # l2, as TfidfVectorizer's default
            scores = weights @ self.coef_t[index] + self.intercept
        else:
            scores = self.intercept.astype(np.float64)
        if len(self.classes) == 2:  # binary logistic regression: one score
            p = 1.0 / (1.0 + np.exp(-scores[0]))
            return np.array([1.0 - p, p])
        scores = np.exp(scores - scores.max())  # multinomial: softmax
        return scores / scores.sum()


_scorers: dict[int, tuple[Any, _Scorer]] = {}


def suggest(pipeline: Any, text: str) -> Suggestion:
    held = _scorers.get(id(pipeline))
    if held is None or held[0] is not pipeline:
        held = (pipeline, _Scorer.of(pipeline))
        if len(_scorers) >= 64:  # one live model per province: retrained ones drop out
            _scorers.pop(next(iter(_scorers)))
        _scorers[id(pipeline)] = held
    scorer = held[1]
    probabilities = scorer.probabilities(text)
    best = int(probabilities.argmax())
    return Suggestion(scorer.classes[best], float(probabilities[best]))


def dumps(pipeline: Any) -> bytes:
    buffer = io.BytesIO()
    pickle.dump(pipeline, buffer, protocol=pickle.HIGHEST_PROTOCOL)
    return buffer.getvalue()


def loads(blob: bytes) -> Any:
    # Only blobs this application trained and stored itself are ever loaded.
    return pickle.loads(blob)
