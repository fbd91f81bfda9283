import signal
import time
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from xaso.citizens.actions import do_dispatch_due, do_drain_outbox


class Command(BaseCommand):
    help = (
        "Gửi tin trong hộp thư đi (SMS, Zalo, loa) liên tục; chạy được nhiều tiến trình "
        "cùng lúc mà không gửi trùng."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Gửi hết tin đến hạn rồi thoát.")
        parser.add_argument("--interval", type=float, default=2.0, help="Giây chờ khi hết tin.")
        parser.add_argument("--worker", default="outbox", help="Tên tiến trình trong nhật ký.")

    def handle(self, *args: Any, **options: Any) -> None:
        self.stopping = False

        def stop(signum: int, frame: FrameType | None) -> None:
            self.stopping = True  # finish the batch in hand, then leave

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        last_schedule = 0.0
        while not self.stopping:
            close_old_connections()
            if time.monotonic() - last_schedule >= 60:
                # Scheduled announcements fall due by the minute.
                do_dispatch_due()
                last_schedule = time.monotonic()
            report = do_drain_outbox(worker=options["worker"])
            if report.claimed:
                self.stdout.write(
                    f"đã gửi {report.sent}, thử lại {report.retried}, lỗi {report.failed}"
                )
            if options["once"]:
                return
            if not report.claimed:
                time.sleep(options["interval"])
