"""State changes of the units app. Units come only from the maintained package, never by hand."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from xaso.core.audit import diff, record_audit
from xaso.units import source
from xaso.units.models import LEGACY_END, REFORM_DATE, Generation, Lineage, Unit, UnitGroup

_COMPARED = (
    "unit_type", "name", "short_name", "latitude", "longitude", "area_km2", "source_key",
    "search_text", "name_key", "valid_from", "valid_to", "parent_id", "province_id",
)  # fmt: skip


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    lineage_created: int = 0
    lineage_removed: int = 0
    by_generation: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.lineage_created or self.lineage_removed)


def _validity(generation: str) -> tuple[object, object]:
    return (None, LEGACY_END) if generation == Generation.LEGACY else (REFORM_DATE, None)


def _upsert_level(
    records: list[source.UnitRecord],
    existing: dict[tuple[str, str, str], Unit],
    ids: dict[tuple[str, str, str], int],
    report: ImportReport,
) -> None:
    to_create: list[Unit] = []
    to_update: list[Unit] = []
    for rec in records:
        valid_from, valid_to = _validity(rec.generation)
        parent_level = (
            "province" if rec.level != "commune" or rec.generation == "current" else ("district")
        )
        wanted = {
            "unit_type": rec.unit_type, "name": rec.name, "short_name": rec.short_name,
            "latitude": rec.latitude, "longitude": rec.longitude, "area_km2": rec.area_km2,
            "source_key": rec.source_key, "search_text": rec.search_text,
            "name_key": rec.name_key,
            "valid_from": valid_from, "valid_to": valid_to,
            "parent_id": ids[(rec.generation, parent_level, rec.parent_code)]
            if rec.parent_code else None,
            "province_id": ids.get((rec.generation, "province", rec.province_code)),
        }  # fmt: skip
        key = (rec.generation, rec.level, rec.code)
        unit = existing.get(key)
        if unit is None:
            to_create.append(Unit(generation=rec.generation, level=rec.level, code=rec.code,
                                  **wanted))  # fmt: skip
        elif any(getattr(unit, f) != wanted[f] for f in _COMPARED):
            for f in _COMPARED:
                setattr(unit, f, wanted[f])
            to_update.append(unit)
        else:
            report.unchanged += 1
    Unit.objects.bulk_create(to_create, batch_size=2000)
    if to_update:
        Unit.objects.bulk_update(to_update, _COMPARED, batch_size=2000)
    report.created += len(to_create)
    report.updated += len(to_update)
    for unit in to_create:
        ids[(unit.generation, unit.level, unit.code)] = unit.pk
        existing[(unit.generation, unit.level, unit.code)] = unit
    # A province is its own province: set after the row has an id.
    fix = [u for u in to_create if u.level == "province"]
    for u in fix:
        u.province_id = u.pk
    if fix:
        Unit.objects.bulk_update(fix, ["province_id"])


@transaction.atomic
def do_import_units() -> ImportReport:
    """Loads or refreshes both generations and their lineage; running it twice changes nothing."""
    report = ImportReport()
    records = [*source.legacy_units(), *source.current_units()]
    links = source.lineage()

    existing = {(u.generation, u.level, u.code): u for u in Unit.objects.all()}
    ids = {k: u.pk for k, u in existing.items()}
    for level in ("province", "district", "commune"):
        _upsert_level([r for r in records if r.level == level], existing, ids, report)

    by_key = {(u.generation, u.source_key): u.pk for u in existing.values()}
    wanted: dict[tuple[int, int], tuple[bool, bool]] = {}
    for link in links:
        pair = (by_key[("legacy", link.predecessor_key)], by_key[("current", link.successor_key)])
        old = wanted.get(pair, (False, False))
        wanted[pair] = (old[0] or link.partly, old[1] or link.is_main_successor)
    current = {
        (pred, succ): (pk, partly, main)
        for pk, pred, succ, partly, main in Lineage.objects.values_list(
            "pk", "predecessor_id", "successor_id", "partly", "is_main_successor"
        )
    }
    stale = [pk for pair, (pk, *flags) in current.items() if wanted.get(pair) != tuple(flags)]
    Lineage.objects.filter(pk__in=stale).delete()
    fresh = [
        Lineage(predecessor_id=p, successor_id=s, partly=partly, is_main_successor=main)
        for (p, s), (partly, main) in wanted.items()
        if (p, s) not in current or current[(p, s)][1:] != (partly, main)
    ]
    Lineage.objects.bulk_create(fresh, batch_size=5000)
    report.lineage_created, report.lineage_removed = len(fresh), len(stale)

    for gen in Generation.values:
        report.by_generation[gen] = {
            level: sum(1 for k in ids if k[0] == gen and k[1] == level)
            for level in ("province", "district", "commune")
        }
    if report.changed:
        record_audit(
            actor=None,
            action="units.import",
            target=None,
            changes={"created": report.created, "updated": report.updated,
                     "lineage_created": report.lineage_created,
                     "lineage_removed": report.lineage_removed},
        )  # fmt: skip
    return report


def _may_edit_groups(actor: Any, province: Unit | None) -> bool:
    if actor is None or getattr(actor, "is_superuser", False):
        return True  # the system (CLI, demo loader) or a superuser
    if province is None:
        return False
    # Role rows are read through the user's relation so this app need not import accounts.
    return bool(actor.role_assignments.filter(role="province_admin", unit_id=province.pk).exists())


@transaction.atomic
def do_save_group(
    *,
    slug: str,
    name: str,
    description: str,
    province: Unit | None,
    members: list[Unit],
    actor: Any,
) -> UnitGroup:
    """Creates or updates a named set of units; only the province's administrators may."""
    if not _may_edit_groups(actor, province):
        raise PermissionDenied("Chỉ quản trị cấp tỉnh được sửa nhóm đơn vị của tỉnh mình.")
    group = UnitGroup.objects.select_for_update().filter(slug=slug).first()
    before: dict[str, Any] = {}
    if group is None:
        group = UnitGroup(slug=slug, created_by=actor if getattr(actor, "pk", None) else None)
    else:
        if not _may_edit_groups(actor, group.province):
            raise PermissionDenied("Nhóm này thuộc tỉnh khác.")
        before = {"name": group.name, "description": group.description,
                  "members": sorted(group.members.values_list("code", flat=True))}  # fmt: skip
    group.name, group.description, group.province = name, description, province
    group.save()
    group.members.set(members)
    after = {"name": name, "description": description,
             "members": sorted(u.code for u in members)}  # fmt: skip
    changes = diff(before, after)
    if changes:
        record_audit(actor=actor, action="units.save_group", target=group, changes=changes,
                     province_id=province.pk if province else None)  # fmt: skip
    return group
