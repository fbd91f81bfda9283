"""Citizens tests: real units, officers of Hòa Phú and of Krông Năng, uploads kept in a
temporary folder, and — as in the accounts tests — no raw phone number in any log."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from xaso.accounts.models import User
from xaso.accounts.tests.conftest import raw_phones, sign_in
from xaso.accounts.tests.factories import make_user
from xaso.citizens import actions
from xaso.citizens.models import Category, Village
from xaso.units.models import Generation, Unit


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_caches() -> Iterator[None]:
    """The intake's per-process caches would otherwise outlive each test's rolled-back
    database."""
    actions.forget_caches()
    yield
    actions.forget_caches()


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
def officer(hoa_phu: Unit) -> User:
    return make_user(
        role="commune_officer", units=[hoa_phu], username="canbo.hp", phone="0900111222"
    )


@pytest.fixture
def colleague(hoa_phu: Unit) -> User:
    return make_user(role="commune_officer", units=[hoa_phu], username="canbo2.hp")


@pytest.fixture
def outsider(krong_nang: Unit) -> User:
    return make_user(role="commune_officer", units=[krong_nang], username="canbo.kn")


@pytest.fixture
def villages(hoa_phu: Unit) -> dict[str, Village]:
    return {
        name: actions.do_save_village(unit=hoa_phu, name=name, population=800, actor=None)
        for name in ("Thôn 1", "Thôn 3", "Buôn Ea Tu")
    }


@pytest.fixture
def roads(dak_lak: Unit) -> Category:
    return actions.do_save_category(unit=dak_lak, code="giao-thong", name="Giao thông", actor=None)


@pytest.fixture
def client_for() -> Any:
    def make(user: User) -> Client:
        return sign_in(Client(), user)

    return make
