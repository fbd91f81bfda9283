"""Results at national scale: 3,321 communes, five published periods (SQLite).

    .venv/bin/python benchmarks/bench_results.py

Prints server time of the ranking page (p95 ≤ 200 ms), a scorecard (p95 ≤ 100 ms), the
dashboard (p95 ≤ 300 ms) and the official PDF report for a province (≤ 5 s), the
analysis of a snapshot (rank bands, done once by the worker), and the bytes of the
public pages with every asset they load (≤ 150 KB on first load), raw and gzipped.

The data go in as the assessments benchmark puts them: the real units, the shipped
commune framework, submissions created in bulk with approved final values, then each
period published by ``do_publish_period`` — the action the province uses.
"""

from __future__ import annotations

import atexit
import datetime as dt
import gzip
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["XASO_DATA_DIR"] = tempfile.mkdtemp(prefix="xaso-bench-results-")
atexit.register(shutil.rmtree, os.environ["XASO_DATA_DIR"], ignore_errors=True)
os.environ.pop("DATABASE_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xaso.settings")

import django  # noqa: E402

django.setup()

from django.contrib.staticfiles import finders  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402

from xaso.accounts.tests.factories import make_user  # noqa: E402
from xaso.assessments import actions, queries  # noqa: E402
from xaso.assessments.cells import kind_of  # noqa: E402
from xaso.assessments.models import Period, ScopeKind, Status, Submission  # noqa: E402
from xaso.index.model import InputKind  # noqa: E402
from xaso.results import exports  # noqa: E402
from xaso.results import queries as results_queries  # noqa: E402
from xaso.results.actions import do_analyse_snapshot  # noqa: E402
from xaso.units.actions import do_import_units  # noqa: E402
from xaso.units.models import Unit, UnitGroup  # noqa: E402

FRAMEWORK = Path(__file__).resolve().parent.parent / "frameworks" / "commune-dx.yaml"
YEARS = (2021, 2022, 2023, 2024, 2025)


def cells(framework: object, rng: random.Random, level: float) -> dict[str, dict[str, object]]:
    out: dict[str, dict[str, object]] = {}
    for leaf in framework.leaves:  # type: ignore[attr-defined]
        x = min(1.0, max(0.0, level + rng.uniform(-0.3, 0.3)))
        kind = kind_of(leaf)
        if kind is InputKind.RATIO:
            den = rng.randint(5, 40)
            out[leaf.code] = {"num": float(round(den * x)), "den": float(den)}
        elif kind is InputKind.CHOICE:
            codes = [c for c, _ in leaf.rule.options]
            out[leaf.code] = {"opt": codes[min(len(codes) - 1, int((1 - x) * len(codes)))]}
        elif kind is InputKind.BOOLEAN:
            out[leaf.code] = {"yes": x > 0.5}
        elif kind is InputKind.COUNT:
            out[leaf.code] = {"v": float(round(6 * x))}
        else:
            out[leaf.code] = {"v": round(100 * x, 1)}
    return out


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1] if len(samples) > 1 else samples[0]


def timed(client: Client, urls: list[str]) -> list[float]:
    out = []
    for url in urls:
        started = time.perf_counter()
        response = client.get(url)
        out.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return out


def weight(client: Client, url: str) -> tuple[int, int, int]:
    html = client.get(url).content
    assets = re.findall(rb'(?:href|src)="(/static/[^"]+)"', html)
    raw, packed = len(html), len(gzip.compress(html))
    for asset in assets:
        body = Path(str(finders.find(asset.decode().removeprefix("/static/")))).read_bytes()
        raw += len(body)
        packed += len(gzip.compress(body))
    return raw, packed, len(assets)


def main() -> None:
    call_command("migrate", interactive=False, verbosity=0)
    do_import_units()
    version = actions.do_import_framework(text=FRAMEWORK.read_text(), actor=None).version
    communes = list(Unit.objects.filter(generation="current", level="commune").order_by("code"))
    group = UnitGroup.objects.create(name="Cả nước (thử)", slug="ca-nuoc-thu")
    group.members.set(communes)
    pilots = UnitGroup.objects.create(name="Thí điểm (thử)", slug="thi-diem-thu")
    pilots.members.set(communes[::97])
    print(f"units {len(communes)}")
    rng = random.Random(2025)
    talent = {u.pk: rng.uniform(0.2, 0.8) for u in communes}
    framework = None
    previous = None
    publish_s = []
    snapshot = None
    for k, year in enumerate(YEARS):
        opens = timezone.make_aware(dt.datetime(year, 12, 1))
        # A national period spans provinces, which do_create_period refuses by design (a
        # period belongs to one province); as in bench_assessments it is set up directly.
        period = Period.objects.create(
            framework=version, province=communes[0].province, name=f"Thử toàn quốc {year}",
            year=year, starts_on=dt.date(year, 1, 1), ends_on=dt.date(year, 12, 31),
            scope_kind=ScopeKind.GROUP, scope_group=group, opens_at=opens,
            closes_at=opens + dt.timedelta(days=45), previous=previous,
        )  # fmt: skip
        framework = framework or queries.framework_of(period)
        subs = []
        for u in communes:
            values = cells(framework, rng, talent[u.pk] + 0.05 * k)
            subs.append(Submission(
                period=period, unit=u, province_id=u.province_id, status=Status.APPROVED,
                self_values=values, final_values=values,
                submitted_at=opens + dt.timedelta(days=rng.randint(1, 50)),
            ))  # fmt: skip
        Submission.objects.bulk_create(subs, batch_size=1000)
        started = time.perf_counter()
        snapshot = actions.do_publish_period(period=period, actor=None)
        publish_s.append(time.perf_counter() - started)
        previous = period
    print(f"publish_period_3321_s {statistics.fmean(publish_s):.2f} (mean of {len(YEARS)})")
    assert snapshot is not None and previous is not None
    started = time.perf_counter()
    do_analyse_snapshot(snapshot=snapshot, actor=None)
    print(f"analyse_snapshot_3321_s {time.perf_counter() - started:.2f} (1000 draws, once)")

    client = Client()
    pid = previous.pk
    province = max(
        {u.province_id for u in communes},
        key=lambda p: sum(1 for u in communes if u.province_id == p),
    )
    codes = [u.code for u in random.Random(1).sample(communes, 40)]
    started = time.perf_counter()
    client.get(f"/ket-qua/ky/{pid}/")
    print(f"ranking_first_request_ms {(time.perf_counter() - started) * 1000:.0f} (cold cache)")
    ranking_urls = [
        f"/ket-qua/ky/{pid}/", f"/ket-qua/ky/{pid}/?trang=20", f"/ket-qua/ky/{pid}/?loai=phuong",
        f"/ket-qua/ky/{pid}/?tinh={province}", f"/ket-qua/ky/{pid}/?q=hoa+phu",
        f"/ket-qua/ky/{pid}/?chi-so=CQ&sap=thay-doi", f"/ket-qua/ky/{pid}/?sap=ten&trang=5",
        f"/ket-qua/ky/{pid}/?nhom={pilots.pk}",
    ] * 5  # fmt: skip
    samples = timed(client, ranking_urls)
    print(f"ranking_page_p95_ms {p95(samples):.0f} (median {statistics.median(samples):.0f}, "
          f"n={len(samples)})")  # fmt: skip
    results_queries.clear_cache()  # as a fresh web process: table and re-scoring not built
    started = time.perf_counter()
    client.get(f"/ket-qua/ky/{pid}/don-vi/{codes[-1]}/")
    cold = (time.perf_counter() - started) * 1000
    print(
        f"scorecard_first_request_ms {cold:.0f} "
        "(cold process: builds both tables and re-scores 3,321 units)"
    )
    samples = timed(client, [f"/ket-qua/ky/{pid}/don-vi/{c}/" for c in codes[:-1]])
    print(f"scorecard_p95_ms {p95(samples):.0f} (median {statistics.median(samples):.0f}, "
          f"n={len(samples)}; first call per unit)")  # fmt: skip
    leader = make_user(role="leader", units=[Unit.objects.get(pk=province)])
    official = Client()
    official.force_login(leader)
    with override_settings(XASO_REQUIRE_2FA=False):
        samples = timed(official, [f"/ket-qua/bang-dieu-khien/?tinh={province}&ky={pid}"] * 20)
    size = sum(1 for u in communes if u.province_id == province)
    print(f"dashboard_p95_ms {p95(samples):.0f} (median {statistics.median(samples):.0f}, "
          f"province of {size} communes)")  # fmt: skip
    found = results_queries.published_or_none(pid)
    assert found is not None
    started = time.perf_counter()
    data = exports.report_data(found[0], found[1], results_queries.Filters(province=province))
    pdf = exports.report_pdf(data, exports.ReportOptions(
        "UBND TỈNH", "SỞ KHOA HỌC VÀ CÔNG NGHỆ", "", "BC-SKHCN", "Hà Nội",
        timezone.localdate(), "", "GIÁM ĐỐC", exports.DEFAULT_RECIPIENTS,
    ))  # fmt: skip
    print(f"official_pdf_province_s {time.perf_counter() - started:.2f} "
          f"({data.count} units, {len(pdf) // 1024} KB)")  # fmt: skip
    started = time.perf_counter()
    data = exports.report_data(found[0], found[1], results_queries.Filters())
    exports.report_docx(data, exports.ReportOptions(
        "UBND TỈNH", "SỞ KH&CN", "", "BC-SKHCN", "Hà Nội", timezone.localdate(), "",
        "GIÁM ĐỐC", exports.DEFAULT_RECIPIENTS,
    ))  # fmt: skip
    print(f"official_docx_all_3321_s {time.perf_counter() - started:.2f}")
    for label, url in (
        ("portal_page", "/ket-qua/"),
        ("ranking_page", f"/ket-qua/ky/{pid}/"),
        ("scorecard_page", f"/ket-qua/ky/{pid}/don-vi/{codes[0]}/"),
    ):
        raw, packed, n = weight(client, url)
        print(f"{label}_bytes_raw {raw} ({raw / 1024:.1f} KB, {n} assets)")
        print(f"{label}_bytes_gzip {packed} ({packed / 1024:.1f} KB)")


if __name__ == "__main__":
    main()
