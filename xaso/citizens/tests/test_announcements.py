"""Announcements: contacts and their consent, audience rules, opt-outs, approval,
emergencies, fan-out, coverage and the not-reached list, speech and audio."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from xaso.accounts.models import User
from xaso.accounts.tests.factories import make_user
from xaso.citizens import actions, channels, clocks, queries, speech
from xaso.citizens.fakegateway import FakeGateway
from xaso.citizens.models import Announcement, Contact, OutboxMessage, Village
from xaso.citizens.tests import factories
from xaso.units.models import Unit

CSV = """họ tên,điện thoại,zalo,thôn,hộ gia đình,nhóm,chủ đề,đồng ý
Nguyễn Văn An,0912 000 001,,Thôn 1,H01,nong-dan,,có
Trần Thị Bình,0912000002,zb-2,Thôn 1,H02,co-tre-em,y-te,có
Lê Văn Cường,0912000003,,Thôn 3,H03,"nong-dan, co-tre-em",,có
Phạm Thị Dung,,zd-4,Buôn Ea Tu,H04,,,có
"""


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("UBND xã thông báo", "Ủy ban nhân dân xã thông báo"),
        (
            "Lịch tiêm ngày 12/12/2026",
            "Lịch tiêm ngày mười hai tháng mười hai năm hai nghìn không trăm hai mươi sáu",
        ),
        ("Họp lúc 7h30 tại nhà văn hoá", "Họp lúc bảy giờ ba mươi phút tại nhà văn hoá"),
        ("Hỗ trợ 1.500.000 đồng mỗi hộ", "Hỗ trợ một triệu năm trăm nghìn đồng mỗi hộ"),
        ("Lượng mưa 105 mm", "Lượng mưa một trăm linh năm mi li mét"),
        ("Tỷ lệ 2,5%", "Tỷ lệ hai phẩy năm phần trăm"),
        ("Có 21 hộ và 15 người", "Có hai mươi mốt hộ và mười lăm người"),
        ("Gọi 0912 345 678", "Gọi không chín một hai ba bốn năm sáu bảy tám"),
        ("Nộp CCCD và BHYT", "Nộp căn cước công dân và bảo hiểm y tế"),
        (
            "Năm 2024 có 1.024 hộ",
            "Năm hai nghìn không trăm hai mươi tư có một nghìn không trăm hai mươi tư hộ",
        ),
    ],
)
def test_speech_normalisation(text: str, spoken: str) -> None:
    assert speech.normalise(text) == spoken


def test_the_communes_lexicon_comes_first() -> None:
    said = speech.normalise(
        "Họp ở buôn Ea Tu, xã Krông Năng", {"Ea Tu": "Ê a Tu", "Krông": "Crông"}
    )
    assert said == "Họp ở buôn Ê a Tu, xã Crông Năng"


def test_numbers_are_read_like_an_announcer() -> None:
    assert speech.read_number(0) == "không"
    assert speech.read_number(10) == "mười"
    assert speech.read_number(1_000_001) == "một triệu không trăm linh một"
    assert speech.read_number(2_000_000_000) == "hai tỷ"


def test_a_150_word_bulletin_becomes_ogg_and_mp3() -> None:
    body = " ".join(["Các hộ gia đình có trẻ em dưới năm tuổi mang sổ tiêm chủng."] * 15)
    audio = speech.synthesise(speech.normalise(body))
    assert audio.ogg.startswith(b"OggS") and (
        audio.mp3[:3] == b"ID3" or audio.mp3[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2")
    )
    assert audio.seconds > 20


@pytest.fixture
def contacts(hoa_phu: Unit, villages: dict[str, Village], officer: User) -> list[Contact]:
    result = actions.do_import_contacts(
        content=CSV.encode(), filename="danh-sach.csv", unit=hoa_phu, actor=officer
    )
    assert not result.errors and result.created == 4
    return list(Contact.objects.order_by("name"))


@pytest.mark.django_db
def test_contact_import_is_validated_all_or_nothing_and_xlsx_works(
    hoa_phu: Unit, villages: Any, officer: User
) -> None:
    bad = CSV + "Không Đồng Ý,0912000005,,Thôn 1,,,,\nSai Số,12345,,Thôn 9,,,,có\n"
    result = actions.do_import_contacts(
        content=bad.encode(), filename="x.csv", unit=hoa_phu, actor=officer
    )
    assert len(result.errors) == 2 and not Contact.objects.exists()
    assert (
        "đồng ý" in result.errors[0]
        and "không hợp lệ" in result.errors[1]
        and "Thôn 9" in result.errors[1]
    )
    from openpyxl import Workbook

    book = Workbook()
    for row in [line.split(",") for line in CSV.strip().splitlines()[:3]]:
        book.active.append(row)
    raw = io.BytesIO()
    book.save(raw)
    done = actions.do_import_contacts(
        content=raw.getvalue(), filename="ds.xlsx", unit=hoa_phu, actor=officer
    )
    assert (
        done.created == 2 and Contact.objects.get(phone="0912000001").consent_via == "tệp ds.xlsx"
    )


@pytest.mark.django_db
def test_audience_rules_consent_and_opt_out(
    hoa_phu: Unit, villages: dict[str, Village], contacts: list[Contact], officer: User
) -> None:
    by = {c.name.split()[-1]: c for c in contacts}
    everyone = queries.audience_contacts(hoa_phu.pk, queries.Audience())
    assert everyone.count() == 4
    village1 = queries.Audience(villages=(villages["Thôn 1"].pk,))
    assert set(queries.audience_contacts(hoa_phu.pk, village1)) == {by["An"], by["Bình"]}
    farmers = queries.Audience(groups=("nong-dan",))
    assert set(queries.audience_contacts(hoa_phu.pk, farmers)) == {by["An"], by["Cường"]}
    children_in_3 = queries.Audience(villages=(villages["Thôn 3"].pk,), groups=("co-tre-em",))
    assert list(queries.audience_contacts(hoa_phu.pk, children_in_3)) == [by["Cường"]]
    topic = queries.Audience(topics=("y-te",))
    assert list(queries.audience_contacts(hoa_phu.pk, topic)) == [by["Bình"]]
    no_consent = factories.contact(hoa_phu, consent_at=None)
    assert no_consent not in everyone
    actions.do_opt_out(contact=by["Bình"], channel="sms", actor=officer)
    item = actions.do_create_announcement(
        unit=hoa_phu,
        title="Lịch tiêm chủng tháng 12",
        body="Tiêm chủng mở rộng ngày 12/12 tại trạm y tế.",
        channels=["sms", "zalo", "web"],
        actor=officer,
    )
    actions.do_submit_announcement(announcement=item, actor=officer)
    sent = set(
        OutboxMessage.objects.filter(announcement=item).values_list("contact__name", "channel")
    )
    assert sent == {
        ("Nguyễn Văn An", "sms"),
        ("Trần Thị Bình", "zalo"),
        ("Lê Văn Cường", "sms"),
        ("Phạm Thị Dung", "zalo"),
    }
    again = actions.do_send_announcement(announcement=item, actor=officer)
    assert again.state == "sent" and OutboxMessage.objects.filter(announcement=item).count() == 4


@pytest.mark.django_db
def test_approval_when_the_commune_asks_for_it_and_emergencies_skip_it(
    hoa_phu: Unit, contacts: Any, officer: User
) -> None:
    chairman = make_user(role="commune_officer", units=[hoa_phu])
    actions.do_save_settings(
        unit=hoa_phu, field_sla_days=3, chairman=chairman, approval_required=True, actor=officer
    )
    item = actions.do_create_announcement(
        unit=hoa_phu,
        title="Họp dân thôn 1",
        body="Họp dân lúc 19h00 tối thứ 6.",
        channels=["sms"],
        actor=officer,
    )
    actions.do_submit_announcement(announcement=item, actor=officer)
    assert item.state == "pending" and not OutboxMessage.objects.exists()
    with pytest.raises(PermissionDenied):
        actions.do_approve_announcement(announcement=item, actor=officer)
    actions.do_approve_announcement(announcement=item, actor=chairman)
    assert item.state == "sent" and item.approved_by == chairman
    flood = actions.do_create_announcement(
        unit=hoa_phu,
        title="Cảnh báo mưa lũ",
        body="Mưa lớn, nước sông lên nhanh, di dời ngay.",
        urgency="emergency",
        channels=["web"],
        actor=officer,
    )
    assert flood.channel_list == ["sms", "zalo", "web", "loudspeaker"]
    actions.do_submit_announcement(announcement=flood, actor=officer)
    assert flood.state == "sent"
    rows = OutboxMessage.objects.filter(announcement=flood)
    # Four people; Bình has both a phone and Zalo, so five messages.
    assert rows.count() == 5 and all(r.urgent for r in rows)


@pytest.mark.django_db
def test_scheduled_announcements_wait_for_their_time(
    hoa_phu: Unit, contacts: Any, officer: User
) -> None:
    later = dt.datetime(2030, 1, 2, 8, 0, tzinfo=dt.UTC)
    item = actions.do_create_announcement(
        unit=hoa_phu,
        title="Lịch cắt điện",
        body="Cắt điện từ 7h00 đến 11h00 ngày 3/1.",
        channels=["sms"],
        scheduled_at=later,
        actor=officer,
    )
    actions.do_submit_announcement(announcement=item, actor=officer)
    assert item.state == "scheduled" and actions.do_dispatch_due() == 0
    assert actions.do_dispatch_due(now=later + dt.timedelta(minutes=1)) == 1
    item.refresh_from_db()
    assert item.state == "sent"


@pytest.mark.django_db
def test_delivery_coverage_and_not_reached_list(
    hoa_phu: Unit,
    villages: dict[str, Village],
    contacts: list[Contact],
    officer: User,
    client_for: Any,
) -> None:
    fake = FakeGateway(name="cov")
    channels.register_fake("cov", fake)
    # 10:00 in Vietnam: at night ordinary SMS wait for the end of quiet hours.
    daytime = dt.datetime.combine(dt.date.today(), dt.time(10), tzinfo=clocks.VN_TZ)
    traveller = time_machine.travel(daytime, tick=True)
    traveller.start()
    try:
        factories.gateway(hoa_phu, name="cov")
        item = actions.do_create_announcement(
            unit=hoa_phu,
            title="Kết quả giải quyết phản ánh",
            body="Tuần này xã đã trả lời 12 phản ánh.",
            channels=["sms", "web"],
            actor=officer,
        )
        actions.do_submit_announcement(announcement=item, actor=officer)
        actions.do_drain_outbox(worker="w")
    finally:
        traveller.stop()
        channels.unregister_fake("cov")
    rows = {r.village: r for r in queries.coverage(item)}
    assert (rows["Thôn 1"].contacts, rows["Thôn 1"].sms, rows["Thôn 1"].any) == (2, 2, 2)
    assert rows["Buôn Ea Tu"].not_reached == 1  # only a Zalo id, and Zalo was not chosen
    missing = list(queries.not_reached(officer, item))
    assert [c.name for c in missing] == ["Phạm Thị Dung"]
    page = client_for(officer).get(reverse("citizens:not_reached", args=[item.pk]))
    assert "Phạm Thị Dung" in page.content.decode()
    detail = (
        client_for(officer)
        .get(reverse("citizens:announcement_detail", args=[item.pk]))
        .content.decode()
    )
    assert "Độ phủ theo thôn" in detail
    public = Client().get(reverse("citizens:announcements", args=[hoa_phu.code])).content.decode()
    assert "Kết quả giải quyết phản ánh" in public
    rss = Client().get(reverse("citizens:announcements_rss", args=[hoa_phu.code]))
    assert b"K\xe1\xba\xbft qu\xe1\xba\xa3" in rss.content
    stats = queries.announcement_statistics(
        hoa_phu, item.published_at - dt.timedelta(days=1), item.published_at + dt.timedelta(days=1)
    )
    assert stats.sent == 1 and stats.targeted == 3 and stats.reach_rate == 1.0
    assert stats.residents == 2400 and stats.subscribers_per_1000 == pytest.approx(4 / 2.4)


@pytest.mark.django_db
def test_loudspeaker_audio_per_cluster_with_schedule(
    hoa_phu: Unit, villages: dict[str, Village], officer: User
) -> None:
    actions.do_save_lexicon(unit=hoa_phu, written="Ea Tu", spoken="Ê a Tu", actor=officer)
    actions.do_save_cluster(
        unit=hoa_phu,
        name="Cụm loa trung tâm",
        villages=list(villages.values()),
        schedule="06:00,17:30",
        actor=officer,
    )
    with pytest.raises(ValidationError, match="Giờ phát"):
        actions.do_save_cluster(
            unit=hoa_phu, name="Cụm sai", villages=[], schedule="25:00", actor=officer
        )
    item = actions.do_create_announcement(
        unit=hoa_phu,
        title="Lịch tiêm chủng",
        body="UBND xã thông báo tiêm chủng ở buôn Ea Tu ngày 12/12.",
        channels=["loudspeaker", "web"],
        actor=officer,
    )
    actions.do_submit_announcement(announcement=item, actor=officer)
    clip = item.clips.get()
    assert "Ê a Tu" in clip.spoken_text and "Ủy ban nhân dân" in clip.spoken_text
    assert clip.seconds > 3 and len(clip.plays_at) == 2
    ogg = Client().get(reverse("citizens:clip", args=[clip.pk, "ogg"]))
    assert ogg["Content-Type"] == "audio/ogg" and b"".join(ogg.streaming_content).startswith(
        b"OggS"
    )
    mp3 = Client().get(reverse("citizens:clip", args=[clip.pk, "mp3"]) + "?tai=1")
    assert "attachment" in mp3["Content-Disposition"]


@pytest.mark.django_db
def test_web_subscription_records_consent(hoa_phu: Unit, villages: dict[str, Village]) -> None:
    from django.utils import timezone

    from xaso.citizens.intake import form_stamp

    url = reverse("citizens:subscribe", args=[hoa_phu.code])
    stamp = form_stamp(timezone.now() - dt.timedelta(seconds=20))
    refused = Client().post(url, {"phone": "0912000009", "stamp": stamp})
    assert refused.status_code == 400 and not Contact.objects.exists()
    ok = Client().post(
        url,
        {
            "phone": "0912000009",
            "consent": "on",
            "stamp": stamp,
            "village": villages["Thôn 1"].pk,
            "topics": "nong-nghiep",
        },
    )
    assert ok.status_code == 200
    contact = Contact.objects.get()
    assert contact.consent_via == "web" and contact.topics == ",nong-nghiep," and contact.consent_at


@pytest.mark.django_db
def test_officer_pages_for_announcements(
    hoa_phu: Unit, villages: Any, officer: User, outsider: User, client_for: Any
) -> None:
    client = client_for(officer)
    url = reverse("citizens:announcement_list", args=[hoa_phu.code])
    bad = client.post(url, {"title": "", "body": "ngắn", "channels": ["fax"]})
    assert bad.status_code == 400 and not Announcement.objects.exists()
    made = client.post(
        url,
        {
            "title": "Lịch tiêm chủng tháng 12",
            "urgency": "normal",
            "body": "Tiêm chủng mở rộng ngày 12/12 tại trạm y tế xã.",
            "channels": ["sms", "web"],
        },
    )
    item = Announcement.objects.get()
    assert made.status_code == 302
    page = client.get(reverse("citizens:announcement_detail", args=[item.pk])).content.decode()
    assert "tin" in page and "GSM-7" in page
    assert (
        client_for(outsider)
        .get(reverse("citizens:announcement_detail", args=[item.pk]))
        .status_code
        == 404
    )
