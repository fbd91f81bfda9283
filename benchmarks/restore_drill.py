"""The restore drill: back up a populated demo, restore it into a fresh database and an
empty file store, and prove that nothing was lost.

    .venv/bin/python benchmarks/restore_drill.py [--postgres URL_OF_A_SERVER] [--s3]

With --postgres (a server URL whose user may create databases, e.g. the one
scripts/pg-throwaway.sh prints) the drill runs on PostgreSQL with pg_dump/pg_restore;
otherwise on SQLite. With --s3 the files live in S3-compatible object storage instead of
the data directory: the drill starts an S3 server (moto's, speaking the S3 wire protocol
on a loopback port; see xaso/core/testing/s3.py), keeps the demo's files in one bucket
and restores into a fresh, empty one, then compares the two buckets object by object.
Prints rows_lost and files_lost (both must be 0) and the timings.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

if TYPE_CHECKING:
    from xaso.core.testing.s3 import S3Server


def xaso(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "xaso", *args], env=env, cwd=ROOT, capture_output=True, text=True
    )
    if result.returncode != 0:
        sys.exit(f"xaso {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def compare_buckets(s3: S3Server, source: str, target: str) -> tuple[int, int]:
    """Objects of the source bucket, and how many are missing or different in the target."""

    def digests(bucket: str) -> dict[str, str]:
        return {key: hashlib.sha256(data).hexdigest() for key, data in s3.objects(bucket).items()}

    before, after = digests(source), digests(target)
    return len(before), sum(1 for key, digest in before.items() if after.get(key) != digest)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", help="URL of a PostgreSQL server (database part ignored)")
    parser.add_argument("--s3", action="store_true", help="files in object storage (S3)")
    options = parser.parse_args()
    if options.s3:
        from xaso.core.testing.s3 import s3_server  # moto: a development dependency
    with s3_server() if options.s3 else contextlib.nullcontext() as s3:
        drill(options.postgres, s3)


def drill(postgres: str | None, s3: S3Server | None) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="xaso-drill-"))
    key = subprocess.run(
        [sys.executable, "-m", "xaso", "backup", "--new-key"], cwd=ROOT, capture_output=True,
        text=True, env={**os.environ, "XASO_DATA_DIR": str(tmp / "keygen")}, check=True,
    ).stdout.strip()  # fmt: skip
    base = {**os.environ, "XASO_BACKUP_KEY": key}
    base.pop("DATABASE_URL", None)
    source = {**base, "XASO_DATA_DIR": str(tmp / "source")}
    target = {**base, "XASO_DATA_DIR": str(tmp / "target")}
    if s3 is not None:
        source |= s3.env(s3.bucket)
        target |= s3.env(s3.create_bucket())
    if postgres:
        server = postgres.rsplit("/", 1)[0]
        for name in ("xaso_drill_source", "xaso_drill_target"):
            for sql in (f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}"):
                subprocess.run(["psql", "-q", "-d", f"{server}/postgres", "-c", sql], check=True)
        source["DATABASE_URL"] = f"{server}/xaso_drill_source"
        target["DATABASE_URL"] = f"{server}/xaso_drill_target"
    print(f"database {'postgresql' if postgres else 'sqlite'}")
    print(f"storage {'s3' if s3 else 'filesystem'}")
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
    if s3 is not None:
        # Independently of the restore's own check: the buckets, object by object.
        objects, differing = compare_buckets(s3, source["XASO_S3_BUCKET"], target["XASO_S3_BUCKET"])
        print(f"s3_objects {objects}")
        print(f"s3_objects_lost {differing}")


if __name__ == "__main__":
    main()
