"""Kiểm tra tệp minh chứng — evidence uploads follow the shared upload rules
(``xaso.core.uploads``: type from the bytes, no macros, no zip bombs, images rebuilt from
their pixels) with the evidence size limit; plus what is special to evidence."""

from __future__ import annotations

import re
import unicodedata

from django.conf import settings

from xaso.core.uploads import CheckedFile, UploadRejected, clean_name
from xaso.core.uploads import inspect as _inspect

EvidenceRejected = UploadRejected
DEFAULT_MAX_BYTES = 20 * 1024 * 1024

__all__ = ["CheckedFile", "EvidenceRejected", "clean_name", "inspect", "max_bytes"]


def max_bytes() -> int:
    return int(getattr(settings, "XASO_EVIDENCE_MAX_BYTES", DEFAULT_MAX_BYTES))


def inspect(name: str, data: bytes, *, limit: int | None = None) -> CheckedFile:
    """PDF, images, XLSX and DOCX up to the configured evidence limit."""
    return _inspect(name, data, limit=limit or max_bytes())


def normalise_doc_number(number: str) -> str:
    """“Số 23/KH-STTTT” and “23/kh-stttt” are the same document number."""
    text = unicodedata.normalize("NFC", number or "").lower()
    text = re.sub(r"^\s*(số|so)\s*[:.]?\s*", "", text)
    return re.sub(r"\s+", "", text)[:80]
