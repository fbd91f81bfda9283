"""A throwaway certificate authority and PDF signer — for the tests, the benchmark and the
demo's sample evidence; never for signing anything real. The root and the signer's
certificate are made on the spot with ``cryptography``; pyHanko signs (PAdES)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class TestCA:
    __test__ = False

    root_der: bytes
    sign: Callable[[bytes], bytes]


def make_ca(common_name: str = "CA thử nghiệm xaso") -> TestCA:
    """A root CA and one signer certificate made now, with cryptography."""
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    now = dt.datetime.now(dt.UTC)

    def name(cn: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn),
                          x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")])  # fmt: skip

    def usage(*, ca: bool) -> x509.KeyUsage:
        return x509.KeyUsage(
            digital_signature=True, content_commitment=not ca, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=ca, crl_sign=ca,
            encipher_only=False, decipher_only=False,
        )  # fmt: skip

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = (
        x509.CertificateBuilder().subject_name(name(common_name)).issuer_name(name(common_name))
        .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(usage(ca=True), critical=True)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder().subject_name(name("UBND Phường Bắc Kạn"))
        .issuer_name(ca_cert.subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=730))
        .add_extension(usage(ca=False), critical=True)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    der = serialization.Encoding.DER
    root = ca_cert.public_bytes(der)
    signer = signers.SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(cert.public_bytes(der)),
        signing_key=asn1_keys.PrivateKeyInfo.load(
            key.private_bytes(der, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        ),
        cert_registry=SimpleCertificateStore.from_certs([asn1_x509.Certificate.load(root)]),
    )

    def sign(pdf: bytes) -> bytes:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        meta = signers.PdfSignatureMetadata(field_name="ChuKySo")
        return bytes(signers.sign_pdf(writer, meta, signer=signer).getvalue())

    return TestCA(root, sign)


def make_pdf(text: str = "Quyết định thành lập Ban chỉ đạo chuyển đổi số") -> bytes:
    import weasyprint

    html = f"<h1>UBND PHƯỜNG BẮC KẠN</h1><p>{text}</p>"
    return bytes(weasyprint.HTML(string=html).write_pdf())


def modify_after_signing(signed: bytes) -> bytes:
    """An incremental update replacing the first page's content (not allowed after signing)."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    page["/Contents"] = writer.add_object(
        generic.StreamObject(stream_data=b"BT /F1 24 Tf 72 72 Td (DA SUA) Tj ET")
    )
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def tamper(signed: bytes) -> bytes:
    """Changes one byte inside the signed range without touching the structure."""
    at = signed.find(b"/MediaBox")
    assert at > 0
    return signed[:at] + b"/MediaBoy" + signed[at + 9 :]


__all__ = ["TestCA", "make_ca", "make_pdf", "modify_after_signing", "tamper"]
