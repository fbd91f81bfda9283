"""Shared test set-up.

Every test database holds the real administrative units of both generations (loaded once
per session from the vietnamadminunits package, as production does). Use them — the
fixtures below name a few — rather than inventing unit codes.
"""

from __future__ import annotations

from typing import Any

import pytest

from xaso.units.models import Generation, Unit


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> None:
    from xaso.units.actions import do_import_units

    with django_db_blocker.unblock():
        do_import_units()


@pytest.fixture(autouse=True)
def _production_like_security(settings: Any) -> None:
    """Tests run as production would, even beside a demo data directory (which turns 2FA
    off): a test that needs the demo's relaxations says so itself."""
    settings.XASO_REQUIRE_2FA = True
    settings.XASO_DEMO = False


def _unit(generation: str, code: str) -> Unit:
    return Unit.objects.select_related("parent", "province").get(generation=generation, code=code)


@pytest.fixture
def dak_lak(db: None) -> Unit:
    """Tỉnh Đắk Lắk (current, code 66)."""
    return _unit(Generation.CURRENT, "66")


@pytest.fixture
def hoa_phu(db: None) -> Unit:
    """Xã Hòa Phú, Đắk Lắk (current, 24175): merged from Hòa Phú, Hòa Khánh, Hòa Xuân."""
    return _unit(Generation.CURRENT, "24175")


@pytest.fixture
def hoa_phu_legacy(db: None) -> Unit:
    """Xã Hòa Phú, TP Buôn Ma Thuột (legacy, 24172)."""
    return _unit(Generation.LEGACY, "24172")


@pytest.fixture
def thai_nguyen(db: None) -> Unit:
    """Tỉnh Thái Nguyên (current), which took in Bắc Kạn in 2025."""
    return Unit.objects.get(
        generation=Generation.CURRENT, level="province", short_name="Thái Nguyên"
    )


@pytest.fixture
def bac_kan_ward(db: None) -> Unit:
    """Phường Bắc Kạn, Thái Nguyên (current), successor of Phường Sông Cầu."""
    return Unit.objects.get(generation=Generation.CURRENT, level="commune", name="Phường Bắc Kạn")
