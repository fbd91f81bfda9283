"""``xaso fake-gateway``: the fake SMS gateway and Zalo OA as an HTTP server on
127.0.0.1, for development against real sockets. It posts signed delivery reports to
each message's callback URL and stops by itself after ``--seconds``."""

from __future__ import annotations

import threading
import time
import urllib.request
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from xaso.citizens.fakegateway import FakeGateway, post_reports


def _post(url: str, headers: dict[str, str], body: bytes) -> None:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        urllib.request.urlopen(request, timeout=5).close()
    except OSError:
        return  # a report the app did not take is what a real gateway would retry later


class Command(BaseCommand):
    help = "Chạy cổng SMS/Zalo giả lập (cùng định dạng với cổng thật) trên 127.0.0.1."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8025)
        parser.add_argument("--api-key", default="fake-key")
        parser.add_argument("--secret", default="fake-secret")
        parser.add_argument("--fail-rate", type=float, default=0.0)
        parser.add_argument("--slow", type=float, default=0.0, help="giây chậm mỗi lần gọi")
        parser.add_argument("--duplicate-reports", action="store_true")
        parser.add_argument("--seconds", type=float, default=3600.0, help="tự dừng sau")

    def handle(self, *args: Any, **options: Any) -> None:
        gateway = FakeGateway(
            name="fake",
            api_key=options["api_key"],
            secret=options["secret"],
            fail_rate=options["fail_rate"],
            slow_seconds=options["slow"],
            duplicate_reports=options["duplicate_reports"],
        )
        server = gateway.serve(port=options["port"])
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.stdout.write(
            f"Cổng giả lập: http://127.0.0.1:{options['port']}/ "
            f"(SMS: POST /v1/messages, Zalo: POST /v3.0/oa/message/cs)"
        )
        deadline = time.monotonic() + options["seconds"]
        try:
            while time.monotonic() < deadline:
                time.sleep(0.5)
                post_reports(gateway, _post)
        except KeyboardInterrupt:
            pass
        finally:
            server.shutdown()
            self.stdout.write(f"Đã dừng; nhận {sum(gateway.handset.values())} tin.")
