"""Unit import and public page weight.

    .venv/bin/python benchmarks/bench_units.py

Prints: the first import into an empty SQLite database (target ≤ 10 s), a second import
(idempotent, changes nothing), and the bytes of the public unit page with every asset it
loads (target ≤ 150 KB on first load), raw and gzip-compressed as served.
"""

from __future__ import annotations

import gzip
import os
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
data_dir = tempfile.mkdtemp(prefix="xaso-bench-")
os.environ["XASO_DATA_DIR"] = data_dir
os.environ.pop("DATABASE_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xaso.settings")

import django  # noqa: E402

django.setup()

from django.contrib.staticfiles import finders  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

from xaso.units.actions import do_import_units  # noqa: E402
from xaso.units.models import Unit  # noqa: E402

call_command("migrate", interactive=False, verbosity=0)
started = time.perf_counter()
report = do_import_units()
first = time.perf_counter() - started
started = time.perf_counter()
again = do_import_units()
second = time.perf_counter() - started
print(f"units_loaded {Unit.objects.count()}")
print(f"import_units_empty_sqlite_s {first:.2f}")
print(f"import_units_again_s {second:.2f} (changed: {again.changed})")

client = Client()
for label, url in (
    ("unit_page", "/don-vi/hien-nay/24175/"),
    ("home_page", "/"),
    ("province_page", "/don-vi/hien-nay/66/"),
):
    html = client.get(url).content
    assets = re.findall(rb'(?:href|src)="(/static/[^"]+)"', html)
    raw = len(html)
    packed = len(gzip.compress(html))
    for asset in assets:
        path = finders.find(asset.decode().removeprefix("/static/"))
        body = Path(str(path)).read_bytes()
        raw += len(body)
        packed += len(gzip.compress(body))
    print(f"{label}_bytes_raw {raw} ({raw / 1024:.1f} KB, {len(assets)} assets)")
    print(f"{label}_bytes_gzip {packed} ({packed / 1024:.1f} KB)")
