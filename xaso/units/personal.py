"""Units hold no personal data; their personal-looking field names are declared so in
``xaso.core.personal_data``."""

from __future__ import annotations

from xaso.core.personal_data import register_not_personal
from xaso.units.models import Unit, UnitGroup


def register() -> None:
    register_not_personal(
        Unit,
        {
            "name": "tên đơn vị hành chính",
            "short_name": "tên ngắn của đơn vị",
            "name_key": "tên không dấu để tìm",
            "latitude": "toạ độ trung tâm đơn vị",
            "longitude": "toạ độ trung tâm đơn vị",
        },
    )
    register_not_personal(UnitGroup, {"name": "tên nhóm đơn vị"})
