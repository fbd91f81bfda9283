"""The `xaso` command: the project's own verbs, and every Django command behind `manage`.

xaso demo [--port N] [--no-serve]   demo site on SQLite with real units and demo data
xaso serve [--port N] [--host H]    web server (gunicorn) plus one task worker
xaso worker                         run background tasks (django-tasks-db worker)
xaso outbox [--once]                send the outbox (SMS, Zalo, loudspeaker), safely in parallel
xaso periodic hourly|daily          enqueue the periodic sweeps (run it from cron)
xaso import-units                   load / refresh administrative units (idempotent)
xaso find-unit NAME_OR_CODE         one unit by name or code, or the candidates
xaso import-framework FILE          store a framework version for assessment periods
xaso score FRAMEWORK DATA [...]     score a framework on a CSV/XLSX file, no database
xaso fake-gateway                   local SMS/Zalo gateway speaking the real wire format
xaso backup [--out FILE]            encrypted backup of the database and every file
xaso restore FILE                   restore into an empty database, prove nothing lost
xaso personal-data VERB [...]       personal-data register; a resident's export / erase; sweep
xaso manage <command> [...]         any Django management command
"""

from __future__ import annotations

import os
import sys

USAGE = __doc__ or ""


def _django(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xaso.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["xaso", *argv])
    return 0


def _mark_demo_data_dir() -> None:
    """Marks the data directory as demo data before settings load (2FA off, banner on)."""
    from pathlib import Path

    data_dir = Path(
        os.environ.get("XASO_DATA_DIR", Path(__file__).resolve().parent.parent / "data")
    )
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "DEMO").write_text("Thư mục dữ liệu demo của xaso; 2FA tắt ở đây.\n")


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help", "help"}:
        print(USAGE)
        return 0
    verb, rest = args[0], args[1:]
    if verb == "score":
        # The engine needs no Django and no database: import nothing of the site.
        from xaso.index.cli import main as score_main

        return score_main(["score", *rest])
    if verb == "manage":
        return _django(rest)
    if verb == "serve":
        return _django(["serve", *rest])
    if verb == "worker":
        return _django(["db_worker", *rest])
    if verb == "demo":
        _mark_demo_data_dir()
        return _django(["demo", *rest])
    if verb in {
        "import-units",
        "find-unit",
        "backup",
        "restore",
        "import-framework",
        "fake-gateway",
        "periodic",
        "import-records",
        "outbox",
        "personal-data",
    }:
        return _django([verb.replace("-", "_"), *rest])
    print(f"xaso: lệnh không hợp lệ {verb!r}.\n{USAGE}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
