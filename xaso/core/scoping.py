"""The register of scoped models: which unit each record belongs to, and who may do what.

Every app that stores records hanging on an administrative unit registers its models
here (in its ``AppConfig.ready``) with the path to that unit and a *family* whose policy
says which role may do which action. ``xaso.accounts.queries`` turns this into querysets;
the access-matrix test walks the register, so a model registered tomorrow is tested
tomorrow without anyone touching the test.

Roles are plain strings here so core and units can register their models without
importing accounts (the layering forbids it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db import models

ACTIONS: tuple[str, ...] = ("list", "view", "download", "edit", "delete", "export")
READ_ACTIONS = frozenset({"list", "view", "download", "export"})
ALL_ACTIONS = frozenset(ACTIONS)

# Grant keys besides role names: "public" applies to everyone, signed in or not, over
# every unit; "superuser" to superusers over every unit; "owner" to the person the
# record's ``owner_field`` points at, whatever its unit.
PUBLIC = "public"
SUPERUSER = "superuser"
OWNER = "owner"

# The policy of an ordinary family of unit data (submissions, evidence, tasks…): officials
# read what is in their units; those who fill it in or check it may edit it; only the
# province's administrators delete. A family may declare its own.
DEFAULT_FAMILY = "default"
DEFAULT_POLICY: Mapping[str, frozenset[str]] = {
    "province_admin": ALL_ACTIONS,
    "verifier": READ_ACTIONS | {"edit"},
    "commune_officer": READ_ACTIONS | {"edit"},
    "sponsor": READ_ACTIONS,
    "leader": READ_ACTIONS,
    "citizen": frozenset(),
    SUPERUSER: ALL_ACTIONS,
}


@dataclass(frozen=True)
class ScopedModel:
    model: type[models.Model]
    unit_field: str
    family: str
    owner_field: str | None = None

    @property
    def label(self) -> str:
        return self.model._meta.label_lower


_models: dict[str, ScopedModel] = {}
_policies: dict[str, dict[str, frozenset[str]]] = {DEFAULT_FAMILY: dict(DEFAULT_POLICY)}


def register_family(name: str, policy: Mapping[str, Iterable[str]]) -> None:
    """Declares what each role may do with a family's records (actions from ``ACTIONS``)."""
    clean: dict[str, frozenset[str]] = {}
    for grant, actions in policy.items():
        acts = frozenset(actions)
        unknown = acts - ALL_ACTIONS
        if unknown:
            raise ValueError(f"Unknown actions for family {name!r}: {sorted(unknown)}")
        clean[grant] = acts
    _policies[name] = clean


def register_scoped_model(
    model: type[models.Model],
    *,
    unit_field: str,
    family: str = DEFAULT_FAMILY,
    owner_field: str | None = None,
) -> ScopedModel:
    """Registers a model whose rows belong to the unit at ``unit_field`` (a path to a
    ``units.Unit`` foreign key, e.g. ``"unit"`` or ``"submission__unit"``)."""
    if family not in _policies:
        raise ValueError(f"Register the policy of family {family!r} before its models.")
    entry = ScopedModel(model, unit_field, family, owner_field)
    _models[entry.label] = entry
    return entry


def scoped_models() -> list[ScopedModel]:
    return sorted(_models.values(), key=lambda e: (e.family, e.label))


def scoped_model_for(model: type[models.Model]) -> ScopedModel | None:
    return _models.get(model._meta.label_lower)


def policy(family: str) -> Mapping[str, frozenset[str]]:
    try:
        return _policies[family]
    except KeyError:
        raise ValueError(f"Unknown family {family!r}") from None


def families() -> list[str]:
    return sorted(_policies)


def unregister_scoped_model(model: type[models.Model]) -> None:
    """Removes a registration (tests that register a model for a moment)."""
    _models.pop(model._meta.label_lower, None)
