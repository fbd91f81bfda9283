"""The second factor: enrolment, sign-in, and that a password-only session of a privileged
person reaches none of the pages that need a signed-in person — checked on every URL the
resolver knows, so a page added tomorrow without the gate fails here."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from xaso.accounts.models import User
from xaso.accounts.tests.conftest import sign_in
from xaso.accounts.tests.factories import PASSWORD, confirmed_device, current_token, make_user
from xaso.units.models import Unit

pytestmark = pytest.mark.django_db

OTP_PATHS = (reverse("accounts:otp_setup"), reverse("accounts:otp_verify"))
# The way in and out, which a password-only session must reach to finish signing in.
SIGN_IN_PAGES = {"accounts:login", "accounts:logout", "accounts:otp_setup", "accounts:otp_verify"}
SAMPLE = {"int": "1", "slug": "thu", "str": "thu", "path": "thu", "uuid": "0" * 32}


def _paths(resolvers: list[Any], prefix: str = "", ns: str = "") -> Iterator[tuple[str, str]]:
    for p in resolvers:
        route = str(p.pattern)
        if isinstance(p, URLResolver):
            inner_ns = f"{ns}{p.namespace}:" if p.namespace else ns
            yield from _paths(p.url_patterns, prefix + route, inner_ns)
        elif isinstance(p, URLPattern):
            yield prefix + route, f"{ns}{p.name or ''}"


def concrete(route: str) -> str:
    """A request path for a route, typed converters and regex groups filled with samples."""
    # Regex groups first: "(?P<app_label>auth|axes)" → "auth"; anything else → a sample.
    path = re.sub(
        r"\(\?P<\w+>([^()]*)\)",
        lambda m: m.group(1).split("|")[0] if re.fullmatch(r"[\w|]+", m.group(1)) else "thu",
        route,
    )
    path = re.sub(r"<(?:(\w+):)?\w+>", lambda m: SAMPLE.get(m.group(1) or "str", "thu"), path)
    path = path.replace("^", "").replace("$", "").replace("\\", "")
    return "/" + path


def all_urls() -> list[tuple[str, str]]:
    return sorted(set(_paths(get_resolver().url_patterns)))


def needs_sign_in(response: Any) -> bool:
    if response.status_code in (401, 403):
        return True
    location = response.get("Location", "")
    return response.status_code in (301, 302) and (
        reverse("accounts:login") in location or "/login/" in location
    )


def refused_for_second_factor(response: Any) -> bool:
    """Followed to the end (Django's admin goes through its own login page first)."""
    if response.status_code in (401, 403):
        return True
    return any(url.startswith(OTP_PATHS) for url, _ in response.redirect_chain)


def test_the_resolver_walk_sees_the_pages_it_must(admin_dl: User) -> None:
    names = {name for _, name in all_urls()}
    assert {"accounts:users", "accounts:audit", "accounts:user_import", "admin:index"} <= names


@pytest.mark.parametrize("superuser", [False, True], ids=["province-admin", "superuser"])
def test_no_protected_url_answers_a_password_only_privileged_session(
    superuser: bool, dak_lak: Unit
) -> None:
    person = make_user(role="province_admin", units=[dak_lak], superuser=superuser)
    anonymous, password_only = Client(), sign_in(Client(), person, verified=False)
    checked, gaps = 0, []
    for route, name in all_urls():
        if name in SIGN_IN_PAGES:
            continue
        path = concrete(route)
        for method in ("get", "post"):
            if not needs_sign_in(getattr(anonymous, method)(path)):
                continue  # a public page: a password-only session may see what anyone sees
            checked += 1
            response = getattr(password_only, method)(path, follow=True)
            if not refused_for_second_factor(response):
                gaps.append(f"{method.upper()} {path} ({name}) → {response.status_code}")
    assert not gaps, gaps
    assert checked >= 20  # the walk really reached the protected pages


def test_the_same_session_passes_once_verified(admin_dl: User) -> None:
    client = sign_in(Client(), admin_dl, verified=False)
    assert client.get(reverse("accounts:users")).status_code == 302
    device = confirmed_device(admin_dl)
    response = client.post(
        reverse("accounts:otp_verify") + "?next=/tai-khoan/nguoi-dung/",
        {"token": current_token(device)},
    )
    assert response.status_code == 302 and response["Location"] == "/tai-khoan/nguoi-dung/"
    assert client.get(reverse("accounts:users")).status_code == 200


def test_password_login_sends_a_privileged_person_to_enrol_then_in(admin_dl: User) -> None:
    client = Client()
    response = client.post(
        reverse("accounts:login"),
        {"username": "admin.dl", "password": PASSWORD, "next": "/tai-khoan/nhat-ky/"},
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:otp_setup"))
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200 and 'src="data:image/svg+xml' in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)  # the CSP allows no inline script
    device = TOTPDevice.objects.get(user=admin_dl, confirmed=False)
    wrong = "000000" if current_token(device) != "000000" else "111111"
    response = client.post(response["Location"], {"token": wrong})
    assert "Mã không đúng" in response.content.decode()
    # The failure throttles the device for a second; clear it rather than sleep.
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_count=0, throttling_failure_timestamp=None
    )
    device.refresh_from_db()
    response = client.post(
        reverse("accounts:otp_setup") + "?next=/tai-khoan/nhat-ky/",
        {"token": current_token(device)},
    )
    assert response.status_code == 302 and response["Location"] == "/tai-khoan/nhat-ky/"
    assert client.get("/tai-khoan/nhat-ky/").status_code == 200


def test_an_enrolled_person_is_asked_for_the_code(admin_dl: User) -> None:
    confirmed_device(admin_dl)
    client = Client()
    response = client.post(
        reverse("accounts:login"), {"username": "admin.dl", "password": PASSWORD}
    )
    assert response["Location"].startswith(reverse("accounts:otp_verify"))
    response = client.post(response["Location"], {"token": "000000"})
    assert "Mã không đúng" in response.content.decode()
    assert client.get(reverse("accounts:users")).status_code == 302


def test_unprivileged_officials_need_no_second_factor(officer_hp: User) -> None:
    client = Client()
    response = client.post(
        reverse("accounts:login"), {"username": "canbo.hp", "password": PASSWORD}
    )
    assert response["Location"] == reverse("site:home")
    assert client.get(reverse("accounts:me")).status_code == 200


def test_the_demo_data_directory_may_switch_2fa_off(admin_dl: User, settings: Any) -> None:
    settings.XASO_REQUIRE_2FA = False
    client = sign_in(Client(), admin_dl, verified=False)
    assert client.get(reverse("accounts:users")).status_code == 200
