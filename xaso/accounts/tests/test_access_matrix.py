"""The access matrix: every kind of person × every registered scoped model × every action,
against records in their own commune, another commune of their province, their commune's
pre-2025 predecessor and a commune of another province. Zero leaks, and no record
hidden that the role table grants.

The expected answer is worked out here from the role table and the units' lineage, one
record at a time, independently of the set arithmetic in ``queries.visible_unit_ids``.
Models registered by later apps join the matrix on their own; one registered without a
sample maker in its app's ``tests/factories.py`` fails ``test_every_registered_model...``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.http import Http404

from xaso.accounts import queries
from xaso.accounts.models import RoleAssignment, User
from xaso.accounts.tests.factories import make_user
from xaso.accounts.tests.tally import MATRIX
from xaso.core.scoping import (
    ACTIONS,
    ALL_ACTIONS,
    DEFAULT_FAMILY,
    OWNER,
    PUBLIC,
    SUPERUSER,
    ScopedModel,
    policy,
    register_scoped_model,
    scoped_models,
    unregister_scoped_model,
)
from xaso.units.models import Generation, Lineage, Unit

pytestmark = pytest.mark.django_db


def sample_makers() -> dict[str, Callable[[Unit], models.Model]]:
    makers: dict[str, Callable[[Unit], models.Model]] = {}
    for config in apps.get_app_configs():
        if not config.name.startswith("xaso."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.tests.factories")
        except ModuleNotFoundError:
            continue
        makers.update(getattr(module, "SCOPED_SAMPLES", {}))
    return makers


def missing_makers() -> list[str]:
    makers = sample_makers()
    return [e.label for e in scoped_models() if e.label not in makers]


def test_every_registered_model_has_a_sample_maker() -> None:
    assert not missing_makers(), (
        "Add a sample maker to SCOPED_SAMPLES in the app's tests/factories.py for: "
        f"{missing_makers()}"
    )


def test_a_model_registered_later_joins_the_matrix() -> None:
    """Registering a model is enough to put it in the matrix (and to demand a maker)."""
    entry = register_scoped_model(Lineage, unit_field="successor")
    try:
        assert entry in scoped_models()
        assert "units.lineage" in missing_makers()
    finally:
        unregister_scoped_model(Lineage)
    assert "units.lineage" not in missing_makers()


@dataclass(frozen=True)
class Person:
    """Who acts: a role bound to a province ("P") or to the home commune ("A")."""

    key: str
    role: str = ""
    bound: str = ""  # "P" or "A"
    superuser: bool = False
    anonymous: bool = False
    active: bool = True


PEOPLE = [
    Person("anonymous", anonymous=True),
    Person("signed-in-no-role"),
    Person("superuser", superuser=True),
    Person("province_admin", "province_admin", "P"),
    Person("province_admin-disabled", "province_admin", "P", active=False),
    Person("verifier-province", "verifier", "P"),
    Person("verifier-commune", "verifier", "A"),
    Person("commune_officer", "commune_officer", "A"),
    Person("sponsor", "sponsor", "A"),
    Person("leader", "leader", "P"),
    Person("citizen", "citizen", "A"),
]

# Where records are put: own commune, another commune of the same province, the own
# commune's legacy predecessor, a commune of another province.
PLACES = ("own", "same-province", "own-legacy", "other-province")


def _unit_at(obj: models.Model, path: str) -> Unit | None:
    value: object = obj
    for part in path.split("__"):
        value = getattr(value, part, None)
        if value is None:
            return None
    assert isinstance(value, Unit)
    return value


def _covered_by_province(province: Unit, unit: Unit) -> bool:
    if unit.generation == Generation.CURRENT:
        return unit.province_id == province.pk
    successors = Unit.objects.filter(predecessor_links__predecessor=unit)
    if any(s.province_id == province.pk or s.pk == province.pk for s in successors):
        return True
    legacy_province = unit.province
    return (
        legacy_province is not None
        and Lineage.objects.filter(predecessor=legacy_province, successor=province).exists()
    )


def _covered_by_commune(commune: Unit, unit: Unit) -> bool:
    return (
        unit.pk == commune.pk
        or Lineage.objects.filter(predecessor=unit, successor=commune).exists()
    )


def expected(
    person: Person,
    actor: User | None,
    entry: ScopedModel,
    obj: models.Model,
    action: str,
    home: Unit,
) -> bool:
    rules = policy(entry.family)
    if action in rules.get(PUBLIC, frozenset()):
        return True
    if person.anonymous or actor is None or not person.active:
        return False
    if person.superuser:
        return action in rules.get(SUPERUSER, ALL_ACTIONS)
    if entry.owner_field and entry in scoped_models() and action in rules.get(OWNER, frozenset()):
        owner = getattr(obj, entry.owner_field.removesuffix("_id"), None)
        if getattr(owner, "pk", owner) == actor.pk:
            return True
    if not person.role or action not in rules.get(person.role, frozenset()):
        return False
    unit = _unit_at(obj, entry.unit_field)
    if unit is None:
        return False
    if person.bound == "P":
        assert home.province is not None
        return _covered_by_province(home.province, unit)
    return _covered_by_commune(home, unit)


def _actor(person: Person, home: Unit) -> User | None:
    if person.anonymous:
        return None
    assert home.province is not None
    bound = [home.province] if person.bound == "P" else [home]
    user = make_user(
        role=person.role,
        units=bound if person.role else [],
        province=home.province,
        superuser=person.superuser,
    )
    if not person.active:
        User.objects.filter(pk=user.pk).update(is_active=False)
        user.refresh_from_db()
    return user


# The registered models are all province-wide records so far; this probe puts an ordinary
# commune-level family (the default policy, records on a commune) through the same matrix
# so the commune and lineage rules are covered before the first domain app arrives.
PROBE = ScopedModel(RoleAssignment, unit_field="unit", family=DEFAULT_FAMILY)


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize(
    "entry",
    [*scoped_models(), PROBE],
    ids=lambda e: "default-family-probe" if e is PROBE else e.label,
)
@pytest.mark.parametrize("person", PEOPLE, ids=lambda p: p.key)
def test_access_matrix(
    person: Person,
    entry: ScopedModel,
    action: str,
    hoa_phu: Unit,
    hoa_phu_legacy: Unit,
    krong_nang: Unit,
    bac_kan_ward: Unit,
) -> None:
    make = sample_makers()[entry.label]
    places = {
        "own": hoa_phu,
        "same-province": krong_nang,
        "own-legacy": hoa_phu_legacy,
        "other-province": bac_kan_ward,
    }
    records = {place: make(unit) for place, unit in places.items()}
    actor = _actor(person, hoa_phu)
    viewer = actor if actor is not None else AnonymousUser()
    manager = entry.model._default_manager
    registered = entry in scoped_models()
    scoped = queries.scope(
        manager.all(), viewer, action=action, unit_field=entry.unit_field, family=entry.family
    )
    visible = set(scoped.values_list("pk", flat=True))
    problems = []
    for place, obj in records.items():
        want = expected(person, actor, entry, obj, action, hoa_phu)
        got = obj.pk in visible
        got_one = got  # the probe is not registered, so only its list scope is checked
        if registered:
            try:
                queries.access_or_404(viewer, manager.all(), obj.pk, action=action)
                got_one = True
            except Http404:
                got_one = False
        MATRIX["pairs"] += 1
        if (got or got_one) and not want:
            MATRIX["leaks"] += 1
            problems.append(f"LEAK {place}: list={got} detail={got_one}")
        elif not want == got == got_one:
            problems.append(f"{place}: expected {want}, list={got} detail={got_one}")
    assert not problems, f"{person.key} / {entry.label} / {action}: {problems}"
