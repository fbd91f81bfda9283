"""Schemathesis in CI: every operation of /api/openapi.json and of the Open311 document,
as every role (and anonymous, and a province system with its push token), with a fixed
seed and a small budget. Any 5xx fails the test, and so does a response that contradicts
the document. ``benchmarks/fuzz_api.py`` is the full run (≥ 10,000 requests).

A failure prints each distinct problem: the operation, the role, the request and the
server's traceback — reproduce it with ``benchmarks/fuzz_api.py --light --seed N``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.handlers.wsgi import WSGIHandler

from xaso.api.tests import fuzzing
from xaso.citizens import actions as citizens_actions

pytestmark = pytest.mark.django_db

SEED = 20251
BUDGET = 1600  # requests: about 20 s on a quiet 2-core machine, after the set-up


@pytest.fixture(autouse=True)
def _quick_world(settings: Any, tmp_path: Path) -> Iterator[None]:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    # The intake keeps per-process caches that must not outlive this test's rollback.
    citizens_actions.forget_caches()
    yield
    citizens_actions.forget_caches()


def test_fuzzing_every_operation_as_every_role_finds_no_server_error() -> None:
    fuzzing.load_light_demo(lambda _: None)
    world = fuzzing.build_world()
    schemas = fuzzing.schemas(WSGIHandler())
    tally = fuzzing.run(schemas, world, budget=BUDGET, seed=SEED, shared=True)
    report = tally.report()
    assert tally.server_errors == 0, report
    assert tally.problem_count["schema"] == 0, report
    assert tally.requests >= BUDGET
    assert set(tally.by_role) == {*fuzzing.ROLES, fuzzing.SOURCE_ROLE}
    assert len(tally.by_operation) == len(fuzzing.operations(schemas))
    # Signed-in people reach past the 401s: some answers are real data.
    assert tally.by_class["2xx"] > BUDGET // 10
