"""The hostile upload corpus (``xaso.core.testing.hostile``) through real upload endpoints,
over HTTP as a browser sends it: assessment evidence uploaded by a commune officer,
photos on the residents' public report form, and evidence of a programme task's progress
(which checked only the file name before). Each file is refused with a Vietnamese
message leaving no row and no file behind, or stored neutralised (content-typed,
re-encoded, safely named) and served back as an attachment that browsers do not sniff.

The HTTP layer already takes any path off a file name (Django keeps the last component),
so a file refused by the checker for its name may arrive under a plain name and be
stored; that is allowed only for name-based refusals, and the stored name must be clean.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.http.multipartparser import MultiPartParser
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from xaso.accounts.tests.conftest import sign_in
from xaso.accounts.tests.factories import make_user
from xaso.assessments import queries as assessment_queries
from xaso.assessments.models import Evidence, Period, Submission
from xaso.assessments.tests.factories import make_period
from xaso.citizens import actions as citizen_actions
from xaso.citizens.intake import form_stamp
from xaso.citizens.models import Attachment, Case
from xaso.citizens.uploads import MAX_BYTES as PHOTO_LIMIT
from xaso.core.testing.hostile import PATH, Hostile, assert_neutralised, corpus
from xaso.core.uploads import inspect
from xaso.units.models import Unit

EVIDENCE_LIMIT = 2 * 1024 * 1024
BOUNDARY = "----xasoHostileBoundary7MA4YWxkTrZu0gW"
SAFE_TYPES = {"application/pdf", "image/jpeg", "image/png"}


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.XASO_EVIDENCE_MAX_BYTES = EVIDENCE_LIMIT
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    citizen_actions.forget_caches()


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def browser_filename(name: str) -> str:
    """How a browser writes a file name into multipart/form-data (HTML: ``"`` → %22,
    CR → %0D, LF → %0A; everything else as UTF-8)."""
    return name.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


def multipart(fields: dict[str, str], file_field: str, name: str, data: bytes) -> bytes:
    out = b""
    for key, value in fields.items():
        out += (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'
        ).encode()
    out += (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{file_field}"; '
        f'filename="{browser_filename(name)}"\r\nContent-Type: application/octet-stream\r\n\r\n'
    ).encode()
    return out + data + f"\r\n--{BOUNDARY}--\r\n".encode()


def post_file(client: Client, url: str, fields: dict[str, str], field: str, case: Hostile) -> Any:
    body = multipart(fields, field, case.name, case.data)
    return client.post(url, body, content_type=f"multipart/form-data; boundary={BOUNDARY}")


def arrives_as(name: str) -> str | None:
    """The name Django hands to the view (``None``: the file is dropped)."""
    return MultiPartParser.sanitize_file_name(None, browser_filename(name))  # type: ignore[arg-type]


def check_stored(case: Hostile, name: str, content_type: str, data: bytes) -> None:
    if case.expect == "reject":
        # Only a name refusal may turn into storage, once HTTP has cut the path off.
        assert case.reason in (PATH, "tên") and arrives_as(case.name) != case.name, case.key
        assert inspect(name, data, limit=EVIDENCE_LIMIT).content_type == content_type
        plain = Hostile(case.key, case.name, case.data, "neutralise")
        assert_neutralised(plain, name, content_type, data)
    else:
        assert_neutralised(case, name, content_type, data)


def check_download(response: Any, content_type: str) -> None:
    assert response.status_code == 200
    assert response["Content-Type"].split(";")[0] == content_type in SAFE_TYPES
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"


# --- assessment evidence ----------------------------------------------------------------


@pytest.fixture
def evidence_setup(dak_lak: Unit, hoa_phu: Unit) -> tuple[Client, Submission, str]:
    officer = make_user(role="commune_officer", units=[hoa_phu], username="canbo.hp")
    period: Period = make_period(dak_lak, [hoa_phu])
    submission = Submission.objects.get(period=period, unit=hoa_phu)
    criterion = next(iter(assessment_queries.framework_of(period).leaves)).code
    return sign_in(Client(), officer), submission, criterion


def test_evidence_upload_refuses_or_neutralises_the_whole_corpus(
    evidence_setup: tuple[Client, Submission, str], settings: Any
) -> None:
    client, submission, criterion = evidence_setup
    media = Path(settings.MEDIA_ROOT)
    url = reverse("assessments:evidence_upload", args=[submission.pk])
    cases = corpus(EVIDENCE_LIMIT)
    outcomes = {"refused": 0, "stored": 0}
    started = time.monotonic()
    for case in cases:
        rows, files = Evidence.objects.count(), len(_files(media))
        response = post_file(client, url, {"ma": criterion}, "file", case)
        assert response.status_code == 302, case.key
        notes = [(m.level_tag, m.message) for m in get_messages(response.wsgi_request)]
        if Evidence.objects.count() == rows:
            outcomes["refused"] += 1
            assert len(_files(media)) == files, (case.key, "a refused file left a file behind")
            errors = [text for level, text in notes if level == "error"]
            assert errors, (case.key, notes)
            if arrives_as(case.name) == case.name:
                assert case.expect == "reject", (case.key, errors)
                assert any(case.reason in e for e in errors), (case.key, errors)
            continue
        outcomes["stored"] += 1
        evidence = Evidence.objects.latest("pk")
        data = evidence.file.read()
        evidence.file.close()
        check_stored(case, evidence.original_name, evidence.content_type, data)
        # Stored under its hash, never under the name it was sent with.
        assert evidence.file.name.startswith("danh-gia/")
        assert Path(evidence.file.name).stem == evidence.sha256
        download = client.get(reverse("assessments:evidence_download", args=[evidence.pk]))
        check_download(download, evidence.content_type)
        assert "sandbox" in download["Content-Security-Policy"]
        b"".join(download.streaming_content)  # closes the file, as the test client does
    took = time.monotonic() - started
    print(f"\nevidence endpoint: {len(cases)} hostile files, {outcomes['refused']} refused, "
          f"{outcomes['stored']} stored neutralised, {took:.1f} s")  # fmt: skip
    assert len(cases) >= 50


# --- residents' public report form --------------------------------------------------------


@pytest.fixture
def officer_client(hoa_phu: Unit) -> Callable[[], Client]:
    officer = make_user(role="commune_officer", units=[hoa_phu], username="canbo.ph")
    return lambda: sign_in(Client(), officer)


def report_fields(n: int) -> dict[str, str]:
    return {
        "body": f"Đường liên thôn số {n} bị sạt lở sau mưa lớn, xe máy đi lại rất nguy hiểm.",
        "phone": f"0912{n:06d}",
        "name": "Nguyễn Văn An",
        "stamp": form_stamp(timezone.now() - dt.timedelta(seconds=30)),
        "legal_class": "field",
        "is_public": "on",
    }


def test_public_report_form_refuses_or_neutralises_the_whole_corpus(
    hoa_phu: Unit, officer_client: Callable[[], Client], settings: Any
) -> None:
    media = Path(settings.MEDIA_ROOT)
    url = reverse("citizens:report", args=[hoa_phu.code])
    officer = officer_client()
    cases = corpus(PHOTO_LIMIT)
    outcomes = {"refused": 0, "stored": 0, "dropped": 0}
    started = time.monotonic()
    for n, case in enumerate(cases):
        # A different resident each time: the per-phone and per-address limits stay out.
        resident = Client(REMOTE_ADDR=f"198.51.{n // 200}.{n % 200 + 1}")
        cases_before, files = Case.objects.count(), len(_files(media))
        attachments = Attachment.objects.count()
        response = post_file(resident, url, report_fields(n), "files", case)
        if arrives_as(case.name) is None:
            # The browser's name was only a path: the file never reaches the view.
            outcomes["dropped"] += 1
            assert Attachment.objects.count() == attachments, case.key
            assert len(_files(media)) == files, case.key
            continue
        if response.status_code == 400:
            outcomes["refused"] += 1
            page = response.content.decode()
            assert Case.objects.count() == cases_before, (case.key, "a refused report was kept")
            assert len(_files(media)) == files, (case.key, "a refused file left a file behind")
            if arrives_as(case.name) == case.name:
                assert case.expect == "reject", case.key
                assert escape(case.reason) in page or "không phải" in page, case.key
            continue
        assert response.status_code == 302, (case.key, response.status_code)
        outcomes["stored"] += 1
        stored = Case.objects.latest("pk")
        attachment = stored.attachments.get()
        data = attachment.file.read()
        attachment.file.close()
        check_stored(case, attachment.name, attachment.content_type, data)
        assert attachment.file.name.startswith("citizens/")
        assert attachment.file.name.count("/") == 3, attachment.file.name  # citizens/yyyy/mm/
        download = officer.get(reverse("citizens:attachment", args=[stored.pk, attachment.pk]))
        check_download(download, attachment.content_type)
        b"".join(download.streaming_content)  # closes the file, as the test client does
    took = time.monotonic() - started
    print(f"\npublic report form: {len(cases)} hostile files, {outcomes['refused']} refused, "
          f"{outcomes['stored']} stored neutralised, {outcomes['dropped']} dropped by HTTP, "
          f"{took:.1f} s")  # fmt: skip
    assert len(cases) >= 50


# --- programme task evidence ----------------------------------------------------------------


def test_task_evidence_refuses_or_neutralises_the_whole_corpus(
    dak_lak: Unit, hoa_phu: Unit, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from xaso.programs import actions as programme_actions
    from xaso.programs.models import TaskUpdate
    from xaso.programs.tests.factories import make_participant, make_programme

    monkeypatch.setattr(programme_actions, "EVIDENCE_MAX_BYTES", EVIDENCE_LIMIT)
    media = Path(settings.MEDIA_ROOT)
    officer = make_user(role="commune_officer", units=[hoa_phu], username="canbo.td")
    participant = make_participant(make_programme(dak_lak), hoa_phu)
    task = programme_actions.do_add_task(
        participant, title="Lắp wifi nhà văn hoá", owner_kind="commune",
        starts_on=dt.date(2025, 1, 1), due_on=dt.date(2025, 12, 31), actor=officer,
    )  # fmt: skip
    client = sign_in(Client(), officer)
    url = reverse("programs:task", args=[task.pk])
    types = {".pdf": "application/pdf", ".jpg": "image/jpeg", ".png": "image/png"}
    cases = corpus(EVIDENCE_LIMIT)
    stored = 0
    for case in cases:
        task.refresh_from_db()
        rows, files = TaskUpdate.objects.count(), len(_files(media))
        fields = {"version": str(task.version), "status": "in_progress", "progress": "50"}
        response = post_file(client, url, fields, "evidence", case)
        if TaskUpdate.objects.count() == rows or not TaskUpdate.objects.latest("pk").evidence:
            assert len(_files(media)) == files, (case.key, "a refused file left a file behind")
            if arrives_as(case.name) == case.name and case.data:
                assert case.expect == "reject", case.key
                assert escape(case.reason) in response.content.decode(), case.key
            continue
        stored += 1
        update = TaskUpdate.objects.latest("pk")
        data = update.evidence.read()
        update.evidence.close()
        name = Path(update.evidence.name).name
        check_stored(case, name, types[Path(name).suffix], data)
    assert stored >= sum(c.expect == "neutralise" for c in cases)
