"""Accounts tests run as production does (2FA on, whatever the data directory says),
and no test may leave a raw phone number in the captured logs."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY

from xaso.accounts.models import User
from xaso.accounts.tests.factories import confirmed_device, make_user
from xaso.accounts.tests.tally import MATRIX
from xaso.units.models import Generation, Unit


@pytest.fixture(autouse=True)
def _production_security(settings: Any) -> None:
    settings.XASO_REQUIRE_2FA = True
    settings.AXES_ENABLED = True
    # Argon2 is deliberately slow; test_login checks production hashes with it.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# Stricter than the log scrubber: any grouping (0912 345 678, 091 234 5678, +84…), since
# what is checked here is that nothing reaches a log line in the first place.
RAW_PHONE = re.compile(r"(?<!\w)(?:\+84|84|0)(?:[\s.-]?\d){8,10}(?!\w)")


def raw_phones(records: list[logging.LogRecord]) -> list[str]:
    found = []
    for record in records:
        text = record.getMessage()
        if record.exc_text:
            text += record.exc_text
        found += [m.group(0) for m in RAW_PHONE.finditer(text)]
    return found


@pytest.fixture(autouse=True)
def _no_raw_phone_in_logs(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Every accounts test doubles as a check that personal data stays out of the logs."""
    caplog.set_level(logging.DEBUG)
    yield
    records = caplog.get_records("setup") + caplog.get_records("call")
    leaked = raw_phones(records)
    assert not leaked, f"Raw phone numbers in the logs: {leaked}"


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if MATRIX["pairs"]:
        terminalreporter.write_line(
            f"Access matrix: {MATRIX['pairs']} (role, model, action, object) pairs checked, "
            f"{MATRIX['leaks']} leaks."
        )


@pytest.fixture
def krong_nang(db: None) -> Unit:
    """Xã Krông Năng, Đắk Lắk (current, 24343): successor of the pilot Phú Lộc."""
    return Unit.objects.select_related("province").get(generation=Generation.CURRENT, code="24343")


@pytest.fixture
def admin_dl(dak_lak: Unit) -> User:
    return make_user(role="province_admin", units=[dak_lak], username="admin.dl")


@pytest.fixture
def admin_tn(thai_nguyen: Unit) -> User:
    return make_user(role="province_admin", units=[thai_nguyen], username="admin.tn")


@pytest.fixture
def officer_hp(hoa_phu: Unit) -> User:
    return make_user(role="commune_officer", units=[hoa_phu], username="canbo.hp")


def sign_in(client: Client, user: User, *, verified: bool = True) -> Client:
    """Signs in without the login form; ``verified`` also passes the second factor."""
    client.force_login(user)
    if verified:
        device = confirmed_device(user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


@pytest.fixture
def signed_in(client: Client) -> Callable[..., Client]:
    def _sign_in(user: User, *, verified: bool = True) -> Client:
        return sign_in(client, user, verified=verified)

    return _sign_in
