"""Schemathesis against the whole API surface, in process: the django-ninja API
(``/api/openapi.json``) and the Open311 GeoReport v2 endpoints (described by
``xaso.citizens.open311_openapi``), each operation fuzzed as every kind of caller.

Used by ``test_fuzz.py`` (small budget, fixed seed, in CI) and ``benchmarks/fuzz_api.py``
(the full run). Requests go through Django's WSGI handler, so every middleware runs:
sessions, CSRF, the second factor, axes, CSP.

What a run does, per (identity, operation, positive|negative generation) — or, with
``shared=True``, per (operation, mode) with each case sent as every identity in turn:
* Hypothesis draws cases from the schema (fixed seed);
* about half of them get path, query and body values swapped for ids and codes that exist
  (periods, submissions, tasks, case codes, an Open311 key…), so the fuzzer reaches the
  code behind the 404s instead of knocking on the door;
* the response is checked: no 5xx (``not_a_server_error``) and, for the statuses the
  document describes, a body that matches it (``response_schema_conformance``).
  ``status_code_conformance`` is not used: django-ninja does not list the 401 of its
  authentication, nor the 404/400/422 raised with ``HttpError``, in the document, and those
  are exactly the 4xx we want for bad input.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import random
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import hypothesis
import schemathesis
from django.core.signals import got_request_exception, request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from hypothesis import HealthCheck, Phase, given
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup, ServerError
from schemathesis.specs.openapi.checks import response_schema_conformance

from xaso.citizens.open311_openapi import document as open311_document

CSRF = "fuzzcsrf" + "0" * 24  # a 32-character CSRF secret, sent as cookie and header
CHECKS = [not_a_server_error, response_schema_conformance]

# One demo account per role (xaso/accounts/demo.py); ``None`` is the anonymous caller.
ROLES: dict[str, str | None] = {
    "province_admin": "admin.daklak",
    "verifier": "thamdinh.daklak",
    "commune_officer": "canbo.hoaphu",
    "sponsor": "phutrach.vnpt",
    "leader": "lanhdao.daklak",
    "citizen": "nguoidan.hoaphu",
    "anonymous": None,
}
SOURCE_ROLE = "source_system"  # a province system pushing records with its bearer token


@dataclass
class Identity:
    role: str
    cookies: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class World:
    """What exists: identities and the known values the fuzzer mixes into its cases."""

    identities: list[Identity]
    known: dict[str, list[Any]]
    records: dict[str, list[dict[str, Any]]]  # connectors push: a valid record per kind


@dataclass
class Problem:
    kind: str  # "server_error" | "schema" | "crash"
    operation: str
    role: str
    status: int | None
    request: str
    detail: str


@dataclass
class Tally:
    requests: int = 0
    by_class: Counter[str] = field(default_factory=Counter)
    by_role: Counter[str] = field(default_factory=Counter)
    role_5xx: Counter[str] = field(default_factory=Counter)
    by_operation: Counter[str] = field(default_factory=Counter)
    problems: dict[tuple[str, str, str], Problem] = field(default_factory=dict)
    problem_count: Counter[str] = field(default_factory=Counter)
    generation_errors: int = 0
    seconds: float = 0.0

    @property
    def server_errors(self) -> int:
        return self.by_class["5xx"]

    def add_problem(self, problem: Problem, signature: str) -> None:
        self.problem_count[problem.kind] += 1
        self.problems.setdefault((problem.kind, problem.operation, signature), problem)

    def lines(self) -> list[tuple[str, object]]:
        out: list[tuple[str, object]] = [
            ("requests", self.requests),
            ("server_errors", self.server_errors),
            ("4xx", self.by_class["4xx"]),
            ("2xx", self.by_class["2xx"]),
            ("3xx", self.by_class["3xx"]),
            ("schema_violations", self.problem_count["schema"]),
            ("crashes", self.problem_count["crash"]),
            ("generation_errors", self.generation_errors),
            ("distinct_problems", len(self.problems)),
        ]
        for role, n in sorted(self.by_role.items()):
            out.append((f"requests_{role}", n))
            out.append((f"server_errors_{role}", self.role_5xx[role]))
        out.append(("operations", len(self.by_operation)))
        out.append(("seconds", round(self.seconds, 1)))
        return out

    def report(self) -> str:
        parts = []
        for (kind, operation, _), p in sorted(self.problems.items()):
            parts.append(
                f"[{kind}] {operation} as {p.role} → {p.status}\n  {p.request}\n"
                + "\n".join("  " + line for line in p.detail.strip().splitlines()[-25:])
            )
        return "\n\n".join(parts)


# --- the world -------------------------------------------------------------------------------


def sign_in(username: str) -> dict[str, str]:
    """A session cookie for the demo account, second factor passed (as after the TOTP page)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from xaso.accounts.models import User

    user = User.objects.get(username=username)
    client = Client()
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="fuzz", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return {"sessionid": client.cookies["sessionid"].value}


def identities(source_token: str) -> list[Identity]:
    out = []
    for role, username in ROLES.items():
        cookies = {"csrftoken": CSRF}
        if username is not None:
            cookies.update(sign_in(username))
        out.append(Identity(role, cookies=cookies, headers={"X-CSRFToken": CSRF}))
    out.append(Identity(SOURCE_ROLE, headers={"Authorization": f"Bearer {source_token}"}))
    return out


def load_light_demo(say: Callable[[str], None]) -> None:
    """The demo without its two slow parts (the residents' channel trains a classifier and
    renders audio; the connectors sign PDFs): enough rows of every kind to fuzz, in seconds."""
    from xaso.accounts.demo import load_demo_accounts
    from xaso.assessments.demo import load_demo_assessments
    from xaso.citizens import actions as citizens
    from xaso.citizens import corpus
    from xaso.citizens.models import Announcement
    from xaso.citizens.tests import factories as cf
    from xaso.programs.demo import load_demo_programmes
    from xaso.results.demo import load_demo_results
    from xaso.units import demo as units_demo
    from xaso.units.actions import do_save_group
    from xaso.units.models import Generation, Unit

    # The pilot groups, as xaso.site.loaders makes them (this package may not import site).
    for pilot in units_demo.PILOT_GROUPS:
        members = [
            units_demo.main_successor(units_demo.legacy_commune(pilot.province, d, c))
            for d, c in pilot.communes
        ]
        do_save_group(
            slug=pilot.slug, name=pilot.name, description=pilot.description,
            province=members[0].province, members=members, actor=None,
        )  # fmt: skip
    load_demo_accounts()
    load_demo_assessments(say)
    hoa_phu = Unit.objects.select_related("province").get(
        generation=Generation.CURRENT, code="24175"
    )
    province = hoa_phu.province
    assert province is not None
    for std in corpus.STANDARD_CATEGORIES[:4]:
        citizens.do_save_category(
            unit=province, code=std.code, name=std.name, group=std.group,
            legal_class=std.legal_class, actor=None,
        )  # fmt: skip
    village = citizens.do_save_village(
        unit=hoa_phu, name="Thôn 1", population=800, households=200, actor=None
    )
    for n, state in enumerate(["received", "accepted", "answered", "rejected", "received"]):
        cf.case(hoa_phu, is_public=True, state=state, village=village if n % 2 else None)
    Announcement.objects.get_or_create(
        unit=hoa_phu,
        title="Thông báo lịch tiêm",
        defaults={"body": "Nội dung", "channels": ",sms,"},
    )
    load_demo_programmes(say)
    load_demo_results(say)


def build_world() -> World:
    """Keys and tokens of our own (the demo's are shown once), the identities, and every id
    and code the fuzzer may mix into its cases. Call after a demo loader."""
    from xaso.assessments.models import Period, Snapshot, Submission
    from xaso.assessments.queries import framework_of
    from xaso.citizens import actions as citizens
    from xaso.citizens.models import Announcement, Case, Category
    from xaso.connectors import actions as connectors
    from xaso.connectors.tests.factories import document, dossier, payment
    from xaso.programs.models import (
        ActivityKind,
        CommunityTeam,
        Kpi,
        KpiSource,
        Participant,
        Programme,
        Task,
        TaskStatus,
    )
    from xaso.units.models import Generation, Level, Unit, UnitGroup

    dak_lak = Unit.objects.get(generation=Generation.CURRENT, level=Level.PROVINCE, code="66")
    _, api_key = citizens.do_create_api_key(unit=dak_lak, name="fuzz", actor=None)
    source, token = connectors.do_create_source(
        province=dak_lak, code=f"fuzz-{random.randrange(10**6)}", name="Fuzz", actor=None
    )[:2]
    del source
    periods = list(Period.objects.select_related("framework").order_by("pk"))
    criteria = sorted({leaf.code for period in periods[:4] for leaf in framework_of(period).leaves})
    participant_units = list(
        Participant.objects.select_related("unit").values_list("unit__code", flat=True)
    )
    communes = sorted({"24175", "24343", *participant_units})
    provinces = ["66", *Unit.objects.filter(pk__in=Period.objects.values("province")).values_list(
        "code", flat=True
    )]  # fmt: skip
    cases = list(Case.objects.order_by("pk").values_list("code", "token")[:40])
    tasks = list(Task.objects.order_by("pk").values_list("pk", "version")[:40])
    known: dict[str, list[Any]] = {
        "period_id": list(Period.objects.values_list("pk", flat=True)),
        "submission_id": list(Submission.objects.order_by("pk").values_list("pk", flat=True)[:60]),
        "version": sorted({*Snapshot.objects.values_list("version", flat=True), 0, 1, 2}),
        "pk": [
            *Programme.objects.values_list("pk", flat=True),
            *Announcement.objects.values_list("pk", flat=True),
        ],
        "pid": list(Participant.objects.values_list("pk", flat=True)),
        "task_id": [pk for pk, _ in tasks],
        "kpi_id": list(Kpi.objects.order_by("pk").values_list("pk", flat=True)[:40]),
        "team_id": list(CommunityTeam.objects.values_list("pk", flat=True)),
        "code": [*communes, *[c for c, _ in cases]],
        "unit": [*communes, *provinces],
        "province": provinces,
        "generation": ["current", "legacy"],
        "name": ["Hòa Phú", "hoa phu", "Krông Năng", "Bắc Kạn", "Phú Lộc"],
        "q": ["hoa phu", "Krông", "Bắc"],
        "year": [2023, 2024, 2025, 2026],
        "month": list(range(1, 13)),
        "group": list(UnitGroup.objects.values_list("pk", flat=True)),
        "kind": ["dossier", "document", "payment", *ActivityKind.values],
        "status": [*TaskStatus.values, "open", "closed", "open,closed"],
        "progress": [0, 50, 100],
        "source": KpiSource.values,
        "state": ["open", "all", "overdue", "answered"],
        "jurisdiction_id": [*communes, *provinces],
        "service_code": list(Category.objects.values_list("code", flat=True)[:10]),
        "service_request_id": [c for c, _ in cases],
        "token": [t[:12] for _, t in cases],
        "api_key": [api_key],
        "criterion": criteria,
    }
    known["version"] += sorted({v for _, v in tasks})
    commune = communes[0]
    records = {
        "dossier": [dossier("fz-1", commune, "2025-03-01T08:00:00+07:00")],
        "document": [document("fz-2", commune, "2025-03-02")],
        "payment": [payment("fz-3", "fz-1", "2025-03-03T09:00:00+07:00")],
    }
    return World(identities(token), {k: v for k, v in known.items() if v}, records)


# --- the schemas -----------------------------------------------------------------------------


def schemas(app: Any) -> list[Any]:
    """The ninja API's own document, and the Open311 one, both bound to the WSGI app."""
    with _keep_connection():
        api = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    open311 = schemathesis.openapi.from_dict(open311_document())
    open311.app = app
    return [api, open311]


# --- the run ---------------------------------------------------------------------------------


@contextlib.contextmanager
def _keep_connection() -> Iterator[None]:
    """As Django's test client does: a request's start and end must not close the database
    connection (inside a test's transaction that breaks it on PostgreSQL; in the benchmark
    it only costs time)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@contextlib.contextmanager
def _quiet_and_capturing() -> Iterator[list[str]]:
    """Collects the traceback of each 500 (Django's signal) and keeps 4xx warnings off the
    console: thousands of them are the expected outcome."""
    captured: list[str] = []

    def on_exception(sender: Any, request: Any = None, **kwargs: Any) -> None:
        captured.append(traceback.format_exc())

    got_request_exception.connect(on_exception)
    loggers = [logging.getLogger(n) for n in ("django.request", "django.security", "xaso")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.CRITICAL)
    try:
        with _keep_connection():
            yield captured
    finally:
        got_request_exception.disconnect(on_exception)
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


_PRIMITIVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**64),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.sampled_from(["", " ", "0", "-1", "1e309", "2025-02-30", "31/12/2025", "có", "null"]),
)


def _swap(values: Any, known: dict[str, list[Any]], data: Any) -> None:
    if not isinstance(values, dict):
        return
    for key in list(values):
        if key in known and data.draw(st.booleans()):
            values[key] = data.draw(st.sampled_from(known[key]))


def _enrich(case: Any, world: World, data: Any) -> None:
    """Mixes real ids and codes into a generated case (about half the cases)."""
    if not data.draw(st.booleans()):
        return
    known = world.known
    _swap(case.path_parameters, known, data)
    _swap(case.query, known, data)
    body = case.body
    if isinstance(body, dict):
        _swap(body, known, data)
        values = body.get("values")
        if isinstance(values, dict) and values and "criterion" in known:
            body["values"] = {
                data.draw(st.sampled_from(known["criterion"])): v for v in values.values()
            }
        kind = (case.path_parameters or {}).get("kind")
        if "records" in body and kind in world.records and data.draw(st.booleans()):
            records = [dict(r) for r in world.records[kind]]
            for record in records:
                for name in list(record):
                    if data.draw(st.integers(0, 3)) == 0:
                        record[name] = data.draw(_PRIMITIVES)
            body["records"] = records


def _label(op: Any) -> str:
    return f"{op.method.upper()} {op.path}"


def _status_class(status: int) -> str:
    return f"{status // 100}xx"


def _request_line(case: Any) -> str:
    path = case.formatted_path if hasattr(case, "formatted_path") else case.path
    text = f"{case.method} {path} query={case.query!r}"
    body = getattr(case, "body", None)
    if body is not None and type(body).__name__ != "NotSet":
        text += f" body={body!r}"[:600]
    return text


def operations(schema_list: list[Any]) -> list[Any]:
    ops = []
    for schema in schema_list:
        for result in schema.get_all_operations():
            ops.append(result.ok())
    return ops


def run(
    schema_list: list[Any],
    world: World,
    *,
    budget: int,
    seed: int = 20251,
    shared: bool = False,
    progress: Callable[[str], None] | None = None,
) -> Tally:
    """Spreads ``budget`` requests over every (identity, operation, mode); passes repeat
    with a new seed over the operations that were not exhausted until the budget is spent.

    ``shared``: each generated case is sent as every identity in turn (cheaper — Hypothesis
    starts once per operation, not once per operation and identity — and the roles answer
    the very same input); otherwise each identity gets cases of its own."""
    tally = Tally()
    ops = operations(schema_list)
    groups = [world.identities] if shared else [[i] for i in world.identities]
    tasks = [
        (group, op, mode)
        for group in groups
        for op in ops
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    ]
    # A fixed shuffle: when the budget runs out mid-pass, every identity had its share.
    random.Random(seed).shuffle(tasks)
    ips = itertools.count(1)
    started = time.perf_counter()
    with _quiet_and_capturing() as captured:
        live = list(range(len(tasks)))
        for round_no in itertools.count():
            left = budget - tally.requests
            if left <= 0 or not live:
                break
            quota = max(1, left // (len(live) * len(groups[0])))
            exhausted = set()
            for index in live:
                group, op, mode = tasks[index]
                left = budget - tally.requests
                if left <= 0:
                    break
                made = _fuzz_one(
                    tally, world, group, op, mode,
                    examples=min(quota, -(-left // len(group))),
                    seed=seed + 7919 * round_no + index, ips=ips, captured=captured,
                )  # fmt: skip
                if made < quota:
                    exhausted.add(index)
            live = [i for i in live if i not in exhausted]
            if progress:
                progress(f"pass {round_no + 1}: {tally.requests} requests")
    tally.seconds = time.perf_counter() - started
    return tally


def _fuzz_one(
    tally: Tally,
    world: World,
    group: list[Identity],
    op: Any,
    mode: GenerationMode,
    *,
    examples: int,
    seed: int,
    ips: Iterator[int],
    captured: list[str],
) -> int:
    made = 0

    @hypothesis.seed(seed)
    @hypothesis.settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=False,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )
    @given(case=op.as_strategy(generation_mode=mode), data=st.data())
    def one(case: Any, data: Any) -> None:
        nonlocal made
        made += 1
        _enrich(case, world, data)
        for identity in group:
            _send(tally, case, identity, _label(op), next(ips), captured)

    try:
        one()
    except (hypothesis.errors.Unsatisfiable, hypothesis.errors.FailedHealthCheck):
        pass  # nothing (left) to generate, e.g. no parameter to negate
    except hypothesis.errors.HypothesisException:
        tally.generation_errors += 1  # Hypothesis gave up on this one; the rest goes on
    return made


def _send(
    tally: Tally, case: Any, identity: Identity, label: str, n: int, captured: list[str]
) -> None:
    # A distinct address per request: the intake's per-IP limit stays a real 429 for a
    # flood, not for a fuzzer that comes from one address.
    environ = {"REMOTE_ADDR": f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"}
    del captured[:]
    tally.requests += 1
    tally.by_role[identity.role] += 1
    tally.by_operation[label] += 1
    try:
        response = case.call(
            headers=dict(identity.headers), cookies=dict(identity.cookies),
            environ_overrides=environ,
        )  # fmt: skip
    except Exception as exc:  # the app raised through the handler: worse than a 500
        tally.by_class["5xx"] += 1
        tally.role_5xx[identity.role] += 1
        problem = Problem(
            "crash", label, identity.role, None, _request_line(case), traceback.format_exc()
        )
        tally.add_problem(problem, signature=type(exc).__name__)
        return
    status = response.status_code
    tally.by_class[_status_class(status)] += 1
    if status >= 500:
        tally.role_5xx[identity.role] += 1
    try:
        case.validate_response(response, checks=CHECKS)
    except FailureGroup as exc:
        for failure in exc.exceptions:
            if isinstance(failure, ServerError):
                detail = captured[-1] if captured else response.text[:2000]
                problem = Problem(
                    "server_error", label, identity.role, status, _request_line(case), detail
                )
                tally.add_problem(problem, signature=_signature(detail))
            else:
                title = str(getattr(failure, "title", type(failure).__name__))
                message = getattr(failure, "message", str(failure))
                detail = f"{title}\n{message}\nbody: {response.text[:800]}"
                problem = Problem(
                    "schema", label, identity.role, status, _request_line(case), detail
                )
                tally.add_problem(problem, signature=f"{title} {status}")


def _signature(detail: str) -> str:
    """Where the exception came from: its type and the last frame inside xaso."""
    lines = detail.strip().splitlines()
    frames = [ln.strip() for ln in lines if ln.strip().startswith('File "') and "/xaso/" in ln]
    return (frames[-1] if frames else "") + " " + (lines[-1] if lines else "")
