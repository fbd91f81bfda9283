"""Kiểm tra hồ sơ — hard rules that block submission and soft rules that ask for a comment.

Hard: every value typed is checked as it is saved (``cells.parse``); at submission every
criterion the commune supplies must be filled and a yes/choice claim that earns points
must carry its evidence (the decision, the plan: the claim *is* the document).

Soft (a warning the officer answers with a comment before submitting):
- the value is more than 3× or less than ⅓ of last period's;
- it is an outlier among the period's other units (modified z-score, Iglewicz–Hoaglin:
  |0.6745 (x − median) / MAD| > 3.5, with at least 5 peers);
- full marks are claimed on a criterion with no evidence attached.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from xaso.assessments.cells import Cell, display, fmt_number, kind_of, numeric
from xaso.index import Framework, Node
from xaso.index.model import InputKind

JUMP_FACTOR = 3.0
Z_LIMIT = 3.5
MIN_PEERS = 5


@dataclass(frozen=True)
class Finding:
    """One problem with one criterion: ``kind`` is the rule, ``message`` Vietnamese."""

    code: str
    kind: str
    message: str


def supplied_by_commune(leaf: Node) -> bool:
    return (leaf.supplied_by or "commune") != "province"


def needs_evidence(leaf: Node) -> bool:
    return bool(leaf.evidence_vi) and supplied_by_commune(leaf)


def hard_findings(
    framework: Framework,
    cells: Mapping[str, Cell | None],
    evidence_codes: Iterable[str],
    leaf_fraction: Mapping[str, float | None],
) -> list[Finding]:
    """What blocks submission."""
    with_evidence = set(evidence_codes)
    out: list[Finding] = []
    for leaf in framework.leaves:
        cell = cells.get(leaf.code)
        if not cell:
            if supplied_by_commune(leaf):
                out.append(Finding(leaf.code, "missing", "chưa nhập giá trị"))
            continue
        claimed = (leaf_fraction.get(leaf.code) or 0) > 0
        if (
            kind_of(leaf) in (InputKind.BOOLEAN, InputKind.CHOICE)
            and claimed
            and needs_evidence(leaf)
            and leaf.code not in with_evidence
        ):
            out.append(
                Finding(
                    leaf.code,
                    "evidence",
                    f"cần đính kèm minh chứng ({leaf.evidence_vi}) cho giá trị "
                    f"“{display(leaf, cell)}”",
                )
            )
    return out


def modified_z(values: Sequence[float]) -> npt.NDArray[np.float64]:
    """Iglewicz–Hoaglin modified z-scores; zeros when the spread (MAD) is zero."""
    x = np.asarray(values, dtype=np.float64)
    median = float(np.median(x))
    mad = float(np.median(np.abs(x - median)))
    if mad == 0:
        return np.zeros_like(x)
    z: npt.NDArray[np.float64] = 0.6745 * (x - median) / mad
    return z


def soft_findings(
    framework: Framework,
    cells: Mapping[str, Cell | None],
    previous: Mapping[str, Cell | None],
    peers: Mapping[str, Sequence[float]],
    evidence_codes: Iterable[str],
    leaf_fraction: Mapping[str, float | None],
) -> list[Finding]:
    """Warnings that need a comment. ``peers`` holds, per criterion, the comparable values
    of the period's other units."""
    with_evidence = set(evidence_codes)
    out: list[Finding] = []
    for leaf in framework.leaves:
        cell = cells.get(leaf.code)
        if not cell:
            continue
        now = numeric(leaf, cell)
        before = numeric(leaf, previous.get(leaf.code))
        jumped = (
            now is not None
            and before is not None
            and before > 0
            and (now > JUMP_FACTOR * before or now < before / JUMP_FACTOR)
        )
        if jumped and now is not None and before is not None:
            out.append(
                Finding(
                    leaf.code,
                    "jump",
                    f"{display(leaf, cell)} so với {display(leaf, previous.get(leaf.code))} "
                    f"kỳ trước (gấp {fmt_number(now / before, 1)} lần): hãy giải trình",
                )
            )
        others = list(peers.get(leaf.code, ()))
        if now is not None and len(others) >= MIN_PEERS:
            z = float(modified_z([*others, now])[-1])
            if abs(z) > Z_LIMIT:
                out.append(
                    Finding(
                        leaf.code,
                        "outlier",
                        f"khác xa các đơn vị khác trong kỳ (trung vị "
                        f"{fmt_number(float(np.median(others)), 2)}, z hiệu chỉnh "
                        f"{fmt_number(z, 1)}): hãy kiểm tra lại hoặc giải trình",
                    )
                )
        fraction = leaf_fraction.get(leaf.code)
        if (
            fraction is not None
            and fraction >= 1
            and (leaf.max_points or 0) > 0
            and supplied_by_commune(leaf)
            and leaf.code not in with_evidence
        ):
            out.append(
                Finding(
                    leaf.code,
                    "full_no_evidence",
                    "đạt điểm tối đa nhưng chưa có minh chứng: hãy đính kèm hoặc giải trình",
                )
            )
    return out


def unanswered(findings: Iterable[Finding], comments: Mapping[str, str]) -> list[Finding]:
    return [f for f in findings if not (comments.get(f.code) or "").strip()]
