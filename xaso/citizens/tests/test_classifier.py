"""The classifier's one-text scorer agrees with sklearn's own ``predict_proba``."""

from __future__ import annotations

import numpy as np
import pytest

from xaso.citizens import classifier, corpus


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return [t for t, _ in corpus.generate(120, seed=5)] + ["", "xyz qqq", "ĐƯỜNG HỎNG!!!"]


@pytest.mark.parametrize("classes", [2, len(corpus.STANDARD_CATEGORIES)])
def test_fast_scores_equal_sklearns_probabilities(texts: list[str], classes: int) -> None:
    data = corpus.generate(300, seed=2)
    labels = [c if classes > 2 else ("a" if i % 2 else "b") for i, (_, c) in enumerate(data)]
    pipeline = classifier.train([t for t, _ in data], labels, holdout=0).pipeline
    for text in texts:
        expected = pipeline.predict_proba([text])[0]
        got = classifier.suggest(pipeline, text)
        best = int(expected.argmax())
        assert got.code == pipeline.classes_[best]
        assert got.confidence == pytest.approx(expected[best], abs=1e-9)
        assert np.allclose(classifier._Scorer.of(pipeline).probabilities(text), expected)
