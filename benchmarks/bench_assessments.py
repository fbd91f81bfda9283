"""Assessments at national scale: a province-wide workbook of 3,321 units × 100 criteria.

    .venv/bin/python benchmarks/bench_assessments.py

Prints, on SQLite in a temporary data directory: template generation (target ≤ 10 s),
the validated all-or-nothing import of the filled workbook (≤ 30 s), re-importing the
same file (changes nothing), and publishing a period of 3,321 units (≤ 10 s). The
framework is synthetic (100 criteria of every input kind); the units are the real ones.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["XASO_DATA_DIR"] = tempfile.mkdtemp(prefix="xaso-bench-")
os.environ.pop("DATABASE_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xaso.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

from xaso.assessments import actions, excel, queries  # noqa: E402
from xaso.assessments.cells import kind_of  # noqa: E402
from xaso.assessments.models import ImportKind, Period, ScopeKind, Status, Submission  # noqa: E402
from xaso.index.model import InputKind  # noqa: E402
from xaso.units.actions import do_import_units  # noqa: E402
from xaso.units.models import Unit, UnitGroup  # noqa: E402

KINDS = [
    ("number", "%", "{type: linear_to_target, target: 80}"),
    ("ratio", "%", "{type: ratio, zero_denominator: zero}"),
    ("count", "lần", "{type: steps, thresholds: [1, 2, 3, 4], points: [2.5, 5, 7.5, 10]}"),
    ("choice", None, "{type: choice, options: {du: 1, mot_phan: 0.5, chua: 0}}"),
    ("boolean", None, "{type: boolean}"),
]


def synthetic_framework() -> str:
    lines = [
        "code: bench-100", 'version: "1"', "name_vi: Bộ chỉ số thử 100 tiêu chí",
        "name_en: Benchmark framework", "root:", "  code: B", "  name_vi: Chỉ số",
        "  name_en: Index", "  children:",
    ]  # fmt: skip
    for m in range(10):
        lines += [
            f"    - code: M{m}", f"      name_vi: Chỉ số chính {m}", f"      name_en: Main {m}",
            "      level: main_index", "      max_points: 100", "      children:",
        ]  # fmt: skip
        for c in range(10):
            kind, unit, rule = KINDS[(m + c) % len(KINDS)]
            lines += [
                f"        - code: M{m}.{c:02d}",
                f"          name_vi: Tiêu chí {m}.{c} (thử)",
                f"          name_en: Criterion {m}.{c}",
                "          max_points: 10",
                f"          input: {{kind: {kind}{', unit: ' + repr(unit) if unit else ''}}}",
                f"          rule: {rule}",
                "          evidence_vi: Văn bản",
            ]
    return "\n".join(lines) + "\n"


def values_for(framework: object, rng: random.Random) -> dict[str, dict[str, object]]:
    out: dict[str, dict[str, object]] = {}
    for leaf in framework.leaves:  # type: ignore[attr-defined]
        kind = kind_of(leaf)
        if kind is InputKind.RATIO:
            den = rng.randint(1, 40)
            out[leaf.code] = {"num": float(rng.randint(0, den)), "den": float(den)}
        elif kind is InputKind.CHOICE:
            out[leaf.code] = {"opt": rng.choice(["du", "mot_phan", "chua"])}
        elif kind is InputKind.BOOLEAN:
            out[leaf.code] = {"yes": rng.random() < 0.7}
        elif kind is InputKind.COUNT:
            out[leaf.code] = {"v": float(rng.randint(0, 6))}
        else:
            out[leaf.code] = {"v": round(rng.uniform(0, 100), 1)}
    return out


def main() -> None:
    call_command("migrate", interactive=False, verbosity=0)
    do_import_units()
    fv = actions.do_import_framework(text=synthetic_framework(), actor=None).version
    communes = list(Unit.objects.filter(generation="current", level="commune").order_by("code"))
    print(f"units {len(communes)}")
    group = UnitGroup.objects.create(name="Cả nước (thử)", slug="ca-nuoc-thu")
    group.members.set(communes)
    now = timezone.now()
    # The national period spans provinces, which do_create_period refuses by design (a
    # period belongs to one province); the benchmark sets it up directly.
    period = Period.objects.create(
        framework=fv, province=communes[0].province, name="Thử toàn quốc", year=2025,
        starts_on=dt.date(2025, 1, 1), ends_on=dt.date(2025, 12, 31),
        scope_kind=ScopeKind.GROUP, scope_group=group, opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=30),
    )  # fmt: skip
    Submission.objects.bulk_create(
        [Submission(period=period, unit=u, province_id=u.province_id) for u in communes],
        batch_size=1000,
    )

    started = time.perf_counter()
    template = excel.province_template(**queries.province_workbook_parts(period))
    print(f"province_template_s {time.perf_counter() - started:.2f}")
    print(f"province_template_mb {len(template) / 1_048_576:.1f}")

    framework = queries.framework_of(period)
    rng = random.Random(2025)
    filled = excel.province_template(
        meta=queries.expected_meta(period, period.province, ImportKind.PROVINCE),
        framework=framework,
        units=[(u.code, u.name) for u in communes],
        current={u.code: values_for(framework, rng) for u in communes},
        previous={},
    )
    started = time.perf_counter()
    job = actions.do_start_import(
        period=period, unit=period.province, kind=ImportKind.PROVINCE, name="toan-quoc.xlsx",
        data=filled, actor=None,
    )  # fmt: skip
    job = actions.do_run_import(job=job, actor=None)
    print(f"province_import_s {time.perf_counter() - started:.2f}")
    assert job.state == "done", job.errors[:5]
    print(f"province_import_cells {3321 * 100} ({job.summary})")
    started = time.perf_counter()
    again = actions.do_run_import(
        job=actions.do_start_import(
            period=period, unit=period.province, kind=ImportKind.PROVINCE, name="lai.xlsx",
            data=filled, actor=None,
        ), actor=None,
    )  # fmt: skip
    print(f"province_reimport_same_file_s {time.perf_counter() - started:.2f} ({again.summary})")

    for sub in Submission.objects.filter(period=period):
        sub.final_values = sub.self_values
        sub.status = Status.APPROVED
        sub.save(update_fields=["final_values", "status"])
    started = time.perf_counter()
    snapshot = actions.do_publish_period(period=period, actor=None)
    print(f"publish_3321_units_s {time.perf_counter() - started:.2f}")
    print(f"snapshot_rows {snapshot.rows.count()}")


if __name__ == "__main__":
    main()
