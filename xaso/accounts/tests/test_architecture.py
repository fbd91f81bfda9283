"""House rules that a reviewer would otherwise have to remember: views never write
models, the audit log is append-only, phone numbers never reach the logs."""

from __future__ import annotations

import ast
import logging
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from xaso.accounts import actions
from xaso.accounts.tests.conftest import raw_phones
from xaso.accounts.tests.factories import make_user
from xaso.core.audit import record_audit
from xaso.core.models import AuditEntry
from xaso.units.models import Unit

XASO = Path(__file__).resolve().parents[2]
WRITES = {
    "save",
    "delete",
    "create",
    "update",
    "bulk_create",
    "bulk_update",
    "get_or_create",
    "update_or_create",
}


def _interface_modules() -> list[Path]:
    return sorted(
        p
        for p in XASO.rglob("*.py")
        if "tests" not in p.parts
        and (p.name in {"views.py", "api.py"} or {"views", "api"} & set(p.parent.parts[-1:]))
    )


def model_writes(source: str) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in WRITES
        ):
            found.append((node.lineno, node.func.attr))
    return found


def test_the_write_detector_catches_writes() -> None:
    sample = (
        "def v(r):\n    obj.save()\n    Model.objects.filter(x=1).update(y=2)\n    form.save()\n"
    )
    assert [w for _, w in model_writes(sample)] == ["save", "update", "save"]


def test_no_view_or_api_module_writes_a_model() -> None:
    modules = _interface_modules()
    assert XASO / "accounts" / "views.py" in modules and XASO / "units" / "api.py" in modules
    offences = [
        f"{path.relative_to(XASO.parent)}:{line} .{call}()"
        for path in modules
        for line, call in model_writes(path.read_text())
    ]
    assert not offences, "Views and API call actions; they never write models: " + ", ".join(
        offences
    )


@pytest.mark.django_db
def test_the_audit_log_cannot_be_changed_or_deleted(dak_lak: Unit) -> None:
    entry = record_audit(actor=None, action="test.append_only", target=dak_lak)
    entry.action = "test.rewritten"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(pk=entry.pk).update(action="x")
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.get(pk=entry.pk).action == "test.append_only"


@pytest.mark.django_db
def test_audit_rows_say_who_when_what_and_from_where(dak_lak: Unit, hoa_phu: Unit) -> None:
    admin = make_user(role="province_admin", units=[dak_lak], username="admin.ip")
    officer = make_user(role="commune_officer", units=[hoa_phu])
    client = Client(REMOTE_ADDR="203.0.113.44")
    client.force_login(admin)
    from django_otp import DEVICE_ID_SESSION_KEY

    from xaso.accounts.tests.factories import confirmed_device

    session = client.session
    session[DEVICE_ID_SESSION_KEY] = confirmed_device(admin).persistent_id
    session.save()
    client.post(reverse("accounts:user_enable", args=[officer.pk]))
    row = AuditEntry.objects.filter(action="accounts.enable_user").get()
    assert row.actor == admin and row.actor_label == "admin.ip"
    assert row.ip_address == "203.0.113.44" and row.request_id
    assert row.target_type == "accounts.user" and row.target_id == str(officer.pk)
    assert row.province == dak_lak and row.at is not None


def test_the_log_check_would_catch_a_raw_phone(caplog: pytest.LogCaptureFixture) -> None:
    """The autouse check in conftest is only worth something if it can fail."""
    logger = logging.getLogger("xaso.test")
    record = logger.makeRecord(
        "xaso.test", logging.INFO, __file__, 1, "gọi %s", ("0912 345 678",), None
    )
    assert raw_phones([record]) == ["0912 345 678"]
    masked = logger.makeRecord("xaso.test", logging.INFO, __file__, 1, "gọi 09x xxx x678", (), None)
    assert raw_phones([masked]) == []


@pytest.mark.django_db
def test_account_work_with_phone_numbers_logs_none_of_them(
    caplog: pytest.LogCaptureFixture, dak_lak: Unit, hoa_phu: Unit
) -> None:
    caplog.set_level(logging.DEBUG)
    admin = make_user(role="province_admin", units=[dak_lak], phone="0901 111 222")
    officer = make_user(role="commune_officer", units=[hoa_phu], phone="0903 333 444")
    actions.do_update_user(
        user=officer, full_name="Tên", phone="0904 444 555", email="", organisation="", actor=admin
    )
    actions.do_import_officers(
        content="họ tên,điện thoại,vai trò,mã đơn vị\nAn,0905555666,Cán bộ cấp xã,24175\n"
        "Bình,0905555666,Cán bộ cấp xã,24175\n".encode(),
        filename="ds.csv",
        province=dak_lak,
        actor=admin,
    )
    client = Client()
    for _ in range(6):  # failures and a lockout, with a phone number typed as the username
        client.post(reverse("accounts:login"), {"username": "0906666777", "password": "x"})
    client.get("/tai-khoan/nguoi-dung/0907777888/")
    assert caplog.records, "nothing was logged, so nothing was checked"
    assert raw_phones(caplog.records) == []
