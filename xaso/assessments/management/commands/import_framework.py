from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from xaso.assessments.actions import AssessmentError, do_import_framework
from xaso.units.models import Generation, Level, Unit


class Command(BaseCommand):
    help = (
        "Nhập một bộ chỉ số (tệp YAML) thành một phiên bản trong cơ sở dữ liệu; nhập lại đúng "
        "tệp đó không đổi gì, phiên bản đã có thì không bao giờ bị sửa."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="Tệp bộ chỉ số .yaml (xem docs/frameworks.md)")
        parser.add_argument(
            "--province", default="", help="Mã tỉnh ban hành (để trống: bộ chỉ số dùng chung)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"Không mở được tệp {path}: {exc}") from None
        province = None
        if options["province"]:
            province = Unit.objects.filter(
                generation=Generation.CURRENT, level=Level.PROVINCE, code=options["province"]
            ).first()
            if province is None:
                raise CommandError(f"Không có tỉnh mã {options['province']}.")
        try:
            result = do_import_framework(text=text, province=province, actor=None)
        except AssessmentError as exc:
            raise CommandError(f"{path}: {exc.message}") from None
        fv = result.version
        verb = "Đã nhập" if result.created else "Đã có sẵn, không đổi"
        self.stdout.write(
            f"{verb}: {fv.name_vi} ({fv.code} {fv.version}), {fv.leaf_count} tiêu chí, "
            f"SHA-256 {fv.sha256[:12]}…"
        )
