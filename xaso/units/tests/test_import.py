"""The unit import: counts of both generations, identity across the reform, idempotence."""

from __future__ import annotations

import pytest
from django.db import transaction

from xaso.core.models import AuditEntry
from xaso.units.actions import do_import_units
from xaso.units.models import LEGACY_END, REFORM_DATE, Generation, Level, Lineage, Unit

pytestmark = pytest.mark.django_db


def count(generation: str, level: str) -> int:
    return Unit.objects.filter(generation=generation, level=level).count()


def test_current_generation_has_34_provinces_and_3321_communes() -> None:
    assert count(Generation.CURRENT, Level.PROVINCE) == 34
    assert count(Generation.CURRENT, Level.COMMUNE) == 3321
    assert count(Generation.CURRENT, Level.DISTRICT) == 0


def test_current_communes_split_into_xa_phuong_dac_khu_as_published() -> None:
    by_type = {
        t: Unit.objects.filter(
            generation=Generation.CURRENT, level=Level.COMMUNE, unit_type=t
        ).count()
        for t in ("xa", "phuong", "dac_khu")
    }
    assert by_type == {"xa": 2621, "phuong": 687, "dac_khu": 13}


def test_legacy_generation_has_63_provinces_696_districts_and_about_10040_communes() -> None:
    assert count(Generation.LEGACY, Level.PROVINCE) == 63
    assert count(Generation.LEGACY, Level.DISTRICT) == 696
    # 10,035 communes; the package's 10,040 rows include five island districts with none.
    assert count(Generation.LEGACY, Level.COMMUNE) == 10035


def test_validity_dates_mark_the_reform() -> None:
    assert (
        not Unit.objects.filter(generation=Generation.CURRENT)
        .exclude(valid_from=REFORM_DATE, valid_to__isnull=True)
        .exists()
    )
    assert (
        not Unit.objects.filter(generation=Generation.LEGACY).exclude(valid_to=LEGACY_END).exists()
    )


def test_same_code_can_name_different_units_in_two_generations() -> None:
    both = Unit.objects.filter(level=Level.PROVINCE, code="66")
    assert {u.generation for u in both} == {"legacy", "current"}


def test_every_unit_carries_its_province() -> None:
    assert not Unit.objects.filter(province__isnull=True).exists()
    assert (
        not Unit.objects.filter(level=Level.COMMUNE, generation=Generation.LEGACY)
        .exclude(parent__level=Level.DISTRICT)
        .exists()
    )


def test_every_legacy_commune_leads_somewhere_and_every_current_one_has_a_past() -> None:
    legacy = Unit.objects.filter(generation=Generation.LEGACY, level=Level.COMMUNE)
    assert not legacy.filter(successor_links__isnull=True).exists()
    current = Unit.objects.filter(generation=Generation.CURRENT, level=Level.COMMUNE)
    assert not current.filter(predecessor_links__isnull=True).exists()


def test_split_units_are_marked_partly() -> None:
    partly = Lineage.objects.filter(partly=True)
    assert partly.count() > 400
    # A split unit has several successors, exactly one of them its main successor.
    pred = partly.first().predecessor  # type: ignore[union-attr]
    links = Lineage.objects.filter(predecessor=pred)
    assert links.count() >= 2
    assert links.filter(is_main_successor=True).count() == 1


def test_import_twice_changes_nothing() -> None:
    before = list(Unit.objects.order_by("pk").values_list("pk", "name", "parent_id", "search_text"))
    links_before = Lineage.objects.count()
    audits_before = AuditEntry.objects.count()
    report = do_import_units()
    assert not report.changed
    assert report.created == report.updated == 0
    assert (
        list(Unit.objects.order_by("pk").values_list("pk", "name", "parent_id", "search_text"))
        == before
    )
    assert Lineage.objects.count() == links_before
    assert AuditEntry.objects.count() == audits_before


def test_import_repairs_a_changed_unit_and_audits_it() -> None:
    unit = Unit.objects.get(generation=Generation.CURRENT, code="24175")
    Unit.objects.filter(pk=unit.pk).update(name="Sai tên")
    report = do_import_units()
    assert report.updated == 1
    assert Unit.objects.get(pk=unit.pk).name == "Xã Hòa Phú"
    assert AuditEntry.objects.filter(action="units.import").exists()


def test_failed_import_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    from xaso.units import source

    Unit.objects.filter(generation=Generation.CURRENT, code="24175").update(name="Sai tên")
    broken = [*source.lineage()[:10], source.LineageRecord("khong_co", "khong_co", False, True)]
    monkeypatch.setattr(source, "lineage", lambda: broken)
    with pytest.raises(KeyError), transaction.atomic():
        do_import_units()
    assert Unit.objects.get(generation=Generation.CURRENT, code="24175").name == "Sai tên"
    assert Lineage.objects.count() > 10000
