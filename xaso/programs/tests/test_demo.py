"""The demo loader builds the seeds' two programmes with the seeds' figures, through the
actions, and a second run changes nothing."""

from __future__ import annotations

import pytest

from xaso.accounts.demo import load_demo_accounts
from xaso.core.models import AuditEntry
from xaso.programs import queries
from xaso.programs.demo import BK_NAME, DL_NAME, load_demo_programmes
from xaso.programs.models import Kpi, Programme, Task
from xaso.units import demo as units_demo
from xaso.units.actions import do_save_group

pytestmark = pytest.mark.django_db


def _groups() -> None:
    for pilot in units_demo.PILOT_GROUPS:
        members = [
            units_demo.main_successor(units_demo.legacy_commune(pilot.province, d, c))
            for d, c in pilot.communes
        ]
        do_save_group(
            slug=pilot.slug,
            name=pilot.name,
            description=pilot.description,
            province=members[0].province,
            members=members,
            actor=None,
        )


def test_demo_programmes_carry_the_seed_figures_and_load_once() -> None:
    _groups()
    load_demo_accounts()
    said: list[str] = []
    logins = load_demo_programmes(said.append)
    bk = Programme.objects.get(name=BK_NAME)
    assert Programme.objects.get(name=DL_NAME).participants.count() == 2
    assert bk.participants.count() == 8 and bk.is_demo
    payment = {
        k.kpi.participant.legacy_unit.short_name: (k.kpi.baseline, k.status.actual)  # type: ignore[union-attr]
        for k in queries.kpi_progress(
            queries.with_measurements(
                Kpi.objects.filter(
                    participant__programme=bk, criterion_code="CQ.07"
                ).select_related("participant__legacy_unit")
            )
        )
    }
    assert payment == {"Sông Cầu": (0.1, 10.7), "Quang Thuận": (2.0, 8.3)}
    online = dict(
        Kpi.objects.filter(participant__programme=bk, criterion_code="CQ.06")
        .values_list("participant__legacy_unit__short_name", "measurements__value")
        .order_by("measurements__measured_on")
    )
    assert online["Sông Cầu"] == 91 and online["Đức Vân"] == 99
    assert {u for u, _, _ in logins} >= {"phutrach.vnptbackan", "tocns.hoaphu"}
    rows = AuditEntry.objects.count(), Task.objects.count(), Kpi.objects.count()
    load_demo_programmes(said.append)
    assert (AuditEntry.objects.count(), Task.objects.count(), Kpi.objects.count()) == rows
