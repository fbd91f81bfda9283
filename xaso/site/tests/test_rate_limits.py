"""Rate limits on sign-in and on every public form.

The public POST endpoints are enumerated from the URL resolver (every view that is not
an official's page, answered with something other than 405 to an anonymous POST) and
must be exactly the reviewed list below, each with the limit that protects it or why it
needs none. Then each limit is proved: after the configured number of attempts the next
one gets the Vietnamese rate-limit message (HTTP 429) and creates nothing more.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from xaso.accounts.tests.factories import PASSWORD, make_user
from xaso.citizens import actions
from xaso.citizens.intake import form_stamp
from xaso.citizens.models import Case, CaseEvent, Contact, EventKind, State
from xaso.core.models import AuditEntry
from xaso.core.testing.resolver import routes
from xaso.units.models import Unit

LOGIN_LOCKED = "Tạm khoá đăng nhập"
TOO_MANY_REPORTS = "nhiều phản ánh trong một giờ"
TOO_MANY_SUBSCRIPTIONS = "đăng ký nhận tin nhiều lần trong một giờ"
TOO_MANY_RATINGS = "đánh giá nhiều lần trong một giờ"

# Every public endpoint that takes a POST, and what limits it.
PUBLIC_POST = {
    "accounts:login": "django-axes: 5 failures per (username, IP), 1 hour",
    "accounts:logout": "ends the caller's own session only",
    "admin:logout": "ends the caller's own session only (the admin's login is ours)",
    "set_language": "sets the caller's language cookie only",
    "citizens:report": "intake throttle: 5 reports per phone and 10 per IP an hour, honeypot",
    "citizens:track": "secret tracking link; ratings 3 an hour, reopening bounded by state",
    "citizens:subscribe": "3 subscriptions per phone and 20 per IP an hour, honeypot",
    "citizens:sms_inbound": "signed webhook (HMAC); the intake throttle per phone",
    "citizens:sms_report": "signed webhook (HMAC), delivery reports only",
    "citizens:zalo_webhook": "signed webhook (Zalo mac); the intake throttle per Zalo user",
    "open311:requests": "API key; the intake throttle per phone and per IP",
}


def _accepts_anonymous_post(route: Any, client: Client) -> bool:
    if getattr(route.callback, "xaso_official", False) or route.name.startswith("api:"):
        return False
    response = client.post(route.url, {})
    if response.status_code == 405:
        return False
    location = response.get("Location", "")
    # The admin's own pages send strangers to its login; 404 to a sample that is absent.
    return not ("/login/" in location or "dang-nhap" in location)


# Public pages without a method restriction: a POST is served like a GET and writes
# nothing (checked below). A new one must be added here, or to PUBLIC_POST with its limit.
READS_ON_POST = {
    "site:home", "site:healthz", "site:readyz", "site:metrics",
    "units:provinces", "units:search", "units:groups", "units:group", "units:by_code",
    "units:detail",
    "citizens:lookup", "citizens:board", "citizens:board_rss", "citizens:board_atom",
    "citizens:report_month", "citizens:report_month_pdf", "citizens:announcements",
    "citizens:announcements_rss", "citizens:announcement", "citizens:clip",
    "open311:discovery", "open311:services", "open311:service", "open311:request",
    "open311:token",
}  # fmt: skip


def test_public_post_endpoints_are_the_reviewed_ones(db: None) -> None:
    client = Client(raise_request_exception=False)
    found, writes = set(), {}
    for route in routes():
        with CaptureQueriesContext(connection) as queries:
            takes_post = _accepts_anonymous_post(route, client)
        if takes_post:
            found.add(route.name)
            writes[route.name] = [q["sql"] for q in queries.captured_queries
                                  if q["sql"].lstrip().upper().startswith(WRITES)]  # fmt: skip
    new = found - set(PUBLIC_POST) - READS_ON_POST
    assert not new, f"New public endpoints taking POST, review their rate limit: {sorted(new)}"
    # The track page needs a real token to be reached; the rest answered the sample.
    assert set(PUBLIC_POST) - found <= {"citizens:track"}, sorted(set(PUBLIC_POST) - found)
    wrote = {name: sql for name, sql in writes.items() if name in READS_ON_POST and sql}
    assert not wrote, f"A page said to only read wrote to the database on POST: {wrote}"
    print(f"\npublic POST endpoints: {len(found & set(PUBLIC_POST))} with a reviewed limit, "
          f"{len(found & READS_ON_POST)} serve POST as GET and write nothing")  # fmt: skip


WRITES = ("INSERT", "UPDATE", "DELETE")


# --- sign-in ------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _settings(settings: Any) -> None:
    settings.AXES_ENABLED = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    actions.forget_caches()


def test_sign_in_locks_after_the_configured_failures(hoa_phu: Unit, settings: Any) -> None:
    make_user(role="commune_officer", units=[hoa_phu], username="canbo.rl")
    url, client, field = reverse("accounts:login"), Client(REMOTE_ADDR="203.0.113.50"), "username"
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post(url, {field: "canbo.rl", "password": "sai-mat-khau"})
        assert response.status_code == 200
    locked = client.post(url, {field: "canbo.rl", "password": "sai-mat-khau"})
    assert locked.status_code == 429 and LOGIN_LOCKED in locked.content.decode()
    # The right password now changes nothing either: no session is opened.
    again = client.post(url, {field: "canbo.rl", "password": PASSWORD})
    assert again.status_code == 429 and "_auth_user_id" not in client.session


# --- the public report form ---------------------------------------------------------------


def report(unit: Unit, phone: str, n: int) -> dict[str, str]:
    return {
        "body": f"Cống thoát nước ở thôn bị tắc lần thứ {n}, nước tràn vào nhà dân.",
        "phone": phone,
        "name": "Trần Thị Bình",
        "stamp": form_stamp(timezone.now() - dt.timedelta(seconds=30)),
        "legal_class": "field",
    }


def test_report_form_limits_each_phone(hoa_phu: Unit) -> None:
    url = reverse("citizens:report", args=[hoa_phu.code])
    for n in range(actions.PHONE_LIMIT_PER_HOUR):
        client = Client(REMOTE_ADDR=f"198.51.100.{n + 1}")
        assert client.post(url, report(hoa_phu, "0912000301", n)).status_code == 302
    refused = Client(REMOTE_ADDR="198.51.100.99").post(url, report(hoa_phu, "0912000301", 9))
    assert refused.status_code == 429 and TOO_MANY_REPORTS in refused.content.decode()
    assert Case.objects.count() == actions.PHONE_LIMIT_PER_HOUR


def test_report_form_limits_each_address(hoa_phu: Unit) -> None:
    url = reverse("citizens:report", args=[hoa_phu.code])
    client = Client(REMOTE_ADDR="203.0.113.77")
    for n in range(actions.IP_LIMIT_PER_HOUR):
        assert client.post(url, report(hoa_phu, f"09120004{n:02d}", n)).status_code == 302
    refused = client.post(url, report(hoa_phu, "0912000499", 99))
    assert refused.status_code == 429 and TOO_MANY_REPORTS in refused.content.decode()
    assert Case.objects.count() == actions.IP_LIMIT_PER_HOUR


# --- subscribing to announcements -----------------------------------------------------------


def subscription(phone: str) -> dict[str, str]:
    return {
        "name": "Lê Văn Cường",
        "phone": phone,
        "consent": "on",
        "topics": "nong-nghiep",
        "stamp": form_stamp(timezone.now() - dt.timedelta(seconds=30)),
    }


def test_subscribe_form_limits_each_phone(hoa_phu: Unit) -> None:
    url = reverse("citizens:subscribe", args=[hoa_phu.code])
    for n in range(actions.SUBSCRIBE_PHONE_LIMIT_PER_HOUR):
        client = Client(REMOTE_ADDR=f"198.51.100.{n + 1}")
        assert client.post(url, subscription("0912000501")).status_code == 200
    audit = AuditEntry.objects.count()
    refused = Client(REMOTE_ADDR="198.51.100.99").post(url, subscription("0912000501"))
    assert refused.status_code == 429 and TOO_MANY_SUBSCRIPTIONS in refused.content.decode()
    assert Contact.objects.count() == 1 and AuditEntry.objects.count() == audit


def test_subscribe_form_limits_each_address(hoa_phu: Unit) -> None:
    url = reverse("citizens:subscribe", args=[hoa_phu.code])
    client = Client(REMOTE_ADDR="203.0.113.88")
    for n in range(actions.SUBSCRIBE_IP_LIMIT_PER_HOUR):
        assert client.post(url, subscription(f"09120006{n:02d}")).status_code == 200
    refused = client.post(url, subscription("0912000699"))
    assert refused.status_code == 429 and TOO_MANY_SUBSCRIPTIONS in refused.content.decode()
    assert Contact.objects.count() == actions.SUBSCRIBE_IP_LIMIT_PER_HOUR


# --- the tracking link ------------------------------------------------------------------------


def test_rating_through_the_tracking_link_is_limited(hoa_phu: Unit) -> None:
    from xaso.citizens.intake import IntakeRecord

    record = IntakeRecord(channel="counter", unit_id=hoa_phu.pk, phone="0912000701",
                          body="Đèn đường ở ngã ba thôn 2 không sáng đã một tuần.")  # fmt: skip
    case = actions.do_receive_case(record, actor=None).case
    officer = make_user(role="commune_officer", units=[hoa_phu])
    actions.do_accept_case(case=case, actor=officer)
    actions.do_answer_case(case=Case.objects.get(pk=case.pk), answer="Đã thay bóng đèn.",
                           actor=officer)  # fmt: skip
    assert Case.objects.get(pk=case.pk).state == State.ANSWERED
    url = reverse("citizens:track", args=[case.token])
    client = Client(REMOTE_ADDR="198.51.100.20")
    for rating in range(1, actions.RATING_LIMIT_PER_HOUR + 1):
        assert client.post(url, {"op": "rate", "rating": str(rating)}).status_code == 302
    refused = client.post(url, {"op": "rate", "rating": "5"})
    assert refused.status_code == 429 and TOO_MANY_RATINGS in refused.content.decode()
    ratings = CaseEvent.objects.filter(case=case, kind=EventKind.RATING)
    assert ratings.count() == actions.RATING_LIMIT_PER_HOUR
    assert Case.objects.get(pk=case.pk).rating == actions.RATING_LIMIT_PER_HOUR


# --- Open311 ------------------------------------------------------------------------------------


def test_open311_posts_are_limited_per_phone(hoa_phu: Unit, dak_lak: Unit) -> None:
    actions.do_save_category(unit=dak_lak, code="giao-thong", name="Giao thông", actor=None)
    key = actions.do_create_api_key(unit=dak_lak, name="Ứng dụng thử", actor=None)[1]
    url = reverse("open311:requests", args=["json"])

    def post(n: int) -> Any:
        return Client(REMOTE_ADDR=f"198.51.100.{n + 1}").post(url, {
            "api_key": key, "jurisdiction_id": hoa_phu.code, "service_code": "giao-thong",
            "lat": "12.6", "long": "108.0", "phone": "0912000801",
            "description": f"Ổ gà lớn giữa đường thôn {n}, xe máy đã ngã nhiều lần.",
        })  # fmt: skip

    for n in range(actions.PHONE_LIMIT_PER_HOUR):
        assert post(n).status_code == 201
    refused = post(99)
    assert refused.status_code == 429
    assert TOO_MANY_REPORTS in refused.json()[0]["description"]
    assert Case.objects.count() == actions.PHONE_LIMIT_PER_HOUR
