from __future__ import annotations

from typing import Literal

from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.errors import HttpError

from xaso.units import queries
from xaso.units.models import Generation, Unit

router = Router(tags=["units"])

GenerationParam = Literal["current", "legacy"]


class UnitOut(Schema):
    code: str
    name: str
    short_name: str
    generation: str
    level: str
    unit_type: str
    valid_from: str | None
    valid_to: str | None
    district: str | None
    province: str | None
    latitude: float | None
    longitude: float | None
    url: str


class LinkOut(Schema):
    unit: UnitOut
    partly: bool


class UnitDetailOut(UnitOut):
    predecessors: list[LinkOut]
    successors: list[LinkOut]
    groups: list[str]


class LookupErrorOut(Schema):
    detail: str
    candidates: list[UnitOut]


def _out(u: Unit) -> UnitOut:
    district = u.parent.name if u.parent_id and u.parent and u.parent.level == "district" else None
    return UnitOut(
        code=u.code, name=u.name, short_name=u.short_name, generation=u.generation,
        level=u.level, unit_type=u.unit_type,
        valid_from=u.valid_from.isoformat() if u.valid_from else None,
        valid_to=u.valid_to.isoformat() if u.valid_to else None,
        district=district,
        province=u.province.name if u.province_id and u.province and u.province != u else None,
        latitude=u.latitude, longitude=u.longitude, url=u.get_absolute_url(),
    )  # fmt: skip


@router.get("", response=list[UnitOut], summary="Tìm hoặc liệt kê đơn vị")
def list_units(
    request: HttpRequest,
    q: str = "",
    generation: GenerationParam | None = None,
    level: Literal["province", "district", "commune"] | None = None,
    limit: int = 50,
) -> list[UnitOut]:
    """Accent-insensitive: `q=hoa phu` finds Xã Hòa Phú in both generations."""
    limit = max(1, min(limit, 200))
    if not q:
        qs = Unit.objects.select_related("parent", "province")
        if generation:
            qs = qs.filter(generation=generation)
        if level:
            qs = qs.filter(level=level)
        return [_out(u) for u in qs.order_by("code")[:limit]]
    try:
        return [_out(u) for u in queries.search(q, generation=generation, level=level, limit=limit)]
    except queries.UnitLookupError as exc:
        raise HttpError(400, exc.message) from None


@router.get(
    "/resolve",
    response={200: UnitOut, 404: LookupErrorOut, 409: LookupErrorOut},
    summary="Xác định đúng một đơn vị theo tên hoặc mã",
)
def resolve_unit(
    request: HttpRequest, name: str, generation: GenerationParam | None = None
) -> Status:
    try:
        return Status(200, _out(queries.resolve(name, generation=generation)))
    except queries.UnitLookupError as exc:
        status = 409 if exc.ambiguous else 404
        return Status(
            status, LookupErrorOut(detail=exc.message, candidates=[_out(u) for u in exc.candidates])
        )


@router.get("/{generation}/{code}", response=UnitDetailOut, summary="Chi tiết một đơn vị")
def unit_detail(request: HttpRequest, generation: GenerationParam, code: str) -> UnitDetailOut:
    try:
        unit = queries.get_unit(Generation(generation), code)
    except queries.UnitLookupError as exc:
        raise HttpError(404, exc.message) from None
    base = _out(unit)
    return UnitDetailOut(
        **base.dict(),
        predecessors=[LinkOut(unit=_out(x.unit), partly=x.partly)
                      for x in queries.predecessors(unit)],
        successors=[LinkOut(unit=_out(x.unit), partly=x.partly) for x in queries.successors(unit)],
        groups=[g.name for g in queries.groups_of(unit)],
    )  # fmt: skip
