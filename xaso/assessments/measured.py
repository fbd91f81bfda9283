"""Số liệu đo được — values the province's systems measure, shown beside self-reports.

Assessments cannot import the apps that read those systems (connectors, citizens sit
above it), so they register here instead::

    from xaso.assessments.measured import register_measured_source

    def one_stop_rates(period, units):          # Period, list[Unit]
        return {"24175": {"CQ.06": {"v": 91.0}}}  # unit code → criterion → cell

    register_measured_source("connectors.one_stop", one_stop_rates)

Only criteria declared ``source: measured`` or ``source: module`` are looked up. Cells
use the stored shape (``xaso.assessments.cells``); a source that fails or returns a bad
cell is skipped for that criterion and logged, never breaking the form.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from xaso.assessments.cells import Cell, CellError, check_stored
from xaso.index import Framework

logger = logging.getLogger(__name__)

MeasuredSource = Callable[[Any, Sequence[Any]], Mapping[str, Mapping[str, Cell | None]]]

_sources: dict[str, MeasuredSource] = {}


@dataclass(frozen=True)
class Measured:
    cell: Cell
    source: str


def register_measured_source(key: str, fn: MeasuredSource) -> None:
    """Adds (or replaces) the source ``key``: ``fn(period, units)`` returns cells by unit
    code and criterion code."""
    _sources[key] = fn


def unregister_measured_source(key: str) -> None:
    _sources.pop(key, None)


def measured_sources() -> list[str]:
    return sorted(_sources)


def measured_values(
    framework: Framework, period: Any, units: Sequence[Any]
) -> dict[str, dict[str, Measured]]:
    """{unit code: {criterion: Measured}} from every registered source (first wins)."""
    wanted = {
        leaf.code: leaf
        for leaf in framework.leaves
        if leaf.source is not None and leaf.source.value in {"measured", "module"}
    }
    out: dict[str, dict[str, Measured]] = {}
    if not wanted or not units:
        return out
    for key in sorted(_sources):
        try:
            found = _sources[key](period, units)
        except Exception:
            logger.exception("measured source %s failed", key)
            continue
        for unit_code, row in found.items():
            for code, cell in row.items():
                leaf = wanted.get(code)
                if leaf is None or cell is None:
                    continue
                try:
                    clean = check_stored(leaf, cell)
                except CellError as exc:
                    logger.warning("measured source %s: %s/%s %s", key, unit_code, code, exc)
                    continue
                if clean is not None:
                    out.setdefault(unit_code, {}).setdefault(code, Measured(clean, key))
    return out
