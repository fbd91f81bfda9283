"""The demo: published 2024 and open 2025 periods for the pilot groups, the seeds'
figures, demo marks, the demo accounts able to work, and idempotence."""

from __future__ import annotations

import pytest

from xaso.accounts.demo import load_demo_accounts
from xaso.accounts.models import User
from xaso.assessments import actions, queries
from xaso.assessments.demo import load_demo_assessments
from xaso.assessments.models import Period, Snapshot, Status
from xaso.units import demo as units_demo
from xaso.units.actions import do_save_group

pytestmark = pytest.mark.django_db


def load_pilot_groups() -> None:
    for pilot in units_demo.PILOT_GROUPS:
        members = [
            units_demo.main_successor(units_demo.legacy_commune(pilot.province, d, c))
            for d, c in pilot.communes
        ]
        do_save_group(
            slug=pilot.slug, name=pilot.name, description=pilot.description,
            province=members[0].province, members=members, actor=None,
        )  # fmt: skip


def test_the_demo_walks_the_workflow_with_the_seed_figures() -> None:
    said: list[str] = []
    load_pilot_groups()
    load_demo_accounts()
    load_demo_assessments(said.append)
    load_demo_assessments(said.append)  # idempotent
    assert Period.objects.count() == 4 and Snapshot.objects.count() == 2
    assert all(p.is_demo for p in Period.objects.all())
    p2024 = Period.objects.get(year=2024, scope_group__slug="thi-diem-cds-2023-bac-kan")
    snapshot = queries.published_snapshot(p2024)
    assert snapshot is not None and snapshot.is_demo
    rows = {r.unit_name: r for r in queries.snapshot_results(snapshot)}
    assert rows["Phường Bắc Kạn"].inputs["CQ.07"] == {"v": 10.7}
    assert rows["Phường Bắc Kạn"].inputs["CQ.06"] == {"v": 91.0}
    assert rows["Xã Ngân Sơn"].inputs["CQ.06"] == {"v": 99.0}
    p2025 = Period.objects.get(year=2025, scope_group__slug="thi-diem-cds-2022-dak-lak")
    assert p2025.is_open() and p2025.previous is not None
    hoa_phu = p2025.submissions.get(unit__name="Xã Hòa Phú")
    assert hoa_phu.status == Status.DRAFT
    officer = User.objects.get(username="canbo.hoaphu")
    verifier = User.objects.get(username="thamdinh.daklak")
    assert queries.may_fill(officer, hoa_phu)
    waiting = list(queries.verifier_queue(verifier, p2025))
    assert [s.unit.name for s in waiting] == ["Xã Krông Năng"]
    actions.do_verify_submission(submission=waiting[0], actor=verifier)
