import subprocess
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Chạy máy chủ web (gunicorn) trên 127.0.0.1 cùng một tiến trình xử lý tác vụ nền."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--no-worker", action="store_true", help="Không chạy tác vụ nền.")

    def handle(self, *args: Any, **options: Any) -> None:
        worker = None
        if not options["no_worker"]:
            # A separate process, exactly as in production, so the demo shows real behaviour.
            worker = subprocess.Popen([sys.executable, "-m", "xaso", "worker"])
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
            if worker is not None:
                worker.terminate()
                worker.wait(timeout=10)
