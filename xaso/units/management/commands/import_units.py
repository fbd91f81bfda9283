import time
from typing import Any

from django.core.management.base import BaseCommand

from xaso.units.actions import do_import_units


class Command(BaseCommand):
    help = (
        "Nạp hoặc cập nhật đơn vị hành chính hai thế hệ (trước và từ 01/7/2025); "
        "chạy lại không đổi gì."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        report = do_import_units()
        elapsed = time.perf_counter() - started
        for gen, label in (("current", "Từ 01/7/2025"), ("legacy", "Trước 01/7/2025")):
            c = report.by_generation[gen]
            self.stdout.write(
                f"{label}: {c['province']} tỉnh/thành, {c['district']} quận/huyện, "
                f"{c['commune']} xã/phường/đặc khu"
            )
        self.stdout.write(
            f"Thêm {report.created}, cập nhật {report.updated}, giữ nguyên {report.unchanged} "
            f"đơn vị; thêm {report.lineage_created}, bỏ {report.lineage_removed} liên kết kế thừa "
            f"({elapsed:.1f} giây)."
        )
