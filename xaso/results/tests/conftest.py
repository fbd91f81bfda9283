"""Results tests: four real Đắk Lắk communes (three xã of which two tie, one phường)
published over two years, and people of every role."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from xaso.accounts.models import User
from xaso.accounts.tests.factories import make_user
from xaso.assessments.tests.conftest import sign_in
from xaso.results import queries
from xaso.results.tests.factories import Published, publish_years
from xaso.units.models import Generation, Level, Unit


@pytest.fixture(autouse=True)
def _isolated(settings: Any, tmp_path: Path) -> Iterator[None]:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Test databases reuse primary keys after a rollback: never serve another test's table.
    queries.clear_cache()
    yield
    queries.clear_cache()


@pytest.fixture
def communes(dak_lak: Unit, hoa_phu: Unit) -> list[Unit]:
    base = Unit.objects.filter(
        generation=Generation.CURRENT, level=Level.COMMUNE, province=dak_lak
    ).exclude(pk=hoa_phu.pk)
    xa = list(base.filter(unit_type="xa").order_by("code")[:2])
    phuong = list(base.filter(unit_type="phuong").order_by("code")[:1])
    return sorted([hoa_phu, *xa, *phuong], key=lambda u: u.code)


@pytest.fixture
def admin(dak_lak: Unit) -> User:
    return make_user(role="province_admin", units=[dak_lak], username="admin.kq")


@pytest.fixture
def leader(dak_lak: Unit) -> User:
    return make_user(role="leader", units=[dak_lak], username="lanhdao.kq")


@pytest.fixture
def published(dak_lak: Unit, communes: list[Unit], admin: User) -> Published:
    officer = make_user(role="commune_officer", units=communes, username="canbo.kq")
    verifier = make_user(role="verifier", units=[dak_lak], username="thamdinh.kq")
    # In code order; the last two share a level in 2025, so they tie.
    return publish_years(
        dak_lak, communes, [0.3, 0.9, 0.6, 0.5], [0.8, 0.4, 0.7, 0.7],
        officer=officer, verifier=verifier, admin=admin,
    )  # fmt: skip


@pytest.fixture
def client() -> Client:
    return Client()


@pytest.fixture
def signed(admin: User) -> Client:
    return sign_in(Client(), admin)
