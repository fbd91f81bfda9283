"""State changes: permission checks, Vietnamese messages naming the field, one audit row,
no silent overwrite, sponsors changing only the tasks they lead."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from xaso.accounts.models import RoleAssignment, User
from xaso.accounts.tests.conftest import raw_phones
from xaso.accounts.tests.factories import make_user
from xaso.core.models import AuditEntry
from xaso.programs import actions, measured, queries
from xaso.programs.models import Kpi, Measurement, Participant, Programme, Task
from xaso.units.models import Unit

pytestmark = pytest.mark.django_db
D = dt.date


def test_only_the_province_department_creates_a_programme(
    thai_nguyen: Unit, dak_lak: Unit, admin_tn: User, song_cau: Unit
) -> None:
    officer = make_user(role="commune_officer", units=[song_cau])
    with pytest.raises(PermissionDenied):
        actions.do_create_programme(
            province=thai_nguyen,
            name="X",
            starts_on=D(2024, 1, 1),
            ends_on=D(2024, 12, 31),
            actor=officer,
        )
    with pytest.raises(PermissionDenied):
        actions.do_create_programme(
            province=dak_lak,
            name="X",
            starts_on=D(2024, 1, 1),
            ends_on=D(2024, 12, 31),
            actor=admin_tn,
        )
    with pytest.raises(ValidationError) as bad:
        actions.do_create_programme(
            province=thai_nguyen,
            name=" ",
            starts_on=D(2024, 1, 1),
            ends_on=D(2023, 12, 31),
            actor=admin_tn,
        )
    assert set(bad.value.message_dict) == {"name", "ends_on"}
    assert not Programme.objects.exists()
    made = actions.do_create_programme(
        province=thai_nguyen,
        name="Thí điểm 2025",
        starts_on=D(2025, 1, 1),
        ends_on=D(2025, 12, 31),
        actor=admin_tn,
    )
    assert (
        AuditEntry.objects.filter(
            action="programs.create_programme", target_id=str(made.pk), actor=admin_tn
        ).count()
        == 1
    )


def test_participants_named_by_their_pre_2025_commune_resolve_to_today(
    bk_programme: Programme, song_cau: Unit, hoa_phu: Unit
) -> None:
    from xaso.units import demo as units_demo

    legacy = units_demo.legacy_commune("Bắc Kạn", "Bắc Kạn", "Sông Cầu")
    [p] = actions.do_add_participants(bk_programme, units=[legacy], actor=None)
    assert p.unit == song_cau and p.legacy_unit == legacy
    assert p.label == f"{song_cau.name} (Phường Sông Cầu cũ)"
    with pytest.raises(ValidationError, match="không thuộc"):
        actions.do_add_participants(bk_programme, units=[hoa_phu], actor=None)
    with pytest.raises(ValidationError, match="đã có"):
        actions.do_add_participants(bk_programme, units=[song_cau], actor=None)


def test_assigning_a_sponsor_gives_its_accounts_the_commune_and_only_it(
    p_song_cau: Participant, p_quang_thuan: Participant, admin_tn: User
) -> None:
    org = actions.do_save_sponsor_organisation(
        province=p_song_cau.programme.province,
        name="Sở Tài chính",
        kind="department",
        actor=admin_tn,
    )
    person = make_user(province=p_song_cau.programme.province, organisation="Sở Tài chính")
    actions.do_link_sponsor_account(org, user=person, actor=admin_tn)
    actions.do_assign_sponsor(p_song_cau, organisation=org, decision="1431/QĐ-UBND", actor=admin_tn)
    roles = RoleAssignment.objects.filter(user=person, role="sponsor")
    assert list(roles.values_list("unit_id", flat=True)) == [p_song_cau.unit_id]
    with pytest.raises(ValidationError, match="đã được phân công"):
        actions.do_assign_sponsor(p_song_cau, organisation=org, actor=admin_tn)
    # A second account linked later receives the communes already assigned.
    later = make_user(province=p_song_cau.programme.province, organisation="Sở Tài chính")
    actions.do_link_sponsor_account(org, user=later, actor=admin_tn)
    assert RoleAssignment.objects.filter(user=later, role="sponsor").count() == 1


def _task(p: Participant, owner: str = "commune", org: object = None) -> Task:
    return actions.do_add_task(
        p,
        title="Lắp đặt Wi-Fi công cộng",
        owner_kind=owner,
        owner_organisation=org,  # type: ignore[arg-type]
        starts_on=D(2023, 8, 1),
        due_on=D(2023, 10, 31),
        criterion_code="XH.02",
        budget={"state": 10_000_000, "socialised": 30_000_000},
        actor=None,
    )


def test_a_task_needs_a_real_criterion_and_sane_dates(p_song_cau: Participant) -> None:
    with pytest.raises(ValidationError) as bad:
        actions.do_add_task(
            p_song_cau,
            title="X",
            owner_kind="sponsor",
            starts_on=D(2023, 9, 1),
            due_on=D(2023, 8, 1),
            criterion_code="ZZ.99",
            budget={"state": -5},
            actor=None,
        )
    errors = bad.value.message_dict
    assert set(errors) == {"owner_organisation", "due_on", "criterion_code", "budget"}
    assert "không có tiêu chí “ZZ.99”" in errors["criterion_code"][0]
    assert not Task.objects.exists()


def test_sponsors_update_only_the_tasks_their_organisation_leads(
    p_song_cau: Participant, song_cau: Unit
) -> None:
    org = actions.do_save_sponsor_organisation(
        province=p_song_cau.programme.province, name="VNPT Bắc Kạn", kind="enterprise", actor=None
    )
    sponsor = make_user(province=p_song_cau.programme.province, organisation="VNPT Bắc Kạn")
    actions.do_link_sponsor_account(org, user=sponsor, actor=None)
    actions.do_assign_sponsor(p_song_cau, organisation=org, actor=None)
    sponsor = User.objects.get(pk=sponsor.pk)
    theirs = _task(p_song_cau, "sponsor", org)
    communes = _task(p_song_cau, "commune")
    actions.do_update_task(
        theirs,
        status="in_progress",
        progress=40,
        spent={"socialised": 12_000_000},
        note="Đã lắp 2 điểm",
        actor=sponsor,
    )
    theirs.refresh_from_db()
    assert (theirs.status, theirs.progress, theirs.version) == ("in_progress", 40, 2)
    assert theirs.budget_lines.get(source="socialised").spent == 12_000_000
    with pytest.raises(PermissionDenied):
        actions.do_update_task(communes, status="done", progress=100, actor=sponsor)
    officer = make_user(role="commune_officer", units=[song_cau])
    actions.do_update_task(communes, status="done", progress=100, actor=officer)


def test_a_stale_form_cannot_overwrite_someone_elses_update(p_song_cau: Participant) -> None:
    task = _task(p_song_cau)
    actions.do_update_task(task, status="in_progress", progress=30, expected_version=1, actor=None)
    with pytest.raises(ValidationError, match="người khác cập nhật"):
        actions.do_update_task(
            task, status="in_progress", progress=10, expected_version=1, actor=None
        )
    task.refresh_from_db()
    assert task.progress == 30
    with pytest.raises(ValidationError) as bad:
        actions.do_update_task(task, status="done", progress=80, actor=None)
    assert "100%" in bad.value.message_dict["progress"][0]


def test_kpi_definitions_are_checked_against_direction_and_framework(
    p_song_cau: Participant,
) -> None:
    with pytest.raises(ValidationError) as bad:
        actions.do_add_kpi(
            p_song_cau,
            name="Thanh toán trực tuyến",
            baseline=10,
            baseline_on=D(2023, 6, 30),
            baseline_source="",
            target=5,
            target_on=D(2023, 12, 31),
            criterion_code="CQ.99",
            actor=None,
        )
    assert set(bad.value.message_dict) == {"baseline_source", "target", "criterion_code"}
    with pytest.raises(ValidationError, match="Chưa có nguồn đo"):
        actions.do_add_kpi(
            p_song_cau,
            name="Đo",
            baseline=1,
            baseline_on=D(2023, 6, 30),
            baseline_source="x",
            target=5,
            target_on=D(2023, 12, 31),
            source="measured",
            measured_key="khong.co",
            actor=None,
        )
    assert not Kpi.objects.exists()


def test_a_second_measurement_on_the_same_day_replaces_the_first_and_is_audited(
    p_song_cau: Participant,
) -> None:
    kpi = actions.do_add_kpi(
        p_song_cau,
        name="Thanh toán trực tuyến",
        baseline=0.1,
        baseline_on=D(2023, 6, 30),
        baseline_source="Một cửa",
        target=10,
        target_on=D(2023, 12, 31),
        actor=None,
    )
    actions.do_record_measurement(
        kpi, value=10.2, measured_on=D(2023, 12, 31), source="a", actor=None
    )
    actions.do_record_measurement(
        kpi, value=10.7, measured_on=D(2023, 12, 31), source="b", actor=None
    )
    assert list(Measurement.objects.values_list("value", flat=True)) == [10.7]
    last = AuditEntry.objects.filter(action="programs.record_measurement").first()
    assert last is not None and last.changes["value"] == [10.2, 10.7]
    with pytest.raises(ValidationError) as bad:
        actions.do_record_measurement(
            kpi, value=120, measured_on=D(2023, 1, 1), source="", actor=None
        )
    assert set(bad.value.message_dict) == {"value", "measured_on", "source"}


def test_measured_kpis_take_values_from_registered_sources(p_song_cau: Participant) -> None:
    measured.register_kpi_source(
        "test.thanh_toan",
        lambda unit, on: measured.MeasuredValue(9.5, on, "Cổng thanh toán"),
        label="Thanh toán trực tuyến (thử)",
        measure_unit="%",
    )
    try:
        kpi = actions.do_add_kpi(
            p_song_cau,
            name="Thanh toán trực tuyến",
            baseline=0.1,
            baseline_on=D(2023, 6, 30),
            baseline_source="Một cửa",
            target=10,
            target_on=D(2023, 12, 31),
            source="measured",
            measured_key="test.thanh_toan",
            actor=None,
        )
        report = actions.do_refresh_measured_kpis(on=D(2023, 11, 30))
    finally:
        measured.unregister_kpi_source("test.thanh_toan")
    m = kpi.measurements.get()
    assert report.recorded == 1 and m.value == 9.5 and m.measured_on == D(2023, 11, 30)
    assert "Cổng thanh toán" in m.source


def test_team_members_log_their_own_activity_and_phones_stay_out_of_logs(
    song_cau: Unit, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    team = actions.do_register_team(
        unit=song_cau, name="Tổ CNS", established_on=D(2024, 1, 1), actor=None
    )
    [village] = actions.do_add_villages(unit=song_cau, names=["Tổ dân phố 1"], actor=None)
    resident = make_user(role="citizen", units=[song_cau])
    member = actions.do_add_team_member(
        team,
        full_name="Hoàng Văn Minh",
        role="member",
        phone="+84 912 345 678",
        village=village,
        user=resident,
        actor=None,
    )
    assert member.phone == "0912345678"
    audit = AuditEntry.objects.get(action="programs.add_team_member")
    assert audit.changes["phone"] == "09x xxx x678"
    activity = actions.do_log_activity(
        team, kind="vneid", count=14, happened_on=D(2024, 5, 2), actor=resident
    )
    assert activity.member == member and activity.village == village
    outsider = make_user(role="citizen", units=[song_cau])
    with pytest.raises(PermissionDenied):
        actions.do_log_activity(
            team, kind="vneid", count=1, happened_on=D(2024, 5, 2), actor=outsider
        )
    with pytest.raises(ValidationError) as bad:
        actions.do_log_activity(team, kind="x", count=0, happened_on=D(2023, 1, 1), actor=resident)
    assert set(bad.value.message_dict) == {"kind", "count", "happened_on"}
    with pytest.raises(ValidationError, match="Số điện thoại không hợp lệ"):
        actions.do_add_team_member(team, full_name="A", role="member", phone="12345", actor=None)
    assert raw_phones(caplog.records) == []


def test_readiness_values_are_refused_cell_by_cell(bk_programme: Programme, song_cau: Unit) -> None:
    with pytest.raises(ValidationError) as bad:
        actions.do_declare_readiness(
            bk_programme,
            unit=song_cau,
            values={"CN.01": "truong_thon", "KP.01": "nhiều", "CN.03.num": 5, "CN.03.den": 3},
            declared_on=D(2024, 6, 1),
            actor=None,
        )
    assert set(bad.value.message_dict) == {"CN.01", "KP.01", "CN.03"}
    assert "chu_tich" in bad.value.message_dict["CN.01"][0]


def test_reports_need_a_number_and_consistent_dates(bk_programme: Programme) -> None:
    with pytest.raises(ValidationError) as bad:
        actions.do_create_report(
            bk_programme,
            kind="evaluation",
            number="15",
            issued_on=D(2024, 1, 15),
            as_of=D(2024, 2, 1),
            actor=None,
        )
    assert set(bad.value.message_dict) == {"number", "as_of"}
    assert queries.reports_for(None, bk_programme).count() == 0


def test_notifications_are_their_recipients_alone(p_song_cau: Participant, song_cau: Unit) -> None:
    officer = make_user(role="commune_officer", units=[song_cau])
    other = make_user(role="commune_officer", units=[song_cau])
    _task(p_song_cau)
    actions.do_send_reminders(on=D(2023, 11, 15))
    mine = queries.notifications_for(officer)
    assert mine.count() == 1 and queries.notifications_for(other).count() == 1
    with pytest.raises(PermissionDenied):
        actions.do_mark_notification_read(mine[0], actor=other)
    actions.do_mark_notification_read(mine[0], actor=officer)
    assert queries.notifications_for(officer, unread_only=True).count() == 0
