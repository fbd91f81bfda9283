"""CSRF on every state-changing view, enumerated from the URL resolver.

Every URL pattern of the site (our apps, the Django admin, i18n, the ninja API) is given
sample arguments and sent POST, PUT, PATCH and DELETE by a signed-in province
administrator (second factor passed) without a CSRF token, through a client that
enforces CSRF like a browser would. A page must answer 403 from the CSRF check itself
(a test failure view marks its responses), whatever the view would otherwise do.

The views that are exempt from Django's CSRF check must be exactly those of the
reviewed allow-list below, each with its reason: a new ``@csrf_exempt`` fails this test
until it is reviewed and listed. The exempt views are then posted to the same way and
must refuse (4xx) without changing anything: webhooks want a signature, Open311 an API
key, ninja's session-authenticated operations check CSRF themselves (403), and its
token-authenticated ones want the token (401).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import resolve

from xaso.accounts.tests.conftest import sign_in
from xaso.accounts.tests.factories import make_user
from xaso.citizens.models import Case, Contact
from xaso.citizens.tests import factories as citizen_factories
from xaso.core.models import AuditEntry
from xaso.core.testing.resolver import routes
from xaso.units.models import Unit

METHODS = ("post", "put", "patch", "delete")
FAILURE_VIEW = "xaso.site.tests.test_csrf.csrf_rejected"
MARK = "X-Test-Csrf-Rejected"

# Reviewed exemptions from Django's CSRF middleware: URL name → why it is safe.
EXEMPT = {
    "citizens:sms_inbound": "SMS gateway webhook: no cookie, HMAC-SHA256 signature of "
    "timestamp + body (X-Xaso-Signature) checked before anything is read",
    "citizens:sms_report": "SMS delivery-report webhook: same HMAC signature as sms_inbound",
    "citizens:zalo_webhook": "Zalo OA webhook: no cookie, X-ZEvent-Signature mac checked",
    "open311:requests": "Open311 GeoReport v2 POST requests: authenticated by api_key in "
    "the body (no cookie); GET is public",
}
# django-ninja marks every API view exempt and checks CSRF itself for cookie auth.
API_EXEMPT_REASON = (
    "django-ninja: OfficialSession (cookie) operations check CSRF inside ninja (403 "
    "below); SourceToken operations are authenticated by a bearer token, not a cookie"
)


def csrf_rejected(request: HttpRequest, reason: str = "") -> HttpResponse:
    response = HttpResponse("CSRF", status=403)
    response[MARK] = reason or "rejected"
    return response


ROUTES = list(routes())


def _exempt(callback: Any) -> bool:
    return bool(getattr(callback, "csrf_exempt", False))


def test_the_resolver_is_walked_whole() -> None:
    """Every sample URL resolves to the view it was built for, so none is skipped."""
    wrong = [(r.name, r.url) for r in ROUTES if resolve(r.url).func != r.callback]
    assert not wrong
    assert len(ROUTES) > 150
    names = {r.name for r in ROUTES}
    for expected in ("citizens:report", "assessments:evidence_upload", "accounts:logout",
                     "programs:create", "connectors:source_update", "set_language"):  # fmt: skip
        assert expected in names, expected


def test_csrf_exemptions_are_exactly_the_reviewed_ones() -> None:
    exempt = {r.name for r in ROUTES if _exempt(r.callback) and not r.name.startswith("api:")}
    assert exempt == set(EXEMPT), (
        "A view is exempt from CSRF without review (or a reviewed one is gone): "
        f"new {sorted(exempt - set(EXEMPT))}, missing {sorted(set(EXEMPT) - exempt)}"
    )
    api = [r.name for r in ROUTES if _exempt(r.callback) and r.name.startswith("api:")]
    assert len(api) >= 10, API_EXEMPT_REASON


@pytest.fixture
def admin_client(dak_lak: Unit, settings: Any) -> Client:
    settings.CSRF_FAILURE_VIEW = FAILURE_VIEW
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    admin = make_user(role="province_admin", units=[dak_lak], username="admin.csrf")
    client = sign_in(Client(enforce_csrf_checks=True), admin)
    client.get("/")  # a CSRF cookie, as a browser would hold, but no token in the request
    return client


def test_every_non_exempt_view_refuses_a_state_change_without_token(
    admin_client: Client,
) -> None:
    checked, failures = 0, []
    audit = AuditEntry.objects.count()
    for route in ROUTES:
        if _exempt(route.callback):
            continue
        for method in METHODS:
            response = getattr(admin_client, method)(route.url, {"x": "1"})
            checked += 1
            if response.status_code != 403 or MARK not in response:
                failures.append((route.name, method.upper(), response.status_code))
    print(f"\nCSRF: {checked} (view, method) pairs refused without a token across "
          f"{sum(not _exempt(r.callback) for r in ROUTES)} views; "
          f"{sum(_exempt(r.callback) for r in ROUTES)} exempt")  # fmt: skip
    assert not failures
    assert AuditEntry.objects.count() == audit


def test_exempt_views_refuse_without_their_own_credential(
    admin_client: Client, hoa_phu: Unit
) -> None:
    sms = citizen_factories.gateway(hoa_phu, name="sms-csrf", secret="bi-mat")
    zalo = citizen_factories.gateway(hoa_phu, kind="zalo", name="zalo-csrf", app_id="app-1")
    real = {"citizens:sms_inbound": f"/kenh/sms/{sms.name}/",
            "citizens:sms_report": f"/kenh/sms/{sms.name}/bao-cao/",
            "citizens:zalo_webhook": f"/kenh/zalo/{zalo.name}/"}  # fmt: skip
    body = {"message_id": "m1", "from": "0912000111", "text": "Đèn đường hỏng " * 3,
            "service_code": "x", "jurisdiction_id": hoa_phu.code, "description": "x" * 20,
            "app_id": "app-1", "event_name": "user_send_text"}  # fmt: skip
    audit, cases, contacts = AuditEntry.objects.count(), Case.objects.count(), Contact.objects
    contacts_before = contacts.count()
    failures, api_posts = [], 0
    for route in ROUTES:
        if not _exempt(route.callback):
            continue
        url = real.get(route.name, route.url)
        for method in METHODS:
            response = getattr(admin_client, method)(url, body)
            if response.status_code < 400:
                failures.append((route.name, method.upper(), response.status_code))
            if route.name.startswith("api:") and method == "post" and response.status_code != 405:
                api_posts += 1
                # Cookie-authenticated operations: ninja's own CSRF check; token ones: 401.
                assert response.status_code in (401, 403), (route.name, response.status_code)
                if response.status_code == 403:
                    assert b"CSRF" in response.content, (route.name, response.content)
    assert not failures
    assert api_posts >= 5  # the ninja write operations were reached and refused
    # Nothing changed: no case, no subscriber, no audited action (refused webhook calls
    # are kept as inbound messages, which is not an action).
    assert Case.objects.count() == cases and contacts.count() == contacts_before
    assert AuditEntry.objects.count() == audit


def test_the_csrf_check_is_what_refuses(admin_client: Client, hoa_phu: Unit) -> None:
    """The same request with the token is accepted: the 403s above are CSRF's."""
    token = admin_client.cookies["csrftoken"].value
    response = admin_client.post("/i18n/setlang/", {"language": "vi", "next": "/"},
                                 HTTP_X_CSRFTOKEN=token)  # fmt: skip
    assert response.status_code == 302
    assert admin_client.post("/i18n/setlang/", {"language": "vi"}).status_code == 403
