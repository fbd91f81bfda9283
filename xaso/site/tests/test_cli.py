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


def test_find_unit_lists_candidates_for_an_ambiguous_name() -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError) as exc:
        call_command("find_unit", "hoa phu", generation="current")
    assert "ứng với 2 đơn vị" in str(exc.value)
    assert "Xã Hòa Phú, Thành phố Hà Nội" in str(exc.value)


def test_find_unit_prints_the_unit_and_its_lineage(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("find_unit", "song cau bac kan")
    out = capsys.readouterr().out
    assert "01837  Phường Sông Cầu" in out and "nay thuộc" in out and "Phường Bắc Kạn" in out
