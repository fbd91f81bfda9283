"""Phone numbers: normalised once, masked for everyone who does not need them."""

from __future__ import annotations

import pytest
from django.template import Context, Template

from xaso.accounts.models import User
from xaso.accounts.queries import shown_phone
from xaso.accounts.tests.factories import make_user
from xaso.core.personal import mask_id_number, mask_phone, normalise_phone
from xaso.units.models import Unit


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("0912 345 678", "0912345678"),
        ("+84 912.345.678", "0912345678"),
        ("84912345678", "0912345678"),
        ("0262 3852 123", "02623852123"),
    ],
)
def test_normalise_phone(raw: str, clean: str) -> None:
    assert normalise_phone(raw) == clean


@pytest.mark.parametrize("raw", ["", "12345", "0112345678", "09123456789", "abc"])
def test_bad_phones_are_refused(raw: str) -> None:
    with pytest.raises(ValueError, match="không hợp lệ"):
        normalise_phone(raw)


def test_masks() -> None:
    assert mask_phone("0912345678") == "09x xxx x678"
    assert mask_phone("") == "" and mask_phone("123") == "xxx"
    assert mask_id_number("012345678901") == "xxxxxxxxx901"


@pytest.mark.django_db
def test_only_the_persons_province_administrators_see_the_whole_number(
    dak_lak: Unit, hoa_phu: Unit, thai_nguyen: Unit
) -> None:
    person = make_user(role="commune_officer", units=[hoa_phu], phone="0912345678")
    admin = make_user(role="province_admin", units=[dak_lak])
    whole = [admin, person, make_user(superuser=True, province=dak_lak)]
    masked = [
        make_user(role="province_admin", units=[thai_nguyen]),
        make_user(role="verifier", units=[dak_lak]),
        make_user(role="leader", units=[dak_lak]),
        make_user(role="commune_officer", units=[hoa_phu]),
        make_user(role="sponsor", units=[hoa_phu]),
        None,
    ]
    for viewer in whole:
        assert shown_phone(viewer, person) == "0912345678"
    for other in masked:
        assert shown_phone(other, person) == "09x xxx x678"
    html = Template("{% load personal %}{{ p|shown_phone:v }} {{ p.phone|mask_phone }}").render(
        Context({"p": person, "v": masked[2]})
    )
    assert html == "09x xxx x678 09x xxx x678"
    assert User.objects.filter(phone="0912345678").count() == 1
