from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from xaso.site.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = "Khôi phục bản sao lưu vào cơ sở dữ liệu và kho tệp trống, rồi kiểm tra không mất gì."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("backup_file")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["backup_file"])
        if not path.is_file():
            raise CommandError(f"Không thấy tệp sao lưu {path}.")
        try:
            report = restore_backup(path)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"tables {report.tables}")
        self.stdout.write(f"rows {report.rows_expected}")
        self.stdout.write(f"rows_lost {report.rows_lost}")
        self.stdout.write(f"files {report.files}")
        self.stdout.write(f"files_lost {report.files_lost}")
        if report.rows_lost or report.files_lost or report.tables_differing:
            raise CommandError(f"Khôi phục không khớp: {', '.join(report.tables_differing)}")
        self.stdout.write(self.style.SUCCESS("Khôi phục đầy đủ: 0 dòng và 0 tệp bị mất."))
