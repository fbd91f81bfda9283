"""Assessments tests: real units, the commune framework, people of every role, and
evidence stored in a temporary directory."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY

from xaso.accounts.models import User
from xaso.accounts.tests.factories import confirmed_device, make_user
from xaso.assessments.models import Period
from xaso.assessments.tests.factories import commune_framework, make_period
from xaso.units.models import Generation, Unit


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def krong_nang(db: None) -> Unit:
    """Xã Krông Năng, Đắk Lắk (current, 24343): successor of the pilot Phú Lộc."""
    return Unit.objects.select_related("province").get(generation=Generation.CURRENT, code="24343")


@pytest.fixture
def officer(hoa_phu: Unit) -> User:
    return make_user(role="commune_officer", units=[hoa_phu], username="canbo.hp")


@pytest.fixture
def officer_kn(krong_nang: Unit) -> User:
    return make_user(role="commune_officer", units=[krong_nang], username="canbo.kn")


@pytest.fixture
def verifier(dak_lak: Unit) -> User:
    return make_user(role="verifier", units=[dak_lak], username="thamdinh.dl")


@pytest.fixture
def verifier_tn(thai_nguyen: Unit) -> User:
    return make_user(role="verifier", units=[thai_nguyen], username="thamdinh.tn")


@pytest.fixture
def admin(dak_lak: Unit) -> User:
    return make_user(role="province_admin", units=[dak_lak], username="admin.dl")


@pytest.fixture
def admin_tn(thai_nguyen: Unit) -> User:
    return make_user(role="province_admin", units=[thai_nguyen], username="admin.tn")


@pytest.fixture
def framework(db: None) -> Any:
    return commune_framework()


@pytest.fixture
def period(dak_lak: Unit, hoa_phu: Unit, krong_nang: Unit, framework: Any) -> Period:
    """An open period over two Đắk Lắk communes."""
    return make_period(dak_lak, [hoa_phu, krong_nang], framework=framework)


def sign_in(client: Client, user: User) -> Client:
    client.force_login(user)
    if user.is_privileged:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = confirmed_device(user).persistent_id
        session.save()
    return client


@pytest.fixture
def signed_in() -> Callable[[User], Client]:
    return lambda user: sign_in(Client(), user)
