"""Demo data of the residents' channel for Xã Hòa Phú (Đắk Lắk): villages, categories,
gateways (the in-process fake gateway), a trained classifier, cases in every state and
class (one received the day before Tết 2026, to show the clock), a public board with
answers, contacts by village, two announcements with delivery results and their
loudspeaker audio. Everything goes through the actions; running it twice adds nothing."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from xaso.accounts.models import User
from xaso.citizens import actions, channels, clocks, corpus
from xaso.citizens.fakegateway import FakeGateway, post_reports
from xaso.citizens.intake import IntakeRecord
from xaso.citizens.models import (
    Announcement,
    AnnouncementTemplate,
    ApiKey,
    AudioClip,
    Case,
    Contact,
    Gateway,
    SpeakerCluster,
)
from xaso.units.models import Generation, Unit

VILLAGES = [
    ("Thôn 1", 1450, 360),
    ("Thôn 2", 1320, 330),
    ("Thôn 3", 1180, 290),
    ("Thôn 4", 990, 250),
    ("Buôn Ea Tu", 1210, 270),
    ("Buôn Kô Tam", 860, 190),
]
LEXICON = {"Ea Tu": "Ê a Tu", "Kô Tam": "Cô Tam", "Buôn Ma Thuột": "Buôn Ma Thuộc"}
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "H'", "Y", "Võ", "Đặng", "Bùi", "Hồ"]
GIVEN = [
    "Văn An",
    "Thị Bình",
    "Văn Cường",
    "Thị Dung",
    "Hen Niê",
    "Bhiông Êban",
    "Thị Hoa",
    "Văn Khánh",
    "Thị Lan",
    "Văn Minh",
    "Thị Nga",
    "Văn Phúc",
]
TET_EVE = dt.datetime(2026, 2, 13, 10, 30, tzinfo=clocks.VN_TZ)


def _record(unit: Unit, body: str, key: str, **fields: object) -> IntakeRecord:
    return IntakeRecord(
        channel=str(fields.pop("channel", "counter")),
        unit_id=unit.pk,
        body=body,
        provider_id=key,
        **fields,
    )  # type: ignore[arg-type]


def _ensure_fakes() -> dict[str, FakeGateway]:
    fakes = {
        "demo-sms": FakeGateway(name="demo-sms", fail_rate=0.08, seed=3),
        "demo-sms-2": FakeGateway(name="demo-sms-2", seed=4),
        "demo-zalo": FakeGateway(name="demo-zalo", seed=5),
    }
    for name, fake in fakes.items():
        channels.register_fake(name, fake)
    return fakes


def _deliver_reports(fakes: dict[str, FakeGateway]) -> None:
    gateway = Gateway.objects.get(name="demo-sms")

    def apply(url: str, headers: dict[str, str], body: bytes) -> None:
        import json

        actions.do_record_delivery(gateway=gateway, data=json.loads(body))

    for name in ("demo-sms", "demo-sms-2"):
        post_reports(fakes[name], apply)


def load_demo_citizens(say: Callable[[str], None]) -> None:
    unit = Unit.objects.select_related("province").get(generation=Generation.CURRENT, code="24175")
    province = unit.province
    assert province is not None
    officer = User.objects.filter(username="canbo.hoaphu").first()
    fakes = _ensure_fakes()
    villages = {
        name: actions.do_save_village(
            unit=unit, name=name, population=pop, households=hh, actor=None
        )
        for name, pop, hh in VILLAGES
    }
    for std in corpus.STANDARD_CATEGORIES:
        actions.do_save_category(
            unit=province,
            code=std.code,
            name=std.name,
            group=std.group,
            legal_class=std.legal_class,
            actor=None,
        )
    actions.do_save_settings(
        unit=unit, field_sla_days=3, chairman=officer, approval_required=False, actor=None
    )
    if officer is not None:
        actions.do_save_route(unit=unit, category=None, village=None, officer=officer, actor=None)
    actions.do_save_gateway(
        unit=province,
        name="demo-sms",
        kind="sms",
        base_url="fake://demo-sms",
        api_key="fake-key",
        webhook_secret="demo-secret",
        priority=1,
        actor=None,
    )
    actions.do_save_gateway(
        unit=province,
        name="demo-sms-2",
        kind="sms",
        base_url="fake://demo-sms-2",
        api_key="fake-key",
        webhook_secret="demo-secret",
        priority=2,
        actor=None,
    )
    actions.do_save_gateway(
        unit=unit,
        name="demo-zalo",
        kind="zalo",
        base_url="fake://demo-zalo",
        api_key="fake-key",
        webhook_secret="demo-oa-secret",
        app_id="demo-app",
        actor=None,
    )
    if not ApiKey.objects.filter(unit=province).exists():
        _, key = actions.do_create_api_key(unit=province, name="Ứng dụng Open311 demo", actor=None)
        say(f"Khoá API Open311 demo (chỉ hiện một lần): {key}")

    fresh = not Case.objects.filter(unit=unit, provider_id__startswith="demo:").exists()
    if fresh:
        _cases(unit, villages, officer)
    if not SpeakerCluster.objects.filter(unit=unit).exists():
        names = list(villages)
        actions.do_save_cluster(
            unit=unit,
            name="Cụm loa trung tâm (Thôn 1–4)",
            villages=[villages[n] for n in names[:4]],
            schedule="06:00,17:30",
            actor=None,
        )
        actions.do_save_cluster(
            unit=unit,
            name="Cụm loa các buôn",
            villages=[villages[n] for n in names[4:]],
            schedule="06:30,18:00",
            actor=None,
        )
    for written, spoken in LEXICON.items():
        actions.do_save_lexicon(unit=unit, written=written, spoken=spoken, actor=None)
    if not Contact.objects.filter(unit=unit).exists():
        actions.do_import_contacts(
            content=_contacts_csv(villages).encode(), filename="demo.csv", unit=unit, actor=None
        )
    actions.do_save_template(
        unit=province,
        name="Cảnh báo mưa lũ",
        title="Cảnh báo mưa lũ khẩn cấp",
        body="Mưa lớn kéo dài, nước suối dâng nhanh. Người dân vùng trũng di "
        "dời ngay tài sản, người già và trẻ em đến nhà văn hoá thôn.",
        urgency="emergency",
        channels=["sms", "zalo", "web", "loudspeaker"],
        actor=None,
    )
    if not Announcement.objects.filter(unit=unit).exists():
        _announcements(unit, villages)
    actions.do_drain_outbox(worker="demo")
    _deliver_reports(fakes)
    say(
        f"Kênh người dân {unit.name}: {Case.objects.filter(unit=unit).count()} phản ánh, "
        f"{Contact.objects.filter(unit=unit).count()} người nhận tin, "
        f"{Announcement.objects.filter(unit=unit).count()} thông báo, "
        f"{AnnouncementTemplate.objects.filter(unit=province).count()} mẫu."
    )
    clip = AudioClip.objects.filter(announcement__unit=unit).order_by("pk").first()
    if clip is not None:
        # A link, not a path: the file may live in object storage.
        url = reverse("citizens:clip", args=[clip.pk, "mp3"])
        say(f"Âm thanh loa: {settings.XASO_PUBLIC_URL}{url}")


def _cases(unit: Unit, villages: dict[str, object], officer: User | None) -> None:
    rng = random.Random(24175)
    now = timezone.now()
    names = list(villages)
    # History: closed cases with answers over the last year, to train on and to show.
    for i, (text, code) in enumerate(corpus.generate(180, seed=11)):
        received = now - dt.timedelta(days=rng.randint(20, 360), hours=rng.randint(0, 8))
        late = rng.random() < 0.12
        answered = received + dt.timedelta(days=rng.randint(6, 12) if late else rng.randint(1, 3))
        record = _record(
            unit,
            text,
            f"demo:hist:{i}",
            channel="import",
            category_code=code,
            village=names[i % len(names)],
            received_at=received,
            answer=rng.choice(ANSWERS.get(code, ANSWERS["*"])),
            answered_at=answered,
            rating=None,
        )
        case = actions.do_receive_case(record, actor=None).case
        if rng.random() < 0.2:
            actions.do_set_public(case=case, public=False, actor=None)
        if rng.random() < 0.6:
            actions.do_rate_case(case=case, rating=rng.choice([5, 5, 4, 4, 4, 3, 2]), actor=None)
    actions.do_retrain_classifier(province=unit.province, actor=None)  # type: ignore[arg-type]
    # The day before Tết: 3 working days run past the five days of Tết to 25/02/2026.
    tet = actions.do_receive_case(
        _record(
            unit,
            "Cống thoát nước trước chợ Thôn 2 bị tắc, nước tràn ra đường trước Tết",
            "demo:tet",
            category_code="nuoc-sach",
            village="Thôn 2",
            received_at=TET_EVE,
            phone="0900100001",
            is_public=True,
        ),
        actor=None,
    ).case
    actions.do_accept_case(case=tet, actor=None, now=TET_EVE + dt.timedelta(hours=2))
    actions.do_answer_case(
        case=tet,
        actor=None,
        now=dt.datetime(2026, 2, 24, 15, tzinfo=clocks.VN_TZ),
        answer="Tổ vệ sinh môi trường đã nạo vét cống ngày 24/02/2026 (mùng 8 Tết), nước đã thoát.",
    )
    actions.do_close_case(case=tet, actor=None)
    live = [
        (
            "Đường bê tông Thôn 3 bị lún sâu một đoạn dài, xe máy té ngã nhiều lần",
            "Thôn 3",
            "field",
            "web",
        ),
        ("Đèn đường trước trường tiểu học Thôn 1 tắt cả tuần nay", "Thôn 1", "field", "sms"),
        ("den duong truoc truong tieu hoc thon 1 tat ca tuan", "Thôn 1", "field", "zalo"),
        ("Rác thải đổ bừa bãi ven suối Buôn Ea Tu, bốc mùi hôi", "Buôn Ea Tu", "field", "web"),
        (
            "Kiến nghị đơn giản hoá hồ sơ chứng thực cho người cao tuổi",
            "Thôn 4",
            "regulation",
            "web",
        ),
        (
            "Khiếu nại quyết định thu hồi đất làm đường liên thôn của UBND xã",
            "Thôn 2",
            "complaint",
            "counter",
        ),
        (
            "Tố cáo cán bộ địa chính nhận tiền khi làm thủ tục cấp sổ đỏ",
            "Buôn Kô Tam",
            "denunciation",
            "counter",
        ),
        ("Nhóm thanh niên đua xe lạng lách trên tỉnh lộ lúc nửa đêm", "Thôn 4", "field", "open311"),
        ("Nước máy mất ba ngày ở Thôn 2, đề nghị khắc phục", "Thôn 2", "field", "web"),
        (
            "Trợ cấp người cao tuổi của mẹ tôi bị chậm chi trả mấy tháng",
            "Thôn 1",
            "regulation",
            "web",
        ),
        ("Xe tải chở đất cày nát đường vào Buôn Kô Tam", "Buôn Kô Tam", "field", "sms"),
    ]
    made: list[Case] = []
    for i, (body, village, legal_class, channel) in enumerate(live):
        received = now - dt.timedelta(days=len(live) - i, hours=3)
        record = _record(
            unit,
            body,
            f"demo:live:{i}",
            channel="counter" if channel in {"web", "open311"} else channel,
            village=village,
            legal_class=legal_class,
            received_at=received,
            phone=f"090010{i:04d}",
            reporter_name=f"{FAMILY[i % 10]} {GIVEN[i % 12]}",
            zalo_id=f"demo-zalo-user-{i}" if channel == "zalo" else "",
            is_public=legal_class != "denunciation",
        )
        made.append(actions.do_receive_case(record, actor=None).case)
    road, light, light_dup, waste, rule, complaint, denounce, racing, water, welfare, truck = made
    colleague = officer
    actions.do_accept_case(case=road, actor=None)
    if colleague is not None:
        actions.do_assign_case(case=road, officer=colleague, actor=None)
        actions.do_start_case(case=road, actor=None)
    actions.do_add_note(case=road, text="Đã báo Ban quản lý dự án huyện cũ khảo sát.", actor=None)
    actions.do_accept_case(case=light, actor=None)
    actions.do_merge_case(case=light_dup, into=light, actor=None)
    actions.do_answer_case(
        case=light, answer="Điện lực đã thay 3 bóng đèn LED trước trường.", actor=None
    )
    actions.do_rate_case(case=light, rating=5, actor=None)
    actions.do_reject_case(
        case=waste, reason="Đã có phản ánh cùng nội dung đang xử lý.", actor=None
    )
    actions.do_forward_case(
        case=rule,
        agency="Sở Tư pháp tỉnh Đắk Lắk",
        note="Quy định chứng thực thuộc thẩm quyền của tỉnh.",
        actor=None,
    )
    actions.do_accept_case(case=complaint, actor=None, complex_case=True)
    actions.do_accept_case(case=denounce, actor=None)
    if colleague is not None:
        actions.do_assign_case(case=denounce, officer=colleague, actor=None)
    actions.do_extend_deadline(
        case=denounce, actor=None, reason="Cần xác minh thêm tại Văn phòng đăng ký đất đai."
    )
    actions.do_accept_case(case=water, actor=None)
    actions.do_answer_case(case=water, answer="Công ty cấp nước đã sửa đường ống vỡ.", actor=None)
    actions.do_reopen_case(
        case=water, reason="Nước đã có nhưng rất yếu, chiều lại mất.", actor=None
    )
    actions.do_accept_case(case=welfare, actor=None)
    del racing, truck  # left new, for the queue


ANSWERS = {
    "giao-thong": [
        "Xã đã đổ đá cấp phối, lu lèn đoạn đường hư hỏng.",
        "Đã cắm biển cảnh báo và đưa vào kế hoạch sửa chữa quý tới.",
    ],
    "chieu-sang": ["Điện lực đã thay bóng đèn, hệ thống chiếu sáng hoạt động lại."],
    "rac-thai": ["Tổ vệ sinh môi trường đã thu gom, xã đặt thêm thùng rác và biển cấm đổ rác."],
    "nuoc-sach": ["Đơn vị cấp nước đã sửa đường ống, cấp nước trở lại."],
    "dat-dai": ["Đoàn kiểm tra đã lập biên bản, yêu cầu tháo dỡ phần xây dựng lấn chiếm."],
    "an-ninh": ["Công an xã đã tăng cường tuần tra, nhắc nhở các hộ kinh doanh karaoke."],
    "chinh-sach": ["Xã đã rà soát, bổ sung hồ sơ và chi trả đủ các tháng còn thiếu."],
    "thu-tuc": ["Bộ phận một cửa đã hướng dẫn và trả kết quả; xã xin lỗi vì chậm trễ."],
    "*": ["Xã đã xử lý xong nội dung phản ánh."],
}


def _contacts_csv(villages: dict[str, object]) -> str:
    rng = random.Random(7)
    lines = ["họ tên,điện thoại,zalo,thôn,hộ gia đình,nhóm,chủ đề,đồng ý"]
    n = 0
    for v, village in enumerate(villages):
        for h in range(12):
            n += 1
            groups = ",".join(g for g in ("nong-dan", "co-tre-em") if rng.random() < 0.5)
            phone = f"0901{n:06d}" if rng.random() < 0.9 else ""
            zalo = f"zalo-demo-{n}" if rng.random() < 0.45 or not phone else ""
            name = f"{FAMILY[n % 10]} {GIVEN[(n * 7) % 12]}"
            lines.append(f'{name},{phone},{zalo},{village},H{v + 1:02d}{h + 1:02d},"{groups}",,có')
    return "\n".join(lines) + "\n"


def _announcements(unit: Unit, villages: dict[str, object]) -> None:
    vaccines = actions.do_create_announcement(
        unit=unit,
        title="Lịch tiêm chủng tháng 12",
        body="UBND xã Hòa Phú thông báo: ngày 12/12/2026, từ 7h30 đến 11h00, Trạm y tế xã tổ "
        "chức tiêm chủng mở rộng cho trẻ em dưới 5 tuổi ở Thôn 1 đến Thôn 4 và buôn Ea Tu, "
        "buôn Kô Tam. Phụ huynh mang theo sổ tiêm chủng và thẻ BHYT của trẻ.",
        channels=["sms", "zalo", "web", "loudspeaker"],
        category="y-te",
        actor=None,
    )
    actions.do_submit_announcement(announcement=vaccines, actor=None)
    results = actions.do_create_announcement(
        unit=unit,
        title="Kết quả giải quyết phản ánh tuần này",
        body="Tuần qua xã nhận 11 phản ánh, đã trả lời 4, chuyển 1 nội dung đến Sở Tư pháp. "
        "Xem chi tiết trên bảng công khai của xã.",
        channels=["sms", "web"],
        category="phan-anh",
        actor=None,
    )
    actions.do_submit_announcement(announcement=results, actor=None)
