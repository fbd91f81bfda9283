"""Template filters for personal data: ``{{ phone|mask_phone }}`` and
``{{ person|shown_phone:request.user }}`` (whole only for those who need it)."""

from __future__ import annotations

from django import template

from xaso.accounts.models import User
from xaso.accounts.queries import Viewer
from xaso.accounts.queries import shown_phone as _shown_phone
from xaso.core.personal import mask_id_number
from xaso.core.personal import mask_phone as _mask_phone

register = template.Library()


@register.filter
def mask_phone(phone: str | None) -> str:
    return _mask_phone(phone)


@register.filter
def mask_id(number: str | None) -> str:
    return mask_id_number(number)


@register.filter
def shown_phone(person: User, viewer: Viewer) -> str:
    return _shown_phone(viewer, person)
