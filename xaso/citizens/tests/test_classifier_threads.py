"""The classifier under gunicorn's threads: underthesea loads its tokenizer model on first
use and published it half-loaded, so two reports arriving together in a fresh worker made
one of them a 500 (``'NoneType' object has no attribute 'process'``; the load test)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
import underthesea.pipeline.word_tokenize as underthesea_tokenize

from xaso.citizens import classifier


@pytest.fixture
def cold_tokenizer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(underthesea_tokenize, "word_tokenize_model", None)
    monkeypatch.setattr(classifier, "_tokenizer_ready", False)


def test_the_first_texts_of_a_worker_are_analysed_together(cold_tokenizer: Any) -> None:
    threads, barrier = 8, threading.Barrier(8)
    failures: list[BaseException] = []
    results: list[list[str]] = []

    def one(n: int) -> None:
        barrier.wait()
        try:
            results.append(classifier.analyse(f"Đường liên thôn {n} bị sạt lở sau mưa"))
        except BaseException as exc:
            failures.append(exc)

    workers = [threading.Thread(target=one, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert not failures, failures
    assert len(results) == threads and all("duong" in r for r in results)


def test_warm_up_loads_the_tokenizer_and_scikit_learn(cold_tokenizer: Any) -> None:
    import sys

    classifier.warm_up()
    assert classifier._tokenizer_ready and underthesea_tokenize.word_tokenize_model is not None
    assert "sklearn.pipeline" in sys.modules


def test_a_web_worker_warms_up_before_taking_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    """gunicorn imports xaso.wsgi in each worker before it accepts a connection."""
    import importlib

    import xaso.wsgi

    calls: list[str] = []
    monkeypatch.setattr(classifier, "warm_up", lambda: calls.append("warm"))
    importlib.reload(xaso.wsgi)
    assert calls == ["warm"] and callable(xaso.wsgi.application)
