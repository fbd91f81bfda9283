"""The restore drill: back up a populated demo, restore it into a fresh database and an
empty file store, and prove that nothing was lost.

    .venv/bin/python benchmarks/restore_drill.py [--postgres URL_OF_A_SERVER]

With --postgres (a server URL whose user may create databases, e.g. the one
scripts/pg-throwaway.sh prints) the drill runs on PostgreSQL with pg_dump/pg_restore;
otherwise on SQLite. Prints rows_lost and files_lost (both must be 0) and the timings.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def xaso(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "xaso", *args], env=env, cwd=ROOT, capture_output=True, text=True
    )
    if result.returncode != 0:
        sys.exit(f"xaso {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", help="URL of a PostgreSQL server (database part ignored)")
    options = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="xaso-drill-"))
    key = subprocess.run(
        [sys.executable, "-m", "xaso", "backup", "--new-key"], cwd=ROOT, capture_output=True,
        text=True, env={**os.environ, "XASO_DATA_DIR": str(tmp / "keygen")}, check=True,
    ).stdout.strip()  # fmt: skip
    base = {**os.environ, "XASO_BACKUP_KEY": key}
    base.pop("DATABASE_URL", None)
    source = {**base, "XASO_DATA_DIR": str(tmp / "source")}
    target = {**base, "XASO_DATA_DIR": str(tmp / "target")}
    if options.postgres:
        server = options.postgres.rsplit("/", 1)[0]
        for name in ("xaso_drill_source", "xaso_drill_target"):
            for sql in (f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}"):
                subprocess.run(["psql", "-q", "-d", f"{server}/postgres", "-c", sql], check=True)
        source["DATABASE_URL"] = f"{server}/xaso_drill_source"
        target["DATABASE_URL"] = f"{server}/xaso_drill_target"
    print(f"database {'postgresql' if options.postgres else 'sqlite'}")
    started = time.perf_counter()
    xaso(source, "demo", "--no-serve")
    # Evidence-like files of several sizes, so the file side of the drill is not empty.
    xaso(source, "manage", "shell", "-c", (
        "from django.core.files.base import ContentFile; "
        "from django.core.files.storage import default_storage as s; "
        "[s.save(f'drill/tep-{i}.bin', ContentFile(bytes([i % 256]) * (1000 * i + 1))) "
        "for i in range(25)]"
    ))  # fmt: skip
    print(f"demo_s {time.perf_counter() - started:.1f}")
    backup = tmp / "drill.xbk"
    started = time.perf_counter()
    print(xaso(source, "backup", "--out", str(backup)).strip())
    print(f"backup_s {time.perf_counter() - started:.1f}")
    started = time.perf_counter()
    report = xaso(target, "restore", str(backup))
    print(report.strip())
    print(f"restore_s {time.perf_counter() - started:.1f}")


if __name__ == "__main__":
    main()
