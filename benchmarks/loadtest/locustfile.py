"""Deadline day, as locust users (run by ``benchmarks/loadtest/run.py``; 127.0.0.1 only).

Mix (weights, think time between actions): commune officers saving the assessment form
and attaching evidence (30, 5–15 s: reading a criterion, finding the figure, typing it),
verifiers working their queue (5, 10–30 s: a submission has 34 criteria and their
evidence), the public reading rankings, scorecards and the JSON API (50, 2–8 s), residents
sending feedback by the web form and by Open311 (15, 20–60 s, plus 3.5–8 s on the form).
300 users make about 34 requests/s; the step load finds what the machine can take.

Every user is its own person, as the production profile sees people behind nginx
(``XASO_PROXY_COUNT=1``): its own ``X-Forwarded-For`` address, its own account (commune
officers ``canbo.<code>``, verifiers ``thamdinh.NN`` with their TOTP device), its own phone
numbers. Nothing is switched off: django-axes, the second factor, CSRF, the intake's
limits per phone and per address all run as in production.

Inputs (environment): ``XASO_LOAD_FIXTURES`` — the JSON ``run.py`` writes (accounts,
TOTP keys, ids); ``XASO_LOAD_RECORDS`` — where to append one line per request
(``time group status ms failed name``, tab-separated); ``XASO_LOAD_STEPS`` — a step-load shape
``seconds:users,seconds:users,…`` (without it, the command line's -u/-r/-t apply).

Request names start with their group, ``json`` (API, Open311), ``page`` (HTML, HTMX
partials, form posts) or ``auth`` (sign-in and second factor: an Argon2 hash each, by
design), so ``run.py`` reports percentiles per group.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import os
import random
import re
import struct
import threading
import time
from http.cookiejar import DefaultCookiePolicy
from typing import Any

from locust import LoadTestShape, between, events, task
from locust.contrib.fasthttp import FastHttpUser

FIXTURES: dict[str, Any] = {}
if os.environ.get("XASO_LOAD_FIXTURES"):
    with open(os.environ["XASO_LOAD_FIXTURES"], encoding="utf-8") as fh:
        FIXTURES = json.load(fh)

_records_lock = threading.Lock()
_records = open(os.environ.get("XASO_LOAD_RECORDS", os.devnull), "a", encoding="utf-8")  # noqa: SIM115
_people = itertools.count()
_officers = itertools.count()  # each officer its own commune, each verifier its own account
_verifiers = itertools.count()
_addresses = itertools.count(1)
_STAMP = re.compile(r'name="stamp" value="([^"]+)"')
_SUBMITTED = re.compile(r"/danh-gia/ho-so/(\d+)/")
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n"
)


@events.request.add_listener
def _record(
    request_type: str, name: str, response_time: float, response: Any = None,
    exception: Any = None, **kwargs: Any,
) -> None:  # fmt: skip
    status = getattr(response, "status_code", 0) or 0
    group = name.split(" ", 1)[0]
    failed = int(exception is not None)
    line = f"{time.time():.3f}\t{group}\t{status}\t{response_time:.1f}\t{failed}\t{name}\n"
    with _records_lock:
        _records.write(line)


@events.quitting.add_listener
def _flush(**kwargs: Any) -> None:
    _records.flush()


class BehindTheProxy(DefaultCookiePolicy):
    """Locust talks plain HTTP to gunicorn, as nginx does after TLS; the browser's Secure
    cookies (session, CSRF) must still go back."""

    def return_ok_secure(self, cookie: Any, request: Any) -> bool:
        return True


def _address() -> str:
    n = next(_addresses)
    return f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"


def totp(key_hex: str, at: float | None = None) -> str:
    """RFC 6238 as django-otp's TOTPDevice checks it: SHA-1, 30 s steps, 6 digits."""
    counter = int((time.time() if at is None else at) // 30)
    mac = hmac.new(bytes.fromhex(key_hex), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    code = (struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000
    return f"{code:06d}"


class Person(FastHttpUser):
    abstract = True

    def on_start(self) -> None:
        self.n = next(_people)
        self.client.cookiejar.set_policy(BehindTheProxy())
        self.address = _address()
        self.origin = "https://" + self.host.split("://", 1)[1]

    def headers(self, path: str = "/", **extra: str) -> dict[str, str]:
        # The proxy's headers (HTTPS, the client's address); Django's CSRF check on HTTPS
        # wants a Referer of the same origin.
        out = {
            "X-Forwarded-For": self.address,
            "X-Forwarded-Proto": "https",
            "Referer": self.origin + path,
            "Accept-Language": "vi",
        }
        out.update(extra)
        return out

    def csrf(self) -> str:
        for cookie in self.client.cookiejar:
            if cookie.name == "csrftoken":
                return str(cookie.value)
        return ""

    def get(self, group: str, path: str, name: str, **kwargs: Any) -> Any:
        return self.client.get(path, name=f"{group} GET {name}", headers=self.headers(path),
                               **kwargs)  # fmt: skip

    def post(self, group: str, path: str, name: str, data: Any, **kwargs: Any) -> Any:
        headers = self.headers(path, **kwargs.pop("headers", {}))
        return self.client.post(path, name=f"{group} POST {name}", data=data, headers=headers,
                                **kwargs)  # fmt: skip

    def sign_in(self, username: str, totp_key: str = "") -> bool:
        path = "/tai-khoan/dang-nhap/"
        self.get("auth", path, path)
        data = {"username": username, "password": FIXTURES["password"],
                "csrfmiddlewaretoken": self.csrf()}  # fmt: skip
        with self.post("auth", path, path, data, catch_response=True) as r:
            if 'name="password"' in (r.text or ""):  # the form again: refused
                r.failure(f"sign-in refused for {username}")
                return False
        if not totp_key:
            return True
        path = "/tai-khoan/xac-thuc-hai-lop/"
        for attempt in range(2):
            data = {"token": totp(totp_key), "csrfmiddlewaretoken": self.csrf()}
            with self.post("auth", path, path, data, catch_response=True) as r:
                if 'name="token"' not in (r.text or ""):
                    return True
                # A code is good once per 30 s step (django-otp): another person on this
                # account used it; wait for the next step.
                if attempt == 0:
                    r.success()
                else:
                    r.failure("second factor refused")
            time.sleep(31 - time.time() % 30)
        return False


class CommuneOfficer(Person):
    """Finishing the commune's form on the last day: fill, attach, check, submit."""

    weight = 30
    wait_time = between(20, 60)

    def on_start(self) -> None:
        super().on_start()
        officers = FIXTURES["officers"]
        me = officers[next(_officers) % len(officers)]
        self.submission = me["submission"]
        self.signed_in = self.sign_in(me["username"])

    def _value(self) -> tuple[dict[str, str], str]:
        leaf = random.choice(FIXTURES["criteria"])
        code, kind = leaf["code"], leaf["kind"]
        if kind == "ratio":
            den = random.choice([8, 10, 12, 20])
            values = {f"v_{code}": str(random.randint(0, den)), f"d_{code}": str(den)}
        elif kind == "choice":
            values = {f"v_{code}": random.choice(leaf["options"])}
        elif kind == "boolean":
            values = {f"v_{code}": random.choice(["có", "không"])}
        elif kind == "count":
            values = {f"v_{code}": str(random.randint(0, 6))}
        else:
            values = {f"v_{code}": f"{random.uniform(5, 95):.1f}".replace(".", ",")}
        return values, code

    @task(4)
    def open_form(self) -> None:
        if self.signed_in:
            self.get("page", f"/danh-gia/ho-so/{self.submission}/", "/danh-gia/ho-so/[id]/")

    @task(8)
    def save_one_criterion(self) -> None:
        if not self.signed_in:
            return
        values, code = self._value()
        path = f"/danh-gia/ho-so/{self.submission}/luu/"
        data = {"ma": code, "csrfmiddlewaretoken": self.csrf(), **values}
        self.post("page", path, "/danh-gia/ho-so/[id]/luu/ (HTMX)", data,
                  headers={"HX-Request": "true", "X-CSRFToken": self.csrf()})  # fmt: skip

    @task(1)
    def attach_evidence(self) -> None:
        if not self.signed_in:
            return
        code = random.choice(FIXTURES["criteria"])["code"]
        path = f"/danh-gia/ho-so/{self.submission}/minh-chung/"
        body = PDF + f"{self.submission}-{code}-{random.random()}\n%%EOF\n".encode()
        boundary = f"xaso{random.getrandbits(64):x}"
        fields = {
            "csrfmiddlewaretoken": self.csrf(),
            "ma": code,
            "doc_number": f"{random.randint(1, 400)}/QĐ-UBND",
            "doc_date": "15/03/2025",
            "doc_issuer": "UBND xã",
            "doc_summary": "Quyết định",
        }
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
            for k, v in fields.items()
        ]
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="quyet-dinh-{code}.pdf"\r\nContent-Type: application/pdf\r\n\r\n'.encode()
            + body + f"\r\n--{boundary}--\r\n".encode()
        )  # fmt: skip
        kind = f"multipart/form-data; boundary={boundary}"
        self.post("page", path, "/danh-gia/ho-so/[id]/minh-chung/", b"".join(parts),
                  headers={"Content-Type": kind})  # fmt: skip

    @task(2)
    def read_own_submission_json(self) -> None:
        if self.signed_in:
            self.get("json", f"/api/assessments/submissions/{self.submission}",
                     "/api/assessments/submissions/[id]")  # fmt: skip

    @task(1)
    def try_to_submit(self) -> None:
        if not self.signed_in:
            return
        path = f"/danh-gia/ho-so/{self.submission}/nop/"
        self.post("page", path, "/danh-gia/ho-so/[id]/nop/", {"csrfmiddlewaretoken": self.csrf()})


class Verifier(Person):
    """The province's verifiers working the queue of submitted forms."""

    weight = 5
    wait_time = between(10, 30)

    def on_start(self) -> None:
        super().on_start()
        verifiers = FIXTURES["verifiers"]
        me = verifiers[next(_verifiers) % len(verifiers)]
        self.signed_in = self.sign_in(me["username"], me["totp_key"])
        self.queue: list[str] = []

    @task(4)
    def open_queue(self) -> None:
        if not self.signed_in:
            return
        path = f"/danh-gia/ky/{FIXTURES['open_period']}/tham-dinh/"
        response = self.get("page", path, "/danh-gia/ky/[id]/tham-dinh/")
        self.queue = sorted(set(_SUBMITTED.findall(response.text or "")))

    @task(4)
    def open_submission(self) -> None:
        if self.signed_in:
            sid = random.choice(self.queue or FIXTURES["submitted"])
            self.get("page", f"/danh-gia/ho-so/{sid}/", "/danh-gia/ho-so/[id]/")

    @task(1)
    def verify_one(self) -> None:
        if not (self.signed_in and self.queue):
            return
        sid = self.queue.pop(random.randrange(len(self.queue)))
        path = f"/danh-gia/ho-so/{sid}/tham-dinh/"
        self.post("page", path, "/danh-gia/ho-so/[id]/tham-dinh/",
                  {"csrfmiddlewaretoken": self.csrf()})  # fmt: skip

    @task(2)
    def periods_json(self) -> None:
        if self.signed_in:
            self.get("json", "/api/assessments/periods", "/api/assessments/periods")


class Public(Person):
    """Press, residents and other provinces reading the published results."""

    weight = 50
    wait_time = between(2, 8)

    @task(4)
    def ranking_page(self) -> None:
        period = FIXTURES["published_period"]
        self.get("page", f"/ket-qua/ky/{period}/", "/ket-qua/ky/[id]/")

    @task(4)
    def scorecard_page(self) -> None:
        period, code = FIXTURES["published_period"], random.choice(FIXTURES["communes"])
        self.get("page", f"/ket-qua/ky/{period}/don-vi/{code}/", "/ket-qua/ky/[id]/don-vi/[code]/")

    @task(1)
    def portal_page(self) -> None:
        self.get("page", "/ket-qua/", "/ket-qua/")

    @task(1)
    def public_board(self) -> None:
        code = random.choice(FIXTURES["intake_communes"])
        self.get("page", f"/phan-anh/cong-khai/{code}/", "/phan-anh/cong-khai/[code]/")

    @task(2)
    def periods_json(self) -> None:
        self.get("json", "/api/results/periods", "/api/results/periods")

    @task(3)
    def ranking_json(self) -> None:
        period = FIXTURES["published_period"]
        self.get("json", f"/api/results/periods/{period}/units", "/api/results/periods/[id]/units")

    @task(3)
    def scorecard_json(self) -> None:
        period, code = FIXTURES["published_period"], random.choice(FIXTURES["communes"])
        self.get("json", f"/api/results/periods/{period}/units/{code}",
                 "/api/results/periods/[id]/units/[code]")  # fmt: skip

    @task(2)
    def unit_search_json(self) -> None:
        q = random.choice(["hoa phu", "krong", "buon ma thuot", "ea", "cu m'gar"])
        self.get("json", f"/api/units?q={q}&limit=20", "/api/units?q=")

    @task(2)
    def open311_requests_json(self) -> None:
        code = random.choice(FIXTURES["intake_communes"])
        self.get("json", f"/open311/v2/requests.json?jurisdiction_id={code}",
                 "/open311/v2/requests.json")  # fmt: skip


class Resident(Person):
    """Residents reporting problems: the commune's web form and Open311 apps."""

    weight = 15
    wait_time = between(20, 60)

    def phone(self) -> str:
        return "091" + f"{random.randrange(10**7):07d}"

    def next_resident(self) -> None:
        """Each report comes from another resident: another address, a fresh session."""
        self.address = _address()
        self.client.cookiejar.clear()

    @task(1)
    def web_form(self) -> None:
        self.next_resident()
        code = random.choice(FIXTURES["intake_communes"])
        path = f"/phan-anh/{code}/gui/"
        form = self.get("page", path, "/phan-anh/[code]/gui/")
        found = _STAMP.search(form.text or "")
        time.sleep(random.uniform(3.5, 8))  # reading and typing; the form refuses bots < 3 s
        data = {
            "csrfmiddlewaretoken": self.csrf(), "stamp": found.group(1) if found else "",
            "legal_class": "field", "body": random.choice(FIXTURES["texts"]),
            "name": "Người dân thử tải", "phone": self.phone(), "is_public": "on",
        }  # fmt: skip
        self.post("page", path, "/phan-anh/[code]/gui/", data)

    @task(1)
    def open311_post(self) -> None:
        self.next_resident()
        data = {
            "api_key": FIXTURES["api_key"],
            "jurisdiction_id": random.choice(FIXTURES["intake_communes"]),
            "service_code": random.choice(FIXTURES["service_codes"]),
            "lat": f"{random.uniform(12.3, 13.2):.5f}",
            "long": f"{random.uniform(107.6, 108.7):.5f}",
            "description": random.choice(FIXTURES["texts"]),
            "phone": self.phone(),
        }
        self.post("json", "/open311/v2/requests.json", "/open311/v2/requests.json", data)


def _steps() -> list[tuple[int, int]]:
    raw = os.environ.get("XASO_LOAD_STEPS", "")
    return [(int(s.split(":")[0]), int(s.split(":")[1])) for s in raw.split(",") if s]


if _steps():

    class StepLoad(LoadTestShape):
        """``XASO_LOAD_STEPS``: hold each number of users for its seconds, then stop."""

        def tick(self) -> tuple[int, float] | None:
            elapsed, end = self.get_run_time(), 0
            for seconds, users in _steps():
                end += seconds
                if elapsed < end:
                    return users, 50.0
            return None
