"""Structured logs: one JSON object per line, with the request id and no personal data."""

from __future__ import annotations

import json
import logging
import re

from xaso.core.middleware import request_id_var

# Vietnamese mobile and landline numbers (0xxxxxxxxx or +84xxxxxxxxx); masked in every
# log line as a last line of defence, whatever code logged them.
PHONE_RE = re.compile(r"(?<!\d)(?:\+?84|0)(\d{2})[\s.-]?\d{3}[\s.-]?\d(\d{3})(?!\d)")


def scrub(text: str) -> str:
    return PHONE_RE.sub(lambda m: f"0{m.group(1)}x xxx x{m.group(2)}", text)


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
