"""The `xaso` command: verbs, passthrough and errors."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from xaso.cli import main
from xaso.units.models import UnitGroup

pytestmark = pytest.mark.django_db


def test_unknown_verb_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["khong-co"]) == 2
    assert "lệnh không hợp lệ" in capsys.readouterr().err


def test_help_lists_the_verbs(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for verb in ("demo", "serve", "worker", "import-units", "score", "manage"):
        assert f"xaso {verb}" in out


def test_import_units_command_reports_counts(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("import_units")
    out = capsys.readouterr().out
    assert "34 tỉnh/thành, 0 quận/huyện, 3321 xã" in out
    assert "Thêm 0, cập nhật 0" in out


def test_demo_without_serving_is_idempotent(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("demo", no_serve=True)
    call_command("demo", no_serve=True)
    out = capsys.readouterr().out
    assert "http://127.0.0.1:8000/" in out
    assert UnitGroup.objects.filter(slug__startswith="thi-diem-cds").count() == 2
    assert UnitGroup.objects.get(slug="thi-diem-cds-2023-bac-kan").members.count() == 8
