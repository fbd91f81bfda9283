"""One intake for every channel: the same case from the web form, SMS, Zalo, Open311,
the counter and a CSV import; webhook signatures; idempotency; honeypot and rate limits."""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from xaso.accounts.models import User
from xaso.citizens import actions, clocks
from xaso.citizens.intake import (
    IntakeError,
    IntakeRecord,
    form_stamp,
    sms_signature,
    zalo_signature,
)
from xaso.citizens.models import Case, Category, Gateway, InboundMessage, OutboxMessage, Village
from xaso.citizens.tests import factories
from xaso.core.models import AuditEntry
from xaso.units.models import Unit

pytestmark = pytest.mark.django_db

TEXT = "Đường liên thôn 3 bị sạt lở sau mưa, xe máy không đi được"


def post_sms(
    client: Client,
    gateway: Gateway,
    payload: dict[str, Any],
    *,
    secret: str | None = None,
    ts: int | None = None,
) -> Any:
    raw = json.dumps(payload).encode()
    stamp = str(ts if ts is not None else int(time.time()))
    headers = {
        "X-Xaso-Timestamp": stamp,
        "X-Xaso-Signature": sms_signature(secret or gateway.webhook_secret, stamp, raw),
    }
    return client.post(
        reverse("citizens:sms_inbound", args=[gateway.name]),
        raw,
        content_type="application/json",
        headers=headers,
    )


def zalo_event(
    msg_id: str, text: str, *, app_id: str = "app-1", user: str = "zuser-1"
) -> dict[str, Any]:
    return {
        "app_id": app_id,
        "sender": {"id": user},
        "recipient": {"id": "oa-1"},
        "event_name": "user_send_text",
        "message": {"text": text, "msg_id": msg_id},
        "timestamp": str(int(time.time() * 1000)),
    }


def post_zalo(
    client: Client, gateway: Gateway, event: dict[str, Any], *, secret: str | None = None
) -> Any:
    raw = json.dumps(event).encode()
    sig = zalo_signature(gateway.app_id, raw, event["timestamp"], secret or gateway.webhook_secret)
    return client.post(
        reverse("citizens:zalo_webhook", args=[gateway.name]),
        raw,
        content_type="application/json",
        headers={"X-ZEvent-Signature": sig},
    )


@pytest.fixture
def sms_gateway(hoa_phu: Unit) -> Gateway:
    return factories.gateway(hoa_phu, name="sms-hoaphu", secret="bi-mat-sms")


@pytest.fixture
def zalo_gateway(hoa_phu: Unit) -> Gateway:
    return factories.gateway(
        hoa_phu, kind="zalo", name="zalo-hoaphu", secret="oa-secret", app_id="app-1"
    )


def web_form(unit: Unit, **extra: str) -> dict[str, str]:
    stamp = form_stamp(timezone.now() - dt.timedelta(seconds=30))
    data = {
        "body": TEXT,
        "phone": "0912 345 678",
        "name": "Nguyễn Văn An",
        "stamp": stamp,
        "legal_class": "field",
        "is_public": "on",
        "village": "Thôn 3",
    }
    data.update(extra)
    return data


def test_every_channel_produces_the_same_case(
    hoa_phu: Unit,
    dak_lak: Unit,
    villages: dict[str, Village],
    roads: Category,
    officer: User,
    sms_gateway: Gateway,
    zalo_gateway: Gateway,
    client_for: Any,
) -> None:
    client = Client(REMOTE_ADDR="198.51.100.7")
    assert (
        client.post(reverse("citizens:report", args=[hoa_phu.code]), web_form(hoa_phu)).status_code
        == 302
    )
    assert (
        post_sms(
            Client(),
            sms_gateway,
            {"message_id": "sms-1", "from": "+84912000111", "to": "8079", "text": TEXT},
        ).status_code
        == 200
    )
    assert post_zalo(Client(), zalo_gateway, zalo_event("zmsg-1", TEXT)).status_code == 200
    _, key = actions.do_create_api_key(unit=dak_lak, name="Ứng dụng tỉnh", actor=None)
    answer = Client().post(
        reverse("open311:requests", args=["json"]),
        {
            "api_key": key,
            "jurisdiction_id": hoa_phu.code,
            "service_code": "giao-thong",
            "lat": "12.62",
            "long": "108.02",
            "description": TEXT,
            "phone": "0912000222",
            "attribute[village]": "Thôn 3",
        },
    )
    assert answer.status_code == 201, answer.content
    counter = client_for(officer).post(
        reverse("citizens:counter", args=[hoa_phu.code]),
        {"body": TEXT, "phone": "0912000333", "legal_class": "field", "village": "Thôn 3"},
    )
    assert counter.status_code == 302
    today = f"{timezone.localdate():%d/%m/%Y}"
    csv = f'ngay_nhan,loai,linh_vuc,thon,noi_dung\n{today},field,,Thôn 3,"{TEXT}"\n'
    assert actions.do_import_cases(content=csv.encode(), unit=hoa_phu, actor=officer).created == 1

    cases = list(Case.objects.order_by("pk"))
    assert sorted(c.channel for c in cases) == sorted(
        ["web", "sms", "zalo", "open311", "counter", "import"]
    )
    for c in cases:
        assert (c.unit_id, c.province_id, c.legal_class, c.body, c.state) == (
            hoa_phu.pk,
            dak_lak.pk,
            "field",
            TEXT,
            "new",
        ), c.channel
        expected = clocks.deadlines("field", c.received_at, local_sla_days=3)
        assert (c.accept_due, c.resolve_due) == (expected.first, expected.answer), c.channel
        assert c.code.startswith(f"{hoa_phu.code}-") and len(c.token) > 20
        assert c.events.filter(kind="state", state_to="new").exists()
        assert AuditEntry.objects.filter(
            action="citizens.receive_case", target_id=str(c.pk)
        ).exists()
    by_channel = {c.channel: c for c in cases}
    assert by_channel["web"].village == villages["Thôn 3"] == by_channel["open311"].village
    assert by_channel["zalo"].reporter_zalo == "zuser-1"
    assert by_channel["sms"].reporter_phone == "0912000111"
    # Each reachable reporter got the tracking code on the channel they used.
    acks = {m.case.channel: m for m in OutboxMessage.objects.filter(key__contains=":received:")}
    assert set(acks) == {"web", "sms", "zalo", "open311", "counter"}
    assert acks["zalo"].channel == "zalo" and acks["sms"].channel == "sms"
    assert by_channel["sms"].code in acks["sms"].text


def test_a_webhook_retried_three_times_creates_one_case(
    hoa_phu: Unit, sms_gateway: Gateway, zalo_gateway: Gateway
) -> None:
    payload = {"message_id": "gw-42", "from": "0912000444", "to": "8079", "text": TEXT}
    answers = [post_sms(Client(), sms_gateway, payload) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert [a.json()["created"] for a in answers] == [True, False, False]
    assert len({a.json()["code"] for a in answers}) == 1
    event = zalo_event("z-42", TEXT)
    for _ in range(3):
        assert post_zalo(Client(), zalo_gateway, event).status_code == 200
    assert Case.objects.filter(channel="sms").count() == 1
    assert Case.objects.filter(channel="zalo").count() == 1
    statuses = list(InboundMessage.objects.filter(channel="sms").values_list("status", flat=True))
    assert sorted(statuses) == ["accepted", "repeated", "repeated"]
    assert OutboxMessage.objects.filter(case__channel="sms").count() == 1


@pytest.mark.parametrize("problem", ["missing", "wrong-secret", "stale", "tampered"])
def test_bad_sms_signatures_are_refused_and_logged(sms_gateway: Gateway, problem: str) -> None:
    payload = {"message_id": f"x-{problem}", "from": "0912000555", "text": TEXT}
    raw = json.dumps(payload).encode()
    url = reverse("citizens:sms_inbound", args=[sms_gateway.name])
    now = int(time.time())
    headers = {
        "missing": {},
        "wrong-secret": {
            "X-Xaso-Timestamp": str(now),
            "X-Xaso-Signature": sms_signature("khong-dung", str(now), raw),
        },
        "stale": {
            "X-Xaso-Timestamp": str(now - 3600),
            "X-Xaso-Signature": sms_signature("bi-mat-sms", str(now - 3600), raw),
        },
        "tampered": {
            "X-Xaso-Timestamp": str(now),
            "X-Xaso-Signature": sms_signature("bi-mat-sms", str(now), raw + b" "),
        },
    }[problem]
    answer = Client().post(url, raw, content_type="application/json", headers=headers)
    assert answer.status_code == 401
    assert not Case.objects.exists()
    logged = InboundMessage.objects.get()
    assert logged.status == "rejected" and logged.reason and logged.unit == sms_gateway.unit


def test_bad_zalo_signature_is_refused(zalo_gateway: Gateway) -> None:
    answer = post_zalo(Client(), zalo_gateway, zalo_event("z-bad", TEXT), secret="sai")
    assert answer.status_code == 401
    other_app = post_zalo(Client(), zalo_gateway, zalo_event("z-bad2", TEXT, app_id="app-khac"))
    assert other_app.status_code == 401
    assert not Case.objects.exists()
    assert InboundMessage.objects.filter(status="rejected").count() == 2


def test_sms_commands_opt_out_and_subscribe_instead_of_opening_a_case(
    hoa_phu: Unit, sms_gateway: Gateway
) -> None:
    contact = factories.contact(hoa_phu, phone="0912000666")
    assert (
        post_sms(
            Client(), sms_gateway, {"message_id": "c1", "from": "0912000666", "text": "Tu choi"}
        ).status_code
        == 200
    )
    contact.refresh_from_db()
    assert contact.opt_out_sms and not Case.objects.exists()
    post_sms(
        Client(), sms_gateway, {"message_id": "c2", "from": "0912000666", "text": "DK nong nghiep"}
    )
    contact.refresh_from_db()
    assert not contact.opt_out_sms and ",nong-nghiep," in contact.topics and contact.consent_via


def test_web_form_refuses_bots_and_too_many_reports(hoa_phu: Unit, villages: Any) -> None:
    url = reverse("citizens:report", args=[hoa_phu.code])
    too_fast = web_form(hoa_phu, stamp=form_stamp(timezone.now()))
    assert Client().post(url, too_fast).status_code == 400
    assert Client().post(url, web_form(hoa_phu, website="http://spam")).status_code == 400
    assert Client().post(url, web_form(hoa_phu, stamp="gia-mao")).status_code == 400
    assert not Case.objects.exists()
    client = Client(REMOTE_ADDR="203.0.113.9")
    for i in range(5):
        assert client.post(url, web_form(hoa_phu, body=f"{TEXT} lần {i}")).status_code == 302
    sixth = client.post(url, web_form(hoa_phu, body=f"{TEXT} lần 6"))
    assert sixth.status_code == 429
    assert "nhiều phản ánh trong một giờ" in sixth.content.decode()
    assert Case.objects.count() == 5
    with time_machine.travel(timezone.now() + dt.timedelta(hours=2)):
        later = web_form(hoa_phu, body=f"{TEXT} hôm sau")
        later["stamp"] = form_stamp(timezone.now() - dt.timedelta(seconds=10))
        assert client.post(url, later).status_code == 302


def test_bad_input_gets_a_vietnamese_message_and_changes_nothing(hoa_phu: Unit) -> None:
    url = reverse("citizens:report", args=[hoa_phu.code])
    for bad, message in [
        ({"body": "ngắn"}, "quá ngắn"),
        ({"phone": "12345"}, "không hợp lệ"),
        ({"village": "Thôn Không Có"}, "Không có thôn"),
        ({"latitude": "abc"}, "lat không hợp lệ"),
    ]:
        answer = Client().post(url, web_form(hoa_phu, **bad))
        assert answer.status_code == 400 and message in answer.content.decode(), bad
    assert (
        not Case.objects.exists()
        and not AuditEntry.objects.filter(action__startswith="citizens").exists()
    )


def test_the_import_is_all_or_nothing_and_idempotent(
    hoa_phu: Unit, officer: User, villages: Any
) -> None:
    good = "ngay_nhan,loai,linh_vuc,thon,noi_dung,tra_loi,ngay_tra_loi\n"
    good += "02/03/2025,field,,Thôn 1,Đèn đường thôn 1 bị cháy cả tháng,Đã thay bóng,04/03/2025\n"
    bad = good + "32/13/2025,field,,Thôn 1,Nội dung dòng lỗi đủ dài,,\n"
    result = actions.do_import_cases(content=bad.encode(), unit=hoa_phu, actor=officer)
    assert result.errors and "Dòng 3" in result.errors[0] and not Case.objects.exists()
    first = actions.do_import_cases(content=good.encode(), unit=hoa_phu, actor=officer)
    again = actions.do_import_cases(content=good.encode(), unit=hoa_phu, actor=officer)
    assert (first.created, again.created, again.skipped) == (1, 0, 1)
    case = Case.objects.get()
    assert case.state == "closed" and case.answered_on_time is True
    assert not OutboxMessage.objects.exists()  # historic cases are not re-announced


def test_uploads_follow_the_evidence_rules(hoa_phu: Unit) -> None:
    import io

    from PIL import Image

    image = Image.new("RGB", (40, 30), "red")
    exif = Image.Exif()
    exif[0x010E] = "Nhà ông An, 0912 345 678"
    raw = io.BytesIO()
    image.save(raw, "JPEG", exif=exif)
    record = IntakeRecord(channel="web", unit_id=hoa_phu.pk, body=TEXT, phone="0912000777")
    from xaso.citizens.intake import Upload

    record.uploads = [Upload("anh.jpg", raw.getvalue())]
    case = actions.do_receive_case(record, actor=None).case
    stored = case.attachments.get()
    with stored.file.open("rb") as fh:
        data = fh.read()
    assert stored.content_type == "image/jpeg" and b"0912 345 678" not in data
    fake = IntakeRecord(
        channel="web",
        unit_id=hoa_phu.pk,
        body=TEXT,
        phone="0912000778",
        uploads=[Upload("anh.jpg", b"<html><script>alert(1)</script></html>")],
    )
    with pytest.raises(IntakeError, match="trang HTML, không phải PDF, ảnh"):
        actions.do_receive_case(fake, actor=None)
