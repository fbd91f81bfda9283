"""Fixtures for the connectors tests: the seeds' Bắc Kạn pilot communes before and after
the reform, a province administrator and a source of Thái Nguyên (which took in Bắc Kạn)."""

from __future__ import annotations

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY

from xaso.accounts.models import User
from xaso.accounts.tests.factories import confirmed_device, make_user
from xaso.connectors.models import Source
from xaso.connectors.tests.factories import make_source
from xaso.units import demo as units_demo
from xaso.units.models import Unit


@pytest.fixture(autouse=True)
def _fast_hashing(settings: object) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]


@pytest.fixture
def song_cau_legacy(db: None) -> Unit:
    """Phường Sông Cầu, thành phố Bắc Kạn (pre-reform)."""
    return units_demo.legacy_commune("Bắc Kạn", "Bắc Kạn", "Sông Cầu")


@pytest.fixture
def song_cau(song_cau_legacy: Unit) -> Unit:
    """Phường Bắc Kạn today, main successor of Sông Cầu."""
    return units_demo.main_successor(song_cau_legacy)


@pytest.fixture
def duc_van_legacy(db: None) -> Unit:
    return units_demo.legacy_commune("Bắc Kạn", "Ngân Sơn", "Đức Vân")


@pytest.fixture
def duc_van(duc_van_legacy: Unit) -> Unit:
    """Xã Ngân Sơn today, main successor of Đức Vân."""
    return units_demo.main_successor(duc_van_legacy)


@pytest.fixture
def source(thai_nguyen: Unit) -> Source:
    return make_source(thai_nguyen, "mot-cua")


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
