"""Kiểm tra chữ ký số — PAdES / PDF signatures validated with pyHanko against a trust
store of DER root certificates, reduced to one verdict per file.

Per signature: integrity (the signed bytes still match the digest), the signer's
certificate chain to a trusted root (no network: revocation is checked only from what
the file carries), the signing time the signer claims, and what later revisions of the
file changed (pyHanko's difference analysis). The file's verdict is its worst
signature's: tampered > modified after signing > untrusted > valid.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.misc import PdfReadError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from xaso.connectors.models import Verdict

# pyHanko logs a traceback for every untrusted chain or suspicious revision; the verdict
# already says so, in Vietnamese, where the person looks.
for _name in ("pyhanko", "pyhanko_certvalidator"):
    logging.getLogger(_name).setLevel(logging.CRITICAL)

_RANK = {
    Verdict.VALID: 0,
    Verdict.UNTRUSTED: 1,
    Verdict.MODIFIED: 2,
    Verdict.TAMPERED: 3,
}
# Later revisions that only add validation data (DSS, document timestamps) are allowed.
_HARMLESS = (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES)


@dataclass(frozen=True)
class SignatureFinding:
    field: str
    verdict: Verdict
    intact: bool
    trusted: bool
    signer: str
    issuer: str
    serial: str
    signed_at: dt.datetime | None
    coverage: str
    modification: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "verdict": self.verdict.value,
            "intact": self.intact,
            "trusted": self.trusted,
            "signer": self.signer,
            "issuer": self.issuer,
            "serial": self.serial,
            "signed_at": self.signed_at.isoformat() if self.signed_at else None,
            "coverage": self.coverage,
            "modification": self.modification,
        }


@dataclass(frozen=True)
class Result:
    verdict: Verdict
    message: str
    findings: list[SignatureFinding] = field(default_factory=list)

    @property
    def first(self) -> SignatureFinding | None:
        return self.findings[0] if self.findings else None

    @property
    def modified_after(self) -> bool:
        return any(f.verdict is Verdict.MODIFIED for f in self.findings)


def pem_files_to_der(paths: Iterable[str | Path]) -> list[bytes]:
    out: list[bytes] = []
    for path in paths:
        out += certificates_from_bytes(Path(path).read_bytes())
    return out


def certificates_from_bytes(data: bytes) -> list[bytes]:
    """DER certificates from a PEM (one or many) or DER file; ValueError if none."""
    if pem.detect(data):
        ders = [der for kind, _, der in pem.unarmor(data, multiple=True) if kind == "CERTIFICATE"]
    else:
        ders = [data]
    out = []
    for der in ders:
        try:
            cert = asn1_x509.Certificate.load(der)
            cert.native  # noqa: B018 — parsing everything now rejects a corrupt file here
        except Exception:
            raise ValueError("Tệp không phải chứng thư số X.509 (PEM hoặc DER).") from None
        out.append(der)
    if not out:
        raise ValueError("Tệp không chứa chứng thư số nào.")
    return out


def describe(der: bytes) -> tuple[str, dt.datetime]:
    cert = asn1_x509.Certificate.load(der)
    return cert.subject.human_friendly, cert.not_valid_after


def _name(cert: Any, part: str) -> str:
    try:
        return str(getattr(cert, part).human_friendly)[:300]
    except Exception:
        return ""


def check_pdf(data: bytes, trust_roots: Sequence[bytes]) -> Result:
    """The verdict on one PDF's signatures against these trusted DER certificates."""
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_signatures
    except (PdfReadError, ValueError, KeyError, TypeError, IndexError):
        if b"/ByteRange" not in data:
            # Damaged structure but no signature dictionary anywhere in the bytes.
            return Result(Verdict.UNSIGNED, "Tệp PDF không có chữ ký số.")
        return Result(Verdict.UNREADABLE, "Không đọc được cấu trúc tệp PDF có chữ ký.")
    if not signatures:
        return Result(Verdict.UNSIGNED, "Tệp PDF không có chữ ký số.")
    roots = [asn1_x509.Certificate.load(der) for der in trust_roots]
    context = ValidationContext(trust_roots=roots, allow_fetching=False)
    findings = [_one(sig, context) for sig in signatures]
    worst = max(findings, key=lambda f: _RANK[f.verdict])
    return Result(worst.verdict, _message(worst, len(findings)), findings)


def _one(sig: Any, context: ValidationContext) -> SignatureFinding:
    try:
        status = validate_pdf_signature(sig, context)
    except Exception as exc:  # a malformed signature dictionary or CMS blob
        return SignatureFinding(
            str(sig.field_name), Verdict.TAMPERED, False, False, "", "", "", None, "",
            f"lỗi: {type(exc).__name__}",
        )  # fmt: skip
    cert = status.signing_cert
    level = status.modification_level
    coverage = status.coverage
    intact = bool(status.intact and status.valid)
    if not intact:
        verdict = Verdict.TAMPERED
    elif coverage != SignatureCoverageLevel.ENTIRE_FILE and (
        level not in _HARMLESS or status.docmdp_ok is False
    ):
        verdict = Verdict.MODIFIED
    elif not status.trusted:
        verdict = Verdict.UNTRUSTED
    else:
        verdict = Verdict.VALID
    return SignatureFinding(
        str(sig.field_name),
        verdict,
        intact,
        bool(status.trusted),
        _name(cert, "subject"),
        _name(cert, "issuer"),
        format(cert.serial_number, "x") if cert is not None else "",
        status.signer_reported_dt,
        coverage.name if coverage is not None else "",
        level.name if level is not None else "",
    )


def _message(worst: SignatureFinding, count: int) -> str:
    who = f" — người ký: {worst.signer}" if worst.signer else ""
    many = f" ({count} chữ ký)" if count > 1 else ""
    text = {
        Verdict.VALID: "Chữ ký số hợp lệ, nội dung nguyên vẹn, chứng thư thuộc danh sách tin cậy",
        Verdict.UNTRUSTED: "Nội dung nguyên vẹn nhưng chứng thư của người ký không dẫn tới "
        "chứng thư gốc nào trong danh sách tin cậy",
        Verdict.MODIFIED: "Tệp đã bị sửa nội dung sau khi ký",
        Verdict.TAMPERED: "Chữ ký không khớp với nội dung: tệp đã bị thay đổi sau khi ký",
    }[worst.verdict]
    return f"{text}{many}{who}."[:500]
