"""Loads each app's demo data in dependency order; each step is idempotent."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from xaso.accounts.demo import load_demo_accounts
from xaso.assessments.demo import load_demo_assessments
from xaso.citizens.demo import load_demo_citizens
from xaso.programs.demo import load_demo_programmes
from xaso.units import demo as units_demo
from xaso.units.actions import do_import_units, do_save_group
from xaso.units.models import UnitGroup


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str


def load_units(say: Callable[[str], None]) -> None:
    report = do_import_units()
    current, legacy = report.by_generation["current"], report.by_generation["legacy"]
    say(
        f"Đơn vị hành chính: {current['province']} tỉnh / {current['commune']} xã hiện nay; "
        f"{legacy['province']} tỉnh / {legacy['district']} huyện / {legacy['commune']} xã "
        "trước 2025."
    )


def load_pilot_groups(say: Callable[[str], None]) -> list[UnitGroup]:
    groups = []
    for pilot in units_demo.PILOT_GROUPS:
        successors = []
        for district, commune in pilot.communes:
            legacy = units_demo.legacy_commune(pilot.province, district, commune)
            successors.append(units_demo.main_successor(legacy))
        province = successors[0].province
        groups.append(
            do_save_group(
                slug=pilot.slug,
                name=pilot.name,
                description=pilot.description,
                province=province,
                members=successors,
                actor=None,
            )
        )
        say(f"Nhóm “{pilot.name}”: {', '.join(u.name for u in successors)}")
    return groups


def load_all(say: Callable[[str], None]) -> list[DemoLogin]:
    load_units(say)
    load_pilot_groups(say)
    logins = [DemoLogin(*row) for row in load_demo_accounts()]
    # Each domain app's demo data, in dependency order (one call per app, each idempotent):
    load_demo_assessments(say)
    from xaso.connectors.demo import load_demo_connectors  # measured values beside them

    load_demo_connectors(say)
    load_demo_citizens(say)
    logins += [DemoLogin(*row) for row in load_demo_programmes(say)]
    from xaso.results.demo import load_demo_results  # results last: it reads what came before

    load_demo_results(say)
    return logins
