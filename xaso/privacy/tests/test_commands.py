"""``xaso personal-data``: the register check, and a resident's export and erasure from
the command line, asking for the number instead of taking it from the shell's history."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from xaso.citizens.models import Case
from xaso.cli import main
from xaso.core.models import AuditEntry
from xaso.privacy import actions
from xaso.privacy.tests.conftest import OTHER_PHONE, PHONE, Resident, receive
from xaso.units.models import Unit

pytestmark = pytest.mark.django_db


def test_export_and_erase_from_the_command_line(
    resident: Resident, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "du-lieu.zip"
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{PHONE}\n"))
    call_command("personal_data", "export", "--province", "66", "--out", str(out),
                 stdout=io.StringIO(), stderr=io.StringIO())  # fmt: skip
    assert "du-lieu.json" in zipfile.ZipFile(out).namelist()

    monkeypatch.setattr("sys.stdin", io.StringIO(f"{PHONE}\nkhông\n"))
    with pytest.raises(CommandError, match="Đã huỷ"):
        call_command("personal_data", "erase", "--province", "66", "--reason", "Đơn ngày 1/7",
                     stdout=io.StringIO(), stderr=io.StringIO())  # fmt: skip
    assert Case.objects.get(pk=resident.case_hp.pk).reporter_phone == PHONE

    monkeypatch.setattr("sys.stdin", io.StringIO(f"{PHONE}\nXOA\n"))
    printed = io.StringIO()
    call_command("personal_data", "erase", "--province", "66", "--reason", "Đơn ngày 1/7",
                 stdout=printed, stderr=io.StringIO())  # fmt: skip
    assert "citizens.case: 2" in printed.getvalue() and PHONE not in printed.getvalue()
    assert Case.objects.get(pk=resident.case_hp.pk).reporter_phone == ""
    row = AuditEntry.objects.get(action="privacy.erase_personal_data")
    assert row.actor is None and row.actor_label == "system"


def test_a_bad_number_is_a_clear_error(db: None) -> None:
    with pytest.raises(CommandError, match="Số điện thoại không hợp lệ"):
        call_command("personal_data", "erase", "--phone", "123", "--reason", "Đơn", "--yes",
                     stdout=io.StringIO())  # fmt: skip


def test_the_xaso_verb_checks_the_document() -> None:
    assert main(["personal-data", "register", "--check"]) == 0


def test_erasures_are_applied_again_after_an_older_backup_is_restored(
    resident: Resident, hoa_phu: Unit, tmp_path: Path
) -> None:
    actions.do_erase_personal_data(phone=PHONE, province=None, reason="Đơn ngày 1/7", actor=None)
    ledger = tmp_path / "da-xoa.txt"
    printed = io.StringIO()
    call_command("personal_data", "ledger", stdout=printed)
    ledger.write_text(printed.getvalue())
    assert PHONE not in printed.getvalue() and printed.getvalue().strip()
    # What a backup taken before the erasure brings back:
    restored = receive(hoa_phu, "Ổ gà sâu trước nhà số 12 Lê Duẩn", phone=PHONE)
    call_command("personal_data", "reapply", str(ledger), stdout=io.StringIO())
    assert Case.objects.get(pk=restored.pk).reporter_phone == ""
    assert Case.objects.get(pk=resident.other_case.pk).reporter_phone == OTHER_PHONE
