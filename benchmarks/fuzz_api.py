"""Fuzzing the whole API: schemathesis against /api/openapi.json (django-ninja) and the
Open311 GeoReport v2 endpoints, in process through Django's WSGI handler, as every role.

    .venv/bin/python benchmarks/fuzz_api.py                  # 12,000 requests, seed 20251
    .venv/bin/python benchmarks/fuzz_api.py --budget 2000 --seed 7
    .venv/bin/python benchmarks/fuzz_api.py --data-dir /tmp/x  # reuse a loaded demo there

A fresh SQLite database (temporary data directory) gets the whole demo (`xaso demo`'s
loaders), then ``xaso.api.tests.fuzzing`` spreads the budget over every (identity,
operation, positive|negative) with a fixed seed. Production-like: the second factor is
required (the identities passed it), DEBUG off.

Prints one ``name value`` per line: requests, server_errors, 4xx, 2xx, 3xx,
schema_violations, per-role requests_<role> / server_errors_<role>, operations, seconds —
then every distinct problem with its request and traceback. Exit status 1 on any 5xx.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--budget", type=int, default=12_000, help="requests in all")
    parser.add_argument("--seed", type=int, default=20251)
    parser.add_argument(
        "--data-dir", help="data directory to use and keep; default: a temporary one, removed"
    )
    parser.add_argument(
        "--shared", action="store_true", help="send each generated case as every identity"
    )
    parser.add_argument("--light", action="store_true", help="the CI test's lighter demo data")
    args = parser.parse_args()

    data_dir = args.data_dir or tempfile.mkdtemp(prefix="xaso-fuzz-")
    os.environ["XASO_DATA_DIR"] = data_dir
    os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "xaso.settings"
    os.environ["XASO_DEMO"] = "0"
    os.environ["XASO_REQUIRE_2FA"] = "1"
    os.environ["XASO_DEBUG"] = "0"
    os.environ.setdefault("XASO_LOG_LEVEL", "WARNING")

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.core.wsgi import get_wsgi_application

    from xaso.api.tests import fuzzing

    # Argon2 for eleven demo accounts costs seconds and proves nothing here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

    def say(name: str, value: object) -> None:
        print(f"{name} {value}", flush=True)

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    if args.light:
        from xaso.site.loaders import load_units

        load_units(lambda _: None)
        fuzzing.load_light_demo(lambda _: None)
    else:
        from xaso.site.loaders import load_all

        load_all(lambda _: None)
    world = fuzzing.build_world()
    schemas = fuzzing.schemas(get_wsgi_application())
    say("setup_seconds", round(time.perf_counter() - started, 1))
    say("identities", len(world.identities))
    tally = fuzzing.run(
        schemas,
        world,
        budget=args.budget,
        seed=args.seed,
        shared=args.shared,
        progress=lambda line: print(f"# {line}", file=sys.stderr, flush=True),
    )
    for name, value in tally.lines():
        say(name, value)
    if tally.problems:
        print("\n" + tally.report(), file=sys.stderr)
    if not args.data_dir:
        shutil.rmtree(data_dir, ignore_errors=True)
    return 1 if tally.server_errors else 0


if __name__ == "__main__":
    sys.exit(main())
