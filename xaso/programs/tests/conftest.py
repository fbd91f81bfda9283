"""Fixtures for the programs tests: the seeds' Bắc Kạn pilot communes as they are today,
a province administrator, commune officers and sponsors bound to them."""

from __future__ import annotations

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY

from xaso.accounts.models import User
from xaso.accounts.tests.factories import confirmed_device, make_user
from xaso.programs.models import Participant, Programme
from xaso.programs.tests.factories import make_participant, make_programme
from xaso.units import demo as units_demo
from xaso.units.models import Generation, Unit


@pytest.fixture(autouse=True)
def _fast_hashing(settings: object) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]


@pytest.fixture
def krong_nang(db: None) -> Unit:
    """Xã Krông Năng, Đắk Lắk (current, 24343): successor of the pilot Phú Lộc."""
    return Unit.objects.select_related("province").get(generation=Generation.CURRENT, code="24343")


@pytest.fixture
def song_cau(db: None) -> Unit:
    """Phường Bắc Kạn today, which took in the pilot Phường Sông Cầu."""
    legacy = units_demo.legacy_commune("Bắc Kạn", "Bắc Kạn", "Sông Cầu")
    return units_demo.main_successor(legacy)


@pytest.fixture
def quang_thuan(db: None) -> Unit:
    legacy = units_demo.legacy_commune("Bắc Kạn", "Bạch Thông", "Quang Thuận")
    return units_demo.main_successor(legacy)


@pytest.fixture
def duc_van(db: None) -> Unit:
    legacy = units_demo.legacy_commune("Bắc Kạn", "Ngân Sơn", "Đức Vân")
    return units_demo.main_successor(legacy)


@pytest.fixture
def bk_programme(thai_nguyen: Unit) -> Programme:
    return make_programme(
        thai_nguyen,
        name="Thí điểm chuyển đổi số cấp xã năm 2023",
        sponsor_decision="1431/QĐ-UBND",
        issuer="Sở Thông tin và Truyền thông",
        issuer_parent="UBND tỉnh Bắc Kạn",
        issuer_abbrev="STTTT",
        place_name="Bắc Kạn",
    )


@pytest.fixture
def p_song_cau(bk_programme: Programme, song_cau: Unit) -> Participant:
    return make_participant(bk_programme, song_cau)


@pytest.fixture
def p_quang_thuan(bk_programme: Programme, quang_thuan: Unit) -> Participant:
    return make_participant(bk_programme, quang_thuan)


@pytest.fixture
def admin_tn(thai_nguyen: Unit) -> User:
    return make_user(role="province_admin", units=[thai_nguyen])


def sign_in(client: Client, user: User) -> Client:
    client.force_login(user)
    if user.is_privileged:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = confirmed_device(user).persistent_id
        session.save()
    return client
