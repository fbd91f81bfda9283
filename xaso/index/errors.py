"""Errors of the index engine, each carrying every problem found, in Vietnamese and English.

Loading and data checks collect all problems before raising, so a methodologist fixes a
framework file or a spreadsheet in one pass instead of one error per run.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Issue:
    """Lỗi — one problem, located by node path (framework) or file/row/column (data)."""

    location: str
    message_vi: str
    message_en: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message_vi} / {self.message_en}"


class EngineError(Exception):
    """Base of the engine's errors; ``issues`` lists every problem found."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = list(issues)
        super().__init__("\n".join(str(issue) for issue in self.issues))


class FrameworkError(EngineError):
    """Bộ chỉ số không hợp lệ — the framework file has errors; each names the node path."""


class DataError(EngineError):
    """Dữ liệu không hợp lệ — the unit data has errors; each names file, row and column."""
