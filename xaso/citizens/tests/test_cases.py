"""Cases through their life: queue, states, scoping, the denouncer's identity, the public
board and its feeds, duplicates and merging, reminders, escalation, the classifier."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from xaso.accounts.models import User
from xaso.accounts.tests.factories import make_user
from xaso.citizens import actions, classifier, clocks, corpus, queries
from xaso.citizens.intake import IntakeRecord
from xaso.citizens.models import Case, Category, OutboxMessage, Village
from xaso.core.models import AuditEntry
from xaso.units.models import Unit

pytestmark = pytest.mark.django_db


def receive(unit: Unit, body: str, **fields: Any) -> Case:
    record = IntakeRecord(channel="counter", unit_id=unit.pk, body=body, **fields)
    return actions.do_receive_case(record, actor=None).case


def test_a_case_goes_from_new_to_closed_and_the_resident_is_told(
    hoa_phu: Unit, officer: User, colleague: User, client_for: Any
) -> None:
    case = receive(hoa_phu, "Đèn đường thôn 1 bị cháy không sáng", phone="0912111000")
    client = client_for(officer)
    url = reverse("citizens:case", args=[case.pk])
    assert client.post(url, {"op": "accept"}).status_code == 302
    assert client.post(url, {"op": "assign", "officer": colleague.pk}).status_code == 302
    assert client.post(url, {"op": "start"}).status_code == 302
    assert client.post(url, {"op": "note", "text": "Đã gọi điện lực"}).status_code == 302
    assert (
        client.post(url, {"op": "answer", "answer": "Đã thay bóng đèn ngày 20/11."}).status_code
        == 302
    )
    case.refresh_from_db()
    assert case.state == "answered" and case.assigned_to == colleague and case.answered_on_time
    notices = list(OutboxMessage.objects.filter(case=case).values_list("key", flat=True))
    assert any(":received:" in k for k in notices) and any(":answered0:" in k for k in notices)
    # The resident rates and reopens through the tracking link; nobody else can.
    track = reverse("citizens:track", args=[case.token])
    assert Client().post(track, {"op": "rate", "rating": "2"}).status_code == 302
    assert Client().post(track, {"op": "reopen", "reason": "Đèn lại tắt"}).status_code == 302
    case.refresh_from_db()
    assert case.rating == 2 and case.state == "reopened" and case.reopen_count == 1
    assert client.post(url, {"op": "answer", "answer": "Đã thay cả bộ đèn mới."}).status_code == 302
    assert client.post(url, {"op": "close"}).status_code == 302
    case.refresh_from_db()
    assert case.state == "closed"
    assert OutboxMessage.objects.filter(case=case, key__contains=":answered1:").exists()
    page = client.get(url).content.decode()
    assert "Đã gọi điện lực" in page  # internal notes for officers
    public = Client().get(track).content.decode()
    assert "Đã gọi điện lực" not in public  # …but not on the resident's page


def test_wrong_moves_and_empty_answers_change_nothing(
    hoa_phu: Unit, officer: User, client_for: Any
) -> None:
    case = receive(hoa_phu, "Rác thải đổ bừa bãi ven đường")
    with pytest.raises(ValidationError, match="không thể chuyển"):
        actions.do_close_case(case=case, actor=officer)
    answer = client_for(officer).post(
        reverse("citizens:case", args=[case.pk]), {"op": "reject", "reason": ""}
    )
    assert answer.status_code == 400 and "lý do" in answer.content.decode()
    case.refresh_from_db()
    assert case.state == "new"


def test_an_officer_never_sees_another_communes_cases(
    hoa_phu: Unit, krong_nang: Unit, officer: User, outsider: User, client_for: Any
) -> None:
    mine = receive(hoa_phu, "Nước máy mất ba ngày ở thôn 3")
    theirs = receive(krong_nang, "Cầu tạm bị sập ở buôn")
    client = client_for(officer)
    assert client.get(reverse("citizens:case", args=[theirs.pk])).status_code == 404
    assert (
        client.post(reverse("citizens:case", args=[theirs.pk]), {"op": "accept"}).status_code == 404
    )
    assert client.get(reverse("citizens:queue", args=[krong_nang.code])).status_code == 404
    queue = client.get(reverse("citizens:queue", args=[hoa_phu.code])).content.decode()
    assert mine.code in queue and theirs.code not in queue
    assert list(queries.cases_for(outsider)) == [theirs]
    assert Client().get(reverse("citizens:case", args=[mine.pk])).status_code == 302


def test_the_denouncers_identity_is_for_the_assigned_officer_only_and_logged(
    hoa_phu: Unit, dak_lak: Unit, officer: User, colleague: User, client_for: Any
) -> None:
    case = receive(
        hoa_phu,
        "Tố cáo trưởng thôn thu tiền trái phép của dân",
        legal_class="denunciation",
        reporter_name="Trần Thị Bình",
        phone="0912555444",
        is_public=True,
    )
    assert not case.is_public
    actions.do_assign_case(case=case, officer=colleague, actor=officer)
    admin = make_user(role="province_admin", units=[dak_lak])
    for viewer in (officer, admin):
        page = client_for(viewer).get(reverse("citizens:case", args=[case.pk])).content.decode()
        assert "Trần Thị Bình" not in page and "0912555444" not in page
        assert "được bảo vệ" in page and "Xem danh tính" not in page
    response = client_for(officer).post(reverse("citizens:case", args=[case.pk]), {"op": "reveal"})
    assert response.status_code == 400 and "Trần Thị Bình" not in response.content.decode()
    client = client_for(colleague)
    assert "Xem danh tính" in client.get(reverse("citizens:case", args=[case.pk])).content.decode()
    assert not AuditEntry.objects.filter(action="citizens.reveal_reporter").exists()
    shown = client.post(reverse("citizens:case", args=[case.pk]), {"op": "reveal"}).content.decode()
    assert "Trần Thị Bình" in shown and "0912555444" in shown
    row = AuditEntry.objects.get(action="citizens.reveal_reporter")
    assert row.actor == colleague and row.target_id == str(case.pk)
    with pytest.raises(ValidationError, match="không bao giờ"):
        actions.do_set_public(case=case, public=True, actor=colleague)
    # Never on the public board, in Open311, or in a lookup.
    actions.do_answer_case(case=case, answer="Đã xác minh và xử lý theo quy định.", actor=colleague)
    assert case not in queries.public_cases(hoa_phu)
    assert Client().get(reverse("open311:request", args=[case.code, "json"])).status_code == 404


def test_the_public_board_masks_personal_data_and_has_feeds(
    hoa_phu: Unit, dak_lak: Unit, officer: User
) -> None:
    case = receive(
        hoa_phu,
        "Ông An số 0912 345 678, CCCD 066123456789 báo cống tắc",
        reporter_name="Lê Văn An",
        phone="0912345678",
        is_public=True,
    )
    private = receive(hoa_phu, "Việc riêng không muốn công khai, nhà số 5", is_public=False)
    for c in (case, private):
        actions.do_accept_case(case=c, actor=officer)
        actions.do_answer_case(
            case=c, answer="Đã nạo vét cống, liên hệ 0905 111 222.", actor=officer
        )
    for code in (hoa_phu.code, dak_lak.code):
        page = Client().get(reverse("citizens:board", args=[code])).content.decode()
        assert case.code in page and private.code not in page
        assert (
            "0912 345 678" not in page and "066123456789" not in page and "0905 111 222" not in page
        )
        assert "Lê Văn An" not in page and "09x xxx x678" in page and "đúng hạn" in page
        assert len(page.encode()) < 150_000
    rss = Client().get(reverse("citizens:board_rss", args=[hoa_phu.code]))
    atom = Client().get(reverse("citizens:board_atom", args=[hoa_phu.code]))
    assert (
        rss["Content-Type"].startswith("application/rss+xml") and case.code in rss.content.decode()
    )
    assert (
        atom["Content-Type"].startswith("application/atom+xml")
        and b"0912 345 678" not in atom.content
    )
    now = timezone.localtime()
    report = Client().get(
        reverse("citizens:report_month", args=[hoa_phu.code, now.year, now.month])
    )
    assert report.status_code == 200 and "100%" in report.content.decode()
    pdf = Client().get(
        reverse("citizens:report_month_pdf", args=[hoa_phu.code, now.year, now.month])
    )
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_duplicates_are_found_accent_insensitively_nearby_and_merged(
    hoa_phu: Unit, villages: dict[str, Village], roads: Category, officer: User
) -> None:
    first = receive(
        hoa_phu,
        "Đường hỏng nặng ở thôn 3, nhiều ổ gà",
        category_code="giao-thong",
        latitude=12.6200,
        longitude=108.0200,
        phone="0912000101",
    )
    far = receive(
        hoa_phu,
        "duong hong nang o thon 3 nhieu o ga",
        category_code="giao-thong",
        latitude=12.7000,
        longitude=108.1000,
    )
    other = receive(hoa_phu, "Đèn đường không sáng", latitude=12.6201, longitude=108.0201)
    record = IntakeRecord(
        channel="sms",
        unit_id=hoa_phu.pk,
        body="duong hong nang thon 3 o ga",
        category_code="giao-thong",
        latitude=12.6205,
        longitude=108.0203,
        phone="0912000102",
        provider_id="dup-1",
    )
    receipt = actions.do_receive_case(record, actor=None)
    assert [d.case for d in receipt.duplicates] == [first]
    assert receipt.duplicates[0].metres is not None and receipt.duplicates[0].metres < 100
    assert far not in [d.case for d in receipt.duplicates] and other.pk != first.pk
    actions.do_merge_case(case=receipt.case, into=first, actor=officer)
    actions.do_accept_case(case=first, actor=officer)
    actions.do_answer_case(case=first, answer="Đã vá các ổ gà trên đường thôn 3.", actor=officer)
    told = set(
        OutboxMessage.objects.filter(key__contains=":answered0:").values_list("address", flat=True)
    )
    assert told == {"0912000101", "0912000102"}  # both reporters informed


def test_reminders_before_and_escalation_after_the_deadline(
    hoa_phu: Unit, officer: User, colleague: User
) -> None:
    chairman = make_user(role="commune_officer", units=[hoa_phu], phone="0900999888")
    actions.do_save_settings(
        unit=hoa_phu, field_sla_days=3, chairman=chairman, approval_required=False, actor=None
    )
    received = dt.datetime(2026, 11, 23, 9, tzinfo=clocks.VN_TZ)  # Monday
    case = receive(hoa_phu, "Cống qua đường bị tắc gây ngập", received_at=received)
    actions.do_assign_case(case=case, officer=officer, actor=colleague)
    assert actions.do_send_reminders(now=received + dt.timedelta(days=1)).reminded == 0
    # 24/11 is Vietnamese Culture Day (a holiday since 2026): due Friday 27/11.
    assert clocks.local_date(case.resolve_due) == dt.date(2026, 11, 27)
    run = actions.do_send_reminders(now=dt.datetime(2026, 11, 26, 9, tzinfo=clocks.VN_TZ))
    assert (run.reminded, run.escalated) == (1, 0)
    assert (
        actions.do_send_reminders(now=dt.datetime(2026, 11, 26, 10, tzinfo=clocks.VN_TZ)).reminded
        == 0
    )
    late = actions.do_send_reminders(now=dt.datetime(2026, 11, 28, 8, tzinfo=clocks.VN_TZ))
    assert late.escalated == 1
    assert OutboxMessage.objects.filter(address="0900999888", key__contains="escalate").exists()
    assert OutboxMessage.objects.filter(address="0900111222", key__contains="remind").exists()
    assert case.events.filter(kind="escalation").exists()


def test_classifier_suggests_with_confidence_and_never_applies_below_the_threshold(
    hoa_phu: Unit, dak_lak: Unit, officer: User
) -> None:
    for std in corpus.STANDARD_CATEGORIES:
        actions.do_save_category(
            unit=dak_lak, code=std.code, name=std.name, legal_class=std.legal_class, actor=None
        )
    with pytest.raises(ValidationError, match="Cần ít nhất"):
        actions.do_retrain_classifier(province=dak_lak, actor=None)
    for i, (text, code) in enumerate(corpus.generate(160, seed=3)):
        record = IntakeRecord(
            channel="import",
            unit_id=hoa_phu.pk,
            body=text,
            category_code=code,
            answer="Đã xử lý xong.",
            answered_at=timezone.now(),
            provider_id=f"train-{i}",
        )
        actions.do_receive_case(record, actor=officer)
    model = actions.do_retrain_classifier(province=dak_lak, actor=None)
    assert model.samples == 160 and model.accuracy is not None and model.accuracy > 0.7
    sure = receive(hoa_phu, "Đường bê tông ở thôn 3 bị sạt lở, xe không đi được")
    assert sure.category is not None and sure.category.code == "giao-thong"
    vague = receive(hoa_phu, "Xin hỏi xã một việc của gia đình")
    assert vague.suggested_category is not None and vague.suggestion_confidence is not None
    assert vague.suggestion_confidence < classifier.AUTO_APPLY_THRESHOLD
    assert vague.category is None  # shown as a suggestion only


def test_queue_filters_and_counts(hoa_phu: Unit, officer: User, client_for: Any) -> None:
    a = receive(hoa_phu, "Rác thải ở chợ không ai thu gom")
    b = receive(hoa_phu, "Khiếu nại quyết định thu hồi đất", legal_class="complaint")
    actions.do_assign_case(case=b, officer=officer, actor=officer)
    client = client_for(officer)
    url = reverse("citizens:queue", args=[hoa_phu.code])
    mine = client.get(url, {"cua_toi": "1"}).content.decode()
    assert b.code in mine and a.code not in mine
    folded = client.get(url, {"q": "rac thai"}).content.decode()
    assert a.code in folded and b.code not in folded
    assert queries.state_counts(officer, hoa_phu.pk, timezone.now())["open"] == 2
