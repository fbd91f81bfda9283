"""Bộ chỉ số — the framework model: an immutable tree of nodes whose leaves carry rules.

Everything here is a frozen dataclass so a loaded framework can be shared between
requests, cached, and hashed; the engine never mutates it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property


class Aggregation(StrEnum):
    """How a node combines its children's 0–1 values."""

    SUM = "sum"
    WEIGHTED_MEAN = "weighted_mean"
    GEOMETRIC = "geometric"
    HARMONIC = "harmonic"


class MissingPolicy(StrEnum):
    """What a node does with a child that has no data for a unit."""

    ZERO = "zero"
    IMPUTE_MEAN = "impute_mean"
    REWEIGHT = "reweight"


class InputKind(StrEnum):
    """What is entered for a leaf (số liệu nhập)."""

    NUMBER = "number"
    RATIO = "ratio"
    CHOICE = "choice"
    BOOLEAN = "boolean"
    COUNT = "count"


class RuleType(StrEnum):
    """How a leaf's input becomes a share of its maximum points."""

    RATIO = "ratio"
    LINEAR_TO_TARGET = "linear_to_target"
    STEPS = "steps"
    CHOICE = "choice"
    BOOLEAN = "boolean"
    RELATIVE_TO_BEST = "relative_to_best"
    NORMALISE = "normalise"
    DIRECT = "direct"


class Normalisation(StrEnum):
    """Statistical normalisations (OECD/JRC Handbook, COINr ``Normalise``)."""

    MINMAX = "minmax"
    ZSCORE = "zscore"
    RANK = "rank"
    PERCENTILE = "percentile"
    DISTANCE_TO_TARGET = "distance_to_target"


class ZeroDenominator(StrEnum):
    """The explicit choice a ratio rule makes when the denominator is 0."""

    FULL = "full"
    ZERO = "zero"
    MISSING = "missing"


class Source(StrEnum):
    """Nguồn dữ liệu — where a leaf's data comes from."""

    SELF_REPORTED = "self_reported"
    MEASURED = "measured"
    MODULE = "module"


@dataclass(frozen=True, slots=True)
class Rule:
    """Quy tắc chấm điểm — a leaf's scoring rule and its parameters.

    Only the parameters of ``type`` are meaningful; the loader rejects the others.
    ``options`` maps option codes to a fraction of the leaf's maximum (choice rules store
    fractions whatever the file said, so the engine has one scale).
    """

    type: RuleType
    zero_denominator: ZeroDenominator = ZeroDenominator.FULL
    target: float | None = None
    thresholds: tuple[float, ...] = ()
    step_fractions: tuple[float, ...] = ()
    options: tuple[tuple[str, float], ...] = ()
    method: Normalisation | None = None
    goalposts: tuple[float, float] | None = None
    higher_is_better: bool = True
    zscore_bound: float = 3.0

    def option_fraction(self, code: str) -> float | None:
        """The fraction of maximum points earned by option ``code``, if it exists."""
        for option, fraction in self.options:
            if option == code:
                return fraction
        return None


@dataclass(frozen=True, slots=True)
class InputSpec:
    """What a leaf takes as data: its kind and unit of measure (đơn vị tính)."""

    kind: InputKind
    unit: str | None = None


@dataclass(frozen=True, slots=True)
class Node:
    """A node of the framework tree: the index, a group, a main index or a component.

    A node without children is a leaf (chỉ số thành phần / tiêu chí) and has an input and
    a rule. ``max_points`` is used under sum aggregation; ``weight`` under the means (it
    falls back to ``max_points``, then 1). ``max_points == 0`` records a node without
    scoring it (the DTI's Đô thị thông minh).
    """

    code: str
    name_vi: str
    name_en: str
    path: str
    max_points: float | None = None
    weight: float | None = None
    level: str | None = None
    aggregation: Aggregation = Aggregation.SUM
    missing: MissingPolicy = MissingPolicy.ZERO
    min_data_share: float = 0.0
    children: tuple[Node, ...] = ()
    input: InputSpec | None = None
    rule: Rule | None = None
    evidence_vi: str | None = None
    supplied_by: str | None = None
    verified_by: str | None = None
    source: Source | None = None
    pillars: tuple[str, ...] = ()
    text_status: str | None = None
    note_vi: str | None = None

    @property
    def is_leaf(self) -> bool:
        return not self.children

    def walk(self) -> Iterator[Node]:
        """This node and its descendants, parents before children (pre-order)."""
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(frozen=True, slots=True)
class LegalSource:
    """Căn cứ pháp lý — the decision that adopts the framework."""

    number: str
    date: dt.date | None = None
    title_vi: str | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Pillar:
    """Trụ cột — a score computed across the tree from the leaves that declare it."""

    code: str
    name_vi: str
    name_en: str


@dataclass(frozen=True)
class Framework:
    """Bộ chỉ số — a versioned framework: metadata plus the node tree under ``root``."""

    code: str
    version: str
    name_vi: str
    name_en: str
    status: str
    root: Node
    legal_source: LegalSource | None = None
    rounding: int = 4
    pillars: tuple[Pillar, ...] = field(default=())

    @cached_property
    def nodes(self) -> tuple[Node, ...]:
        """Every node, parents before children; the column order of all results."""
        return tuple(self.root.walk())

    @cached_property
    def leaves(self) -> tuple[Node, ...]:
        """The leaves in tree order; the column order of leaf data."""
        return tuple(node for node in self.nodes if node.is_leaf)

    @cached_property
    def node_index(self) -> dict[str, int]:
        return {node.code: i for i, node in enumerate(self.nodes)}

    @cached_property
    def leaf_index(self) -> dict[str, int]:
        return {leaf.code: i for i, leaf in enumerate(self.leaves)}

    def node(self, code: str) -> Node:
        """The node with ``code``; ``KeyError`` if the framework has none."""
        return self.nodes[self.node_index[code]]

    @cached_property
    def main_indices(self) -> tuple[Node, ...]:
        """Chỉ số chính: nodes labelled ``level: main_index``, else the root's children."""
        labelled = tuple(n for n in self.nodes if n.level == "main_index")
        return labelled or self.root.children
