"""Kiểm tra tệp tải lên — what an uploaded file really is, decided from its bytes. Shared by
assessment evidence and residents' attachments, so both follow the same rules.

Kinds: PDF, JPEG/PNG/WebP images, XLSX and DOCX; each caller says which it accepts. The
name is only used to show the file (and refused when it carries a path); the type comes
from the content. Office files
are ZIP archives: they are opened as such and refused when they carry macros
(``vbaProject.bin``, a macro-enabled content type) or would inflate beyond a sane size
(zip bombs). Images are decoded and re-encoded from their pixels, so EXIF, GPS, XMP and
anything appended after the image data are gone. The SHA-256 is of the bytes stored.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass

import puremagic
from PIL import Image, ImageOps

# An Office file whose parts inflate past this, or compress better than this ratio, is
# treated as a zip bomb: real decisions and spreadsheets are nowhere near.
MAX_INFLATED_BYTES = 200 * 1024 * 1024
MAX_RATIO = 200
MAX_ENTRIES = 5_000
MAX_PIXELS = 60_000_000

PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
JPEG, PNG = "image/jpeg", "image/png"
EXTENSIONS = {PDF: ".pdf", XLSX: ".xlsx", DOCX: ".docx", JPEG: ".jpg", PNG: ".png"}
ALL_KINDS = frozenset({"pdf", "image", "office"})
_KIND_LABELS = {"pdf": "PDF", "image": "ảnh JPEG/PNG/WebP", "office": "Excel (.xlsx), Word (.docx)"}


def accepted_label(kinds: frozenset[str]) -> str:
    return ", ".join(_KIND_LABELS[k] for k in ("pdf", "image", "office") if k in kinds)


class UploadRejected(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class CheckedFile:
    name: str
    content_type: str
    data: bytes
    sha256: str

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.content_type]


def clean_name(name: str) -> str:
    """The name to show; refuses names that try to be paths."""
    raw = name or ""
    if "/" in raw or "\\" in raw or raw.strip() in {".", ".."} or "\x00" in raw:
        raise UploadRejected(
            f"Tên tệp “{raw[:80]}” chứa đường dẫn (/, \\ hoặc ..): hãy đổi tên tệp rồi tải lại."
        )
    text = unicodedata.normalize("NFC", raw)
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C").strip(" .")
    if not text:
        raise UploadRejected("Tệp không có tên hợp lệ: hãy đổi tên tệp rồi tải lại.")
    return text[:150]


def _what_it_is(data: bytes) -> str:
    head = data[:512].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head[:200]:
        return "trang HTML"
    if b"<svg" in data[:2048].lower():
        return "ảnh SVG (có thể chứa mã)"
    if head.startswith(b"<?xml"):
        return "tệp XML"
    try:
        guess = puremagic.from_string(data[:8192], mime=True)
    except puremagic.PureError:
        return "không nhận dạng được"
    return guess or "không nhận dạng được"


def inspect(
    name: str, data: bytes, *, limit: int, kinds: frozenset[str] = ALL_KINDS
) -> CheckedFile:
    """Checks one upload; raises UploadRejected with a Vietnamese reason naming the file."""
    shown = clean_name(name)
    if not data:
        raise UploadRejected(f"Tệp “{shown}” rỗng (0 byte): hãy chọn đúng tệp.")
    if len(data) > limit:
        raise UploadRejected(
            f"Tệp “{shown}” nặng {len(data) / 1_048_576:.1f} MB, vượt giới hạn "
            f"{limit / 1_048_576:.0f} MB: hãy nén hoặc tách tệp."
        )
    if "pdf" in kinds and data.startswith(b"%PDF-"):
        return _pdf(shown, data)
    if "office" in kinds and data.startswith(b"PK\x03\x04"):
        return _office(shown, data)
    if "image" in kinds and (
        data.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n"))
        or (data[:4] == b"RIFF" and data[8:12] == b"WEBP")
    ):
        return _image(shown, data)
    raise UploadRejected(
        f"Tệp “{shown}” có nội dung là {_what_it_is(data)}, không phải {accepted_label(kinds)} "
        "(loại tệp được xác định theo nội dung, không theo đuôi tên)."
    )


def _named(shown: str, content_type: str) -> str:
    stem = re.sub(r"\.[A-Za-z0-9]{1,5}$", "", shown) or "minh-chung"
    return stem + EXTENSIONS[content_type]


def _done(shown: str, content_type: str, data: bytes) -> CheckedFile:
    return CheckedFile(
        _named(shown, content_type), content_type, data, hashlib.sha256(data).hexdigest()
    )


_PDF_ACTIVE = re.compile(rb"/(JavaScript|JS|Launch|EmbeddedFile|RichMedia|XFA)\b")


def _pdf(shown: str, data: bytes) -> CheckedFile:
    found = _PDF_ACTIVE.search(data)
    if found:
        raise UploadRejected(
            f"Tệp PDF “{shown}” chứa thành phần chạy được hoặc tệp nhúng "
            f"({found.group(1).decode()}): hãy in lại thành PDF thường rồi tải lên."
        )
    if b"%%EOF" not in data[-2048:] and b"%%EOF" not in data:
        raise UploadRejected(f"Tệp PDF “{shown}” bị cắt cụt hoặc hỏng: hãy xuất lại tệp.")
    return _done(shown, PDF, data)


def _office(shown: str, data: bytes) -> CheckedFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise UploadRejected(f"Tệp “{shown}” là tệp nén hỏng: hãy lưu lại rồi tải lên.") from None
    if len(infos) > MAX_ENTRIES:
        raise UploadRejected(f"Tệp “{shown}” chứa quá nhiều thành phần ({len(infos)}).")
    inflated = sum(i.file_size for i in infos)
    packed = max(1, sum(i.compress_size for i in infos))
    if inflated > MAX_INFLATED_BYTES or inflated / packed > MAX_RATIO:
        raise UploadRejected(
            f"Tệp “{shown}” giải nén ra {inflated / 1_048_576:.0f} MB từ "
            f"{packed / 1_048_576:.2f} MB (bom nén): không nhận."
        )
    names = {i.filename for i in infos}
    if any(n.startswith("/") or ".." in n.split("/") for n in names):
        raise UploadRejected(f"Tệp “{shown}” chứa đường dẫn không hợp lệ bên trong.")
    if "[Content_Types].xml" not in names:
        raise UploadRejected(
            f"Tệp “{shown}” là tệp ZIP, không phải Excel (.xlsx) hay Word (.docx)."
        )
    types = archive.read("[Content_Types].xml").lower()
    if (
        any(n.lower().endswith("vbaproject.bin") for n in names)
        or b"macroenabled" in types
        or b"vbaproject" in types
    ):
        raise UploadRejected(
            f"Tệp “{shown}” chứa macro (tệp .xlsm/.docm dù mang đuôi khác): hãy lưu thành "
            ".xlsx/.docx không macro rồi tải lại."
        )
    if "xl/workbook.xml" in names:
        return _done(shown, XLSX, data)
    if "word/document.xml" in names:
        return _done(shown, DOCX, data)
    raise UploadRejected(f"Tệp Office “{shown}” không phải Excel (.xlsx) hay Word (.docx).")


def _image(shown: str, data: bytes) -> CheckedFile:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.width * probe.height > MAX_PIXELS:
                    raise UploadRejected(
                        f"Ảnh “{shown}” quá lớn ({probe.width}×{probe.height} điểm ảnh)."
                    )
                probe.load()
                upright = ImageOps.exif_transpose(probe)
                fmt = probe.format
    except UploadRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UploadRejected(f"Ảnh “{shown}” quá lớn (bom giải nén): không nhận.") from None
    except (OSError, SyntaxError, ValueError, Warning):
        raise UploadRejected(f"Ảnh “{shown}” hỏng hoặc không đọc được.") from None
    # Rebuilt from pixels alone: nothing of the original container survives.
    keep_alpha = upright.mode in ("RGBA", "LA", "P") and fmt != "JPEG"
    mode = "RGBA" if keep_alpha else "RGB"
    pixels = upright.convert(mode)
    clean = Image.frombytes(mode, pixels.size, pixels.tobytes())
    out = io.BytesIO()
    if fmt == "JPEG":
        clean.save(out, format="JPEG", quality=88, optimize=True)
        return _done(shown, JPEG, out.getvalue())
    clean.save(out, format="PNG", optimize=False)
    return _done(shown, PNG, out.getvalue())
