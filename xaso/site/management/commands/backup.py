from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from xaso.site.backup import BackupError, make_backup, new_key


class Command(BaseCommand):
    help = "Sao lưu mã hoá cơ sở dữ liệu và mọi tệp (kèm danh mục SHA-256)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", help="Tệp đích (mặc định: backups/xaso-<thời điểm>.xbk)")
        parser.add_argument("--new-key", action="store_true", help="In một khoá mới rồi thoát.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["new_key"]:
            self.stdout.write(new_key())
            return
        out = Path(options["out"] or f"backups/xaso-{timezone.now():%Y%m%dT%H%M%SZ}.xbk")
        try:
            report = make_backup(out)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"Đã sao lưu {report.rows} dòng trong {report.tables} bảng và {report.files} tệp "
            f"vào {report.path} ({report.bytes / 1e6:.1f} MB, mã hoá AES-256-GCM)."
        )
