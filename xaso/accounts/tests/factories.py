"""Test factories for accounts, and the sample maker for each model the accounts app
registers for scoping. The access-matrix test finds ``SCOPED_SAMPLES`` in every app's
``tests/factories.py``: an app that registers a model adds its maker here, in its own app.

A maker gets a commune (current or legacy) and returns a saved record belonging to it
(or, for province-wide records, to its province).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable

from django.db import models
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from xaso.accounts.actions import do_assign_roles, do_create_user
from xaso.accounts.models import RoleAssignment, User
from xaso.core.models import AuditEntry
from xaso.units.models import Unit, UnitGroup

PASSWORD = "mat-khau-thu-nghiem-2025"
_seq = itertools.count(1)


def make_user(
    *,
    role: str = "",
    units: Iterable[Unit] = (),
    province: Unit | None = None,
    phone: str = "",
    organisation: str = "",
    superuser: bool = False,
    username: str = "",
) -> User:
    """A user made through the real actions; ``province`` defaults to the units' one."""
    units = list(units)
    if province is None and units:
        first = units[0]
        province = first if first.level == "province" else first.province
    n = next(_seq)
    user = do_create_user(
        username=username or f"nguoidung{n}",
        full_name=f"Người Thử {n}",
        phone=phone,
        organisation=organisation or ("Sở Thử nghiệm" if role == "sponsor" else ""),
        province=province,
        password=PASSWORD,
        actor=None,
    ).user
    if role:
        do_assign_roles(user=user, role=role, units=units, actor=None)
    if superuser:
        User.objects.filter(pk=user.pk).update(is_superuser=True, is_staff=True)
        user.refresh_from_db()
    return User.objects.get(pk=user.pk)


def confirmed_device(user: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="thử", confirmed=True)


def current_token(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def _province_of(unit: Unit) -> Unit:
    assert unit.province is not None
    return unit.province


def _sample_user(unit: Unit) -> User:
    n = next(_seq)
    return User.objects.create(
        username=f"mau{n}", full_name=f"Mẫu {n}", province=_province_of(unit)
    )


def _sample_assignment(unit: Unit) -> RoleAssignment:
    owner = _sample_user(unit)
    return RoleAssignment.objects.create(
        user=owner, role="commune_officer", unit=unit, province=_province_of(unit)
    )


def _sample_audit(unit: Unit) -> AuditEntry:
    return AuditEntry.objects.create(
        actor_label="system", action="test.sample", province=_province_of(unit)
    )


def _sample_group(unit: Unit) -> UnitGroup:
    group = UnitGroup.objects.create(
        name=f"Nhóm mẫu {next(_seq)}", slug=f"nhom-mau-{next(_seq)}", province=_province_of(unit)
    )
    group.members.add(unit)
    return group


SCOPED_SAMPLES: dict[str, Callable[[Unit], models.Model]] = {
    "accounts.user": _sample_user,
    "accounts.roleassignment": _sample_assignment,
    "core.auditentry": _sample_audit,
    "units.unitgroup": _sample_group,
}
