"""Phiếu — what the form page shows for a submission, criterion by criterion, grouped by
main index: inputs, last period, measured value, points (self, verified, final),
warnings, evidence with reuse flags, the verifier's comments."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from xaso.assessments import queries
from xaso.assessments.cells import (
    KIND_LABELS,
    Cell,
    display,
    fmt_number,
    inputs,
    kind_of,
    options,
    same,
    unit_of,
)
from xaso.assessments.engine import main_index_of, relative_rule, score_one
from xaso.assessments.evidence_hooks import Badge, evidence_badges
from xaso.assessments.models import EDITABLE, Evidence, Submission
from xaso.assessments.validation import Finding, needs_evidence
from xaso.index import Node


@dataclass
class Row:
    leaf: Node
    kind: str
    kind_label: str
    unit: str
    value: str
    den: str
    revision: int
    shown: str
    previous: str
    measured: str
    measured_source: str
    # The unit's figure differs from what the province's systems measured.
    measured_differs: bool
    points: str
    verified: str
    verified_reason: str
    final: str
    comment: str
    return_comment: str
    hard: list[Finding]
    soft: list[Finding]
    evidence: list[Evidence]
    reuse: dict[int, list[queries.Reuse]]
    badges: dict[int, list[Badge]]
    options: list[tuple[str, str]]
    needs_evidence: bool
    relative: bool
    filled: bool
    error: str = ""
    conflict: str = ""

    @property
    def code(self) -> str:
        return self.leaf.code


@dataclass
class Group:
    node: Node
    rows: list[Row] = field(default_factory=list)

    @property
    def done(self) -> int:
        return sum(1 for r in self.rows if r.filled)


def points_text(points: float | None, leaf: Node) -> str:
    top = fmt_number(leaf.max_points or 0)
    if points is None:
        return f"— / {top} điểm"
    return f"{fmt_number(points)} / {top} điểm"


def build(
    submission: Submission,
    *,
    viewer: Any,
    only: str | None = None,
    typed: Mapping[str, tuple[str, str]] | None = None,
    errors: Mapping[str, str] | None = None,
    conflicts: Mapping[str, str] | None = None,
    peers: bool = False,
) -> tuple[list[Group], queries.Check]:
    """The form's groups (or the one row ``only``); ``typed`` keeps what the person typed
    when it could not be saved, so nothing they entered is lost from the screen."""
    framework = queries.framework_of(submission.period)
    mains = main_index_of(framework)
    measured = queries.measured_for(submission)
    own = dict(submission.self_values)
    open_for_unit = submission.status in EDITABLE
    if open_for_unit:  # what submitting will do: blank measured criteria take the measured value
        own |= {code: m.cell for code, m in measured.items() if not own.get(code)}
    check = queries.check_submission(submission, cells=own, peers=peers)
    previous = queries.previous_cells(submission)
    verified_cells = queries.effective_cells(submission, "verified")
    verified_points = score_one(framework, verified_cells).leaf_points
    final_cells = dict(submission.final_values)
    final_points = score_one(framework, final_cells).leaf_points if final_cells else {}
    evidence = list(queries.evidence_of(submission))
    reuse = queries.evidence_reuse([e for e in evidence if only is None or e.criterion == only])
    badges = evidence_badges([e.pk for e in evidence])
    groups: dict[str, Group] = {}
    for leaf in framework.leaves:
        if only is not None and leaf.code != only:
            continue
        cell: Cell | None = submission.self_values.get(leaf.code)
        m = measured.get(leaf.code)
        value, den = inputs(leaf, cell)
        if typed and leaf.code in typed:
            value, den = typed[leaf.code]
        fixed = submission.verified_values.get(leaf.code)
        files = [e for e in evidence if e.criterion == leaf.code]
        row = Row(
            leaf=leaf,
            kind=kind_of(leaf).value,
            kind_label=KIND_LABELS[kind_of(leaf)],
            unit=unit_of(leaf),
            value=value,
            den=den,
            revision=int(submission.revisions.get(leaf.code, 0)),
            shown=display(leaf, cell),
            previous=display(leaf, previous.get(leaf.code)),
            measured=display(leaf, m.cell) if m else "",
            measured_source=m.source if m else "",
            measured_differs=m is not None and bool(cell) and not same(cell, m.cell),
            points=points_text(check.leaf_points.get(leaf.code), leaf),
            verified=points_text(verified_points.get(leaf.code), leaf)
            + (f" ({display(leaf, fixed['cell'])})" if fixed else ""),
            verified_reason=fixed["reason"] if fixed else "",
            final=points_text(final_points.get(leaf.code), leaf) if final_cells else "",
            comment=submission.comments.get(leaf.code, ""),
            return_comment=submission.return_comments.get(leaf.code, ""),
            hard=check.hard_for(leaf.code),
            soft=check.soft_for(leaf.code),
            evidence=files,
            reuse={e.pk: reuse[e.pk] for e in files if e.pk in reuse},
            badges={e.pk: badges[e.pk] for e in files if e.pk in badges},
            options=[
                (code, f"{code} ({fmt_number(100 * credit, 0)} %)")
                for code, credit in options(leaf)
            ],
            needs_evidence=needs_evidence(leaf),
            relative=relative_rule(leaf),
            filled=bool(cell),
            error=(errors or {}).get(leaf.code, ""),
            conflict=(conflicts or {}).get(leaf.code, ""),
        )
        main = mains[leaf.code]
        groups.setdefault(main.code, Group(main)).rows.append(row)
    return list(groups.values()), check


def progress_of(submission: Submission) -> tuple[int, int, int]:
    """``progress(build(submission)[0])`` without building the sheet: a row is filled when
    its criterion has a value."""
    leaves = queries.framework_of(submission.period).leaves
    total = len(leaves)
    done = sum(1 for leaf in leaves if submission.self_values.get(leaf.code))
    return done, total, round(100 * done / total) if total else 0


def progress(groups: Sequence[Group]) -> tuple[int, int, int]:
    """(done, total, percent) over every criterion."""
    total = sum(len(g.rows) for g in groups)
    done = sum(g.done for g in groups)
    return done, total, round(100 * done / total) if total else 0
