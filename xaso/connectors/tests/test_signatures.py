"""Signature verdicts on PDFs signed by a CA made in the test: valid, untrusted, tampered,
unsigned, modified after signing — in the checker, and through the action on evidence."""

from __future__ import annotations

import shutil
import subprocess
from typing import Any

import pytest
from django.test import Client

from xaso.assessments.models import Evidence
from xaso.assessments.tests.factories import make_period
from xaso.connectors import actions
from xaso.connectors.models import SignatureCheck, Verdict
from xaso.connectors.signatures import certificates_from_bytes, check_pdf
from xaso.connectors.testca import TestCA, make_ca, make_pdf, modify_after_signing, tamper
from xaso.units.models import Unit


@pytest.fixture(scope="module")
def ca() -> TestCA:
    return make_ca()


@pytest.fixture(scope="module")
def signed(ca: TestCA) -> bytes:
    return ca.sign(make_pdf())


def test_a_signed_pdf_chaining_to_the_trust_store_is_valid(ca: TestCA, signed: bytes) -> None:
    result = check_pdf(signed, [ca.root_der])
    assert result.verdict is Verdict.VALID
    finding = result.findings[0]
    assert finding.intact and finding.trusted
    assert "UBND Phường Bắc Kạn" in finding.signer
    assert "CA thử nghiệm xaso" in finding.issuer
    assert finding.signed_at is not None
    assert finding.coverage == "ENTIRE_FILE"


def test_the_same_file_without_its_root_in_the_store_is_untrusted(signed: bytes) -> None:
    other = make_ca("CA khác")
    assert check_pdf(signed, [other.root_der]).verdict is Verdict.UNTRUSTED
    assert check_pdf(signed, []).verdict is Verdict.UNTRUSTED


def test_a_changed_byte_in_the_signed_range_is_tampered(ca: TestCA, signed: bytes) -> None:
    result = check_pdf(tamper(signed), [ca.root_der])
    assert result.verdict is Verdict.TAMPERED
    assert not result.findings[0].intact


def test_content_changed_in_a_later_revision_is_modified_after_signing(
    ca: TestCA, signed: bytes
) -> None:
    result = check_pdf(modify_after_signing(signed), [ca.root_der])
    assert result.verdict is Verdict.MODIFIED
    assert result.modified_after
    assert result.findings[0].intact  # the signed revision itself is untouched


def test_a_pdf_without_signatures_is_unsigned(ca: TestCA) -> None:
    assert check_pdf(make_pdf(), [ca.root_der]).verdict is Verdict.UNSIGNED
    assert check_pdf(b"%PDF-1.4\nnot really\n%%EOF\n", []).verdict is Verdict.UNSIGNED


@pytest.mark.skipif(shutil.which("pdfsig") is None, reason="poppler-utils not installed")
def test_pdfsig_agrees_on_valid_and_tampered(tmp_path: object, signed: bytes) -> None:
    """An independent implementation (poppler) reads the same files the same way."""
    from pathlib import Path

    base = Path(str(tmp_path))
    good, bad = base / "good.pdf", base / "bad.pdf"
    good.write_bytes(signed)
    bad.write_bytes(tamper(signed))
    out_good = subprocess.run(["pdfsig", str(good)], capture_output=True, text=True).stdout
    out_bad = subprocess.run(["pdfsig", str(bad)], capture_output=True, text=True).stdout
    assert "Signature is Valid" in out_good
    assert "Signature is Valid" not in out_bad


def test_certificates_are_read_from_pem_or_der_and_junk_is_refused(ca: TestCA) -> None:
    import base64

    body = base64.encodebytes(ca.root_der).decode()
    pem = f"-----BEGIN CERTIFICATE-----\n{body}-----END CERTIFICATE-----\n".encode()
    assert certificates_from_bytes(pem) == [ca.root_der]
    assert certificates_from_bytes(ca.root_der) == [ca.root_der]
    with pytest.raises(ValueError):
        certificates_from_bytes(b"khong phai chung thu")


# --- through the action ---------------------------------------------------------------------


@pytest.mark.django_db
def test_evidence_verdicts_are_stored_and_rechecked_when_the_store_changes(
    ca: TestCA, signed: bytes, song_cau: Unit, thai_nguyen: Unit
) -> None:
    from xaso.assessments import actions as assessment_actions

    period = make_period(thai_nguyen, [song_cau])
    submission = period.submissions.get()
    evidence = {
        name: assessment_actions.do_upload_evidence(
            submission=submission, criterion="NT1.01", name=f"{name}.pdf", data=data, actor=None
        )
        for name, data in {
            "hop-le": signed,
            "sua-sau-khi-ky": modify_after_signing(signed),
            "khong-ky": make_pdf("Biên bản họp"),
        }.items()
    }
    checks = {
        name: actions.do_check_signature(evidence=e, actor=None) for name, e in evidence.items()
    }
    # No root in Thái Nguyên's store yet: intact, but not trusted.
    assert checks["hop-le"].verdict == Verdict.UNTRUSTED
    assert checks["sua-sau-khi-ky"].verdict == Verdict.MODIFIED
    assert checks["sua-sau-khi-ky"].modified_after
    assert checks["khong-ky"].verdict == Verdict.UNSIGNED
    actions.do_add_trust_root(province=thai_nguyen, name="CA thử", data=ca.root_der, actor=None)
    again = actions.do_check_signature(evidence=evidence["hop-le"], actor=None)
    assert again.pk == checks["hop-le"].pk and again.verdict == Verdict.VALID
    assert again.signer.startswith("Common Name: UBND Phường Bắc Kạn")
    assert SignatureCheck.objects.count() == 3


@pytest.mark.django_db
def test_a_file_changed_in_storage_is_reported(
    ca: TestCA, signed: bytes, song_cau: Unit, thai_nguyen: Unit
) -> None:
    from django.core.files.storage import default_storage

    from xaso.assessments import actions as assessment_actions

    period = make_period(thai_nguyen, [song_cau])
    evidence = assessment_actions.do_upload_evidence(
        submission=period.submissions.get(), criterion="NT1.01", name="qd.pdf", data=signed,
        actor=None,
    )  # fmt: skip
    with default_storage.open(evidence.file.name, "wb") as fh:
        fh.write(tamper(signed))
    check = actions.do_check_signature(evidence=Evidence.objects.get(pk=evidence.pk), actor=None)
    assert check.verdict == Verdict.TAMPERED and "mã băm" in check.message


@pytest.mark.django_db
def test_an_uploaded_pdf_is_checked_by_the_worker_and_its_verdict_shown_beside_it(
    ca: TestCA, signed: bytes, song_cau: Unit, thai_nguyen: Unit, client: Client,
    django_capture_on_commit_callbacks: Any, settings: Any, tmp_path: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.urls import reverse

    from xaso.accounts.tests.factories import make_user
    from xaso.connectors.tests.conftest import sign_in

    settings.MEDIA_ROOT = tmp_path
    # The worker closes connections between tasks; the test's transaction must survive it.
    monkeypatch.setattr(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    )
    actions.do_add_trust_root(province=thai_nguyen, name="CA thử", data=ca.root_der, actor=None)
    period = make_period(thai_nguyen, [song_cau])
    submission = period.submissions.get()
    officer = make_user(role="commune_officer", units=[song_cau])
    sign_in(client, officer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("assessments:evidence_upload", args=[submission.pk]),
            {"ma": "NT1.01", "file": SimpleUploadedFile("qd-ky-so.pdf", signed)},
        )
        client.post(
            reverse("assessments:evidence_upload", args=[submission.pk]),
            {"ma": "NT1.01", "file": SimpleUploadedFile("bien-ban.pdf", make_pdf("Biên bản"))},
        )
    assert SignatureCheck.objects.count() == 0  # the page answers at once; the worker checks
    call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)
    verdicts = {c.evidence.original_name: c.verdict for c in SignatureCheck.objects.all()}
    assert verdicts == {"qd-ky-so.pdf": Verdict.VALID, "bien-ban.pdf": Verdict.UNSIGNED}
    page = client.get(reverse("assessments:submission", args=[submission.pk])).content.decode()
    valid = SignatureCheck.objects.get(verdict=Verdict.VALID)
    assert f'href="{reverse("connectors:signature", args=[valid.pk])}">Chữ ký số hợp lệ' in page
    assert "Không có chữ ký số" in page


@pytest.mark.django_db
def test_the_hourly_sweep_checks_pdfs_the_worker_missed(
    signed: bytes, song_cau: Unit, thai_nguyen: Unit, settings: Any, tmp_path: Any
) -> None:
    from xaso.assessments import actions as assessment_actions
    from xaso.connectors.tasks import check_unchecked_signatures
    from xaso.core.schedule import periodic

    settings.MEDIA_ROOT = tmp_path
    assert check_unchecked_signatures in periodic("hourly")
    period = make_period(thai_nguyen, [song_cau])
    assessment_actions.do_upload_evidence(
        submission=period.submissions.get(),
        criterion="NT1.01",
        name="qd.pdf",
        data=signed,
        actor=None,
    )  # fmt: skip  (no on-commit: as if the worker had been down)
    assert check_unchecked_signatures.call() == 1
    assert check_unchecked_signatures.call() == 0
    assert SignatureCheck.objects.get().verdict == Verdict.UNTRUSTED
