"""The OpenAPI document describes what the endpoints return: two response schemas with
one name would make the document describe one endpoint with the other's fields (the
fuzzer found the assessments ``CriterionOut`` replaced by the results one)."""

from __future__ import annotations

import importlib
from collections import defaultdict
from pathlib import Path

import pytest
from ninja import Schema

ROOT = Path(__file__).resolve().parents[2]


def _schemas() -> dict[str, list[str]]:
    found: dict[str, list[str]] = defaultdict(list)
    for path in sorted(ROOT.glob("*/api.py")):
        module = importlib.import_module(f"xaso.{path.parent.name}.api")
        for name, value in vars(module).items():
            is_schema = isinstance(value, type) and issubclass(value, Schema)
            if is_schema and value.__module__ == module.__name__:
                found[name].append(module.__name__)
    return found


def test_every_api_schema_has_its_own_name() -> None:
    clashes = {name: mods for name, mods in _schemas().items() if len(mods) > 1}
    assert not clashes, f"Schema names used twice (OpenAPI keeps one): {clashes}"


@pytest.mark.django_db
def test_the_document_describes_a_submission_s_criteria(client: object) -> None:
    doc = client.get("/api/openapi.json").json()  # type: ignore[attr-defined]
    components = doc["components"]["schemas"]
    ref = components["SubmissionOut"]["properties"]["criteria"]["items"]["$ref"]
    assert "revision" in components[ref.rsplit("/", 1)[1]]["properties"]
    scorecard = components["ScorecardOut"]["properties"]["strengths"]["items"]["$ref"]
    assert "share" in components[scorecard.rsplit("/", 1)[1]]["properties"]
