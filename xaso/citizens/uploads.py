"""Residents' attachments, checked by the same rules as assessment evidence: the type
comes from the bytes, never the name; images are decoded and re-encoded from their pixels
so EXIF and GPS (a resident's home) are gone; PDFs with active content are refused.
Residents send photos and scanned papers, so only images and PDF are accepted.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps

MAX_BYTES = 10 * 1024 * 1024
MAX_FILES = 5
MAX_PIXELS = 60_000_000
_PDF_ACTIVE = re.compile(rb"/(JavaScript|JS|Launch|EmbeddedFile|RichMedia|XFA)\b")


class UploadRejected(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class CheckedUpload:
    name: str
    content_type: str
    data: bytes
    sha256: str


def clean_name(name: str) -> str:
    raw = name or ""
    if "/" in raw or "\\" in raw or "\x00" in raw or raw.strip() in {".", ".."}:
        raise UploadRejected(f"Tên tệp “{raw[:80]}” chứa đường dẫn: hãy đổi tên tệp.")
    text = unicodedata.normalize("NFC", raw)
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C").strip(" .")
    return text[:150] or "tep"


def _stem(name: str) -> str:
    return re.sub(r"\.[A-Za-z0-9]{1,5}$", "", name) or "anh"


def inspect(name: str, data: bytes) -> CheckedUpload:
    shown = clean_name(name)
    if not data:
        raise UploadRejected(f"Tệp “{shown}” rỗng.")
    if len(data) > MAX_BYTES:
        raise UploadRejected(
            f"Tệp “{shown}” nặng {len(data) / 1_048_576:.1f} MB, vượt giới hạn 10 MB."
        )
    if data.startswith(b"%PDF-"):
        found = _PDF_ACTIVE.search(data)
        if found:
            raise UploadRejected(f"Tệp PDF “{shown}” chứa thành phần chạy được: không nhận.")
        return CheckedUpload(
            _stem(shown) + ".pdf", "application/pdf", data, hashlib.sha256(data).hexdigest()
        )
    if data.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")) or (
        data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    ):
        return _image(shown, data)
    raise UploadRejected(
        f"Tệp “{shown}” không phải ảnh (JPEG, PNG, WebP) hay PDF: loại tệp được xác định "
        "theo nội dung, không theo đuôi tên."
    )


def _image(shown: str, data: bytes) -> CheckedUpload:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                if img.width * img.height > MAX_PIXELS:
                    raise UploadRejected(f"Ảnh “{shown}” quá lớn.")
                img.load()
                upright = ImageOps.exif_transpose(img) or img
                clean = upright.convert("RGB")
    except UploadRejected:
        raise
    except Exception:
        raise UploadRejected(f"Ảnh “{shown}” bị hỏng hoặc không đọc được.") from None
    out = io.BytesIO()
    clean.save(out, "JPEG", quality=85, optimize=True)
    stored = out.getvalue()
    return CheckedUpload(
        _stem(shown) + ".jpg", "image/jpeg", stored, hashlib.sha256(stored).hexdigest()
    )
