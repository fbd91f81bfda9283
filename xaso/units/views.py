from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from xaso.units import queries
from xaso.units.models import Generation, Level, Unit

GENERATION_SLUGS = {"hien-nay": Generation.CURRENT, "truoc-2025": Generation.LEGACY}


def _generation(slug: str) -> str:
    try:
        return GENERATION_SLUGS[slug]
    except KeyError:
        raise Http404("Thế hệ đơn vị không hợp lệ.") from None


def province_list(request: HttpRequest) -> HttpResponse:
    slug = request.GET.get("the-he", "hien-nay")
    generation = GENERATION_SLUGS.get(slug, Generation.CURRENT)
    return render(
        request,
        "units/province_list.html",
        {
            "provinces": queries.provinces(generation),
            "generation": generation,
            "is_current": generation == Generation.CURRENT,
            "counts": queries.unit_counts(),
        },
    )


def unit_detail(request: HttpRequest, generation: str, code: str) -> HttpResponse:
    try:
        unit = queries.get_unit(_generation(generation), code)
    except queries.UnitLookupError:
        raise Http404(f"Không có đơn vị mã {code}.") from None
    context: dict[str, object] = {"unit": unit}
    if unit.level == Level.PROVINCE:
        children = (
            queries.communes_of(unit) if unit.is_current else queries.districts_of(unit)
        ).order_by("name")
        context["children"] = children
        context["type_counts"] = queries.type_counts(queries.communes_of(unit))
    elif unit.level == Level.DISTRICT:
        communes = unit.children.order_by("name")
        context["children"] = communes
        context["type_counts"] = queries.type_counts(communes)
    context["successors"] = queries.successors(unit)
    context["predecessors"] = queries.predecessors(unit)
    context["groups"] = queries.groups_of(unit)
    return render(request, "units/unit_detail.html", context)


def by_code(request: HttpRequest, code: str) -> HttpResponse:
    """A bare code may name a unit in each generation: go straight there or let the user pick."""
    found = queries.units_with_code(code)
    if len(found) == 1:
        return redirect(found[0])
    status = 404 if not found else 200
    return render(request, "units/choose.html", {"code": code, "candidates": found}, status=status)


def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    generation = request.GET.get("the-he")
    error = None
    results: list[Unit] = []
    if query:
        try:
            results = list(queries.search(query, generation=GENERATION_SLUGS.get(generation or "")))
        except queries.UnitLookupError as exc:
            error = exc.message
    template = (
        "units/search.html#results" if request.headers.get("HX-Request") else ("units/search.html")
    )
    return render(
        request,
        template,
        {"query": query, "results": results, "error": error, "generation": generation or ""},
    )


def group_list(request: HttpRequest) -> HttpResponse:
    return render(request, "units/group_list.html", {"groups": queries.groups()})


def group_detail(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        group = queries.group_by_slug(slug)
    except queries.UnitLookupError:
        raise Http404("Không có nhóm này.") from None
    members = group.members.select_related("parent", "province").order_by("name")
    return render(request, "units/group_detail.html", {"group": group, "members": members})
