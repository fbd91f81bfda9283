"""Structured logs: one JSON object per line, with the request id and no personal data."""

from __future__ import annotations

import json
import logging
import re

from xaso.core.middleware import request_id_var
from xaso.core.personal import mask_phone

# Vietnamese phone numbers in any grouping (0912 345 678, 091.234.5678, +84 912…): masked
# in every log line as a last line of defence, whatever code logged them.
PHONE_RE = re.compile(r"(?<!\w)(?:\+84|84|0)(?:[\s.-]?\d){8,10}(?!\w)")


def _mask(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    if digits.startswith("84"):
        digits = "0" + digits[2:]
    return mask_phone(digits)


def scrub(text: str) -> str:
    return PHONE_RE.sub(_mask, text)


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        record.msg = scrub(record.getMessage())
        record.args = None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        if record.exc_info:
            payload["exception"] = scrub(self.formatException(record.exc_info))
        return json.dumps(payload, ensure_ascii=False)
