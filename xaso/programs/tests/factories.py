"""Test factories for programmes, and the sample maker for each model the programs app
registers for scoping (the access matrix in accounts walks ``SCOPED_SAMPLES``).

A maker gets a commune (current or legacy) and returns a saved record belonging to it,
or, for programme-wide records, to its province.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable

from django.db import models

from xaso.accounts.models import User
from xaso.programs import actions
from xaso.programs.models import (
    BudgetLine,
    CommunityTeam,
    Kpi,
    Measurement,
    Milestone,
    Notification,
    OwnerKind,
    Participant,
    Programme,
    ReadinessDeclaration,
    SponsorAssignment,
    SponsorOrganisation,
    StatusReport,
    Task,
    TaskUpdate,
    TeamActivity,
    TeamMember,
    Village,
)
from xaso.units.models import Unit

_seq = itertools.count(1)
D = dt.date


def _province(unit: Unit) -> Unit:
    assert unit.province is not None
    return unit.province


def make_programme(province: Unit, **kwargs: object) -> Programme:
    """A programme made through the real action (as the system)."""
    fields: dict[str, object] = {
        "name": f"Thí điểm thử {next(_seq)}",
        "starts_on": D(2023, 6, 14),
        "ends_on": D(2023, 12, 31),
        "plan_number": "369/KH-UBND",
        "plan_date": D(2023, 6, 14),
    }
    fields.update(kwargs)
    return actions.do_create_programme(province=province, actor=None, **fields)  # type: ignore[arg-type]


def make_participant(programme: Programme, unit: Unit) -> Participant:
    return actions.do_add_participants(programme, units=[unit], actor=None)[0]


# --- sample makers: plain rows on any unit (legacy ones too) -----------------------------


def _programme(unit: Unit) -> Programme:
    return Programme.objects.create(
        province=_province(unit),
        name=f"Mẫu {next(_seq)}",
        starts_on=D(2023, 1, 1),
        ends_on=D(2023, 12, 31),
    )


def _participant(unit: Unit) -> Participant:
    return Participant.objects.create(
        programme=_programme(unit), unit=unit, province=_province(unit)
    )


def _organisation(unit: Unit) -> SponsorOrganisation:
    return SponsorOrganisation.objects.create(
        province=_province(unit), name=f"Sở mẫu {next(_seq)}", kind="department"
    )


def _assignment(unit: Unit) -> SponsorAssignment:
    p = _participant(unit)
    return SponsorAssignment.objects.create(
        participant=p, organisation=_organisation(unit), unit=unit, province=_province(unit)
    )


def _task(unit: Unit) -> Task:
    return Task.objects.create(
        participant=_participant(unit),
        unit=unit,
        province=_province(unit),
        title="Mẫu",
        owner_kind=OwnerKind.COMMUNE,
        starts_on=D(2023, 7, 1),
        due_on=D(2023, 9, 30),
    )


def _budget(unit: Unit) -> BudgetLine:
    return BudgetLine.objects.create(
        task=_task(unit), unit=unit, province=_province(unit), source="state", planned=1
    )


def _update(unit: Unit) -> TaskUpdate:
    return TaskUpdate.objects.create(
        task=_task(unit), unit=unit, province=_province(unit), status="planned", progress=0
    )


def _kpi(unit: Unit) -> Kpi:
    return Kpi.objects.create(
        participant=_participant(unit),
        unit=unit,
        province=_province(unit),
        name="Mẫu",
        baseline=1,
        baseline_on=D(2023, 6, 30),
        baseline_source="mẫu",
        target=10,
        target_on=D(2023, 12, 31),
    )


def _measurement(unit: Unit) -> Measurement:
    return Measurement.objects.create(
        kpi=_kpi(unit),
        unit=unit,
        province=_province(unit),
        value=5,
        measured_on=D(2023, 9, 30),
        source="mẫu",
    )


def _milestone(unit: Unit) -> Milestone:
    p = _programme(unit)
    return Milestone.objects.create(
        programme=p, province=p.province, title="Mốc", due_on=D(2023, 12, 31)
    )


def _report(unit: Unit) -> StatusReport:
    p = _programme(unit)
    return StatusReport.objects.create(
        programme=p,
        province=p.province,
        kind="progress",
        number="1/BC-S",
        issued_on=D(2023, 12, 31),
        as_of=D(2023, 12, 31),
    )


def _readiness(unit: Unit) -> ReadinessDeclaration:
    return ReadinessDeclaration.objects.create(
        programme=_programme(unit),
        unit=unit,
        province=_province(unit),
        declared_on=D(2024, 6, 1),
    )


def _village(unit: Unit) -> Village:
    return Village.objects.create(
        unit=unit, province=_province(unit), name=f"Thôn {next(_seq)}", kind="thon"
    )


def _team(unit: Unit) -> CommunityTeam:
    existing = CommunityTeam.objects.filter(unit=unit).first()
    return existing or CommunityTeam.objects.create(
        unit=unit, province=_province(unit), name="Tổ mẫu", established_on=D(2023, 1, 1)
    )


def _member(unit: Unit) -> TeamMember:
    return TeamMember.objects.create(
        team=_team(unit), unit=unit, province=_province(unit), full_name="Mẫu", role="member"
    )


def _activity(unit: Unit) -> TeamActivity:
    return TeamActivity.objects.create(
        team=_team(unit),
        unit=unit,
        province=_province(unit),
        kind="vssid",
        count=1,
        happened_on=D(2024, 1, 1),
    )


def _notification(unit: Unit) -> Notification:
    n = next(_seq)
    recipient = User.objects.create(username=f"nhan{n}", province=_province(unit))
    return Notification.objects.create(
        recipient=recipient, unit=unit, province=_province(unit), key=f"k{n}", title="Mẫu"
    )


SCOPED_SAMPLES: dict[str, Callable[[Unit], models.Model]] = {
    "programs.programme": _programme,
    "programs.participant": _participant,
    "programs.sponsororganisation": _organisation,
    "programs.sponsorassignment": _assignment,
    "programs.task": _task,
    "programs.budgetline": _budget,
    "programs.taskupdate": _update,
    "programs.kpi": _kpi,
    "programs.measurement": _measurement,
    "programs.milestone": _milestone,
    "programs.statusreport": _report,
    "programs.readinessdeclaration": _readiness,
    "programs.village": _village,
    "programs.communityteam": _team,
    "programs.teammember": _member,
    "programs.teamactivity": _activity,
    "programs.notification": _notification,
}
