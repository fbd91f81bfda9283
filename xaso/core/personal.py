"""Personal data: phone numbers are stored once (on the user) and shown masked to everyone
who does not need them (Law 91/2025/QH15 on personal data protection)."""

from __future__ import annotations

import re

_DIGITS = re.compile(r"\D+")
# Mobile (03/05/07/08/09 + 8 digits) and landline (02 + 9 digits) numbers.
_VALID = re.compile(r"^0(?:[35789]\d{8}|2\d{9})$")


def normalise_phone(raw: str) -> str:
    """``+84 912 345 678`` → ``0912345678``; raises ValueError for anything that is not a
    Vietnamese mobile or landline number."""
    digits = _DIGITS.sub("", raw or "")
    if digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    if not _VALID.match(digits):
        raise ValueError(
            "Số điện thoại không hợp lệ (cần 10 số, bắt đầu bằng 0, ví dụ 0912 345 678)."
        )
    return digits


def mask_phone(phone: str | None) -> str:
    """``0912345678`` → ``09x xxx x678``: enough to recognise a number, not to call it."""
    digits = _DIGITS.sub("", phone or "")
    if not digits:
        return ""
    if len(digits) < 7:
        return "x" * len(digits)
    return f"{digits[:2]}x xxx x{digits[-3:]}"


def mask_id_number(number: str | None) -> str:
    """Citizen ID (CCCD, 12 digits) → ``xxxxxxxxx789``."""
    text = (number or "").strip()
    if len(text) <= 3:
        return "x" * len(text)
    return "x" * (len(text) - 3) + text[-3:]
