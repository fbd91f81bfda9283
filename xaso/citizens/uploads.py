"""Residents' attachments follow the shared upload rules (``xaso.core.uploads``): the type
comes from the bytes, never the name; images are rebuilt from their pixels so EXIF and
GPS (a resident's home) are gone; PDFs with active content are refused. Residents send
photos and scanned papers, so only images and PDF are accepted, up to 10 MB each."""

from __future__ import annotations

from xaso.core.uploads import CheckedFile, UploadRejected, clean_name
from xaso.core.uploads import inspect as _inspect

MAX_BYTES = 10 * 1024 * 1024
MAX_FILES = 5
KINDS = frozenset({"pdf", "image"})

CheckedUpload = CheckedFile
__all__ = ["MAX_FILES", "CheckedUpload", "UploadRejected", "clean_name", "inspect"]


def inspect(name: str, data: bytes) -> CheckedFile:
    return _inspect(name, data, limit=MAX_BYTES, kinds=KINDS)
