"""The framework files programmes refer to: criteria KPIs are tagged with, and the
readiness framework the scale-out list is scored on. Loaded once per process by the pure
engine, so a tag is checked against the same file the index is computed from."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from django.conf import settings

from xaso.index import Framework, FrameworkError, load_framework

READINESS_FRAMEWORK = "scale-out-readiness"
_CODE = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def frameworks_dir() -> Path:
    return Path(settings.BASE_DIR) / "frameworks"


@cache
def framework(code: str) -> Framework:
    """The shipped framework ``code``; ``LookupError`` (Vietnamese) if there is none."""
    if not _CODE.match(code or ""):
        raise LookupError(f"Mã bộ chỉ số “{code}” không hợp lệ.")
    path = frameworks_dir() / f"{code}.yaml"
    if not path.is_file():
        raise LookupError(f"Không có bộ chỉ số “{code}” trong thư mục frameworks/.")
    try:
        return load_framework(path)
    except FrameworkError as exc:
        raise LookupError(f"Bộ chỉ số “{code}” có lỗi: {exc}") from exc


def criterion_problem(framework_code: str, criterion_code: str) -> str | None:
    """Why (framework, criterion) is not a valid tag, in Vietnamese; None when it is."""
    if not criterion_code:
        return None
    try:
        fw = framework(framework_code)
    except LookupError as exc:
        return str(exc)
    if criterion_code not in fw.node_index:
        return f"Bộ chỉ số “{framework_code}” không có tiêu chí “{criterion_code}”."
    return None


def criterion_name(framework_code: str, criterion_code: str) -> str:
    try:
        return framework(framework_code).node(criterion_code).name_vi
    except (LookupError, KeyError):
        return ""
