"""Sign-in security: Argon2, lockout per (username, IP), idle timeout, one-time passwords,
disabled accounts."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from xaso.accounts import actions
from xaso.accounts.models import User
from xaso.accounts.tests.conftest import sign_in
from xaso.accounts.tests.factories import PASSWORD, make_user
from xaso.units.models import Unit

pytestmark = pytest.mark.django_db
LOGIN = reverse("accounts:login")


def test_production_hashes_passwords_with_argon2(settings: Any, dak_lak: Unit) -> None:
    from xaso import settings as project_settings

    assert project_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    user = make_user(province=dak_lak)
    assert user.password.startswith("argon2")


def test_five_failures_lock_that_username_from_that_address(officer_hp: User) -> None:
    client = Client(REMOTE_ADDR="203.0.113.5")
    for _ in range(4):
        response = client.post(LOGIN, {"username": "canbo.hp", "password": "sai-mat-khau"})
        assert response.status_code == 200
    response = client.post(LOGIN, {"username": "canbo.hp", "password": "sai-mat-khau"})
    assert response.status_code == 429
    assert "Tạm khoá đăng nhập" in response.content.decode()
    # Locked even with the right password now…
    response = client.post(LOGIN, {"username": "canbo.hp", "password": PASSWORD})
    assert response.status_code == 429 and "_auth_user_id" not in client.session
    # …but only for that pair: the same person from another address still gets in.
    other = Client(REMOTE_ADDR="198.51.100.7")
    response = other.post(LOGIN, {"username": "canbo.hp", "password": PASSWORD})
    assert response.status_code == 302


def test_an_admin_password_reset_lifts_the_lockout(admin_dl: User, officer_hp: User) -> None:
    client = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(5):
        client.post(LOGIN, {"username": "canbo.hp", "password": "sai"})
    password = actions.do_reset_password(user=officer_hp, actor=admin_dl)
    response = client.post(LOGIN, {"username": "canbo.hp", "password": password})
    assert response.status_code == 302


def test_officials_are_signed_out_after_30_idle_minutes(officer_hp: User) -> None:
    client = sign_in(Client(), officer_hp)
    assert client.get(reverse("accounts:me")).status_code == 200
    session = client.session
    session["xaso_last_seen"] = time.time() - 31 * 60
    session.save()
    response = client.get(reverse("accounts:me"))
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    page = client.get(LOGIN)
    assert "30 phút không hoạt động" in page.content.decode()


def test_activity_keeps_an_official_signed_in(officer_hp: User) -> None:
    client = sign_in(Client(), officer_hp)
    session = client.session
    session["xaso_last_seen"] = time.time() - 29 * 60
    session.save()
    assert client.get(reverse("accounts:me")).status_code == 200


def test_citizens_have_no_idle_timeout(hoa_phu: Unit) -> None:
    citizen = make_user(role="citizen", units=[hoa_phu])
    client = sign_in(Client(), citizen)
    session = client.session
    session["xaso_last_seen"] = time.time() - 5 * 3600
    session.save()
    assert client.get(reverse("accounts:me")).status_code == 200


def test_a_one_time_password_must_be_changed_before_anything_else(
    admin_dl: User, officer_hp: User
) -> None:
    password = actions.do_reset_password(user=officer_hp, actor=admin_dl)
    client = Client()
    client.post(LOGIN, {"username": "canbo.hp", "password": password})
    response = client.get(reverse("accounts:me"))
    assert response.status_code == 302 and response["Location"] == reverse(
        "accounts:password_change"
    )
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": password,
            "new_password1": "cay-xoai-nha-toi-2025",
            "new_password2": "cay-xoai-nha-toi-2025",
        },
    )
    assert response.status_code == 302
    assert client.get(reverse("accounts:me")).status_code == 200


def test_disabling_signs_the_person_out_at_once(admin_dl: User, officer_hp: User) -> None:
    client = sign_in(Client(), officer_hp)
    assert client.get(reverse("accounts:me")).status_code == 200
    actions.do_disable_user(user=officer_hp, actor=admin_dl)
    response = client.get(reverse("accounts:me"))
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    response = Client().post(LOGIN, {"username": "canbo.hp", "password": PASSWORD})
    assert response.status_code == 200  # the form again, with its error
