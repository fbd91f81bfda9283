"""Pages: the period table beside self values, the drill-down and its exports, the import
log, sources with their one-time token, the trust store, evidence signature verdicts."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from xaso.accounts.models import User
from xaso.accounts.tests.factories import make_user
from xaso.assessments import actions as assessment_actions
from xaso.assessments.tests.factories import make_period
from xaso.connectors.models import SignatureCheck, Source, TrustRoot, Verdict
from xaso.connectors.testca import make_ca, make_pdf
from xaso.connectors.tests.conftest import sign_in
from xaso.connectors.tests.factories import dossier, load
from xaso.units.models import Unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(source: Source, song_cau: Unit) -> Source:
    load(source, "dossier", [
        dossier("V1", "01837", "2025-03-01 08:00"),
        dossier("V2", "01843", "2025-08-01 08:00", channel="in_person", full_online="không"),
    ], filename="mot-cua.csv")  # fmt: skip
    return source


def drill_url(unit: Unit, key: str = "dossiers.full_online_share", **params: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in {"tu": "2025-01-01", "den": "2025-12-31",
                                              **params}.items())  # fmt: skip
    return f"{reverse('connectors:drill', args=[unit.pk, key])}?{query}"


def test_the_period_table_puts_measured_beside_self_reported(
    client: Client, loaded: Source, song_cau: Unit, thai_nguyen: Unit, admin_tn: User
) -> None:
    period = make_period(thai_nguyen, [song_cau])
    submission = period.submissions.get()
    assessment_actions.do_save_values(submission=submission, values={"CQ.06": ("90", None)},
                                      actor=None)  # fmt: skip
    page = sign_in(client, admin_tn).get(reverse("connectors:period", args=[period.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "50 %" in text and "90 %" in text and "khác" in text  # measured 1/2, self 90
    assert drill_url(song_cau).replace("&", "&amp;") in text


def test_drilldown_lists_and_exports_the_records_behind_a_value(
    client: Client, loaded: Source, song_cau: Unit
) -> None:
    officer = make_user(role="commune_officer", units=[song_cau])
    sign_in(client, officer)
    page = client.get(drill_url(song_cau))
    text = page.content.decode()
    assert page.status_code == 200
    assert "V1" in text and "V2" in text and "Phường Sông Cầu" in text
    assert "1 hồ sơ trực tuyến toàn trình / 2 hồ sơ" in text
    only = client.get(drill_url(song_cau, chi="full_online")).content.decode()
    assert "V1" in only and "V2" not in only
    csv_text = client.get(drill_url(song_cau, xuat="csv")).content.decode("utf-8-sig")
    assert csv_text.splitlines()[0].startswith("source_id,procedure_code")
    assert len(csv_text.splitlines()) == 3
    book = openpyxl.load_workbook(io.BytesIO(client.get(drill_url(song_cau, xuat="xlsx")).content))
    sheet = book.worksheets[0]
    assert sheet.max_row == 3 and sheet.cell(1, 1).value == "source_id"


def test_another_communes_officer_gets_404(
    client: Client, loaded: Source, song_cau: Unit, duc_van: Unit
) -> None:
    sign_in(client, make_user(role="commune_officer", units=[duc_van]))
    assert client.get(drill_url(song_cau)).status_code == 404
    assert client.get(drill_url(song_cau, xuat="csv")).status_code == 404


def test_the_import_log_shows_who_when_hash_and_counts(
    client: Client, loaded: Source, admin_tn: User
) -> None:
    sign_in(client, admin_tn)
    text = client.get(reverse("connectors:batches")).content.decode()
    assert "mot-cua.csv" in text and "system" in text
    batch = loaded.batches.get()
    detail = client.get(reverse("connectors:batch", args=[batch.pk])).content.decode()
    assert batch.sha256 in detail


def test_sources_show_a_new_token_once(client: Client, thai_nguyen: Unit, admin_tn: User) -> None:
    sign_in(client, admin_tn)
    page = client.post(reverse("connectors:sources"), {
        "province": thai_nguyen.pk, "code": "vbdh", "name": "Văn bản điều hành"})  # fmt: skip
    text = page.content.decode()
    source = Source.objects.get(code="vbdh")
    assert "xsrc_" in text and source.token_prefix in text
    again = client.get(reverse("connectors:sources")).content.decode()
    assert "chỉ hiện một lần" not in again


def test_commune_officers_cannot_manage_sources(client: Client, song_cau: Unit) -> None:
    sign_in(client, make_user(role="commune_officer", units=[song_cau]))
    assert client.get(reverse("connectors:sources")).status_code == 404
    assert client.get(reverse("connectors:trust_roots")).status_code == 404


def test_evidence_signatures_are_checked_and_shown(
    client: Client, song_cau: Unit, thai_nguyen: Unit, admin_tn: User
) -> None:
    ca = make_ca()
    period = make_period(thai_nguyen, [song_cau])
    submission = period.submissions.get()
    signed = ca.sign(make_pdf())
    assessment_actions.do_upload_evidence(
        submission=submission, criterion="NT1.01", name="qd.pdf", data=signed, actor=None
    )
    sign_in(client, admin_tn)
    upload = io.BytesIO(ca.root_der)
    upload.name = "goc.cer"
    client.post(reverse("connectors:trust_roots"),
                {"province": thai_nguyen.pk, "name": "CA thử", "certificate": upload})  # fmt: skip
    assert TrustRoot.objects.filter(province=thai_nguyen, active=True).count() == 1
    url = reverse("connectors:signatures", args=[submission.pk])
    assert client.post(url).status_code == 302
    check = SignatureCheck.objects.get()
    assert check.verdict == Verdict.VALID
    text = client.get(url).content.decode()
    assert "Chữ ký số hợp lệ" in text and "1/1 tệp PDF" in text
    detail = client.get(reverse("connectors:signature", args=[check.pk])).content.decode()
    assert "UBND Phường Bắc Kạn" in detail


def test_home_lists_formulas_and_periods(
    client: Client, song_cau: Unit, thai_nguyen: Unit, admin_tn: User
) -> None:
    period = make_period(thai_nguyen, [song_cau])
    text = sign_in(client, admin_tn).get(reverse("connectors:home")).content.decode()
    assert "dossiers.full_online_share" in text and period.name in text
    assert dt.date.today().year > 2000
