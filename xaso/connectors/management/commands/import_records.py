"""xaso import-records KIND FILE — loads a CSV, XLSX or JSON file of records."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper

from xaso.connectors.actions import ConnectorError, do_import_records, source_for_import
from xaso.connectors.models import Kind
from xaso.connectors.readers import ReadError, read_path
from xaso.units.models import Generation, Level, Unit

KINDS = {"dossier": Kind.DOSSIER, "ho-so": Kind.DOSSIER, "document": Kind.DOCUMENT,
         "van-ban": Kind.DOCUMENT, "payment": Kind.PAYMENT, "thanh-toan": Kind.PAYMENT}  # fmt: skip


def _n(value: float) -> str:
    return f"{value:,.0f}".replace(",", ".")


class Bar:
    """A one-line progress bar on the command's stderr (redrawn at most ten times a second)."""

    def __init__(self, out: OutputWrapper, label: str) -> None:
        self.out = out
        self.label = label
        self.started = time.monotonic()
        self.last = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last < 0.1 and done < total:
            return
        self.last = now
        share = min(1.0, done / total) if total else 1.0
        filled = int(share * 30)
        rate = done / max(now - self.started, 1e-6)
        percent = f"{100 * share:5.1f}".replace(".", ",")
        self.out.write(
            f"\r{self.label} [{'#' * filled}{'.' * (30 - filled)}] {percent} % "
            f"{_n(done)}/{_n(total)} dòng, {_n(rate)} dòng/giây",
            ending="",
        )
        self.out.flush()

    def close(self) -> None:
        self.out.write("")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Command(BaseCommand):
    help = (
        "Nhập bản ghi (hồ sơ TTHC, văn bản, thanh toán) từ tệp CSV, XLSX hoặc JSON; nhập lại "
        "đúng tệp đó không đổi gì; một dòng lỗi thì cả tệp không được nhập "
        "(xem docs/connectors.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "kind", help="dossier | document | payment (ho-so | van-ban | thanh-toan)"
        )
        parser.add_argument("file", help="Tệp .csv, .xlsx hoặc .json")
        parser.add_argument(
            "--province", required=True, help="Mã tỉnh của nguồn dữ liệu (2 chữ số)"
        )
        parser.add_argument("--source", default="tep", help="Mã nguồn dữ liệu (mặc định: tep)")
        parser.add_argument(
            "--extracted-at", default="", help="Thời điểm trích xuất ở hệ thống nguồn"
        )
        parser.add_argument("--no-progress", action="store_true", help="Không hiện thanh tiến độ")

    def handle(self, *args: Any, **options: Any) -> None:
        kind = KINDS.get(options["kind"].lower())
        if kind is None:
            raise CommandError(
                f"Loại bản ghi “{options['kind']}” không hợp lệ: {', '.join(KINDS)}."
            )
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"Không có tệp {path}.")
        province = Unit.objects.filter(
            generation=Generation.CURRENT, level=Level.PROVINCE, code=options["province"]
        ).first()
        if province is None:
            raise CommandError(f"Không có tỉnh mã {options['province']}.")
        try:
            rows = read_path(path)
            source = source_for_import(province=province, code=options["source"], actor=None)
        except (ReadError, ConnectorError) as exc:
            raise CommandError(exc.message) from None
        bar = None if options["no_progress"] else Bar(self.stderr, path.name)
        try:
            report = do_import_records(
                source=source, kind=kind, rows=rows, sha256=sha256_of(path), filename=path.name,
                origin="file", extracted_at=options["extracted_at"] or None, actor=None,
                progress=bar,
            )  # fmt: skip
        except (ReadError, ConnectorError) as exc:
            raise CommandError(exc.message) from None
        finally:
            if bar is not None:
                bar.close()
        batch = report.batch
        if not report.ok:
            for error in report.errors[:50]:
                column = f", cột {error['field']}" if error["field"] else ""
                self.stderr.write(f"{error['row'].capitalize()}{column}: {error['message']}")
            more = batch.error_count - min(50, len(report.errors))
            if more > 0:
                self.stderr.write(f"… và {more} lỗi khác (xem nhật ký nhập #{batch.pk}).")
            raise CommandError(
                f"Không nhập gì: {batch.error_count} lỗi trong {batch.rows} dòng "
                f"(nhật ký #{batch.pk})."
            )
        self.stdout.write(
            f"Đã nhập {batch.rows} dòng từ {path.name} vào nguồn “{source.name}”: "
            f"{batch.created} mới, {batch.updated} cập nhật, {batch.unchanged} không đổi; "
            f"tính lại chỉ số cho {batch.units_recomputed} đơn vị (nhật ký #{batch.pk})."
        )
