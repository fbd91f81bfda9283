import subprocess
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Chạy máy chủ web (gunicorn) trên 127.0.0.1 cùng tiến trình tác vụ nền và hộp thư đi."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--no-worker", action="store_true", help="Không chạy tác vụ nền.")

    def handle(self, *args: Any, **options: Any) -> None:
        helpers: list[subprocess.Popen[bytes]] = []
        if not options["no_worker"]:
            # Separate processes, exactly as in production, so the demo shows real behaviour:
            # the task worker and the outbox sender (SMS, Zalo, loudspeaker).
            helpers.append(subprocess.Popen([sys.executable, "-m", "xaso", "worker"]))
            helpers.append(subprocess.Popen([sys.executable, "-m", "xaso", "outbox"]))
        bind = f"{options['host']}:{options['port']}"
        self.stdout.write(f"Đang chạy tại http://{bind}/ — nhấn Ctrl+C để dừng.")
        try:
            subprocess.run(
                [sys.executable, "-m", "gunicorn", "xaso.wsgi:application", "--bind", bind,
                 "--workers", str(options["workers"]), "--threads", "4",
                 "--access-logfile", "-", "--graceful-timeout", "5"],
                check=False,
            )  # fmt: skip
        except KeyboardInterrupt:
            pass
        finally:
            for process in helpers:
                process.terminate()
            for process in helpers:
                process.wait(timeout=10)
