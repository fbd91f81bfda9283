"""Scoped reads: a sponsor sees only the communes its organisation is assigned to, an
officer only their commune, the department the whole programme; KPI progress, team
coverage and the readiness ranking as the results app and pages read them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import Http404

from xaso.accounts.models import User
from xaso.accounts.tests.factories import make_user
from xaso.programs import actions, queries
from xaso.programs.kpi import KpiState
from xaso.programs.models import Participant, Programme
from xaso.programs.tests.factories import make_participant, make_programme
from xaso.units.models import Unit

pytestmark = pytest.mark.django_db
D = dt.date


def _kpi(p: Participant, baseline: float, target: float, actual: float) -> None:
    item = actions.do_add_kpi(
        p,
        name="Tỷ lệ hồ sơ thanh toán phí, lệ phí trực tuyến",
        baseline=baseline,
        baseline_on=D(2023, 6, 30),
        baseline_source="Một cửa điện tử",
        target=target,
        target_on=D(2023, 12, 31),
        criterion_code="CQ.07",
        actor=None,
    )
    actions.do_record_measurement(
        item, value=actual, measured_on=D(2023, 12, 31), source="Báo cáo", actor=None
    )


def _sponsor_of(p: Participant, name: str = "VNPT Bắc Kạn") -> User:
    org = actions.do_save_sponsor_organisation(
        province=p.programme.province, name=name, kind="enterprise", actor=None
    )
    user = make_user(province=p.programme.province, organisation=name)
    actions.do_link_sponsor_account(org, user=user, actor=None)
    actions.do_assign_sponsor(p, organisation=org, actor=None)
    return User.objects.get(pk=user.pk)


def test_a_sponsor_sees_only_the_communes_assigned_to_its_organisation(
    p_song_cau: Participant, p_quang_thuan: Participant, hoa_phu: Unit, dak_lak: Unit
) -> None:
    sponsor = _sponsor_of(p_song_cau)
    # Data elsewhere: the other pilot commune and a programme in another province.
    _kpi(p_quang_thuan, 2.0, 10, 8.3)
    other = make_participant(make_programme(dak_lak), hoa_phu)
    _kpi(other, 10, 50, 20)
    _kpi(p_song_cau, 0.1, 10, 10.7)

    assert [p.pk for p in queries.participants_for(sponsor)] == [p_song_cau.pk]
    assert [p.pk for p in queries.sponsored_participants(sponsor)] == [p_song_cau.pk]
    assert list(queries.programmes_for(sponsor)) == [p_song_cau.programme]
    assert [k.kpi.unit_id for k in queries.kpi_progress_for(sponsor)] == [p_song_cau.unit_id]
    overview = queries.programme_overview(sponsor, p_song_cau.programme)
    assert [r.participant.pk for r in overview] == [p_song_cau.pk]
    for pk in (p_quang_thuan.pk, other.pk):
        with pytest.raises(Http404):
            queries.access_participant_or_404(sponsor, pk)
    with pytest.raises(Http404):
        queries.access_programme_or_404(sponsor, other.programme.pk)
    # The sponsor reads the plan but does not edit it: the programme is the department's.
    with pytest.raises(Http404):
        queries.access_participant_or_404(sponsor, p_song_cau.pk, action="edit")
    assert not queries.may_manage_programme(sponsor, p_song_cau.programme)


def test_a_commune_officer_sees_only_their_commune(
    p_song_cau: Participant, p_quang_thuan: Participant, song_cau: Unit
) -> None:
    officer = make_user(role="commune_officer", units=[song_cau])
    _kpi(p_quang_thuan, 2.0, 10, 8.3)
    assert [p.pk for p in queries.participants_for(officer)] == [p_song_cau.pk]
    assert queries.access_participant_or_404(officer, p_song_cau.pk, action="edit")
    with pytest.raises(Http404):
        queries.access_participant_or_404(officer, p_quang_thuan.pk)
    assert queries.kpi_progress_for(officer) == []


def test_the_department_sees_every_commune_and_manages_the_programme(
    p_song_cau: Participant, p_quang_thuan: Participant, admin_tn: User, admin_dl: User
) -> None:
    rows = queries.programme_overview(admin_tn, p_song_cau.programme)
    assert {r.participant.pk for r in rows} == {p_song_cau.pk, p_quang_thuan.pk}
    assert queries.may_manage_programme(admin_tn, p_song_cau.programme)
    # Another province's administrator does not even see it.
    assert not queries.programmes_for(admin_dl).exists()


@pytest.fixture
def admin_dl(dak_lak: Unit) -> User:
    return make_user(role="province_admin", units=[dak_lak])


def test_kpi_progress_for_the_scorecard_is_keyed_by_unit_and_criterion(
    p_song_cau: Participant, p_quang_thuan: Participant
) -> None:
    _kpi(p_song_cau, 0.1, 10, 10.7)
    _kpi(p_quang_thuan, 2.0, 10, 8.3)
    got = queries.criterion_kpi_progress(
        [p_song_cau.unit_id, p_quang_thuan.unit_id], "commune-dx", on=D(2024, 1, 15)
    )
    sc = got[(p_song_cau.unit_id, "CQ.07")][0]
    qt = got[(p_quang_thuan.unit_id, "CQ.07")][0]
    assert sc.status.percent == pytest.approx(107.07, abs=0.01)
    assert sc.status.state is KpiState.ACHIEVED
    assert qt.status.percent == pytest.approx(78.75)
    assert qt.status.state is KpiState.LATE
    assert sc.criterion_name.startswith("Tỷ lệ hồ sơ thanh toán")
    assert [v for _, v in sc.series] == [0.1, 10.7]


def test_overview_lights_follow_tasks_and_kpis(
    p_song_cau: Participant, p_quang_thuan: Participant, admin_tn: User
) -> None:
    _kpi(p_song_cau, 0.1, 10, 10.7)
    _kpi(p_quang_thuan, 2.0, 10, 8.3)
    rows = {
        r.participant.pk: r
        for r in queries.programme_overview(admin_tn, p_song_cau.programme, on=D(2024, 2, 1))
    }
    assert rows[p_song_cau.pk].light == "green"
    assert rows[p_quang_thuan.pk].light == "red"
    assert rows[p_quang_thuan.pk].kpis_late == 1


def _team(unit: Unit, villages: int, covered: int) -> None:
    team = actions.do_register_team(
        unit=unit, name="Tổ CNS", established_on=D(2024, 1, 1), actor=None
    )
    made = actions.do_add_villages(
        unit=unit, names=[f"Thôn {i}" for i in range(villages)], actor=None
    )
    for i, village in enumerate(made[:covered]):
        member = actions.do_add_team_member(
            team, full_name=f"Thành viên {i}", role="member", village=village, actor=None
        )
        actions.do_log_activity(
            team, kind="vssid", count=5, happened_on=D(2024, 3, 1), member=member, actor=None
        )
    actions.do_log_activity(team, kind="session", count=1, happened_on=D(2024, 3, 2), actor=None)


def test_team_coverage_by_commune_and_village(
    song_cau: Unit, quang_thuan: Unit, thai_nguyen: Unit, admin_tn: User, hoa_phu: Unit
) -> None:
    _team(song_cau, villages=4, covered=3)
    _team(hoa_phu, villages=2, covered=2)  # another province: not in Thái Nguyên's figures
    one = queries.team_coverage(song_cau)
    assert (one.villages, one.villages_covered, one.members) == (4, 3, 3)
    assert one.village_share == pytest.approx(0.75)
    assert one.activity == {"vssid": 15, "session": 1}
    assert queries.team_activity_totals([song_cau.pk], (D(2024, 3, 2), D(2024, 12, 31))) == {
        song_cau.pk: {"session": 1}
    }
    province = queries.province_team_coverage(admin_tn, thai_nguyen)
    assert province.communes_with_team == 1
    assert province.communes > 50  # every commune of the province counts toward 100 %
    assert (province.villages, province.villages_covered) == (4, 3)
    assert province.activity["vssid"] == 15
    assert not queries.team_coverage(quang_thuan).has_team


def test_team_phones_are_whole_for_the_commune_and_masked_for_a_sponsor(
    p_song_cau: Participant, song_cau: Unit
) -> None:
    team = actions.do_register_team(
        unit=song_cau, name="Tổ", established_on=D(2024, 1, 1), actor=None
    )
    actions.do_add_team_member(
        team, full_name="Nông Thị Lan", role="leader", phone="0912 345 678", actor=None
    )
    officer = make_user(role="commune_officer", units=[song_cau])
    sponsor = _sponsor_of(p_song_cau)
    assert [r.phone for r in queries.members_for(officer, team)] == ["0912345678"]
    assert [r.phone for r in queries.members_for(sponsor, team)] == ["09x xxx x678"]


def test_readiness_ranking_is_scored_by_the_engine_with_reasons(
    bk_programme: Programme, thai_nguyen: Unit, admin_tn: User, song_cau: Unit
) -> None:
    communes = list(
        Unit.objects.filter(province=thai_nguyen, level="commune")
        .exclude(pk=song_cau.pk)
        .order_by("code")[:3]
    )
    strong = {
        "CN.01": "chu_tich",
        "CN.02": "có",
        "KP.01": 250,
        "KP.02": "có",
        "CS.01": "dat_chuan",
        "CS.02": 100,
        "KQ.01": 0.8,
    }
    weak = {
        "CN.01": "chua_phan_cong",
        "CN.02": "không",
        "KP.01": 40,
        "KP.02": "không",
        "CS.01": "chua_dat",
        "CS.02": 50,
        "KQ.01": 0.4,
    }
    middle = dict(strong, **{"CN.01": "pho_chu_tich", "KP.01": 120, "CN.03.num": 1, "CN.03.den": 2})
    for unit, values in zip(communes, (weak, strong, middle), strict=True):
        actions.do_declare_readiness(
            bk_programme, unit=unit, values=values, declared_on=D(2024, 6, 1), actor=admin_tn
        )
    ranking = queries.readiness_ranking(admin_tn, bk_programme)
    assert [r.unit for r in ranking] == [communes[1], communes[2], communes[0]]
    assert [r.rank for r in ranking] == [1, 2, 3]
    # Strong: all but the team coverage it did not declare (no villages listed) and 4 of
    # the index's 20 points (0,8).
    assert ranking[0].points == pytest.approx(86)
    assert [g.code for g in ranking[0].gaps] == ["CN.03", "KQ.01"]
    assert ranking[0].gaps[0].value == "chưa khai báo"
    # Middle: a deputy leads (7,5 of 15), 120 million (10 of 15), half its villages (5 of 10).
    assert ranking[1].points == pytest.approx(86 - 7.5 - 5 + 5)
    by_code = {g.code: g for g in ranking[1].gaps}
    assert (
        by_code["CN.01"].lost == pytest.approx(7.5)
        and by_code["CN.01"].value == "Phó Chủ tịch UBND xã"
    )
    # Weak: 40 million is under the first budget step; computers 50 % (5) + index 0,4 (8).
    assert ranking[2].points == pytest.approx(13)
    assert ranking[2].gaps[0].code == "CN.01"  # the biggest loss comes first


def test_readiness_reads_team_coverage_when_not_declared(
    bk_programme: Programme, song_cau: Unit, admin_tn: User
) -> None:
    _team(song_cau, villages=4, covered=3)
    actions.do_declare_readiness(
        bk_programme,
        unit=song_cau,
        values={"CN.01": "chu_tich"},
        declared_on=D(2024, 6, 1),
        actor=admin_tn,
    )
    row = queries.readiness_ranking(admin_tn, bk_programme)[0]
    team = next(r for r in row.strengths if r.code == "CN.03")
    assert team.points == pytest.approx(7.5) and team.value == "3/4"
