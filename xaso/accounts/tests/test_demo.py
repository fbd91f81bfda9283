"""Demo accounts: one per role, bound to the seed pilot communes, idempotent."""

from __future__ import annotations

import pytest

from xaso.accounts.demo import DEMO_PASSWORD, load_demo_accounts
from xaso.accounts.models import Role, RoleAssignment, User
from xaso.units import demo as units_demo
from xaso.units.actions import do_save_group

pytestmark = pytest.mark.django_db


@pytest.fixture
def pilot_groups(db: None) -> None:
    # The same as xaso.site.loaders.load_pilot_groups, which this app may not import.
    for pilot in units_demo.PILOT_GROUPS:
        members = [
            units_demo.main_successor(units_demo.legacy_commune(pilot.province, d, c))
            for d, c in pilot.communes
        ]
        do_save_group(
            slug=pilot.slug,
            name=pilot.name,
            description="",
            province=members[0].province,
            members=members,
            actor=None,
        )


def test_one_account_per_role_bound_to_the_pilots(pilot_groups: None) -> None:
    logins = load_demo_accounts()
    assert {Role(a.role) for a in RoleAssignment.objects.all()} == set(Role)
    assert all(password == DEMO_PASSWORD for _, password, _ in logins)
    hoa_phu = User.objects.get(username="canbo.hoaphu")
    assert [a.unit.code for a in hoa_phu.role_assignments.all()] == ["24175"]
    assert User.objects.get(username="admin.thainguyen").province.short_name == "Thái Nguyên"
    assert RoleAssignment.objects.filter(user__username="canbo.backan").count() == 8
    assert User.objects.get(username="admin.daklak").check_password(DEMO_PASSWORD)


def test_loading_twice_changes_nothing(pilot_groups: None) -> None:
    first = load_demo_accounts()
    counts = (User.objects.count(), RoleAssignment.objects.count())
    assert load_demo_accounts() == first
    assert (User.objects.count(), RoleAssignment.objects.count()) == counts
