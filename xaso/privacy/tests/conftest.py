"""Privacy tests: real units, a resident with cases in two communes of Đắk Lắk, a
subscription, messages and an account; uploads in a temporary folder; and — as
everywhere — no raw phone number in any log."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from xaso.accounts.models import User
from xaso.accounts.tests.conftest import raw_phones
from xaso.accounts.tests.factories import make_user
from xaso.citizens import actions as citizens
from xaso.citizens.intake import Command, IntakeRecord, Upload
from xaso.citizens.models import Case, Contact
from xaso.units.models import Generation, Unit

PHONE = "0912345678"
NAME = "Nguyễn Văn Dân"
EMAIL = "dan.nguyen@example.vn"
ZALO = "zalo-dan-8841"
BODY = "Ổ gà sâu trước nhà số 12 Lê Duẩn, xe máy ngã hai lần trong tuần"
ADDRESS = "12 Lê Duẩn, thôn 3"
OTHER_PHONE = "0987654321"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_caches() -> Iterator[None]:
    citizens.forget_caches()
    yield
    citizens.forget_caches()


@pytest.fixture(autouse=True)
def _no_raw_phone_in_logs(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    caplog.set_level(logging.DEBUG)
    yield
    leaked = raw_phones(caplog.get_records("setup") + caplog.get_records("call"))
    assert not leaked, f"Raw phone numbers in the logs: {leaked}"


@pytest.fixture
def krong_nang(db: None) -> Unit:
    return Unit.objects.select_related("province").get(generation=Generation.CURRENT, code="24343")


@pytest.fixture
def admin_dl(dak_lak: Unit) -> User:
    return make_user(role="province_admin", units=[dak_lak], username="admin.dl")


@pytest.fixture
def officer_hp(hoa_phu: Unit) -> User:
    return make_user(role="commune_officer", units=[hoa_phu], username="canbo.hp")


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 40, 40)).save(buffer, "JPEG")
    return buffer.getvalue()


def receive(unit: Unit, body: str, **fields: Any) -> Case:
    record = IntakeRecord(channel="counter", unit_id=unit.pk, body=body, **fields)
    return citizens.do_receive_case(record, actor=None).case


@dataclass
class Resident:
    """Everything xaso holds about one resident, made through the real actions."""

    account: User
    case_hp: Case
    case_kn: Case
    contact: Contact
    other_case: Case


@pytest.fixture
def resident(hoa_phu: Unit, krong_nang: Unit, officer_hp: User) -> Resident:
    account = make_user(role="citizen", units=[hoa_phu], phone=PHONE, username="dan.hp")
    User.objects.filter(pk=account.pk).update(full_name=NAME, email=EMAIL)
    case_hp = receive(
        hoa_phu, BODY, phone=PHONE, reporter_name=NAME, email=EMAIL, zalo_id=ZALO,
        address=ADDRESS, latitude=12.687123, longitude=108.052456,
        uploads=[Upload("nha-toi.jpg", jpeg())],
    )  # fmt: skip
    citizens.do_accept_case(case=case_hp, actor=officer_hp)
    citizens.do_answer_case(
        case=case_hp,
        answer=f"Chào ông {NAME}, xã đã vá ổ gà. Cần gì gọi lại số 0912 345 678.",
        actor=officer_hp,
    )
    citizens.do_rate_case(case=case_hp, rating=2, comment=f"Tôi là {NAME}, vá ẩu", actor=None)
    citizens.do_reopen_case(case=case_hp, reason="Ổ gà trước nhà lại bị vỡ", actor=None)
    case_kn = receive(
        krong_nang, "Đèn đường thôn 5 không sáng đã một tuần", phone="+84 912 345 678"
    )
    contact = citizens.do_apply_command(
        unit=hoa_phu, channel="sms", address=PHONE, command=Command("subscribe", ("giao-thong",))
    )
    Contact.objects.filter(pk=contact.pk).update(name=NAME, zalo_id=ZALO)
    other_case = receive(
        hoa_phu, "Cống thoát nước bị tắc ở thôn 1", phone=OTHER_PHONE, reporter_name="Trần Thị Khác"
    )
    return Resident(account, case_hp, case_kn, contact, other_case)
