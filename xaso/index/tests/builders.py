"""Small frameworks built in code, so each test shows the structure it depends on."""

from __future__ import annotations

from typing import Any

from xaso.index.loading import framework_from_mapping
from xaso.index.model import Framework


def leaf(code: str, points: float | None = None, **spec: Any) -> dict[str, Any]:
    """A leaf; defaults to a 0–1 number scored by linear_to_target 1 (value = fraction)."""
    node: dict[str, Any] = {"code": code, "name_vi": code, "name_en": code}
    if points is not None:
        node["max_points"] = points
    node["input"] = spec.pop("input", {"kind": "number"})
    node["rule"] = spec.pop("rule", {"type": "linear_to_target", "target": 1})
    node.update(spec)
    return node


def branch(code: str, children: list[dict[str, Any]], **spec: Any) -> dict[str, Any]:
    return {"code": code, "name_vi": code, "name_en": code, "children": children, **spec}


def framework(root: dict[str, Any], **top: Any) -> Framework:
    document: dict[str, Any] = {
        "code": "test",
        "version": "1",
        "name_vi": "Thử",
        "name_en": "Test",
        "status": "proposal",
        "root": root,
    }
    document.update(top)
    return framework_from_mapping(document)


def flat(points: list[float], **root: Any) -> Framework:
    """One root over leaves L0, L1, … worth ``points`` each."""
    return framework(branch("R", [leaf(f"L{i}", p) for i, p in enumerate(points)], **root))


def dti() -> Framework:
    """The shape of Decision 922's DTI: 9 main indices, 1,000 points, smart city unscored."""
    shape = [
        ("NT", 100),
        ("TC", 100),
        ("HT", 100),
        ("NL", 100),
        ("AT", 100),
        ("DT", 0),
        ("CQ", 200),
        ("KT", 150),
        ("XH", 150),
    ]
    mains = [
        branch(code, [leaf(f"{code}.1", pts / 2), leaf(f"{code}.2", pts / 2)], max_points=pts)
        for code, pts in shape
    ]
    return framework(branch("DTI", mains, max_points=1000))
