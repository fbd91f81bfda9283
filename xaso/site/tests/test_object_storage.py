"""Object storage, proved against a real S3 wire protocol: moto's S3 server on a loopback
port (``xaso.core.testing.s3``), the app pointed at it with the production settings
(``xaso.settings.object_storage``, the ``XASO_S3_*`` variables).

Evidence goes up through the officer's page and lands in the bucket byte for byte; it
comes back only through the access-checked download view (the app streams it; the
objects are private and nothing links to the bucket); a resident's photo and a
bulletin's synthetic voice live there too; removal deletes the object; /readyz sees the
store and answers 503 when it stops; backup and restore carry every file into a fresh
bucket with its checksum intact."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.contrib.messages import get_messages
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from xaso.accounts.models import User
from xaso.accounts.tests.conftest import sign_in
from xaso.accounts.tests.factories import make_user
from xaso.assessments.models import Evidence, Period
from xaso.assessments.tests.factories import PDF, make_period
from xaso.citizens import actions as citizens
from xaso.citizens.intake import form_stamp
from xaso.citizens.models import Attachment, AudioClip
from xaso.core.testing.s3 import S3Server, s3_server
from xaso.settings import object_storage
from xaso.site.backup import new_key
from xaso.units.models import Generation, Unit

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def streamed(response: Any) -> bytes:
    """The body of a streamed response: what FileResponse sends from the store."""
    assert response.status_code == 200 and response.streaming
    return b"".join(response.streaming_content)


def point_at(settings: Any, server: S3Server, bucket: str, prefix: str = "") -> None:
    """Every file storage of the app (not the static files) on ``bucket``."""
    s3 = object_storage(server.env(bucket) | {"XASO_S3_PREFIX": prefix})
    settings.STORAGES = {
        alias: (config if alias == "staticfiles" else s3)
        for alias, config in settings.STORAGES.items()
    }


@pytest.fixture
def s3(settings: Any) -> Iterator[S3Server]:
    with s3_server() as server:
        point_at(settings, server, server.bucket)
        yield server


@pytest.fixture
def krong_nang(db: None) -> Unit:
    return Unit.objects.get(generation=Generation.CURRENT, code="24343")


@pytest.fixture
def officer(hoa_phu: Unit) -> User:
    return make_user(role="commune_officer", units=[hoa_phu], username="canbo.hp")


@pytest.fixture
def outsider(krong_nang: Unit) -> User:
    return make_user(role="commune_officer", units=[krong_nang], username="canbo.kn")


@pytest.fixture
def period(dak_lak: Unit, hoa_phu: Unit, krong_nang: Unit) -> Period:
    return make_period(dak_lak, [hoa_phu, krong_nang])


def _named(data: bytes, name: str) -> io.BytesIO:
    handle = io.BytesIO(data)
    handle.name = name
    return handle


def upload_evidence(client: Client, period: Period, unit: Unit, data: bytes, name: str) -> None:
    """Through the officer's page, as a browser would post it."""
    sub = period.submissions.get(unit=unit)
    response = client.post(
        reverse("assessments:evidence_upload", args=[sub.pk]),
        {"ma": "NT1.03", "file": _named(data, name), "doc_number": "12/QĐ-UBND"},
    )
    assert response.status_code == 302
    refused = [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "error"]
    assert not refused


def anonymous_get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def test_evidence_goes_up_to_the_bucket_and_back_only_through_the_app(
    s3: S3Server, settings: Any, period: Period, hoa_phu: Unit, officer: User,
    outsider: User, django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    scan = PDF + b"%" + os.urandom(4096) + b"\n"  # a decision "scanned" with some noise
    client = sign_in(Client(), officer, verified=False)
    upload_evidence(client, period, hoa_phu, scan, "Quyết định 12.pdf")
    evidence = Evidence.objects.get()
    key = evidence.file.name
    assert key == f"danh-gia/{period.pk}/{hoa_phu.code}/{sha256(scan)[:2]}/{sha256(scan)}.pdf"
    # In the bucket, byte for byte, and nowhere on the local disk.
    assert s3.objects() == {key: scan}
    assert evidence.sha256 == sha256(scan) == sha256(s3.objects()[key])
    assert not (Path(settings.MEDIA_ROOT) / key).exists()

    # Private: no grant to everyone, an unsigned request is refused by the store.
    grants = s3.client().get_object_acl(Bucket=s3.bucket, Key=key)["Grants"]
    assert not [g for g in grants if "URI" in g["Grantee"]]  # AllUsers / AuthenticatedUsers
    assert anonymous_get(f"{s3.endpoint}/{s3.bucket}/{key}") == 403
    # The only URL the storage would hand out is signed and lives five minutes.
    signed = default_storage.url(key)
    assert "X-Amz-Signature=" in signed and "X-Amz-Expires=300" in signed
    assert anonymous_get(signed) == 200

    # Downloads are streamed by the app after the access check, never redirected.
    url = reverse("assessments:evidence_download", args=[evidence.pk])
    download = client.get(url)
    assert download["Content-Disposition"].startswith("attachment;")
    assert sha256(streamed(download)) == sha256(scan)
    assert sign_in(Client(), outsider, verified=False).get(url).status_code == 404
    assert Client().get(url).status_code == 302  # to the sign-in page

    # Removal deletes the object once the transaction has committed.
    with django_capture_on_commit_callbacks(execute=True):
        removed = client.post(reverse("assessments:evidence_remove", args=[evidence.pk]))
    assert removed.status_code == 302
    assert not Evidence.objects.exists() and s3.objects() == {}


def _photo(colour: str) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buf, "JPEG")
    return buf.getvalue()


def test_a_residents_photos_and_a_bulletins_voice_live_in_the_bucket(
    s3: S3Server, hoa_phu: Unit, officer: User, outsider: User
) -> None:
    citizens.do_save_village(unit=hoa_phu, name="Thôn 1", population=800, actor=None)
    # Two photos both called anh.jpg: two objects, neither overwrites the other.
    form = {
        "body": "Đèn đường ở thôn 1 bị cháy cả tháng nay, buổi tối rất tối và nguy hiểm.",
        "phone": "0912 345 678", "legal_class": "field", "village": "Thôn 1",
        "stamp": form_stamp(timezone.now() - dt.timedelta(seconds=30)),
        "files": [_named(_photo("red"), "anh.jpg"), _named(_photo("blue"), "anh.jpg")],
    }  # fmt: skip
    posted = Client(REMOTE_ADDR="198.51.100.7").post(
        reverse("citizens:report", args=[hoa_phu.code]), form
    )
    assert posted.status_code == 302
    photos = list(Attachment.objects.order_by("pk"))
    stored = s3.objects()
    assert len(photos) == 2 and len({p.file.name for p in photos}) == 2
    for photo in photos:
        name = str(photo.file.name)
        assert name.startswith(f"citizens/{timezone.now():%Y/%m}/anh")
        assert sha256(stored[name]) == photo.sha256
        url = reverse("citizens:attachment", args=[photo.case_id, photo.pk])
        download = sign_in(Client(), officer, verified=False).get(url)
        assert streamed(download) == stored[name]
        assert sign_in(Client(), outsider, verified=False).get(url).status_code == 404

    cluster = citizens.do_save_cluster(
        unit=hoa_phu, name="Cụm loa trung tâm", villages=[], schedule="06:00", actor=officer
    )
    bulletin = citizens.do_create_announcement(
        unit=hoa_phu, title="Lịch tiêm chủng", body="Tiêm chủng tại nhà văn hoá thôn 1.",
        channels=["loudspeaker", "web"], actor=officer,
    )  # fmt: skip
    citizens.do_submit_announcement(announcement=bulletin, actor=officer)
    clip = AudioClip.objects.get(announcement=bulletin, cluster=cluster)
    stored = s3.objects()
    ogg, mp3 = str(clip.ogg.name), str(clip.mp3.name)
    assert ogg.startswith("citizens/audio/") and stored[ogg].startswith(b"OggS")
    assert mp3.startswith("citizens/audio/") and stored[mp3]
    played = Client().get(reverse("citizens:clip", args=[clip.pk, "ogg"]))
    assert streamed(played) == stored[ogg]


def test_readyz_checks_the_object_store_and_answers_503_when_it_stops(
    s3: S3Server, client: Client
) -> None:
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["storage"] == "ok"
    assert s3.objects() == {}  # the probe cleans up after itself
    s3.stop()
    started = time.perf_counter()
    down = client.get("/readyz")
    assert down.status_code == 503
    assert down.json()["storage"] == "unreachable" and down.json()["status"] == "error"
    assert time.perf_counter() - started < 15  # fails fast, not after minutes of retries


def _stub_dump(target: Path) -> str:
    target.write_bytes(b"database dump")
    return connection.vendor


def test_backup_and_restore_carry_every_file_into_a_fresh_bucket(
    s3: S3Server, settings: Any, tmp_path: Path, period: Period, hoa_phu: Unit,
    officer: User, monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv("XASO_BACKUP_KEY", new_key())
    # The province's files under a key prefix of a shared bucket; what else the bucket
    # holds is not ours to back up.
    point_at(settings, s3, s3.bucket, prefix="dak-lak")
    s3.client().put_object(Bucket=s3.bucket, Key="tinh-khac/bi-mat.pdf", Body=PDF)
    client = sign_in(Client(), officer, verified=False)
    scans = [PDF + b"%" + os.urandom(1000 * i + 1) + b"\n" for i in range(6)]
    for scan in scans:
        upload_evidence(client, period, hoa_phu, scan, "qd.pdf")
    # Files of other kinds and sizes beside the evidence; one above the 8 MB point where
    # boto3 switches to multipart uploads.
    default_storage.save("citizens/audio/a1-k1.mp3", io.BytesIO(os.urandom(20_000)))
    default_storage.save("drill/lon.bin", io.BytesIO(os.urandom(9 * 1024 * 1024)))
    before = {
        key.removeprefix("dak-lak/"): sha256(data)
        for key, data in s3.objects().items()
        if key.startswith("dak-lak/")
    }
    assert len(before) == 8
    assert {e.file.name for e in Evidence.objects.all()} <= set(before)

    # The database half of backup and restore (SQLite and PostgreSQL, into a fresh data
    # directory) is proved by test_backup.py and benchmarks/restore_drill.py (which runs
    # with --s3 too); the database here is this test's own, inside its transaction, so
    # only the files go through the commands for real.
    dump = mock.patch("xaso.site.backup.dump_database", side_effect=_stub_dump)
    load = mock.patch("xaso.site.backup.load_database")
    backup = tmp_path / "x.xbk"
    out = io.StringIO()
    with dump:
        call_command("backup", "--out", str(backup), stdout=out)
    assert "8 tệp" in out.getvalue()
    assert b"danh-gia" not in backup.read_bytes()  # encrypted

    fresh = s3.create_bucket()  # restored without a prefix: names are what the app saw
    point_at(settings, s3, fresh)
    assert s3.objects(fresh) == {}
    report = io.StringIO()
    with load:
        call_command("restore", str(backup), stdout=report)
    assert "files 8" in report.getvalue() and "files_lost 0" in report.getvalue()
    assert "rows_lost 0" in report.getvalue()
    after = {key: sha256(data) for key, data in s3.objects(fresh).items()}
    assert after == before


def test_production_reads_the_object_storage_from_the_environment(tmp_path: Path) -> None:
    env = {
        **os.environ, "DJANGO_SETTINGS_MODULE": "xaso.settings.production",
        "XASO_SECRET_KEY": "k" * 60, "XASO_DATA_DIR": str(tmp_path),
        "XASO_S3_BUCKET": "xaso-dak-lak", "XASO_S3_ENDPOINT_URL": "https://s3.example.gov.vn",
        "XASO_S3_ACCESS_KEY_ID": "AK", "XASO_S3_SECRET_ACCESS_KEY": "SK",
        "XASO_S3_PREFIX": "/media/",
    }  # fmt: skip
    show = (
        "import json; from xaso.settings import production as s; o = s.STORAGES['default'];"
        "c = o['OPTIONS']['client_config']; print(json.dumps([o['BACKEND'], "
        "{k: v for k, v in o['OPTIONS'].items() if k != 'client_config'}, "
        "[c.s3, c.signature_version, c.connect_timeout]]))"
    )
    run = [sys.executable, "-c", show]
    found = subprocess.run(run, env=env, cwd=ROOT, capture_output=True, text=True)
    assert found.returncode == 0, found.stderr
    backend, options, client = json.loads(found.stdout)
    assert backend == "storages.backends.s3.S3Storage"
    assert options["bucket_name"] == "xaso-dak-lak" and options["location"] == "media"
    assert options["endpoint_url"] == "https://s3.example.gov.vn"
    assert (options["access_key"], options["secret_key"]) == ("AK", "SK")
    assert client == [{"addressing_style": "path"}, "s3v4", 5]
    assert options["default_acl"] is None and options["querystring_auth"] is True
    assert options["file_overwrite"] is False and options["querystring_expire"] == 300
    # The backend named without a bucket is a mistake production refuses to start with.
    env = {k: v for k, v in env.items() if not k.startswith("XASO_S3_")}
    env["XASO_STORAGE_BACKEND"] = "storages.backends.s3.S3Storage"
    refused = subprocess.run(run, env=env, cwd=ROOT, capture_output=True, text=True)
    assert refused.returncode != 0 and "XASO_S3_BUCKET" in refused.stderr
