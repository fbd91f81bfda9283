"""Loading a framework from YAML, checking everything and naming the path of each bad node.

Unknown keys are errors rather than ignored, because a misspelt ``max_point`` silently
dropping ten points from a provincial index is the worst failure a loader can have.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from xaso.index.errors import FrameworkError, Issue
from xaso.index.model import (
    Aggregation,
    Framework,
    InputKind,
    InputSpec,
    LegalSource,
    MissingPolicy,
    Node,
    Normalisation,
    Pillar,
    Rule,
    RuleType,
    Source,
    ZeroDenominator,
)

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
# Codes become spreadsheet column names, so no spaces and nothing a CSV header mangles.
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
RESERVED_COLUMNS = frozenset({"unit_code", "unit_name"})

_FRAMEWORK_KEYS = {
    "code",
    "version",
    "name_vi",
    "name_en",
    "status",
    "legal_source",
    "rounding",
    "pillars",
    "root",
    "description_vi",
    "note_vi",
}
_NODE_KEYS = {
    "code",
    "name_vi",
    "name_en",
    "max_points",
    "weight",
    "level",
    "aggregation",
    "missing",
    "min_data_share",
    "children",
    "input",
    "rule",
    "evidence_vi",
    "supplied_by",
    "verified_by",
    "source",
    "pillars",
    "text_status",
    "note_vi",
    "description_vi",
}
_LEAF_ONLY_KEYS = {"input", "rule", "evidence_vi", "supplied_by", "verified_by", "source"}
_RULE_KEYS: dict[RuleType, set[str]] = {
    RuleType.RATIO: {"zero_denominator"},
    RuleType.LINEAR_TO_TARGET: {"target"},
    RuleType.STEPS: {"thresholds", "points"},
    RuleType.CHOICE: {"options", "as"},
    RuleType.BOOLEAN: set(),
    RuleType.RELATIVE_TO_BEST: {"higher_is_better"},
    RuleType.NORMALISE: {"method", "goalposts", "target", "higher_is_better", "zscore_bound"},
    RuleType.DIRECT: set(),
}
# Which rules make sense for which input: a ratio rule needs a numerator and denominator,
# a choice rule needs option codes, and so on.
_RULES_FOR_INPUT: dict[InputKind, set[RuleType]] = {
    InputKind.NUMBER: {
        RuleType.LINEAR_TO_TARGET,
        RuleType.STEPS,
        RuleType.RELATIVE_TO_BEST,
        RuleType.NORMALISE,
        RuleType.DIRECT,
    },
    InputKind.COUNT: {
        RuleType.LINEAR_TO_TARGET,
        RuleType.STEPS,
        RuleType.RELATIVE_TO_BEST,
        RuleType.NORMALISE,
    },
    InputKind.RATIO: {
        RuleType.RATIO,
        RuleType.LINEAR_TO_TARGET,
        RuleType.STEPS,
        RuleType.RELATIVE_TO_BEST,
        RuleType.NORMALISE,
    },
    InputKind.CHOICE: {RuleType.CHOICE},
    InputKind.BOOLEAN: {RuleType.BOOLEAN},
}
MAX_ROUNDING = 12


class _Collector:
    def __init__(self) -> None:
        self.issues: list[Issue] = []

    def add(self, path: str, vi: str, en: str) -> None:
        self.issues.append(Issue(path, vi, en))


def load_framework(source: str | Path) -> Framework:
    """Đọc bộ chỉ số — load and validate a framework from a YAML path or YAML text.

    A ``Path``, or a string naming an existing ``.yaml``/``.yml`` file, is read from disk;
    any other string is parsed as YAML. Raises ``FrameworkError`` listing every problem,
    each with the path of the bad node (e.g. ``DTI/NT/NT.1/rule/points``).
    """
    text, origin = _read_source(source)
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{origin}:{mark.line + 1}:{mark.column + 1}" if mark is not None else origin
        raise FrameworkError(
            [Issue(where, f"YAML không đọc được: {exc}", f"YAML cannot be parsed: {exc}")]
        ) from exc
    return framework_from_mapping(raw)


def _read_source(source: str | Path) -> tuple[str, str]:
    if isinstance(source, Path):
        return _read_file(source), str(source)
    if "\n" not in source and source.strip().endswith((".yaml", ".yml")):
        return _read_file(Path(source)), source
    return source, "<yaml>"


def _read_file(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise FrameworkError(
            [Issue(str(path), f"Không mở được tệp: {exc}", f"Cannot open file: {exc}")]
        ) from exc


def framework_from_mapping(raw: object) -> Framework:
    """Build and validate a framework from already-parsed YAML (a mapping)."""
    issues = _Collector()
    if not isinstance(raw, Mapping):
        raise FrameworkError(
            [Issue("/", "Tệp phải là một ánh xạ YAML", "The file must be a YAML mapping")]
        )
    _unknown_keys(issues, "/", raw, _FRAMEWORK_KEYS)
    code = _text(issues, "/code", raw.get("code"), required=True)
    if code and not _SLUG.match(code):
        issues.add(
            "/code",
            f"Mã '{code}' chỉ được gồm chữ thường, số và dấu gạch ngang",
            f"Code '{code}' may only hold lowercase letters, digits and hyphens",
        )
    version_raw = raw.get("version")
    version = str(version_raw) if isinstance(version_raw, int | float) else version_raw
    version = _text(issues, "/version", version, required=True)
    name_vi = _text(issues, "/name_vi", raw.get("name_vi"), required=True)
    name_en = _text(issues, "/name_en", raw.get("name_en"), required=True)
    status = raw.get("status", "proposal")
    if status not in ("official", "proposal"):
        issues.add(
            "/status",
            f"Trạng thái '{status}' phải là official hoặc proposal",
            f"Status '{status}' must be official or proposal",
        )
    rounding = raw.get("rounding", 4)
    if (
        isinstance(rounding, bool)
        or not isinstance(rounding, int)
        or not (0 <= rounding <= MAX_ROUNDING)
    ):
        issues.add(
            "/rounding",
            f"Số chữ số thập phân phải là số nguyên 0–{MAX_ROUNDING}",
            f"Rounding must be an integer 0–{MAX_ROUNDING}",
        )
        rounding = 4
    legal = _legal_source(issues, raw.get("legal_source"))
    pillars = _pillars(issues, raw.get("pillars"))
    root_raw = raw.get("root")
    root: Node | None = None
    if not isinstance(root_raw, Mapping):
        issues.add("/root", "Thiếu nút gốc 'root'", "The 'root' node is missing")
    else:
        seen: dict[str, str] = {}
        root = _node(issues, root_raw, "", None, seen, {p.code for p in pillars})
    if issues.issues or root is None:
        raise FrameworkError(issues.issues)
    return Framework(
        code=code or "",
        version=version or "",
        name_vi=name_vi or "",
        name_en=name_en or "",
        status=str(status),
        root=root,
        legal_source=legal,
        rounding=rounding,
        pillars=pillars,
    )


def _unknown_keys(issues: _Collector, path: str, raw: Mapping[Any, Any], allowed: set[str]) -> None:
    for key in raw:
        if key not in allowed:
            issues.add(
                f"{path.rstrip('/')}/{key}",
                f"Khóa không được hỗ trợ '{key}' (cho phép: {', '.join(sorted(allowed))})",
                f"Unsupported key '{key}' (allowed: {', '.join(sorted(allowed))})",
            )


def _text(issues: _Collector, path: str, value: object, *, required: bool = False) -> str | None:
    if value is None:
        if required:
            issues.add(path, "Thiếu giá trị bắt buộc", "A required value is missing")
        return None
    if not isinstance(value, str) or (required and not value.strip()):
        issues.add(path, "Phải là một chuỗi không rỗng", "Must be a non-empty string")
        return None
    return value


def _number(
    issues: _Collector,
    path: str,
    value: object,
    *,
    low: float | None = None,
    high: float | None = None,
) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        issues.add(path, f"'{value}' không phải là số", f"'{value}' is not a number")
        return None
    number = float(value)
    if (low is not None and number < low) or (high is not None and number > high):
        bounds = f"[{'' if low is None else low}, {'' if high is None else high}]"
        issues.add(path, f"{number} nằm ngoài khoảng {bounds}", f"{number} is outside {bounds}")
        return None
    return number


def _enum[
    E: (Aggregation, MissingPolicy, InputKind, RuleType, Normalisation, ZeroDenominator, Source)
](issues: _Collector, path: str, value: object, enum: type[E], default: E | None) -> E | None:
    if value is None:
        return default
    try:
        if not isinstance(value, str):
            raise ValueError(value)
        return enum(value)
    except ValueError:
        allowed = ", ".join(member.value for member in enum)
        issues.add(
            path,
            f"Giá trị '{value}' không hợp lệ (cho phép: {allowed})",
            f"Invalid value '{value}' (allowed: {allowed})",
        )
        return default


def _legal_source(issues: _Collector, raw: object) -> LegalSource | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        issues.add("/legal_source", "Phải là một ánh xạ", "Must be a mapping")
        return None
    _unknown_keys(issues, "/legal_source", raw, {"number", "date", "title_vi", "title_en", "url"})
    number = _text(issues, "/legal_source/number", raw.get("number"), required=True)
    date = raw.get("date")
    if isinstance(date, str):
        try:
            date = dt.date.fromisoformat(date)
        except ValueError:
            issues.add(
                "/legal_source/date",
                f"Ngày '{date}' phải theo dạng YYYY-MM-DD",
                f"Date '{date}' must be YYYY-MM-DD",
            )
            date = None
    elif date is not None and not isinstance(date, dt.date):
        issues.add("/legal_source/date", "Ngày không hợp lệ", "Invalid date")
        date = None
    return LegalSource(
        number=number or "",
        date=date,
        title_vi=_text(issues, "/legal_source/title_vi", raw.get("title_vi")),
        url=_text(issues, "/legal_source/url", raw.get("url")),
    )


def _pillars(issues: _Collector, raw: object) -> tuple[Pillar, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        issues.add("/pillars", "Phải là một danh sách", "Must be a list")
        return ()
    pillars: list[Pillar] = []
    for i, item in enumerate(raw):
        path = f"/pillars/{i}"
        if not isinstance(item, Mapping):
            issues.add(path, "Phải là một ánh xạ", "Must be a mapping")
            continue
        _unknown_keys(issues, path, item, {"code", "name_vi", "name_en"})
        code = _text(issues, f"{path}/code", item.get("code"), required=True)
        if code and not _CODE.match(code):
            issues.add(f"{path}/code", f"Mã '{code}' không hợp lệ", f"Invalid code '{code}'")
        if code and any(p.code == code for p in pillars):
            issues.add(f"{path}/code", f"Trùng mã trụ cột '{code}'", f"Duplicate pillar '{code}'")
        pillars.append(
            Pillar(
                code=code or "",
                name_vi=_text(issues, f"{path}/name_vi", item.get("name_vi"), required=True) or "",
                name_en=_text(issues, f"{path}/name_en", item.get("name_en"), required=True) or "",
            )
        )
    return tuple(pillars)


def _node(
    issues: _Collector,
    raw: Mapping[Any, Any],
    parent_path: str,
    parent: Mapping[Any, Any] | None,
    seen: dict[str, str],
    pillar_codes: set[str],
) -> Node:
    code_value = raw.get("code")
    code = str(code_value) if isinstance(code_value, int | float) else code_value
    shown = code if isinstance(code, str) and code else "?"
    path = f"{parent_path}/{shown}" if parent_path else shown
    _unknown_keys(issues, path, raw, _NODE_KEYS)
    code = _text(issues, f"{path}/code", code, required=True)
    if code:
        if not _CODE.match(code) or code.endswith((".num", ".den")) or code in RESERVED_COLUMNS:
            issues.add(
                f"{path}/code",
                f"Mã '{code}' không dùng được làm tên cột (chỉ chữ, số, '.', '_', '-'; "
                "không kết thúc bằng .num/.den)",
                f"Code '{code}' cannot be a column name (letters, digits, '.', '_', '-' only; "
                "not ending in .num/.den)",
            )
        if code in seen:
            issues.add(
                f"{path}/code",
                f"Mã '{code}' trùng với nút {seen[code]}",
                f"Code '{code}' duplicates node {seen[code]}",
            )
        else:
            seen[code] = path
    name_vi = _text(issues, f"{path}/name_vi", raw.get("name_vi"), required=True)
    name_en = _text(issues, f"{path}/name_en", raw.get("name_en"), required=True)
    max_points = _number(issues, f"{path}/max_points", raw.get("max_points"), low=0)
    weight = _number(issues, f"{path}/weight", raw.get("weight"), low=0)
    parent_aggregation = (
        None if parent is None else raw_aggregation(parent.get("aggregation", "sum"))
    )
    derivable = (
        "children" in raw and raw_aggregation(raw.get("aggregation", "sum")) is Aggregation.SUM
    )
    if (
        parent_aggregation is Aggregation.SUM
        and max_points is None
        and "max_points" not in raw
        and not derivable
    ):
        parent_max = parent.get("max_points") if parent is not None else None
        if parent_max == 0:
            max_points = 0.0  # children of a recorded-only node are recorded-only too
        else:
            issues.add(
                f"{path}/max_points",
                "Nút con của nút cộng điểm (sum) phải có max_points",
                "A child of a sum node must have max_points",
            )
    if (
        parent_aggregation is not None
        and parent_aggregation is not Aggregation.SUM
        and ("weight" not in raw and "max_points" not in raw)
    ):
        weight = 1.0
    level = raw.get("level")
    if level is not None and level not in ("group", "main_index", "component", "pillar"):
        issues.add(
            f"{path}/level",
            f"Cấp '{level}' phải là group, main_index, component hoặc pillar",
            f"Level '{level}' must be group, main_index, component or pillar",
        )
    pillars_raw = raw.get("pillars", [])
    pillars: list[str] = []
    if not isinstance(pillars_raw, list):
        issues.add(f"{path}/pillars", "Phải là một danh sách mã", "Must be a list of codes")
    else:
        for p in pillars_raw:
            if p not in pillar_codes:
                issues.add(
                    f"{path}/pillars",
                    f"Trụ cột '{p}' chưa được khai báo trong 'pillars'",
                    f"Pillar '{p}' is not declared under 'pillars'",
                )
            else:
                pillars.append(str(p))
    text_status = raw.get("text_status")
    if text_status is not None and text_status not in ("found", "not_found"):
        issues.add(
            f"{path}/text_status",
            "text_status phải là found hoặc not_found",
            "text_status must be found or not_found",
        )
    common: dict[str, Any] = {
        "code": code or "",
        "name_vi": name_vi or "",
        "name_en": name_en or "",
        "path": path,
        "max_points": max_points,
        "weight": weight,
        "level": level,
        "pillars": tuple(pillars),
        "text_status": text_status,
        "note_vi": _text(issues, f"{path}/note_vi", raw.get("note_vi")),
    }
    children_raw = raw.get("children")
    if children_raw is not None:
        return _branch(issues, raw, path, children_raw, common, seen, pillar_codes)
    return _leaf(issues, raw, path, common)


def raw_aggregation(value: object) -> Aggregation | None:
    try:
        return Aggregation(str(value))
    except ValueError:
        return None


def _branch(
    issues: _Collector,
    raw: Mapping[Any, Any],
    path: str,
    children_raw: object,
    common: dict[str, Any],
    seen: dict[str, str],
    pillar_codes: set[str],
) -> Node:
    for key in _LEAF_ONLY_KEYS & set(raw):
        issues.add(
            f"{path}/{key}",
            f"'{key}' chỉ dùng cho nút lá (không có children)",
            f"'{key}' belongs on leaves only (nodes without children)",
        )
    aggregation = _enum(
        issues, f"{path}/aggregation", raw.get("aggregation"), Aggregation, Aggregation.SUM
    )
    missing = _enum(
        issues, f"{path}/missing", raw.get("missing"), MissingPolicy, MissingPolicy.ZERO
    )
    share = _number(issues, f"{path}/min_data_share", raw.get("min_data_share"), low=0, high=1)
    children: list[Node] = []
    if not isinstance(children_raw, list) or not children_raw:
        issues.add(f"{path}/children", "Phải là danh sách không rỗng", "Must be a non-empty list")
    else:
        for i, child in enumerate(children_raw):
            if not isinstance(child, Mapping):
                issues.add(f"{path}/children/{i}", "Phải là một ánh xạ", "Must be a mapping")
                continue
            children.append(_node(issues, child, path, raw, seen, pillar_codes))
    max_points = common["max_points"]
    if aggregation is Aggregation.SUM and children:
        total = math.fsum(c.max_points or 0.0 for c in children)
        if max_points is None:
            common["max_points"] = total
        elif not math.isclose(max_points, total, rel_tol=0, abs_tol=1e-9):
            issues.add(
                f"{path}/max_points",
                f"max_points = {max_points:g} khác tổng điểm các nút con = {total:g}",
                f"max_points = {max_points:g} differs from the sum of its children's = {total:g}",
            )
    return Node(
        **common,
        aggregation=aggregation or Aggregation.SUM,
        missing=missing or MissingPolicy.ZERO,
        min_data_share=share or 0.0,
        children=tuple(children),
    )


def _leaf(issues: _Collector, raw: Mapping[Any, Any], path: str, common: dict[str, Any]) -> Node:
    for key in ("aggregation", "missing", "min_data_share"):
        if key in raw:
            issues.add(
                f"{path}/{key}",
                f"'{key}' chỉ dùng cho nút có children",
                f"'{key}' belongs on nodes with children",
            )
    not_found = common["text_status"] == "not_found"
    input_raw = raw.get("input")
    rule_raw = raw.get("rule")
    spec: InputSpec | None = None
    rule: Rule | None = None
    if input_raw is None and rule_raw is None and not_found:
        # The source text could not be found: the leaf takes its 0–1 value as published.
        spec, rule = InputSpec(InputKind.NUMBER), Rule(RuleType.DIRECT)
    else:
        spec = _input(issues, f"{path}/input", input_raw)
        rule = _rule(issues, f"{path}/rule", rule_raw, spec, common["max_points"])
    source = _enum(issues, f"{path}/source", raw.get("source"), Source, None)
    return Node(
        **common,
        input=spec,
        rule=rule,
        evidence_vi=_text(issues, f"{path}/evidence_vi", raw.get("evidence_vi")),
        supplied_by=_text(issues, f"{path}/supplied_by", raw.get("supplied_by")),
        verified_by=_text(issues, f"{path}/verified_by", raw.get("verified_by")),
        source=source,
    )


def _input(issues: _Collector, path: str, raw: object) -> InputSpec | None:
    if not isinstance(raw, Mapping):
        issues.add(
            path,
            "Nút lá phải có 'input' với 'kind' (hoặc text_status: not_found)",
            "A leaf needs 'input' with a 'kind' (or text_status: not_found)",
        )
        return None
    _unknown_keys(issues, path, raw, {"kind", "unit"})
    kind = _enum(issues, f"{path}/kind", raw.get("kind"), InputKind, None)
    if kind is None:
        if "kind" not in raw:
            issues.add(f"{path}/kind", "Thiếu 'kind'", "'kind' is missing")
        return None
    unit = raw.get("unit")
    return InputSpec(kind=kind, unit=None if unit is None else str(unit))


def _rule(
    issues: _Collector, path: str, raw: object, spec: InputSpec | None, max_points: float | None
) -> Rule | None:
    if not isinstance(raw, Mapping):
        issues.add(path, "Nút lá phải có 'rule' với 'type'", "A leaf needs 'rule' with a 'type'")
        return None
    rule_type = _enum(issues, f"{path}/type", raw.get("type"), RuleType, None)
    if rule_type is None:
        if "type" not in raw:
            issues.add(f"{path}/type", "Thiếu 'type'", "'type' is missing")
        return None
    _unknown_keys(issues, path, raw, _RULE_KEYS[rule_type] | {"type"})
    if spec is not None and rule_type not in _RULES_FOR_INPUT[spec.kind]:
        allowed = ", ".join(sorted(r.value for r in _RULES_FOR_INPUT[spec.kind]))
        issues.add(
            f"{path}/type",
            f"Quy tắc '{rule_type}' không dùng được với dữ liệu '{spec.kind}' (dùng: {allowed})",
            f"Rule '{rule_type}' does not fit input '{spec.kind}' (use: {allowed})",
        )
    match rule_type:
        case RuleType.RATIO:
            zd = _enum(
                issues,
                f"{path}/zero_denominator",
                raw.get("zero_denominator"),
                ZeroDenominator,
                None,
            )
            if zd is None and "zero_denominator" not in raw:
                issues.add(
                    f"{path}/zero_denominator",
                    "Phải chọn rõ khi mẫu số bằng 0: full, zero hoặc missing",
                    "Choose explicitly what a zero denominator earns: full, zero or missing",
                )
            return Rule(rule_type, zero_denominator=zd or ZeroDenominator.FULL)
        case RuleType.LINEAR_TO_TARGET:
            target = _number(issues, f"{path}/target", raw.get("target"))
            if target is None or target <= 0:
                issues.add(f"{path}/target", "Cần 'target' > 0", "Needs 'target' > 0")
            return Rule(rule_type, target=target)
        case RuleType.STEPS:
            return _steps(issues, path, raw, max_points)
        case RuleType.CHOICE:
            return _choice(issues, path, raw, max_points)
        case RuleType.NORMALISE:
            return _normalise(issues, path, raw)
        case RuleType.RELATIVE_TO_BEST:
            return Rule(rule_type, higher_is_better=_polarity(issues, path, raw))
        case _:
            return Rule(rule_type)


def _number_list(issues: _Collector, path: str, raw: object) -> list[float] | None:
    if not isinstance(raw, list) or not raw:
        issues.add(path, "Phải là danh sách số không rỗng", "Must be a non-empty list of numbers")
        return None
    out: list[float] = []
    for i, item in enumerate(raw):
        number = _number(issues, f"{path}/{i}", item)
        if number is None:
            return None
        out.append(number)
    return out


def _scale(points: list[float], max_points: float | None) -> float:
    # Under sum aggregation points are absolute; elsewhere the best option is full marks.
    return max_points if max_points else max(points, default=0.0)


def _steps(issues: _Collector, path: str, raw: Mapping[Any, Any], max_points: float | None) -> Rule:
    thresholds = _number_list(issues, f"{path}/thresholds", raw.get("thresholds"))
    points = _number_list(issues, f"{path}/points", raw.get("points"))
    if thresholds is None or points is None:
        return Rule(RuleType.STEPS)
    if len(thresholds) != len(points):
        issues.add(
            path,
            f"Số ngưỡng ({len(thresholds)}) khác số mức điểm ({len(points)})",
            f"{len(thresholds)} thresholds but {len(points)} point levels",
        )
        return Rule(RuleType.STEPS)
    if any(b <= a for a, b in itertools.pairwise(thresholds)):
        issues.add(
            f"{path}/thresholds",
            "Các ngưỡng phải tăng dần",
            "Thresholds must be strictly increasing",
        )
    if any(b < a for a, b in itertools.pairwise(points)) or min(points) < 0:
        issues.add(
            f"{path}/points",
            "Các mức điểm phải không âm và không giảm",
            "Point levels must be non-negative and non-decreasing",
        )
    if max_points is not None and max_points > 0 and max(points) > max_points + 1e-12:
        issues.add(
            f"{path}/points",
            f"Mức điểm {max(points):g} vượt max_points {max_points:g}",
            f"Point level {max(points):g} exceeds max_points {max_points:g}",
        )
    scale = _scale(points, max_points)
    fractions = tuple(p / scale if scale else 0.0 for p in points)
    return Rule(RuleType.STEPS, thresholds=tuple(thresholds), step_fractions=fractions)


def option_code(value: object) -> str:
    """The canonical text of an option code, as written in YAML or in a data cell."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip().lower()


def _choice(
    issues: _Collector, path: str, raw: Mapping[Any, Any], max_points: float | None
) -> Rule:
    options = raw.get("options")
    mode = raw.get("as", "fraction")
    if mode not in ("fraction", "points"):
        issues.add(
            f"{path}/as", "'as' phải là fraction hoặc points", "'as' must be fraction or points"
        )
        mode = "fraction"
    if not isinstance(options, Mapping) or not options:
        issues.add(
            f"{path}/options",
            "Cần ánh xạ mã lựa chọn → điểm không rỗng",
            "Needs a non-empty mapping of option code → credit",
        )
        return Rule(RuleType.CHOICE)
    values: list[tuple[str, float]] = []
    for key, value in options.items():
        number = _number(issues, f"{path}/options/{key}", value, low=0)
        if number is None:
            continue
        code = option_code(key)
        if any(code == existing for existing, _ in values):
            issues.add(f"{path}/options/{key}", "Trùng mã lựa chọn", "Duplicate option code")
        values.append((code, number))
    if mode == "fraction":
        for key, number in values:
            if number > 1:
                issues.add(
                    f"{path}/options/{key}",
                    f"Tỷ lệ {number:g} phải trong [0, 1] (hay dùng as: points)",
                    f"Fraction {number:g} must be within [0, 1] (or use as: points)",
                )
        return Rule(RuleType.CHOICE, options=tuple(values))
    points = [number for _, number in values]
    if max_points is not None and max_points > 0 and max(points, default=0) > max_points + 1e-12:
        issues.add(
            f"{path}/options",
            f"Điểm lựa chọn {max(points):g} vượt max_points {max_points:g}",
            f"Option points {max(points):g} exceed max_points {max_points:g}",
        )
    scale = _scale(points, max_points)
    return Rule(
        RuleType.CHOICE,
        options=tuple((key, number / scale if scale else 0.0) for key, number in values),
    )


def _polarity(issues: _Collector, path: str, raw: Mapping[Any, Any]) -> bool:
    value = raw.get("higher_is_better", True)
    if not isinstance(value, bool):
        issues.add(
            f"{path}/higher_is_better",
            "Phải là true hoặc false",
            "Must be true or false",
        )
        return True
    return value


def _normalise(issues: _Collector, path: str, raw: Mapping[Any, Any]) -> Rule:
    method = _enum(issues, f"{path}/method", raw.get("method"), Normalisation, None)
    if method is None and "method" not in raw:
        issues.add(f"{path}/method", "Thiếu 'method'", "'method' is missing")
    goalposts: tuple[float, float] | None = None
    if "goalposts" in raw:
        values = _number_list(issues, f"{path}/goalposts", raw.get("goalposts"))
        if values is not None:
            if len(values) != 2 or values[0] >= values[1]:
                issues.add(
                    f"{path}/goalposts",
                    "goalposts phải là [thấp, cao] với thấp < cao",
                    "goalposts must be [low, high] with low < high",
                )
            else:
                goalposts = (values[0], values[1])
    target = _number(issues, f"{path}/target", raw.get("target"))
    if method is Normalisation.DISTANCE_TO_TARGET and target is None:
        issues.add(
            f"{path}/target", "distance_to_target cần 'target'", "distance_to_target needs 'target'"
        )
    if (
        method is Normalisation.DISTANCE_TO_TARGET
        and target is not None
        and goalposts is not None
        and (goalposts[0] == target)
    ):
        issues.add(f"{path}/target", "'target' trùng mốc thấp", "'target' equals the low goalpost")
    bound = _number(issues, f"{path}/zscore_bound", raw.get("zscore_bound"), low=0.5)
    return Rule(
        RuleType.NORMALISE,
        method=method,
        goalposts=goalposts,
        target=target,
        higher_is_better=_polarity(issues, path, raw),
        zscore_bound=bound or 3.0,
    )
