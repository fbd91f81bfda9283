"""The daily retention sweep: what is past its period is erased, what is inside it is
kept, and the sweep runs from ``xaso periodic daily``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import time_machine
from axes.models import AccessLog
from django.conf import settings

from xaso.accounts.models import User
from xaso.citizens import actions as citizens
from xaso.citizens.models import Attachment, Case, OutboxMessage
from xaso.core.audit import record_audit
from xaso.core.middleware import client_ip_var
from xaso.core.models import AuditEntry
from xaso.core.personal_data import ERASED_ON_RETENTION
from xaso.core.schedule import periodic
from xaso.privacy import actions
from xaso.privacy.tests.conftest import jpeg, receive
from xaso.units.models import Unit

pytestmark = pytest.mark.django_db

VN = dt.timezone(dt.timedelta(hours=7))
OLD_PHONE, RECENT_PHONE, FRESH_PHONE = "0911000111", "0922000222", "0933000333"


def closed_case(unit: Unit, officer: User, phone: str, name: str) -> Case:
    case = receive(
        unit, f"Đường thôn 2 sạt lở, tôi là {name} ở gần đó", phone=phone, reporter_name=name,
        address="Thôn 2", uploads=[citizens_upload()],
    )  # fmt: skip
    citizens.do_accept_case(case=case, actor=officer)
    citizens.do_answer_case(
        case=case, answer=f"Gửi {name}: xã đã gia cố đoạn đường.", actor=officer
    )
    return citizens.do_close_case(case=case, actor=officer)


def citizens_upload() -> Any:
    from xaso.citizens.intake import Upload

    return Upload("anh.jpg", jpeg())


def audit_with_ip(unit: Unit, ip: str) -> AuditEntry:
    token = client_ip_var.set(ip)
    try:
        return record_audit(actor=None, action="test.sign_in", target=unit)
    finally:
        client_ip_var.reset(token)


def test_the_sweep_erases_what_is_past_retention_and_keeps_the_rest(
    hoa_phu: Unit, officer_hp: User, django_capture_on_commit_callbacks: Any
) -> None:
    with time_machine.travel(dt.datetime(2026, 1, 10, 9, tzinfo=VN)):
        old = closed_case(hoa_phu, officer_hp, OLD_PHONE, "Lê Văn Cũ")
        old_login = AccessLog.objects.create(username="le.cu", ip_address="203.0.113.1")
        old_audit = audit_with_ip(hoa_phu, "203.0.113.1")
    with time_machine.travel(dt.datetime(2030, 6, 1, 9, tzinfo=VN)):
        recent = closed_case(hoa_phu, officer_hp, RECENT_PHONE, "Phạm Thị Mới")
    with time_machine.travel(dt.datetime(2031, 1, 1, 9, tzinfo=VN)):
        fresh = receive(hoa_phu, "Cây đổ chắn ngang đường liên thôn", phone=FRESH_PHONE)
        fresh_login = AccessLog.objects.create(username="pham.moi", ip_address="203.0.113.2")
        fresh_audit = audit_with_ip(hoa_phu, "203.0.113.2")
    old_photo = Path(settings.MEDIA_ROOT) / str(Attachment.objects.get(case=old).file.name)

    # 2031-01-15: the old case closed 5 years and 5 days ago (retention 1826 days), the
    # recent one 7 months ago; the fresh message is 2 weeks old (outbox retention 90 days).
    with (
        time_machine.travel(dt.datetime(2031, 1, 15, 3, tzinfo=VN)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        report = actions.do_sweep_retention(actor=None)

    old.refresh_from_db()
    assert (old.reporter_phone, old.reporter_name, old.address) == ("", "", "")
    assert "Lê Văn Cũ" not in old.body + old.answer and "sạt lở" in old.body  # record kept
    assert ERASED_ON_RETENTION in old.answer
    assert not Attachment.objects.filter(case=old).exists() and not old_photo.exists()
    recent.refresh_from_db()
    assert recent.reporter_phone == RECENT_PHONE and recent.reporter_name == "Phạm Thị Mới"
    assert Attachment.objects.filter(case=recent).exists()

    messages = OutboxMessage.objects.filter(case__in=[old, recent])
    assert messages and all(m.address == "" and m.text == ERASED_ON_RETENTION for m in messages)
    assert OutboxMessage.objects.get(case=fresh).address == FRESH_PHONE

    assert not AccessLog.objects.filter(pk=old_login.pk).exists()
    assert AccessLog.objects.filter(pk=fresh_login.pk).exists()
    old_audit.refresh_from_db()
    fresh_audit.refresh_from_db()
    assert old_audit.ip_address is None and old_audit.action == "test.sign_in"
    assert fresh_audit.ip_address == "203.0.113.2"

    assert report.counts["citizens.case"] == 1 and report.counts["axes.accesslog"] == 1
    row = AuditEntry.objects.get(action="privacy.sweep_retention")
    assert row.changes["counts"] == report.counts

    # Nothing left to do the next day: no change, no audit row.
    with time_machine.travel(dt.datetime(2031, 1, 16, 3, tzinfo=VN)):
        assert actions.do_sweep_retention(actor=None).counts == {}
    assert AuditEntry.objects.filter(action="privacy.sweep_retention").count() == 1


def test_a_period_of_zero_switches_a_sweep_off(
    settings: Any, hoa_phu: Unit, officer_hp: User
) -> None:
    settings.XASO_RETENTION_DAYS = {"closed_cases": 0, "outbox": 0, "login_records": 0}
    with time_machine.travel(dt.datetime(2020, 1, 1, tzinfo=VN)):
        case = closed_case(hoa_phu, officer_hp, OLD_PHONE, "Lê Văn Cũ")
    assert actions.do_sweep_retention(actor=None).counts == {}
    case.refresh_from_db()
    assert case.reporter_phone == OLD_PHONE


def test_the_sweep_is_a_daily_periodic_task() -> None:
    paths = [task.module_path for task in periodic("daily")]
    assert "xaso.privacy.tasks.sweep_retention" in paths
