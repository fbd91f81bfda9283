"""Demo records: synthetic but realistic one-stop dossiers, documents and fee payments for
the seed pilot communes in 2024 and 2025, generated here (seeded, so every run makes the
same records) and loaded through the same action as a real file.

The aggregates reproduce the seeds: Sông Cầu (now Phường Bắc Kạn) 91 % of dossiers full-
process online and 10,7 % of fees paid online in 2024 (93 % and 14,2 % in 2025); Đức Vân
(now Xã Ngân Sơn) 99 % full-process online; Hòa Phú 100 % of outgoing documents signed
digitally and sent online. Records dated before 1 July 2025 carry the pre-reform commune's
code, later ones today's code, as the province's systems did. One signed decision (signed
by a throwaway demo CA whose root is in Thái Nguyên's trust store) is attached to an open
2025 submission, and every demo PDF evidence is checked.

Run ``python -m xaso.connectors.demo OUT_DIR`` to write the same record sets as CSV files.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xaso.assessments import actions as assessment_actions
from xaso.assessments.models import Evidence, Period, Status, Submission
from xaso.connectors import actions
from xaso.connectors.models import Source
from xaso.connectors.readers import rows_from_objects
from xaso.connectors.testca import make_ca, make_pdf
from xaso.units import demo as units_demo
from xaso.units.models import REFORM_DATE, Unit

PROCEDURES = (
    ("2.000815", "Chứng thực bản sao từ bản chính giấy tờ, văn bản", 2000),
    ("2.000884", "Chứng thực chữ ký trong các giấy tờ, văn bản", 10000),
    ("1.001193", "Đăng ký kết hôn", 0),
    ("1.001612", "Đăng ký khai sinh", 0),
    ("1.004227", "Cấp bản sao trích lục hộ tịch", 8000),
    ("1.003583", "Xác nhận tình trạng hôn nhân", 0),
    ("1.000656", "Đăng ký khai tử", 0),
)
FREE = [p for p in PROCEDURES if not p[2]]
PAID = [p for p in PROCEDURES if p[2]]


@dataclass(frozen=True)
class Plan:
    """One commune-year: how many dossiers, how many with a fee, and the exact counts the
    seeds report (None → a plausible seeded share)."""

    dossiers: int
    with_fee: int
    full_online: int | None = None
    paid_online: int | None = None
    documents: int = 60
    signed_share: float | None = None


# (legacy province, district, commune) → year → plan
PLANS: dict[tuple[str, str, str], dict[int, Plan]] = {
    ("Bắc Kạn", "Bắc Kạn", "Sông Cầu"): {
        # 1.001 / 1.100 = 91 %; 107 / 1.000 = 10,7 % (seed 004).
        2024: Plan(1100, 1000, full_online=1001, paid_online=107),
        # 558 / 600 = 93 %; 71 / 500 = 14,2 %.
        2025: Plan(600, 500, full_online=558, paid_online=71),
    },
    ("Bắc Kạn", "Ngân Sơn", "Đức Vân"): {
        2024: Plan(300, 60, full_online=297),  # 99 %
        2025: Plan(200, 40, full_online=198),  # 99 %
    },
    ("Đắk Lắk", "Buôn Ma Thuột", "Hòa Phú"): {
        2024: Plan(150, 40, documents=80, signed_share=1.0),  # seed 001: 100 %
        2025: Plan(150, 40, documents=80, signed_share=1.0),
    },
}
DEFAULT = {2024: Plan(100, 30), 2025: Plan(100, 30)}
SOURCES = {
    "Thái Nguyên": (("mot-cua", "Hệ thống thông tin giải quyết TTHC tỉnh Thái Nguyên"),
                    ("vbdh", "Hệ thống quản lý văn bản và điều hành tỉnh Thái Nguyên"),
                    ("thanh-toan", "Nền tảng thanh toán trực tuyến (Cổng DVC)")),
    "Đắk Lắk": (("mot-cua", "Hệ thống thông tin giải quyết TTHC tỉnh Đắk Lắk"),
                ("vbdh", "Hệ thống quản lý văn bản và điều hành tỉnh Đắk Lắk"),
                ("thanh-toan", "Nền tảng thanh toán trực tuyến (Cổng DVC)")),
}  # fmt: skip


def _exact(rng: random.Random, n: int, k: int) -> list[bool]:
    """n flags, exactly k of them true, in seeded order."""
    flags = [True] * k + [False] * (n - k)
    rng.shuffle(flags)
    return flags


def _code_on(legacy: Unit, today: Unit, day: dt.date) -> str:
    return legacy.code if day < REFORM_DATE else today.code


def _local(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


def records(
    legacy: Unit, today: Unit, year: int, plan: Plan
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """(dossiers, documents, payments) of one commune-year."""
    rng = random.Random(f"{legacy.code}-{year}")
    n, with_fee = plan.dossiers, plan.with_fee
    full = _exact(rng, n, plan.full_online if plan.full_online is not None
                  else round(n * rng.uniform(0.55, 0.9)))  # fmt: skip
    fee_flags = _exact(rng, n, with_fee)
    paid_count = (
        plan.paid_online
        if plan.paid_online is not None
        else round(with_fee * rng.uniform(0.02, 0.12))
    )
    # Online payment needs an online dossier: hand the payments to fee dossiers filed online.
    paid_slots = [i for i in range(n) if fee_flags[i] and full[i]]
    if len(paid_slots) < paid_count:
        paid_slots += [i for i in range(n) if fee_flags[i] and not full[i]]
    paid = set(rng.sample(paid_slots, paid_count))
    dossiers, payments = [], []
    span = (dt.date(year, 12, 31) - dt.date(year, 1, 2)).days
    for i in range(n):
        day = dt.date(year, 1, 2) + dt.timedelta(days=int(span * (i + rng.random()) / n))
        received = dt.datetime.combine(day, dt.time(7, 30)) + dt.timedelta(
            minutes=rng.randint(0, 540)
        )
        proc = rng.choice(PAID if fee_flags[i] else FREE)
        online = full[i] or i in paid or rng.random() < 0.3
        due = received + dt.timedelta(days=rng.choice([1, 3, 5]))
        late = rng.random() < 0.04
        resolved = (
            due + dt.timedelta(hours=rng.randint(2, 48))
            if late
            else received + (due - received) * rng.uniform(0.2, 0.95)
        )
        sid = f"H{legacy.code}-{year}-{i + 1:05d}"
        dossiers.append({
            "source_id": sid, "procedure_code": proc[0], "procedure_name": proc[1],
            "unit_code": _code_on(legacy, today, day), "received_at": _local(received),
            "channel": "online" if online else rng.choice(["in_person"] * 9 + ["post"]),
            "full_online": "có" if full[i] else "không", "due_at": _local(due),
            "resolved_at": _local(resolved), "status": "resolved", "fee": proc[2],
            "paid_online": "có" if i in paid else "không",
        })  # fmt: skip
        if proc[2]:
            payments.append({
                "source_id": f"TT-{sid}", "dossier_id": sid, "amount": proc[2],
                "method": "online" if i in paid else rng.choice(["cash", "cash", "transfer"]),
                "paid_at": _local(received + dt.timedelta(minutes=rng.randint(5, 90))),
            })  # fmt: skip
    documents = []
    share = plan.signed_share if plan.signed_share is not None else rng.uniform(0.75, 0.98)
    for i in range(plan.documents):
        day = dt.date(year, 1, 3) + dt.timedelta(days=int(span * i / plan.documents))
        outgoing = i % 3 != 2
        signed = rng.random() < share if plan.signed_share is None else share >= 1.0
        documents.append({
            "source_id": f"VB{legacy.code}-{year}-{i + 1:04d}",
            "unit_code": _code_on(legacy, today, day),
            "number": f"{i + 1}/{'UBND-VP' if outgoing else 'CV-SNV'}",
            "date": day.isoformat(), "direction": "out" if outgoing else "in",
            "signed": "có" if signed or not outgoing else "không",
            "processed_online": "có" if signed or rng.random() < 0.5 else "không",
        })  # fmt: skip
    return dossiers, documents, payments


def pilot_communes() -> Iterator[tuple[str, Unit, Unit]]:
    """(province short name today, legacy commune, today's commune) of every seed pilot."""
    for pilot in units_demo.PILOT_GROUPS:
        for district, commune in pilot.communes:
            try:
                legacy = units_demo.legacy_commune(pilot.province, district, commune)
            except LookupError:
                continue
            today = units_demo.main_successor(legacy)
            assert today.province is not None
            yield today.province.short_name, legacy, today


def all_records() -> dict[str, dict[str, list[dict[str, Any]]]]:
    """province → kind → records."""
    out: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for province, legacy, today in pilot_communes():
        assert legacy.province is not None and legacy.parent is not None
        key = (legacy.province.short_name, legacy.parent.short_name, legacy.short_name)
        for year, plan in PLANS.get(key, DEFAULT).items():
            dossiers, documents, payments = records(legacy, today, year, plan)
            bucket = out.setdefault(province, {"dossier": [], "document": [], "payment": []})
            bucket["dossier"] += dossiers
            bucket["document"] += documents
            bucket["payment"] += payments
    return out


def _sources(province: Unit) -> dict[str, Source]:
    names = dict(SOURCES.get(province.short_name, SOURCES["Thái Nguyên"]))
    found = {}
    for code, name in names.items():
        source = Source.objects.filter(province=province, code=code).first()
        if source is None:
            source = actions.do_create_source(province=province, code=code, name=name,
                                              with_token=False, actor=None)[0]  # fmt: skip
        found[code] = source
    return found


def _signed_evidence(say: Callable[[str], None]) -> None:
    """A decision signed by the demo CA, attached to an open Bắc Kạn submission."""
    draft = (
        Submission.objects.filter(
            period__is_demo=True, status=Status.DRAFT, unit__province__short_name="Thái Nguyên"
        )
        .select_related("unit", "period")
        .order_by("unit__code")
        .first()
    )
    if (
        draft is None
        or Evidence.objects.filter(submission=draft, original_name__startswith="ky-so").exists()
    ):
        return
    ca = make_ca("CA demo xaso — không dùng để ký thật")
    assert draft.unit.province is not None
    actions.do_add_trust_root(province=draft.unit.province, name="CA demo xaso (chỉ để thử)",
                              data=ca.root_der, actor=None)  # fmt: skip
    pdf = ca.sign(make_pdf(f"Quyết định kiện toàn Ban chỉ đạo chuyển đổi số {draft.unit.name}"))
    assessment_actions.do_upload_evidence(
        submission=draft, criterion="NT1.01", name="ky-so-quyet-dinh-ban-chi-dao.pdf", data=pdf,
        doc_number="25/QĐ-UBND", doc_date=f"10/03/{draft.period.year}",
        doc_issuer=f"UBND {draft.unit.name}", doc_summary="Kiện toàn Ban chỉ đạo CĐS (demo, ký số)",
        actor=None,
    )  # fmt: skip
    say(f"Số liệu đo demo: minh chứng ký số (CA demo) cho {draft.unit.name}.")


def load_demo_connectors(say: Callable[[str], None]) -> None:
    loaded = 0
    for province_name, kinds in all_records().items():
        province = Unit.objects.filter(
            generation="current", level="province", short_name=province_name
        ).first()
        if province is None:
            continue
        sources = _sources(province)
        for kind, code in (("dossier", "mot-cua"), ("document", "vbdh"), ("payment", "thanh-toan")):
            source = sources[code]
            if source.batches.filter(state="done").exists():
                continue
            report = actions.do_import_records(
                source=source, kind=kind, rows=rows_from_objects(kinds[kind]),
                sha256=actions.file_sha256(repr(kinds[kind]).encode()), filename=f"demo-{kind}",
                origin="demo", extracted_at=dt.datetime(2026, 1, 5, 23, 0), actor=None,
            )  # fmt: skip
            if not report.ok:
                raise RuntimeError(f"demo {kind}: {report.errors[:3]}")
            loaded += report.batch.created
    _signed_evidence(say)
    pending = Evidence.objects.filter(
        submission__period__in=Period.objects.filter(is_demo=True), content_type="application/pdf"
    )
    checks = actions.do_check_signatures(evidence=list(pending), actor=None)
    if loaded:
        say(f"Số liệu đo demo: {loaded} bản ghi một cửa, văn bản, thanh toán; "
            f"{len(checks)} minh chứng PDF đã kiểm tra chữ ký số.")  # fmt: skip


def write_csv(out_dir: Path) -> list[Path]:
    """The same record sets as CSV files (one per province and kind)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for province, kinds in all_records().items():
        for kind, items in kinds.items():
            path = out_dir / f"{kind}-{province.replace(' ', '-').lower()}.csv"
            with path.open("w", newline="", encoding="utf-8") as fh:
                writer = csv.DictWriter(fh, fieldnames=list(items[0]))
                writer.writeheader()
                writer.writerows(items)
            written.append(path)
    return written


if __name__ == "__main__":
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xaso.settings")
    django.setup()
    for written in write_csv(Path(sys.argv[1] if len(sys.argv) > 1 else "demo-records")):
        print(written)
