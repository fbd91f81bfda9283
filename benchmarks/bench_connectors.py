"""Connectors at province scale: a million one-stop dossiers from CSV, and a signature check.

    .venv/bin/python benchmarks/bench_connectors.py [--rows N]

Prints, on SQLite in a temporary data directory (one ``name value`` per line):

- ``bare_insert_s``: the CSV read with the csv module and its cells inserted as they are
  into an identical copy of the dossier table (same columns and indexes) with
  ``executemany`` in one transaction — the floor any loader of these rows pays;
- ``ingest_s``: ``do_import_records`` on the same file: every row parsed and validated,
  units attributed through lineage, upserted on (source, source id), the monthly tallies
  of every unit touched rebuilt — target ≤ 60 s and ≤ 3 × ``bare_insert_s``;
- ``ingest_ratio``; ``reimport_s`` (target ≤ 20 s) and ``reimport_changed`` (must be 0);
- ``signature_check_s``: pyHanko verdict on a 1 MB signed PDF (target ≤ 1 s).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import random
import sqlite3
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

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

from xaso.connectors import actions  # noqa: E402
from xaso.connectors.models import Dossier, DossierTally  # noqa: E402
from xaso.connectors.readers import read_path  # noqa: E402
from xaso.connectors.signatures import check_pdf  # noqa: E402
from xaso.connectors.testca import TestCA, make_ca  # noqa: E402
from xaso.units.actions import do_import_units  # noqa: E402
from xaso.units.models import Generation, Level, Unit  # noqa: E402

HEADER = ["source_id", "procedure_code", "procedure_name", "unit_code", "received_at", "channel",
          "full_online", "due_at", "resolved_at", "status", "fee", "paid_online"]  # fmt: skip
PROCEDURES = [("1.001612", "Đăng ký khai sinh", 0), ("1.001193", "Đăng ký kết hôn", 0),
              ("2.000908", "Chứng thực bản sao từ bản chính", 2000),
              ("1.004227", "Cấp bản sao trích lục hộ tịch", 8000),
              ("1.003583", "Xác nhận tình trạng hôn nhân", 0)]  # fmt: skip


def write_csv(path: Path, rows: int, codes: list[str]) -> None:
    rng = random.Random(11)
    start = dt.datetime(2025, 1, 2, 7, 30)
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(HEADER)
        for i in range(rows):
            code, name, fee = PROCEDURES[i % len(PROCEDURES)]
            received = start + dt.timedelta(minutes=(i * 7) % (360 * 24 * 60))
            online = rng.random() < 0.8
            full = online and rng.random() < 0.9
            due = received + dt.timedelta(days=3)
            resolved = received + dt.timedelta(hours=rng.randint(1, 100))
            out.writerow([
                f"HS-{i:08d}", code, name, codes[i % len(codes)],
                received.strftime("%Y-%m-%d %H:%M"), "online" if online else "in_person",
                "có" if full else "không", due.strftime("%Y-%m-%d %H:%M"),
                resolved.strftime("%Y-%m-%d %H:%M"), "resolved", fee,
                "có" if fee and online and rng.random() < 0.3 else "không",
            ])  # fmt: skip


def bare_insert(path: Path) -> float:
    """The same rows, as the csv module reads them, each cell into its column of an
    identical copy of the dossier table (same columns, same indexes), in one transaction:
    no parsing, validation, lineage, upsert or tallies."""
    db = sqlite3.connect(settings.DATABASES["default"]["NAME"])
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("CREATE TABLE bench_bare AS SELECT * FROM connectors_dossier WHERE 0")
    db.execute("CREATE UNIQUE INDEX bench_bare_once ON bench_bare (source_id, source_sid)")
    db.execute("CREATE INDEX bench_bare_unit_day ON bench_bare (unit_id, day)")
    columns = ("source_id, source_sid, unit_id, province_id, unit_code, day, month, digest, "
               "batch_id, procedure_code, procedure_name, received_at, channel, full_online, "
               "due_at, resolved_at, status, fee, paid_online")  # fmt: skip
    marks = ", ".join("?" * 19)
    began = time.perf_counter()
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        rows = (
            (1, r[0], 0, 0, r[3], r[4][:10], 0, 0, 0, r[1], r[2], r[4], r[5], r[6], r[7], r[8],
             r[9], r[10], r[11])
            for r in reader
        )  # fmt: skip
        with db:
            db.executemany(f"INSERT INTO bench_bare ({columns}) VALUES ({marks})", rows)
    took = time.perf_counter() - began
    db.execute("DROP TABLE bench_bare")
    db.close()
    return took


def one_mb_signed_pdf(ca: TestCA) -> bytes:
    """A one-page decision with a scanned-looking image, about 1 MB, signed."""
    import base64
    import io

    from PIL import Image

    from xaso.connectors.testca import make_pdf

    rng = random.Random(3)
    scan = Image.frombytes(
        "L", (1200, 1500), bytes(rng.randrange(180, 256) for _ in range(1200 * 1500))
    )
    buf = io.BytesIO()
    scan.save(buf, format="JPEG", quality=92)
    img = base64.b64encode(buf.getvalue()).decode()
    pdf = make_pdf(
        f'Quyết định số 12/QĐ-UBND</p><img alt="bản quét" src="data:image/jpeg;base64,{img}"><p>'
    )
    return ca.sign(pdf)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    do_import_units()
    province = Unit.objects.get(generation=Generation.CURRENT, level=Level.PROVINCE, code="19")
    codes = list(
        Unit.objects.filter(province=province, level=Level.COMMUNE).values_list("code", flat=True)
    )
    workdir = Path(tempfile.mkdtemp(prefix="xaso-bench-csv-"))
    path = workdir / "ho-so.csv"
    write_csv(path, args.rows, codes)
    print(f"rows {args.rows}")
    print(f"units {len(codes)}")
    bare = bare_insert(path)
    print(f"bare_insert_s {bare:.2f}")
    source = actions.source_for_import(province=province, code="mot-cua", actor=None)

    def run() -> tuple[float, actions.ImportReport]:
        began = time.perf_counter()
        report = actions.do_import_records(
            source=source, kind="dossier", rows=read_path(path), sha256="bench",
            filename=path.name, actor=None,
        )  # fmt: skip
        return time.perf_counter() - began, report

    took, report = run()
    assert report.ok, report.errors[:5]
    assert Dossier.objects.count() == args.rows
    print(f"ingest_s {took:.2f}")
    print(f"ingest_ratio {took / bare:.2f}")
    print(f"ingest_units_recomputed {report.batch.units_recomputed}")
    print(f"tally_rows {DossierTally.objects.count()}")
    took, again = run()
    changed = again.batch.created + again.batch.updated + again.batch.units_recomputed
    print(f"reimport_s {took:.2f}")
    print(f"reimport_changed {changed}")
    ca = make_ca()
    signed = one_mb_signed_pdf(ca)
    began = time.perf_counter()
    result = check_pdf(signed, [ca.root_der])
    print(f"signature_pdf_bytes {len(signed)}")
    print(f"signature_check_s {time.perf_counter() - began:.3f}")
    print(f"signature_verdict {result.verdict.value}")


if __name__ == "__main__":
    main()
