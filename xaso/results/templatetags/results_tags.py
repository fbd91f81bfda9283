"""Numbers as people read them: 0,8002 for an index value, 114,98 for points (in the
active language's format), "—" where there is nothing."""

from __future__ import annotations

from django import template
from django.template.defaultfilters import floatformat

register = template.Library()


@register.filter
def score(value: float | None) -> str:
    return "—" if value is None else floatformat(value, "4g")


@register.filter
def pts(value: float | None) -> str:
    return "—" if value is None else floatformat(value, "2g")


@register.filter
def signed(value: float | None, decimals: int = 2) -> str:
    if value is None:
        return "—"
    text = floatformat(abs(value), f"{decimals}g")
    return f"+{text}" if value > 0 else (f"−{text}" if value < 0 else text)


@register.filter
def pct(value: float | None) -> str:
    return "—" if value is None else floatformat(100 * value, "0") + " %"


@register.filter
def get(mapping: dict[object, object], key: object) -> object:
    return mapping.get(key, "")
