"""Reads of administrative units. Units themselves are public knowledge: no scoping here;
what is scoped is the data hung on them (see accounts.queries)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Case, Count, IntegerField, Q, QuerySet, When

from xaso.core.text import fold
from xaso.units.models import Generation, Level, Lineage, Unit, UnitGroup

MAX_QUERY_LENGTH = 100


class UnitLookupError(Exception):
    """A code or name that names no unit, or several: carries a Vietnamese message and the
    candidates, so web, API and CLI can all list them."""

    def __init__(
        self, message: str, candidates: list[Unit] | None = None, *, ambiguous: bool = False
    ) -> None:
        super().__init__(message)
        self.message = message
        self.candidates = candidates or []
        # Several units fit (choose one) — as opposed to none fitting (here are near ones).
        self.ambiguous = ambiguous


def unit_counts() -> dict[str, dict[str, int]]:
    rows = Unit.objects.values("generation", "level").annotate(n=Count("id"))
    counts: dict[str, dict[str, int]] = {g: {} for g in Generation.values}
    for row in rows:
        counts[row["generation"]][row["level"]] = row["n"]
    return counts


def provinces(generation: str = Generation.CURRENT) -> QuerySet[Unit]:
    return (
        Unit.objects.filter(generation=generation, level=Level.PROVINCE)
        .annotate(n_children=Count("children"))
        .order_by("name")
    )


def communes_of(province: Unit) -> QuerySet[Unit]:
    return Unit.objects.filter(province=province, level=Level.COMMUNE).select_related("parent")


def districts_of(province: Unit) -> QuerySet[Unit]:
    return (
        Unit.objects.filter(province=province, level=Level.DISTRICT)
        .annotate(n_children=Count("children"))
        .order_by("name")
    )


def type_counts(units: QuerySet[Unit]) -> list[tuple[str, int]]:
    labels = dict(Unit._meta.get_field("unit_type").choices or [])
    rows = units.values("unit_type").annotate(n=Count("id")).order_by("-n")
    return [(str(labels.get(r["unit_type"], r["unit_type"])), r["n"]) for r in rows]


def get_unit(generation: str, code: str) -> Unit:
    unit = (
        Unit.objects.select_related("parent", "province")
        .filter(generation=generation, code=code)
        .first()
    )
    if unit is None:
        raise UnitLookupError(f"Không có đơn vị nào mang mã {code!r}.")
    return unit


def units_with_code(code: str) -> list[Unit]:
    return list(Unit.objects.filter(code=code).select_related("parent", "province"))


def search(query: str, *, generation: str | None = None, level: str | None = None,
           limit: int = 50) -> QuerySet[Unit]:  # fmt: skip
    """Accent-insensitive search: "hoa phu" finds Xã Hòa Phú in both generations.

    Every word of the query must start a word of the unit's name or of its district or
    province; units whose own name holds the whole phrase come first.
    """
    folded = fold(query[:MAX_QUERY_LENGTH])
    if not folded:
        raise UnitLookupError("Hãy nhập tên hoặc mã đơn vị để tìm (ví dụ: “hoa phu”, “24175”).")
    qs = Unit.objects.select_related("parent", "province")
    if generation:
        qs = qs.filter(generation=generation)
    if level:
        qs = qs.filter(level=level)
    if folded.isdigit():
        return qs.filter(code__startswith=folded).order_by("code", "generation")[:limit]
    # Every word but the last must be a whole word; the last may be half-typed ("hoa ph").
    *whole, last = folded.split()
    words = Q(search_text__contains=f" {last}")
    for word in whole:
        words &= Q(search_text__contains=f" {word} ")
    return (
        qs.filter(words)
        .annotate(
            rank=Case(
                When(Q(name_key=folded) | Q(search_text__startswith=f" {folded} |"), then=0),
                When(name_key__contains=folded, then=1),
                default=2,
                output_field=IntegerField(),
            )
        )
        .order_by("rank", "level", "-generation", "name")[:limit]
    )


def resolve(name_or_code: str, *, generation: str | None = None) -> Unit:
    """Exactly one unit for a code or a name — optionally followed by its district and
    province ("hoa phu buon ma thuot") — or an error listing the candidates."""
    text = name_or_code.strip()
    if not text:
        raise UnitLookupError("Chưa nhập tên hoặc mã đơn vị.")
    if text.isdigit():
        qs = Unit.objects.filter(code=text)
        if generation:
            qs = qs.filter(generation=generation)
        found = list(qs.select_related("parent", "province").order_by("-generation"))
        if not found:
            raise UnitLookupError(f"Không có đơn vị nào mang mã {text!r}.")
        if len(found) > 1:
            raise UnitLookupError(
                f"Mã {text} có ở cả hai thế hệ (trước và từ 01/7/2025); hãy chọn thế hệ.",
                found,
                ambiguous=True,
            )
        return found[0]
    key = fold(text)
    # The unit's own name must head the query; the words after it name its district or
    # province, which search() has already checked.
    found = [
        u
        for u in search(text, generation=generation, limit=200)
        if _heads(u.name_key, key) or _heads(fold(u.name), key)
    ]
    if not found:
        candidates = list(search(text, generation=generation, limit=10)) if key else []
        raise UnitLookupError(f"Không tìm thấy đơn vị tên “{text}”.", candidates)
    if len(found) > 1:
        raise UnitLookupError(
            f"“{text}” ứng với {len(found)} đơn vị; hãy ghi thêm huyện, tỉnh hoặc chọn theo mã.",
            found,
            ambiguous=True,
        )
    return found[0]


def _heads(name: str, query: str) -> bool:
    return query == name or query.startswith(name + " ")


@dataclass(frozen=True)
class LinkedUnit:
    unit: Unit
    partly: bool
    is_main_successor: bool


def successors(unit: Unit) -> list[LinkedUnit]:
    links = Lineage.objects.filter(predecessor=unit).select_related("successor__province")
    return [LinkedUnit(x.successor, x.partly, x.is_main_successor) for x in links]


def predecessors(unit: Unit) -> list[LinkedUnit]:
    links = (
        Lineage.objects.filter(successor=unit)
        .select_related("predecessor__parent", "predecessor__province")
        .order_by("predecessor__name")
    )
    return [LinkedUnit(x.predecessor, x.partly, x.is_main_successor) for x in links]


def current_successor_ids(unit_ids: set[int]) -> set[int]:
    """Current units that took over any of these (legacy) units, wholly or partly."""
    return set(
        Lineage.objects.filter(predecessor_id__in=unit_ids).values_list("successor_id", flat=True)
    )


def legacy_predecessor_ids(unit_ids: set[int]) -> set[int]:
    """Legacy units whose area passed (wholly or partly) into any of these current units,
    so history stays reachable from today's units."""
    return set(
        Lineage.objects.filter(successor_id__in=unit_ids).values_list("predecessor_id", flat=True)
    )


def groups_of(unit: Unit) -> QuerySet[UnitGroup]:
    return unit.unit_groups.all()


def groups(province: Unit | None = None) -> QuerySet[UnitGroup]:
    qs = UnitGroup.objects.annotate(n_members=Count("members")).select_related("province")
    if province is not None:
        qs = qs.filter(Q(province=province) | Q(province__isnull=True))
    return qs.order_by("name")


def group_by_slug(slug: str) -> UnitGroup:
    group = UnitGroup.objects.filter(slug=slug).select_related("province").first()
    if group is None:
        raise UnitLookupError(f"Không có nhóm đơn vị {slug!r}.")
    return group
