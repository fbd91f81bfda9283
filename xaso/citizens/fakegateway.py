"""A fake SMS gateway and Zalo OA for development and tests, speaking the real wire
formats: the same requests in, the same answers and signed webhooks out.

It can be told to fail a share of calls, to be down for a while, to be slow, and to
send every delivery report twice. It keeps what a phone would have received, keyed by the
sender's idempotency key, so a test or the chaos benchmark can count lost and duplicate
messages. Runs in-process (``fake://NAME`` gateways) or as ``xaso fake-gateway``.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from xaso.citizens.intake import sms_signature

ReportSink = Callable[[str, dict[str, str], bytes], None]


@dataclass
class FakeGateway:
    name: str = "fake"
    api_key: str = "fake-key"
    secret: str = "fake-secret"
    fail_rate: float = 0.0
    slow_seconds: float = 0.0
    duplicate_reports: bool = False
    down_until: float = 0.0
    seed: int = 1
    received: Counter[str] = field(default_factory=Counter)
    handset: Counter[str] = field(default_factory=Counter)
    reports: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)
    calls: int = 0
    _ids: Any = field(default_factory=lambda: itertools.count(1))
    _by_key: dict[str, str] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    # -- behaviour switches -----------------------------------------------------------------

    def go_down(self, seconds: float) -> None:
        self.down_until = time.monotonic() + seconds

    @property
    def is_down(self) -> bool:
        return time.monotonic() < self.down_until

    # -- the wire ---------------------------------------------------------------------------

    def __call__(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, bytes]:
        with self._lock:
            self.calls += 1
        if self.slow_seconds:
            time.sleep(self.slow_seconds)
        if self.is_down:
            return 503, b'{"error": "service unavailable"}'
        if method == "POST" and path.rstrip("/") == "/v1/messages":
            return self._sms(headers, body)
        if method == "POST" and path.rstrip("/") == "/v3.0/oa/message/cs":
            return self._zalo(headers, body)
        return 404, b'{"error": "not found"}'

    def _accept(self, key: str, to: str, text: str) -> str:
        """A phone receives a message once per idempotency key, however often it is sent."""
        with self._lock:
            self.received[key] += 1
            if key in self._by_key:
                return self._by_key[key]
            message_id = f"{self.name}-{next(self._ids)}"
            self._by_key[key] = message_id
            self.handset[key] += 1
            return message_id

    def _sms(self, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        if headers.get("Authorization") != f"Bearer {self.api_key}":
            return 401, b'{"error": "invalid api key"}'
        with self._lock:
            failed = self._rng.random() < self.fail_rate
            # Half of the failures happen after the gateway took the batch: the answer is
            # lost, the sender must resend, and only the idempotency key saves the phone.
            answer_lost = failed and self._rng.random() < 0.5
        if failed and not answer_lost:
            return 500, b'{"error": "internal error"}'
        try:
            messages = json.loads(body)["messages"]
        except (ValueError, KeyError, TypeError):
            return 400, b'{"error": "bad request"}'
        results = []
        for m in messages:
            to, text, key = str(m.get("to", "")), str(m.get("text", "")), str(m.get("client_ref"))
            if not to.isdigit() or len(to) < 9:
                results.append(
                    {
                        "client_ref": key,
                        "status": "rejected",
                        "error": "invalid_number",
                        "temporary": False,
                    }
                )
                continue
            message_id = self._accept(key, to, text)
            results.append({"client_ref": key, "status": "accepted", "message_id": message_id})
            callback = str(m.get("callback_url") or "")
            if callback:
                self._report(callback, message_id, key)
        if answer_lost:
            return 502, b'{"error": "bad gateway"}'
        return 200, json.dumps({"results": results}).encode()

    def _zalo(self, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        if headers.get("access_token") != self.api_key:
            return 200, b'{"error": -216, "message": "Access token is invalid"}'
        with self._lock:
            failed = self._rng.random() < self.fail_rate
        if failed:
            return 200, b'{"error": -32, "message": "Exceeded rate limit"}'
        try:
            data = json.loads(body)
            user_id = str(data["recipient"]["user_id"])
            text = str(data["message"]["text"])
        except (ValueError, KeyError, TypeError):
            return 200, b'{"error": -201, "message": "Parameters are invalid"}'
        key = headers.get("X-Idempotency-Key") or f"zalo:{user_id}:{hash(text)}"
        message_id = self._accept(key, user_id, text)
        answer = {
            "error": 0,
            "message": "Success",
            "data": {"message_id": message_id, "user_id": user_id},
        }
        return 200, json.dumps(answer).encode()

    def _report(self, callback: str, message_id: str, key: str) -> None:
        payload = json.dumps(
            {
                "message_id": message_id,
                "client_ref": key,
                "status": "delivered",
                "at": dt.datetime.now(dt.UTC).isoformat(),
            }
        ).encode()
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "X-Xaso-Timestamp": timestamp,
            "X-Xaso-Signature": sms_signature(self.secret, timestamp, payload),
        }
        with self._lock:
            self.reports.append((callback, headers, payload))
            if self.duplicate_reports:
                self.reports.append((callback, headers, payload))

    def take_reports(self) -> list[tuple[str, dict[str, str], bytes]]:
        with self._lock:
            taken, self.reports = self.reports, []
        return taken

    # -- as a server ------------------------------------------------------------------------

    def serve(self, host: str = "127.0.0.1", port: int = 8025) -> ThreadingHTTPServer:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                status, answer = gateway("POST", self.path, dict(self.headers.items()), body)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: Any) -> None:
                return  # phone numbers must not reach a log

        server = ThreadingHTTPServer((host, port), Handler)
        server.daemon_threads = True
        return server


def post_reports(gateway: FakeGateway, send: ReportSink) -> int:
    """Delivers the queued delivery reports through ``send`` (an HTTP post, or the test
    client); returns how many."""
    reports = gateway.take_reports()
    for url, headers, body in reports:
        send(url, headers, body)
    return len(reports)
