"""Small helpers the citizens' views share."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest

from xaso.accounts.models import User
from xaso.core.middleware import client_ip as forwarded_client_ip


def client_ip(request: HttpRequest) -> str:
    """The resident's address for the intake's per-address limit. Behind the proxy
    (``XASO_PROXY_COUNT``) REMOTE_ADDR is the proxy's, and every resident of the province
    shared one limit of ten reports an hour; the same rule as the audit log's address."""
    return str(forwarded_client_ip(request) or "")


def signed_in(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def messages_of(exc: ValidationError) -> list[str]:
    return [str(m) for m in exc.messages]


def as_int(value: Any, default: int | None = None) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return default


def parse_local(value: str) -> dt.datetime | None:
    """A datetime-local field ("2026-12-01T07:30") in Vietnam time; None when empty."""
    from xaso.citizens.clocks import VN_TZ

    value = (value or "").strip()
    if not value:
        return None
    try:
        return dt.datetime.fromisoformat(value).replace(tzinfo=VN_TZ)
    except ValueError:
        raise ValidationError({"scheduled_at": "Thời điểm gửi không hợp lệ."}) from None
