"""Registers the models that exist before any domain app: accounts themselves, the audit
log (core) and unit groups (units). Core and units cannot import accounts, so their
registrations live here; later apps register their own models in their ``ready()``."""

from __future__ import annotations

from xaso.core.scoping import (
    ALL_ACTIONS,
    OWNER,
    PUBLIC,
    READ_ACTIONS,
    SUPERUSER,
    register_family,
    register_scoped_model,
)

# Accounts are managed by the administrators of the province that owns them; a person
# may look at their own account and roles.
ACCOUNTS_POLICY = {"province_admin": ALL_ACTIONS, SUPERUSER: ALL_ACTIONS, OWNER: {"view"}}
# The audit log is read and exported, never changed — not even by a superuser.
AUDIT_POLICY = {"province_admin": READ_ACTIONS, SUPERUSER: READ_ACTIONS}
# Unit groups are public knowledge; a province's administrators maintain its own.
UNIT_GROUPS_POLICY = {PUBLIC: READ_ACTIONS, "province_admin": ALL_ACTIONS, SUPERUSER: ALL_ACTIONS}


def register_builtin_models() -> None:
    from xaso.accounts.models import RoleAssignment, User
    from xaso.core.models import AuditEntry
    from xaso.units.models import UnitGroup

    register_family("accounts", ACCOUNTS_POLICY)
    register_family("audit", AUDIT_POLICY)
    register_family("unit_groups", UNIT_GROUPS_POLICY)
    register_scoped_model(User, unit_field="province", family="accounts", owner_field="pk")
    register_scoped_model(
        RoleAssignment, unit_field="province", family="accounts", owner_field="user"
    )
    register_scoped_model(AuditEntry, unit_field="province", family="audit")
    register_scoped_model(UnitGroup, unit_field="province", family="unit_groups")
