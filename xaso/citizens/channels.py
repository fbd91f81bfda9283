"""Outbound channel adapters behind one interface, and the HTTP transport they share.

``SmsHttpAdapter`` speaks the generic SMS gateway's API and ``ZaloAdapter`` Zalo OA's
send-message API (both described in docs/citizens.md). A gateway whose base URL is
``fake://NAME`` is answered in-process by ``xaso.citizens.fakegateway`` speaking the same
wire format, so development and tests exercise every byte except the socket.
"""

from __future__ import annotations

import http.client
import json
import threading
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings

TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class Outgoing:
    key: str
    address: str
    text: str


@dataclass(frozen=True)
class Result:
    """``retry`` — the gateway may take it later (down, busy); otherwise a failure is final."""

    key: str
    ok: bool
    provider_id: str = ""
    retry: bool = False
    error: str = ""


class TransportError(Exception):
    pass


Transport = Callable[[str, str, dict[str, str], bytes], tuple[int, bytes]]
_fake_handlers: dict[str, Transport] = {}
_local = threading.local()


def register_fake(name: str, handler: Transport) -> None:
    _fake_handlers[name] = handler


def unregister_fake(name: str) -> None:
    _fake_handlers.pop(name, None)


def _http(method: str, url: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "fake":
        handler = _fake_handlers.get(parts.netloc)
        if handler is None and getattr(settings, "XASO_DEMO", False):
            # The demo site answers its fake:// gateways in-process, like the demo loader.
            from xaso.citizens.fakegateway import FakeGateway

            handler = _fake_handlers.setdefault(parts.netloc, FakeGateway(name=parts.netloc))
        if handler is None:
            raise TransportError(f"Cổng giả lập “{parts.netloc}” chưa chạy.")
        return handler(method, parts.path or "/", headers, body)
    pool: dict[tuple[str, str], http.client.HTTPConnection] = _local.__dict__.setdefault("pool", {})
    origin = (parts.scheme, parts.netloc)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    for attempt in (1, 2):  # a kept-alive connection the server closed gets one retry
        conn = pool.get(origin)
        if conn is None:
            cls = (
                http.client.HTTPSConnection
                if parts.scheme == "https"
                else http.client.HTTPConnection
            )
            conn = cls(parts.netloc, timeout=TIMEOUT_SECONDS)
            pool[origin] = conn
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            return response.status, response.read()
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            pool.pop(origin, None)
            if attempt == 2 or not isinstance(exc, http.client.RemoteDisconnected):
                raise TransportError(str(exc) or type(exc).__name__) from exc
    raise TransportError("unreachable")


class Adapter(Protocol):
    kind: str

    def send(self, messages: Sequence[Outgoing]) -> list[Result]: ...


def _all(messages: Sequence[Outgoing], *, retry: bool, error: str) -> list[Result]:
    return [Result(m.key, False, retry=retry, error=error[:300]) for m in messages]


class SmsHttpAdapter:
    """Generic HTTP SMS gateway: ``POST {base}/v1/messages`` with a batch; the client
    reference is the idempotency key, so a resent batch never reaches a phone twice."""

    kind = "sms"

    def __init__(self, base_url: str, api_key: str, callback_url: str = "") -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.callback_url = callback_url

    def send(self, messages: Sequence[Outgoing]) -> list[Result]:
        payload = {
            "messages": [
                {
                    "client_ref": m.key,
                    "to": m.address,
                    "text": m.text,
                    "callback_url": self.callback_url,
                }
                for m in messages
            ]
        }
        headers = {"Authorization": f"Bearer {self.api_key}", "Content-Type": "application/json"}
        try:
            status, raw = _http(
                "POST", f"{self.base_url}/v1/messages", headers, json.dumps(payload).encode()
            )
        except TransportError as exc:
            return _all(messages, retry=True, error=f"không kết nối được: {exc}")
        if status == 429 or status >= 500:
            return _all(messages, retry=True, error=f"cổng trả lỗi HTTP {status}")
        if status >= 400:
            return _all(messages, retry=False, error=f"cổng từ chối HTTP {status}")
        try:
            rows = {r["client_ref"]: r for r in json.loads(raw)["results"]}
        except (ValueError, KeyError, TypeError):
            return _all(messages, retry=True, error="cổng trả lời không đúng định dạng")
        results = []
        for m in messages:
            row = rows.get(m.key)
            if row is None:
                results.append(Result(m.key, False, retry=True, error="cổng không trả lời tin này"))
            elif row.get("status") == "accepted":
                results.append(Result(m.key, True, provider_id=str(row.get("message_id", ""))))
            else:
                retry = bool(row.get("temporary"))
                results.append(Result(m.key, False, retry=retry, error=str(row.get("error", ""))))
        return results


# Zalo OA error codes after which resending cannot help (user blocked the OA, does not
# follow it, bad parameters); anything else is retried.
ZALO_FINAL_ERRORS = {-201, -213, -230, -232}


class ZaloAdapter:
    """Zalo OA v3 "tin tư vấn": ``POST {base}/v3.0/oa/message/cs``, one message a call,
    ``access_token`` header; answer ``{"error": 0, "data": {"message_id": …}}``."""

    kind = "zalo"

    def __init__(self, base_url: str, access_token: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.access_token = access_token

    def send(self, messages: Sequence[Outgoing]) -> list[Result]:
        results = []
        for m in messages:
            body = {"recipient": {"user_id": m.address}, "message": {"text": m.text}}
            headers = {
                "access_token": self.access_token,
                "Content-Type": "application/json",
                "X-Idempotency-Key": m.key,
            }
            try:
                status, raw = _http(
                    "POST",
                    f"{self.base_url}/v3.0/oa/message/cs",
                    headers,
                    json.dumps(body, ensure_ascii=False).encode(),
                )
            except TransportError as exc:
                results.append(Result(m.key, False, retry=True, error=f"không kết nối được: {exc}"))
                continue
            if status >= 500 or status == 429:
                results.append(
                    Result(m.key, False, retry=True, error=f"Zalo trả lỗi HTTP {status}")
                )
                continue
            try:
                answer = json.loads(raw)
                code = int(answer.get("error", -1))
            except (ValueError, TypeError, AttributeError):
                results.append(Result(m.key, False, retry=True, error="Zalo trả lời không đúng"))
                continue
            if code == 0:
                message_id = str((answer.get("data") or {}).get("message_id", ""))
                results.append(Result(m.key, True, provider_id=message_id))
            else:
                results.append(
                    Result(
                        m.key,
                        False,
                        retry=code not in ZALO_FINAL_ERRORS,
                        error=f"Zalo lỗi {code}: {answer.get('message', '')}",
                    )
                )
        return results


def adapter_for(kind: str, base_url: str, api_key: str, callback_url: str = "") -> Adapter:
    if kind == "sms":
        return SmsHttpAdapter(base_url, api_key, callback_url)
    if kind == "zalo":
        return ZaloAdapter(base_url, api_key)
    raise ValueError(f"Không có bộ chuyển cho kênh {kind!r}.")


def sms_segments(text: str) -> tuple[int, str]:
    """(segments, encoding): GSM-7 fits 160/153 characters, Vietnamese with diacritics
    needs UCS-2 at 70/67 — which is why SMS are usually sent without diacritics."""
    gsm = all(ord(ch) < 128 for ch in text)
    single, multi = (160, 153) if gsm else (70, 67)
    n = len(text)
    if n <= single:
        return 1, "GSM-7" if gsm else "UCS-2"
    return -(-n // multi), "GSM-7" if gsm else "UCS-2"
