"""Bảng chuyển đổi — carrying data from one framework version to another.

A crosswalk file maps each leaf of the newer framework to the leaves of the older one
that measure the same thing, so last period's data can be re-scored under this period's
framework and a series stays comparable. Every mapping says whether it is comparable;
a target leaf with no source, or a mapping marked ``comparable: false``, makes the
translated series "not comparable" and the result says which leaves are to blame.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from xaso.index.aggregation import compile_plan
from xaso.index.data import Data
from xaso.index.errors import FrameworkError, Issue
from xaso.index.model import Framework, InputKind, Node


class Combine(StrEnum):
    """How several source leaves make one target leaf (ratios add numerators and
    denominators under ``sum``)."""

    SUM = "sum"
    MEAN = "mean"
    MAX = "max"
    MIN = "min"


@dataclass(frozen=True)
class LeafMapping:
    target: str
    sources: tuple[str, ...]
    combine: Combine
    comparable: bool
    note_vi: str | None = None


@dataclass(frozen=True)
class Crosswalk:
    source: Framework
    target: Framework
    mappings: tuple[LeafMapping, ...]

    @property
    def comparable(self) -> bool:
        """True when every scored target leaf has a comparable source."""
        return not self.not_comparable

    @property
    def not_comparable(self) -> tuple[str, ...]:
        mapped = {m.target: m for m in self.mappings}
        out = []
        for leaf in self.target.leaves:
            if _scored(self.target, leaf) and (
                leaf.code not in mapped or not mapped[leaf.code].comparable
            ):
                out.append(leaf.code)
        return tuple(out)


def _scored(framework: Framework, leaf: Node) -> bool:
    plan = compile_plan(framework)
    return bool(plan.scale[framework.node_index[leaf.code]] > 0)


def load_crosswalk(source_text: str | Path, source: Framework, target: Framework) -> Crosswalk:
    """Read a crosswalk YAML (path or text) between two loaded frameworks.

    Format::

        from: {code: dti-province-922, version: "2022"}
        to: {code: dti-province-405, version: "2025"}
        map:
          - {to: NT.1, from: [NT.1]}
          - {to: HT.2, from: [HT.3, HT.4], combine: sum, comparable: false, note_vi: "..."}

    A one-to-one mapping between leaves with the same input kind and rule is comparable
    unless it says otherwise; any other mapping must declare ``comparable`` itself.
    """
    if isinstance(source_text, Path) or (
        "\n" not in source_text and source_text.endswith((".yaml", ".yml"))
    ):
        text = Path(source_text).read_text(encoding="utf-8")
    else:
        text = source_text
    raw = yaml.safe_load(text)
    issues: list[Issue] = []
    if not isinstance(raw, Mapping):
        raise FrameworkError([Issue("/", "Phải là một ánh xạ YAML", "Must be a YAML mapping")])
    for key, framework in (("from", source), ("to", target)):
        declared = raw.get(key) or {}
        if (
            not isinstance(declared, Mapping)
            or declared.get("code") != framework.code
            or str(declared.get("version")) != framework.version
        ):
            issues.append(
                Issue(
                    f"/{key}",
                    f"Phải là {{code: {framework.code}, version: {framework.version}}}",
                    f"Must be {{code: {framework.code}, version: {framework.version}}}",
                )
            )
    mappings: list[LeafMapping] = []
    seen: set[str] = set()
    entries = raw.get("map")
    if not isinstance(entries, list):
        issues.append(Issue("/map", "Phải là một danh sách", "Must be a list"))
        entries = []
    for i, entry in enumerate(entries):
        mapping = _entry(issues, f"/map/{i}", entry, source, target, seen)
        if mapping is not None:
            mappings.append(mapping)
    if issues:
        raise FrameworkError(issues)
    return Crosswalk(source, target, tuple(mappings))


def _entry(
    issues: list[Issue],
    path: str,
    entry: Any,
    source: Framework,
    target: Framework,
    seen: set[str],
) -> LeafMapping | None:
    if not isinstance(entry, Mapping):
        issues.append(Issue(path, "Phải là một ánh xạ", "Must be a mapping"))
        return None
    code = str(entry.get("to", ""))
    sources = entry.get("from", [])
    sources = [sources] if isinstance(sources, str) else sources
    if code not in target.leaf_index:
        issues.append(
            Issue(
                f"{path}/to",
                f"'{code}' không phải nút lá của {target.code}",
                f"'{code}' is not a leaf of {target.code}",
            )
        )
        return None
    if code in seen:
        issues.append(
            Issue(f"{path}/to", f"'{code}' được ánh xạ hai lần", f"'{code}' is mapped twice")
        )
    seen.add(code)
    if not isinstance(sources, list) or not sources:
        issues.append(
            Issue(f"{path}/from", "Cần danh sách mã nguồn", "Needs a list of source codes")
        )
        return None
    for s in sources:
        if str(s) not in source.leaf_index:
            issues.append(
                Issue(
                    f"{path}/from",
                    f"'{s}' không phải nút lá của {source.code}",
                    f"'{s}' is not a leaf of {source.code}",
                )
            )
            return None
    try:
        combine = Combine(entry.get("combine", "sum"))
    except ValueError:
        issues.append(
            Issue(
                f"{path}/combine",
                "combine phải là sum, mean, max hoặc min",
                "combine must be sum, mean, max or min",
            )
        )
        return None
    new = target.leaves[target.leaf_index[code]]
    olds = [source.leaves[source.leaf_index[str(s)]] for s in sources]
    kinds = {_kind(o) for o in olds}
    if _kind(new) is InputKind.CHOICE and (len(olds) != 1 or kinds != {InputKind.CHOICE}):
        issues.append(
            Issue(
                path,
                "Lựa chọn chỉ ánh xạ 1–1 từ lựa chọn",
                "A choice maps one-to-one from a choice",
            )
        )
        return None
    same = len(olds) == 1 and _kind(olds[0]) is _kind(new) and olds[0].rule == new.rule
    comparable = entry.get("comparable")
    if comparable is None:
        comparable = same
    elif not isinstance(comparable, bool):
        issues.append(
            Issue(f"{path}/comparable", "Phải là true hoặc false", "Must be true or false")
        )
        comparable = False
    note = entry.get("note_vi")
    return LeafMapping(
        code,
        tuple(str(s) for s in sources),
        combine,
        bool(comparable),
        None if note is None else str(note),
    )


def _kind(leaf: Node) -> InputKind:
    return leaf.input.kind if leaf.input is not None else InputKind.NUMBER


@dataclass(frozen=True)
class Translation:
    """Older data under the newer framework, and whether the series is comparable."""

    data: Data
    comparable: bool
    not_comparable: tuple[str, ...]


def translate(crosswalk: Crosswalk, data: Data) -> Translation:
    """Chuyển số liệu — re-express ``data`` (source framework) in the target's leaves."""
    if data.framework != crosswalk.source:
        raise ValueError("data was not built for the crosswalk's source framework")
    n = len(data.units)
    target = crosswalk.target
    values = np.full((n, len(target.leaves)), np.nan)
    dens = np.full((n, len(target.leaves)), np.nan)
    for m in crosswalk.mappings:
        j = target.leaf_index[m.target]
        cols = [crosswalk.source.leaf_index[s] for s in m.sources]
        new = target.leaves[j]
        if _kind(new) is InputKind.CHOICE:
            old = crosswalk.source.leaves[cols[0]]
            assert old.rule is not None and new.rule is not None
            new_codes = [code for code, _ in new.rule.options]
            lookup = np.array(
                [
                    new_codes.index(code) if code in new_codes else np.nan
                    for code, _ in old.rule.options
                ]
                + [np.nan]
            )
            index = data.values[:, cols[0]]
            safe = np.where(np.isnan(index), len(lookup) - 1, index).astype(np.intp)
            values[:, j] = lookup[safe]
            continue
        v = data.values[:, cols]
        d = data.denominators[:, cols]
        if _kind(new) is InputKind.RATIO:
            if m.combine is Combine.SUM:
                values[:, j] = v.sum(axis=1)
                dens[:, j] = np.where(np.isnan(d).all(axis=1), np.nan, d.sum(axis=1))
                values[:, j] = np.where(np.isnan(dens[:, j]), np.nan, values[:, j])
            else:
                with np.errstate(invalid="ignore", divide="ignore"):
                    shares = v / d
                values[:, j] = _reduce(m.combine, shares)
                dens[:, j] = np.where(np.isnan(values[:, j]), np.nan, 1.0)
            continue
        values[:, j] = _reduce(m.combine, v)
        if _kind(new) is InputKind.BOOLEAN:
            values[:, j] = np.where(np.isnan(values[:, j]), np.nan, values[:, j] > 0)
    translated = Data(target, data.units, values, dens, data.names, {})
    return Translation(translated, crosswalk.comparable, crosswalk.not_comparable)


def _reduce(
    combine: Combine, v: np.ndarray[Any, np.dtype[np.float64]]
) -> np.ndarray[Any, np.dtype[np.float64]]:
    if v.shape[1] == 1:
        return v[:, 0].copy()
    allnan = np.isnan(v).all(axis=1)
    filled = np.where(np.isnan(v), 0.0, v)
    with np.errstate(invalid="ignore", divide="ignore"):
        match combine:
            case Combine.SUM:
                out = filled.sum(axis=1)
            case Combine.MEAN:
                out = filled.sum(axis=1) / (~np.isnan(v)).sum(axis=1)
            case Combine.MAX:
                out = np.where(np.isnan(v), -np.inf, v).max(axis=1)
            case Combine.MIN:
                out = np.where(np.isnan(v), np.inf, v).min(axis=1)
    return np.where(allnan, np.nan, out)
