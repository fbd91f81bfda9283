"""The scoping rule itself: lineage, province coverage, ALL, and the 404 helpers."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from xaso.accounts import queries
from xaso.accounts.models import RoleAssignment, User
from xaso.accounts.tests.factories import make_user
from xaso.core.audit import record_audit
from xaso.units.models import Generation, Unit

pytestmark = pytest.mark.django_db


def test_commune_role_sees_its_commune_and_the_legacy_communes_merged_into_it(
    hoa_phu: Unit, hoa_phu_legacy: Unit, krong_nang: Unit, bac_kan_ward: Unit
) -> None:
    officer = make_user(role="commune_officer", units=[hoa_phu])
    ids = queries.visible_unit_ids(officer, action="view")
    assert isinstance(ids, set)
    assert {hoa_phu.pk, hoa_phu_legacy.pk} <= ids
    # Hòa Phú took in three legacy communes; nothing else of the province is visible.
    assert len(ids) == 1 + Unit.objects.filter(successor_links__successor=hoa_phu).count()
    assert krong_nang.pk not in ids and bac_kan_ward.pk not in ids


def test_province_role_covers_current_units_and_the_legacy_provinces_merged_in(
    dak_lak: Unit, hoa_phu: Unit, hoa_phu_legacy: Unit, bac_kan_ward: Unit
) -> None:
    leader = make_user(role="leader", units=[dak_lak])
    ids = queries.visible_unit_ids(leader, action="list")
    assert isinstance(ids, set)
    assert {dak_lak.pk, hoa_phu.pk, hoa_phu_legacy.pk} <= ids
    # Phú Yên merged into Đắk Lắk in 2025: its old districts and communes come along.
    phu_yen = Unit.objects.get(generation=Generation.LEGACY, level="province", short_name="Phú Yên")
    assert phu_yen.pk in ids
    assert set(Unit.objects.filter(province=phu_yen).values_list("pk", flat=True)) <= ids
    assert bac_kan_ward.pk not in ids


def test_bac_kan_pilots_are_reached_from_thai_nguyen(
    thai_nguyen: Unit, bac_kan_ward: Unit, dak_lak: Unit
) -> None:
    admin = make_user(role="province_admin", units=[thai_nguyen])
    song_cau = Unit.objects.get(
        generation=Generation.LEGACY,
        level="commune",
        name="Phường Sông Cầu",
        province__short_name="Bắc Kạn",
    )
    assert queries.may_in_unit(admin, "edit", song_cau.pk)
    assert queries.may_in_unit(admin, "edit", bac_kan_ward.pk)
    assert not queries.may_in_unit(admin, "view", dak_lak.pk)


def test_read_only_roles_may_not_edit(dak_lak: Unit, hoa_phu: Unit) -> None:
    leader = make_user(role="leader", units=[dak_lak])
    sponsor = make_user(role="sponsor", units=[hoa_phu])
    assert queries.may_in_unit(leader, "view", hoa_phu.pk)
    assert not queries.may_in_unit(leader, "edit", hoa_phu.pk)
    assert queries.may_in_unit(sponsor, "download", hoa_phu.pk)
    assert not queries.may_in_unit(sponsor, "delete", hoa_phu.pk)


def test_superuser_sees_all_but_cannot_edit_the_audit_log(hoa_phu: Unit) -> None:
    root = make_user(superuser=True, province=hoa_phu.province)
    assert queries.visible_unit_ids(root, action="edit") is queries.ALL
    assert queries.visible_unit_ids(root, action="edit", family="audit") == set()
    assert queries.visible_unit_ids(root, action="export", family="audit") is queries.ALL


def test_anonymous_and_disabled_people_see_nothing_but_public_records(dak_lak: Unit) -> None:
    admin = make_user(role="province_admin", units=[dak_lak])
    User.objects.filter(pk=admin.pk).update(is_active=False)
    admin.refresh_from_db()
    for viewer in (AnonymousUser(), None, admin):
        assert queries.visible_unit_ids(viewer, action="view") == set()
        assert queries.visible_unit_ids(viewer, action="view", family="unit_groups") is queries.ALL


def test_scope_of_an_unregistered_model_uses_the_given_unit_field(
    hoa_phu: Unit, krong_nang: Unit
) -> None:
    officer = make_user(role="commune_officer", units=[hoa_phu])
    other = make_user(role="commune_officer", units=[krong_nang])
    qs = queries.scope(Unit.objects.all(), officer, unit_field="id")
    assert hoa_phu in qs and krong_nang not in qs
    assert other.pk not in queries.scope(User.objects.all(), officer).values_list("pk", flat=True)


def test_a_person_may_view_their_own_account_and_roles_only(
    officer_hp: User, krong_nang: Unit
) -> None:
    other = make_user(role="commune_officer", units=[krong_nang])
    assert queries.access_user_or_404(officer_hp, officer_hp.pk) == officer_hp
    with pytest.raises(Http404):
        queries.access_user_or_404(officer_hp, other.pk)
    with pytest.raises(Http404):
        queries.access_user_or_404(officer_hp, officer_hp.pk, action="edit")
    mine = RoleAssignment.objects.get(user=officer_hp)
    assert queries.access_or_404(officer_hp, RoleAssignment.objects.all(), mine.pk) == mine


def test_missing_and_forbidden_get_the_same_404(admin_dl: User, admin_tn: User) -> None:
    with pytest.raises(Http404) as missing:
        queries.access_user_or_404(admin_dl, 10**9)
    with pytest.raises(Http404) as forbidden:
        queries.access_user_or_404(admin_dl, admin_tn.pk)
    with pytest.raises(Http404):
        queries.access_user_or_404(admin_dl, "not-a-number")
    assert str(missing.value) == str(forbidden.value)


def test_users_for_lists_the_province_and_finds_without_accents(
    admin_dl: User, admin_tn: User, hoa_phu: Unit
) -> None:
    person = make_user(role="commune_officer", units=[hoa_phu])
    User.objects.filter(pk=person.pk).update(search_text=" nguyen thi hoa canbo ")
    listed = list(queries.users_for(admin_dl))
    assert person in listed and admin_dl in listed and admin_tn not in listed
    assert list(queries.users_for(admin_dl, query="Nguyễn Thị")) == [person]


def test_audit_entries_are_scoped_to_the_province(
    admin_dl: User, admin_tn: User, dak_lak: Unit, thai_nguyen: Unit
) -> None:
    mine = record_audit(actor=None, action="test.here", target=None, province_id=dak_lak.pk)
    theirs = record_audit(actor=None, action="test.there", target=None, province_id=thai_nguyen.pk)
    national = record_audit(actor=None, action="test.national", target=None)
    seen = set(queries.audit_entries_for(admin_dl))
    assert mine in seen and theirs not in seen and national not in seen
    root = make_user(superuser=True, province=dak_lak)
    assert {mine, theirs, national} <= set(queries.audit_entries_for(root))


def test_audit_filters(admin_dl: User, dak_lak: Unit) -> None:
    import datetime as dt

    from django.utils import timezone

    entry = record_audit(actor=admin_dl, action="test.filter", target=dak_lak)
    today = timezone.localdate()
    f = queries.AuditFilter(
        user="admin.d", action="test.filter", date_from=today, date_to=today, target="Đắk Lắk"
    )
    assert list(queries.audit_entries_for(admin_dl, f)) == [entry]
    tomorrow = today + dt.timedelta(days=1)
    assert not queries.audit_entries_for(admin_dl, queries.AuditFilter(date_from=tomorrow)).exists()
    assert not queries.audit_entries_for(admin_dl, queries.AuditFilter(user="khac")).exists()


def test_unit_codes_resolve_to_today_or_explain(hoa_phu: Unit) -> None:
    assert queries.current_unit_by_code("24175") == hoa_phu
    with pytest.raises(queries.UnitCodeError, match="Xã Hòa Phú \\(24175\\)"):
        queries.current_unit_by_code("24172")  # the legacy Hòa Phú's code names its successor
    with pytest.raises(queries.UnitCodeError, match="Không có đơn vị"):
        queries.current_unit_by_code("99999")
    with pytest.raises(queries.UnitCodeError, match="không hợp lệ"):
        queries.current_unit_by_code("Hòa Phú")


def test_lists_cost_a_fixed_number_of_queries(
    admin_dl: User, hoa_phu: Unit, django_assert_max_num_queries: object
) -> None:
    for _ in range(5):
        make_user(role="commune_officer", units=[hoa_phu])
    fresh = User.objects.get(pk=admin_dl.pk)
    with django_assert_max_num_queries(7):  # type: ignore[operator]
        users = list(queries.users_for(fresh))
        for u in users:
            list(u.role_assignments.all())
