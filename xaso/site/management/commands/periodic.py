from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from xaso.core.schedule import periodic


class Command(BaseCommand):
    help = "Đưa các tác vụ định kỳ (nhắc hạn, leo thang…) vào hàng đợi; chạy từ cron."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("every", choices=["hourly", "daily"])

    def handle(self, *args: Any, **options: Any) -> None:
        tasks = periodic(options["every"])
        for task in tasks:
            result = task.enqueue()
            self.stdout.write(f"{task.module_path} → {result.id}")
        self.stdout.write(f"Đã đưa {len(tasks)} tác vụ {options['every']} vào hàng đợi.")
