"""Deadline day under load, on this machine, on loopback only; bounded in time.

    .venv/bin/python benchmarks/loadtest/run.py                 # ≈ 10 min in all
    .venv/bin/python benchmarks/loadtest/run.py --duration 120 --no-steps
    .venv/bin/python benchmarks/loadtest/run.py --steps 30:100,30:300,30:600

1. a throwaway PostgreSQL (scripts/pg-throwaway.sh, port ``--pg-port``), stopped at the end;
2. the demo at the scale of a whole province (``xaso demo --no-serve --scale province``:
   every commune of Đắk Lắk with its officer and two province-wide periods);
3. the production profile of docs/deploy.md (``xaso.settings.production``, the same
   variables, ``XASO_PROXY_COUNT=1`` as behind nginx) served by ``xaso serve`` — gunicorn
   plus the task worker and the outbox — on 127.0.0.1;
4. the load users' fixtures: a TOTP device enrolled for each verifier through the real
   actions, an Open311 key, ids (``--prepare``, run inside the production profile);
5. locust, headless (``benchmarks/loadtest/locustfile.py``): ``--users`` (300) arriving at
   ``--spawn-rate`` per second, held until ``--duration`` seconds;
6. a step load (``--steps seconds:users,…``) to find the ceiling: the highest step still
   within the goals (p95 ≤ 300 ms JSON, ≤ 800 ms pages, < 1 % errors, no 5xx).

Nothing is switched off for the test: each locust user is its own person behind the proxy
(``X-Forwarded-For``, which the profile trusts for one proxy), with its own account and
phone numbers, so django-axes and the intake's limits count people, as in production.

Prints ``name value`` lines: for the steady phase (after the ramp-up) requests, rps,
p50/p95/p99 of json, page and auth requests, error_rate, server_errors; the slowest
endpoints; per step rps, p95s and errors; ``ceiling_rps`` and ``ceiling_users``.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
VENV = ROOT / ".venv" / "bin"
GOALS = {"json": 300.0, "page": 800.0}


def say(name: str, value: object) -> None:
    print(f"{name} {value}", flush=True)


def note(text: str) -> None:
    print(f"# {text}", file=sys.stderr, flush=True)


# --- fixtures (run inside the production profile: ``run.py --prepare OUT``) -----------------


def prepare(out: Path) -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django_otp.oath import totp

    from xaso.accounts.actions import do_confirm_totp, do_start_totp
    from xaso.accounts.demo import DEMO_PASSWORD
    from xaso.accounts.models import User
    from xaso.assessments.cells import kind_of, options
    from xaso.assessments.models import Period, ScopeKind, Status
    from xaso.assessments.queries import framework_of
    from xaso.citizens import corpus
    from xaso.citizens.actions import do_create_api_key
    from xaso.citizens.models import Category
    from xaso.site import scale
    from xaso.units.models import Generation, Level, Unit

    province = Unit.objects.get(
        generation=Generation.CURRENT, level=Level.PROVINCE, code=scale.PROVINCE_CODE
    )
    periods = Period.objects.filter(province=province, scope_kind=ScopeKind.PROVINCE, is_demo=True)
    published = periods.get(year=2024)
    open_period = periods.get(year=2025)
    subs = list(open_period.submissions.select_related("unit").order_by("unit__code"))
    officers = [
        {"username": scale.officer_username(s.unit), "submission": s.pk}
        for s in subs
        if s.status != Status.SUBMITTED
    ]
    verifiers = []
    for n in range(1, scale.VERIFIERS + 1):
        user = User.objects.get(username=scale.verifier_username(n))
        device = do_start_totp(user=user, actor=user)
        code = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
        if not do_confirm_totp(user=user, device=device, token=f"{code:06d}", actor=user):
            raise SystemExit(f"could not enrol {user.username}")
        verifiers.append({"username": user.username, "totp_key": device.key})
    framework = framework_of(open_period)
    criteria = [
        {"code": leaf.code, "kind": kind_of(leaf).value, "options": [c for c, _ in options(leaf)]}
        for leaf in framework.leaves
    ]
    _, api_key = do_create_api_key(unit=province, name="Thử tải", actor=None)
    service_codes = list(
        Category.objects.filter(unit=province, active=True).values_list("code", flat=True)
    )
    texts = [text for text, _ in corpus.generate(60, seed=7)]
    fixtures = {
        "password": DEMO_PASSWORD,
        "published_period": published.pk,
        "open_period": open_period.pk,
        "officers": officers,
        "submitted": [s.pk for s in subs if s.status == Status.SUBMITTED],
        "verifiers": verifiers,
        "criteria": criteria,
        "communes": [s.unit.code for s in subs],
        "intake_communes": [s.unit.code for s in subs[:40]],
        "api_key": api_key,
        "service_codes": service_codes or ["giao-thong"],
        "texts": texts,
    }
    out.write_text(json.dumps(fixtures, ensure_ascii=False), encoding="utf-8")
    print(f"officers {len(officers)} verifiers {len(verifiers)} criteria {len(criteria)}")


# --- the run ---------------------------------------------------------------------------------


def sh(cmd: list[str], env: dict[str, str], **kw: Any) -> str:
    done = subprocess.run(cmd, env=env, text=True, capture_output=True, **kw)
    if done.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def production_env(base: dict[str, str], db: str, data: Path, port: int) -> dict[str, str]:
    """docs/deploy.md's variables, on loopback."""
    env = dict(base)
    env.update(
        DJANGO_SETTINGS_MODULE="xaso.settings.production",
        XASO_SECRET_KEY=secrets.token_urlsafe(64),
        XASO_ALLOWED_HOSTS="127.0.0.1",
        XASO_CSRF_TRUSTED_ORIGINS=f"https://127.0.0.1:{port}",
        DATABASE_URL=db,
        XASO_DB_CONN_MAX_AGE="60",
        XASO_DATA_DIR=str(data),
        XASO_PROXY_COUNT="1",
        XASO_LOG_FORMAT="json",
        XASO_LOG_LEVEL="WARNING",
        XASO_BACKUP_KEY=base64.b64encode(os.urandom(32)).decode(),
        XASO_METRICS_ALLOWED="127.0.0.1/32",
        XASO_PUBLIC_URL=f"https://127.0.0.1:{port}",
    )
    return env


def wait_healthy(port: int, seconds: float = 90) -> None:
    deadline = time.time() + seconds
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/healthz", headers={"X-Forwarded-Proto": "https"}
    )
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(request, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("the server did not become healthy")


def locust(env: dict[str, str], port: int, prefix: Path, *extra: str, records: Path) -> None:
    env = dict(env, XASO_LOAD_RECORDS=str(records))
    records.unlink(missing_ok=True)
    cmd = [str(VENV / "locust"), "-f", str(HERE / "locustfile.py"), "--headless",
           "--host", f"http://127.0.0.1:{port}", "--csv", str(prefix), "--only-summary",
           "--loglevel", "WARNING", "--stop-timeout", "15", *extra]  # fmt: skip
    subprocess.run(cmd, env=env, check=False, stdout=subprocess.DEVNULL)


Row = tuple[float, str, int, float, int, str]  # time, group, status, ms, failed, name


def read_records(path: Path) -> list[Row]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        t, group, status, ms, failed, name = line.split("\t")
        rows.append((float(t), group, int(status), float(ms), int(failed), name))
    return rows


def pct(values: list[float], q: float) -> int | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))])


def window_stats(rows: list[Row], seconds: float) -> dict[str, Any]:
    out: dict[str, Any] = {
        "requests": len(rows),
        "rps": round(len(rows) / seconds, 1) if seconds else 0,
        "errors": sum(r[4] for r in rows),
        "server_errors": sum(1 for r in rows if r[2] >= 500),
    }
    out["error_rate"] = round(100 * out["errors"] / len(rows), 2) if rows else 0.0
    for group in ("json", "page", "auth"):
        times = [r[3] for r in rows if r[1] == group]
        out[group] = {"n": len(times), **{f"p{q}": pct(times, q) for q in (50, 95, 99)}}
        if times:
            out[group]["mean"] = round(statistics.fmean(times))
    return out


def within_goals(stats: dict[str, Any]) -> bool:
    return (
        stats["server_errors"] == 0
        and stats["error_rate"] < 1.0
        and all(stats[g]["n"] == 0 or stats[g]["p95"] <= goal for g, goal in GOALS.items())
    )


def slowest(rows: list[Row], n: int = 8) -> list[tuple[str, int, int, int]]:
    """(name, p95 ms, requests, failures) of the slowest endpoints in ``rows``."""
    names: dict[str, list[Row]] = {}
    for row in rows:
        names.setdefault(row[5], []).append(row)
    out = [
        (name, pct([r[3] for r in mine], 95) or 0, len(mine), sum(r[4] for r in mine))
        for name, mine in names.items()
    ]
    return sorted(out, key=lambda item: -item[1])[:n]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--prepare", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=18473)
    parser.add_argument("--pg-port", type=int, default=55473)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (4 threads)")
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument("--spawn-rate", type=float, default=5.0)
    parser.add_argument("--duration", type=int, default=180, help="seconds, ramp-up included")
    parser.add_argument("--steps", default="45:100,45:200,45:300,45:450,45:600,45:800")
    parser.add_argument("--no-steps", action="store_true")
    parser.add_argument(
        "--keep", action="store_true", help="keep the directory and the database (for --reuse)"
    )
    parser.add_argument("--reuse", type=Path, help="a --keep run's directory: skip the set-up")
    args = parser.parse_args()
    if args.prepare:
        prepare(args.prepare)
        return 0

    run = args.reuse or Path(tempfile.mkdtemp(prefix="xaso-load-"))
    data = run / "data"
    base = {k: v for k, v in os.environ.items() if not k.startswith(("XASO_", "DATABASE_URL"))}
    base["PATH"] = f"{VENV}:{base.get('PATH', '')}"
    pg_env = dict(base, XASO_PG_PORT=str(args.pg_port))
    server: subprocess.Popen[bytes] | None = None
    note(f"working directory {run}")
    started = time.perf_counter()
    if args.reuse:
        db = f"postgres://postgres@127.0.0.1:{args.pg_port}/xaso"
    else:
        db = sh([str(ROOT / "scripts" / "pg-throwaway.sh"), "start"], pg_env).strip()
    try:
        env = production_env(base, db, data, args.port)
        if not args.reuse:
            demo_env = dict(base, DATABASE_URL=db, XASO_DATA_DIR=str(data),
                            DJANGO_SETTINGS_MODULE="xaso.settings")  # fmt: skip
            sh([str(VENV / "xaso"), "demo", "--no-serve", "--scale", "province"], demo_env)
            say("setup_demo_seconds", round(time.perf_counter() - started, 1))
            sh([str(VENV / "xaso"), "manage", "collectstatic", "--noinput", "-v", "0"], env)
        fixtures = run / "fixtures.json"
        note(sh([str(VENV / "python"), __file__, "--prepare", str(fixtures)], env,
                cwd=str(ROOT)).strip())  # fmt: skip
        with (run / "server.log").open("wb") as log:
            server = subprocess.Popen(
                [str(VENV / "xaso"), "serve", "--port", str(args.port), "--workers",
                 str(args.workers)],
                env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        wait_healthy(args.port)
        say("setup_seconds", round(time.perf_counter() - started, 1))
        load_env = dict(env, XASO_LOAD_FIXTURES=str(fixtures))

        # Steady: the users arrive, then stay.
        records = run / "steady.records"
        note(f"steady: {args.users} users for {args.duration} s")
        began = time.time()
        locust(load_env, args.port, run / "steady", "-u", str(args.users), "-r",
               str(args.spawn_rate), "-t", f"{args.duration}s", records=records)  # fmt: skip
        ramp = args.users / args.spawn_rate
        rows = [r for r in read_records(records) if r[0] >= began + ramp]
        held = max(1.0, args.duration - ramp)
        stats = window_stats(rows, held)
        say("steady_users", args.users)
        say("steady_seconds_measured", round(held))
        for key in ("requests", "rps", "error_rate", "server_errors"):
            say(f"steady_{key}", stats[key])
        all_rows = read_records(records)
        say("steady_server_errors_incl_rampup", sum(1 for r in all_rows if r[2] >= 500))
        for group in ("json", "page", "auth"):
            for q in ("p50", "p95", "p99"):
                say(f"steady_{group}_{q}_ms", stats[group][q])
        say("steady_within_goals", within_goals(stats))
        for name, p95, count, failures in slowest(rows):
            say(f"steady_slowest_p95_ms[{name}]", f"{p95} (n={count}, failures={failures})")
        ramp_rows = [r for r in all_rows if r[0] < began + ramp]
        ramp_stats = window_stats(ramp_rows, ramp)
        for group in ("json", "page", "auth"):
            say(f"rampup_{group}_p95_ms", ramp_stats[group]["p95"])
        for name, p95, count, failures in slowest(ramp_rows, 4):
            say(f"rampup_slowest_p95_ms[{name}]", f"{p95} (n={count}, failures={failures})")

        if not args.no_steps:
            steps = [(int(a), int(b)) for a, b in (s.split(":") for s in args.steps.split(","))]
            records = run / "steps.records"
            note(f"steps: {args.steps}")
            began = time.time()
            locust(dict(load_env, XASO_LOAD_STEPS=args.steps), args.port, run / "steps",
                   records=records)  # fmt: skip
            rows = read_records(records)
            ceiling: tuple[float, int] | None = None
            broke: int | None = None
            start = began
            for seconds, users in steps:
                # Judge each step on its second half: the users have arrived and signed in.
                window = [r for r in rows if start + seconds / 2 <= r[0] < start + seconds]
                step = window_stats(window, seconds / 2)
                ok = within_goals(step)
                say(f"step_{users}_rps", step["rps"])
                say(f"step_{users}_json_p95_ms", step["json"]["p95"])
                say(f"step_{users}_page_p95_ms", step["page"]["p95"])
                say(f"step_{users}_error_rate", step["error_rate"])
                say(f"step_{users}_server_errors", step["server_errors"])
                if ok and broke is None:
                    ceiling = (step["rps"], users)
                elif not ok and broke is None:
                    broke = users
                start += seconds
            say("ceiling_rps", ceiling[0] if ceiling else 0)
            say("ceiling_users", ceiling[1] if ceiling else 0)
            say("first_step_over_goals_users", broke or "none")
            say("steps_server_errors", sum(1 for r in rows if r[2] >= 500))
        return 0
    finally:
        if server is not None:
            # xaso serve's process group: gunicorn, its workers, the task worker, the outbox.
            os.killpg(server.pid, signal.SIGTERM)
            for _ in range(40):
                server.poll()  # reap the group leader, or the group never looks empty
                try:
                    os.killpg(server.pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.5)
            else:
                os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        if args.keep:
            note(f"kept {run} and the database on port {args.pg_port}: --reuse {run}")
        else:
            subprocess.run(
                [str(ROOT / "scripts" / "pg-throwaway.sh"), "stop"], env=pg_env, check=False
            )
            subprocess.run(["rm", "-rf", str(run)], check=False)


if __name__ == "__main__":
    sys.exit(main())
