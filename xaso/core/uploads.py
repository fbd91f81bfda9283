"""Kiểm tra tệp tải lên — what an uploaded file really is, decided from its bytes. Shared by
assessment evidence and residents' attachments, so both follow the same rules.

Kinds: PDF, JPEG/PNG/WebP images, XLSX and DOCX; each caller says which it accepts. The
name is only used to show the file (and refused when it carries a path); the type comes
from the content. Office files
are ZIP archives: they are opened as such and refused when they carry macros
(``vbaProject.bin``, a macro-enabled content type) or would inflate beyond a sane size
(zip bombs). Images are decoded and re-encoded from their pixels, so EXIF, GPS, XMP and
anything appended after the image data are gone. The SHA-256 is of the bytes stored.

Hardened against the hostile corpus of ``xaso.core.testing.hostile`` (tests in
``xaso/core/tests/test_hostile_uploads.py``): PDFs are scanned for active content also
behind ``#xx`` name escapes and inside compressed streams, and refused when they carry
HTML; Office files are refused with external links, embedded objects, DTDs (XXE, billion
laughs) or duplicate entries; any file carrying the EICAR test string is refused; names
lose control and bidirectional characters, and an inner executable extension
(``anh.php.jpg``) is defused.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import warnings
import zipfile
import zlib
from dataclasses import dataclass

import puremagic
from PIL import Image, ImageFile, ImageOps

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


_ENCODED_PATH = re.compile(r"%(00|2f|5c|2e)", re.IGNORECASE)
_NAME_UNSAFE = str.maketrans({c: "_" for c in '"<>:|?*'})
# An extension a web server or a desktop might run, left inside a name ("anh.php.jpg").
_RUNNABLE = re.compile(
    r"\.(php\d?|phtml|phar|asp|aspx|ashx|jsp|jspx|cgi|pl|py|rb|sh|bash|exe|dll|com|bat|cmd|"
    r"ps1|vbs|vbe|js|jse|wsf|hta|scr|msi|jar|lnk|html?|xhtml|shtml|svg|xml)(?=\.)",
    re.IGNORECASE,
)


def _path_like(raw: str) -> bool:
    folded = unicodedata.normalize("NFKC", raw)
    return (
        any(sep in text for text in (raw, folded) for sep in ("/", "\\", "\x00"))
        or raw.strip() in {".", ".."}
        or bool(_ENCODED_PATH.search(raw))
    )


def clean_name(name: str) -> str:
    """The name to show; refuses names that try to be paths."""
    raw = name or ""
    if _path_like(raw):
        shown = "".join(ch for ch in raw[:80] if unicodedata.category(ch)[0] != "C")
        raise UploadRejected(
            f"Tên tệp “{shown}” chứa đường dẫn (/, \\, .. hoặc ký tự mã hoá như %00): "
            "hãy đổi tên tệp rồi tải lại."
        )
    text = unicodedata.normalize("NFC", raw).translate(_NAME_UNSAFE)
    # Control, format (bidirectional overrides, zero-width) and unassigned characters.
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
    if _EICAR in data:
        raise UploadRejected(
            f"Tệp “{shown}” chứa mẫu mã độc (chuỗi thử EICAR): không nhận. Hãy quét virus "
            "máy tính của bạn."
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


_EICAR = rb"EICAR-STANDARD-ANTIVIRUS-TEST-FILE"


def _named(shown: str, content_type: str) -> str:
    stem = re.sub(r"\.[A-Za-z0-9]{1,5}$", "", shown) or "minh-chung"
    stem = _RUNNABLE.sub(lambda m: "_" + m.group(1), stem + ".")[:-1]
    return stem + EXTENSIONS[content_type]


def _done(shown: str, content_type: str, data: bytes) -> CheckedFile:
    return CheckedFile(
        _named(shown, content_type), content_type, data, hashlib.sha256(data).hexdigest()
    )


# Actions that run, open or send something by themselves, and files carried inside.
_PDF_ACTIVE = re.compile(
    rb"/(JavaScript|JS|Launch|EmbeddedFiles?|RichMedia|XFA|AA|SubmitForm|ImportData|GoToR|GoToE"
    rb"|OpenAction(?=\s*<<))(?![A-Za-z0-9])"
)
_PDF_OPEN_REF = re.compile(rb"/OpenAction\s*(\d+)\s+(\d+)\s+R")
_PDF_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_PDF_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\n?endstream", re.DOTALL)
# Five letters and more: random bytes in an image stream are most unlikely to spell them.
_HTML_MARKERS = re.compile(rb"<(script|html|iframe)\b", re.IGNORECASE)
MAX_PDF_INFLATED = 64 * 1024 * 1024


def _unescape_names(data: bytes) -> bytes:
    return _PDF_NAME_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), data)


def _pdf_views(data: bytes) -> list[bytes]:
    """What a reader interprets as objects: the file without its stream bodies (fonts and
    images are binary noise that could spell ``/JS`` by chance), plus the inflated content
    of every object stream (``/Type/ObjStm``, where actions can hide compressed); names
    with ``#xx`` escapes decoded (``/J#61vaScript``)."""
    skeleton, inflated, last, budget = [], [], 0, MAX_PDF_INFLATED
    for match in _PDF_STREAM.finditer(data):
        skeleton.append(data[last : match.start(1)])
        last = match.end(1)
        head = _unescape_names(data[max(0, match.start() - 1024) : match.start()])
        head = head[head.rfind(b"obj") :]
        if budget > 0 and re.search(rb"/Type\s*/ObjStm", head):
            try:
                content = zlib.decompressobj().decompress(match.group(1), budget)
            except zlib.error:
                continue
            budget -= len(content)
            inflated.append(content)
    skeleton.append(data[last:])
    return [_unescape_names(v) for v in (b"".join(skeleton), *inflated)]


def _pdf_active(data: bytes) -> str:
    for view in _pdf_views(data):
        # Name the action itself (JavaScript, Launch…) rather than the /OpenAction holding it.
        names = [m.group(1).decode() for m in _PDF_ACTIVE.finditer(view)]
        found = sorted(names, key=lambda name: name == "OpenAction")  # stable: first seen
        if found:
            return found[0]
        ref = _PDF_OPEN_REF.search(view)
        if ref and re.search(
            rb"(?<![0-9])" + ref.group(1) + rb"\s+" + ref.group(2) + rb"\s+obj\s*<<", view
        ):
            return "OpenAction"
    return ""


def _pdf(shown: str, data: bytes) -> CheckedFile:
    found = _pdf_active(data)
    if found:
        raise UploadRejected(
            f"Tệp PDF “{shown}” chứa thành phần chạy được hoặc tệp nhúng "
            f"({found}): hãy in lại thành PDF thường rồi tải lên."
        )
    if _HTML_MARKERS.search(data):
        raise UploadRejected(
            f"Tệp PDF “{shown}” chứa mã trang web (HTML/script) bên trong: không nhận. Hãy in "
            "lại thành PDF thường rồi tải lên."
        )
    if b"%%EOF" not in data or b"obj" not in data:
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
    if any(n.startswith("/") or "\\" in n or ".." in n.split("/") for n in names):
        raise UploadRejected(f"Tệp “{shown}” chứa đường dẫn không hợp lệ bên trong.")
    if len(names) != len(infos):
        raise UploadRejected(
            f"Tệp “{shown}” có các thành phần trùng tên bên trong (tệp bị làm giả): không nhận."
        )
    if "[Content_Types].xml" not in names:
        raise UploadRejected(
            f"Tệp “{shown}” là tệp ZIP, không phải Excel (.xlsx) hay Word (.docx)."
        )
    try:
        types = archive.read("[Content_Types].xml").lower()
    except (zipfile.BadZipFile, ValueError, OSError, RuntimeError, zlib.error):
        raise UploadRejected(f"Tệp “{shown}” là tệp nén hỏng: hãy lưu lại rồi tải lên.") from None
    if (
        any(n.lower().endswith("vbaproject.bin") for n in names)
        or b"macroenabled" in types
        or b"vbaproject" in types
    ):
        raise UploadRejected(
            f"Tệp “{shown}” chứa macro (tệp .xlsm/.docm dù mang đuôi khác): hãy lưu thành "
            ".xlsx/.docx không macro rồi tải lại."
        )
    embedded = next((n for n in sorted(names) if _OFFICE_EMBEDDED.search(n)), None)
    if embedded:
        raise UploadRejected(
            f"Tệp “{shown}” chứa đối tượng nhúng hoặc tệp khác bên trong ({embedded}): hãy "
            "lưu lại không kèm đối tượng nhúng rồi tải lên."
        )
    _office_parts(shown, archive, infos)
    if "xl/workbook.xml" in names:
        return _done(shown, XLSX, data)
    if "word/document.xml" in names:
        return _done(shown, DOCX, data)
    raise UploadRejected(f"Tệp Office “{shown}” không phải Excel (.xlsx) hay Word (.docx).")


# Parts that carry other files or programs: OLE objects, ActiveX, nested archives.
_OFFICE_EMBEDDED = re.compile(
    r"(^|/)(embeddings|activeX)/|\.(zip|7z|rar|gz|exe|dll|jar|js|vbs|ps1|bat|cmd|hta|scr)$",
    re.IGNORECASE,
)
_DTD = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_RELATIONSHIP = re.compile(rb"<Relationship\b[^>]*>", re.IGNORECASE)


def _office_parts(shown: str, archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> None:
    """No part declares a DTD (XXE, billion laughs: real Office files never do), and no
    relationship other than a hyperlink points outside the file (linked workbooks,
    remote templates fetch and run what another server sends)."""
    for info in infos:
        lower = info.filename.lower()
        if not lower.endswith((".xml", ".rels", ".vml")):
            continue
        try:
            with archive.open(info) as part:
                head = part.read(8192) if not lower.endswith(".rels") else part.read(1 << 20)
        except (zipfile.BadZipFile, ValueError, OSError, RuntimeError, zlib.error):
            raise UploadRejected(
                f"Tệp “{shown}” là tệp nén hỏng: hãy lưu lại rồi tải lên."
            ) from None
        if _DTD.search(head):
            raise UploadRejected(
                f"Tệp “{shown}” chứa khai báo DTD/ENTITY ({info.filename}) — kiểu tấn công XXE: "
                "không nhận. Hãy lưu lại tệp bằng Excel/Word rồi tải lên."
            )
        if lower.endswith(".rels"):
            for rel in _RELATIONSHIP.findall(head):
                if b'targetmode="external"' in rel.lower() and not re.search(
                    rb'Type="[^"]*/hyperlink"', rel, re.IGNORECASE
                ):
                    raise UploadRejected(
                        f"Tệp “{shown}” có liên kết ngoài tới tệp hoặc máy chủ khác "
                        f"({info.filename}): hãy bỏ liên kết (dán giá trị) rồi tải lại."
                    )


def _load_whole(probe: Image.Image) -> None:
    """Decodes every pixel, refusing a truncated file. WeasyPrint sets Pillow's global
    ``LOAD_TRUNCATED_IMAGES`` when imported (any process that renders a PDF report), which
    would pad a cut-off upload with grey instead of failing: the check must not depend on
    what else the process has imported."""
    lenient = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        probe.load()
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = lenient


def _image(shown: str, data: bytes) -> CheckedFile:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.width * probe.height > MAX_PIXELS:
                    raise UploadRejected(
                        f"Ảnh “{shown}” quá lớn ({probe.width}×{probe.height} điểm ảnh)."
                    )
                _load_whole(probe)
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
