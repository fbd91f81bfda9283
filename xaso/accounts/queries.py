"""Every scoped read: the one rule deciding which records a person may list, view,
download, edit, delete or export, and the accounts app's own reads built on it.

The rule: a role held over a unit covers that unit's records; a province-wide role covers
every unit whose province is that province; either way legacy (pre-2025) units whose
area passed into a covered unit are covered too, so history stays with today's officials.
Which role may do which action is the *family* policy in ``xaso.core.scoping``.

Out of scope and "does not exist" are the same answer (404) everywhere.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Final

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import models
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from xaso.accounts.models import Role, RoleAssignment, User
from xaso.core.models import AuditEntry
from xaso.core.personal import mask_phone
from xaso.core.scoping import (
    ALL_ACTIONS,
    DEFAULT_FAMILY,
    OWNER,
    PUBLIC,
    SUPERUSER,
    policy,
    scoped_model_for,
)
from xaso.core.text import fold
from xaso.units.models import Generation, Level, Lineage, Unit

Viewer = AbstractBaseUser | AnonymousUser | None


class AllUnits:
    """Stands for "every unit" (superusers, public records) without listing 13,000 ids."""

    _instance: AllUnits | None = None

    def __new__(cls) -> AllUnits:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __contains__(self, unit_id: object) -> bool:
        return True

    def __repr__(self) -> str:
        return "ALL"


ALL: Final = AllUnits()
UnitScope = set[int] | AllUnits

_ASSIGNMENTS_CACHE = "_xaso_assignments"
_EXPANSION_CACHE = "_xaso_unit_expansion"


def active_user(viewer: Viewer) -> User | None:
    """The viewer as a signed-in, active ``User``, or None for anyone else."""
    if isinstance(viewer, User) and viewer.is_authenticated and viewer.is_active:
        return viewer
    return None


def _assignments(user: User) -> list[tuple[str, int, str]]:
    cached: list[tuple[str, int, str]] | None = getattr(user, _ASSIGNMENTS_CACHE, None)
    if cached is None:
        cached = [
            (role, unit_id, level)
            for role, unit_id, level in RoleAssignment.objects.filter(user=user).values_list(
                "role", "unit_id", "unit__level"
            )
        ]
        setattr(user, _ASSIGNMENTS_CACHE, cached)
    return cached


def forget_cached_scope(user: User) -> None:
    """Drops what this user object remembers of its roles (after they change)."""
    for attr in (_ASSIGNMENTS_CACHE, _EXPANSION_CACHE, "roles"):
        user.__dict__.pop(attr, None)


def units_covered(unit_ids: set[int], province_ids: set[int]) -> set[int]:
    """The units a role over these communes and provinces covers, legacy ones included."""
    covered = set(unit_ids) | set(province_ids)
    if province_ids:
        covered |= set(
            Unit.objects.filter(province_id__in=province_ids).values_list("id", flat=True)
        )
        # Legacy communes and provinces merged into this province, and everything that
        # hung under those legacy provinces (their districts had no lineage of their own).
        legacy = set(
            Lineage.objects.filter(
                Q(successor__province_id__in=province_ids) | Q(successor_id__in=province_ids)
            ).values_list("predecessor_id", flat=True)
        )
        legacy_provinces = set(
            Unit.objects.filter(id__in=legacy, level=Level.PROVINCE).values_list("id", flat=True)
        )
        covered |= legacy
        if legacy_provinces:
            covered |= set(
                Unit.objects.filter(
                    generation=Generation.LEGACY, province_id__in=legacy_provinces
                ).values_list("id", flat=True)
            )
    if unit_ids:
        covered |= set(
            Lineage.objects.filter(successor_id__in=unit_ids).values_list(
                "predecessor_id", flat=True
            )
        )
    return covered


def _expansion(user: User, role: str, unit_id: int, level: str) -> frozenset[int]:
    cache: dict[int, frozenset[int]] = user.__dict__.setdefault(_EXPANSION_CACHE, {})
    if unit_id not in cache:
        if level == Level.PROVINCE:
            cache[unit_id] = frozenset(units_covered(set(), {unit_id}))
        else:
            cache[unit_id] = frozenset(units_covered({unit_id}, set()))
    return cache[unit_id]


def granted(grant: str, action: str, family: str) -> bool:
    return action in policy(family).get(grant, frozenset())


def visible_unit_ids(
    viewer: Viewer, *, action: str = "view", family: str = DEFAULT_FAMILY
) -> UnitScope:
    """The units whose records of ``family`` this person may ``action``: a set of ids, or
    ``ALL``. Anonymous visitors get the family's public grant or nothing."""
    rules = policy(family)
    if action in rules.get(PUBLIC, frozenset()):
        return ALL
    user = active_user(viewer)
    if user is None:
        return set()
    if user.is_superuser:
        return ALL if action in rules.get(SUPERUSER, ALL_ACTIONS) else set()
    ids: set[int] = set()
    for role, unit_id, level in _assignments(user):
        if action in rules.get(role, frozenset()):
            ids |= _expansion(user, role, unit_id, level)
    return ids


def may_in_unit(
    viewer: Viewer, action: str, unit_id: int | None, *, family: str = DEFAULT_FAMILY
) -> bool:
    """Whether this person may ``action`` records of ``family`` belonging to that unit
    (used before a record exists, e.g. to create one)."""
    ids = visible_unit_ids(viewer, action=action, family=family)
    if isinstance(ids, AllUnits):
        return True
    return unit_id is not None and unit_id in ids


def scope[M: models.Model](
    queryset: QuerySet[M],
    viewer: Viewer,
    *,
    action: str = "view",
    unit_field: str | None = None,
    family: str | None = None,
) -> QuerySet[M]:
    """The one scoping helper: ``queryset`` narrowed to what ``viewer`` may ``action``.

    A registered model brings its own unit path and family; an unregistered one says
    them here. Every list, detail, export, API endpoint, command and task goes through it.
    """
    entry = scoped_model_for(queryset.model)
    field = unit_field or (entry.unit_field if entry else "unit")
    fam = family or (entry.family if entry else DEFAULT_FAMILY)
    ids = visible_unit_ids(viewer, action=action, family=fam)
    if isinstance(ids, AllUnits):
        return queryset
    condition = Q(**{f"{field}__in": sorted(ids)}) if ids else Q(pk__in=[])
    user = active_user(viewer)
    if entry is not None and entry.owner_field and user is not None and granted(OWNER, action, fam):
        condition |= Q(**{entry.owner_field: user.pk})
    return queryset.filter(condition)


def access_or_404[M: models.Model](
    viewer: Viewer, queryset: QuerySet[M], pk: object, *, action: str = "view"
) -> M:
    """One record by id if ``viewer`` may ``action`` it; Http404 alike when it does not
    exist and when it is not theirs, so ids cannot be probed."""
    try:
        return scope(queryset, viewer, action=action).get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404("Không tìm thấy.") from None


def can(viewer: Viewer, action: str, obj: models.Model) -> bool:
    manager: models.Manager[Any] = type(obj)._default_manager
    return scope(manager.filter(pk=obj.pk), viewer, action=action).exists()


# --- accounts' own reads -----------------------------------------------------------------


def users_for(viewer: Viewer, *, query: str = "", action: str = "list") -> QuerySet[User]:
    """Người dùng the viewer manages, with their roles loaded for a list page."""
    qs = User.objects.select_related("province").prefetch_related(
        Prefetch(
            "role_assignments",
            queryset=RoleAssignment.objects.select_related("unit").order_by("role", "unit__name"),
        )
    )
    folded = fold(query)
    for word in folded.split():
        qs = qs.filter(search_text__contains=word)
    return scope(qs, viewer, action=action).order_by("full_name", "username")


def access_user_or_404(viewer: Viewer, user_id: object, *, action: str = "view") -> User:
    return access_or_404(viewer, User.objects.select_related("province"), user_id, action=action)


def access_assignment_or_404(
    viewer: Viewer, assignment_id: object, *, action: str = "delete"
) -> RoleAssignment:
    qs = RoleAssignment.objects.select_related("user", "unit")
    return access_or_404(viewer, qs, assignment_id, action=action)


def administered_provinces(viewer: Viewer) -> list[Unit]:
    """Current provinces whose accounts this person manages."""
    user = active_user(viewer)
    if user is None:
        return []
    qs = Unit.objects.filter(generation=Generation.CURRENT, level=Level.PROVINCE)
    if not user.is_superuser:
        qs = qs.filter(
            role_assignments__user=user, role_assignments__role=Role.PROVINCE_ADMIN
        ).distinct()
    return list(qs.order_by("name"))


def shown_phone(viewer: Viewer, person: User) -> str:
    """The phone as this viewer may see it: whole for the person and for administrators
    of the person's province, masked for everyone else."""
    user = active_user(viewer)
    if user is not None and user.pk == person.pk:
        return person.phone
    if person.province_id is not None and may_in_unit(
        viewer, "edit", person.province_id, family="accounts"
    ):
        return person.phone
    if user is not None and user.is_superuser:
        return person.phone
    return mask_phone(person.phone)


class UnitCodeError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def current_unit_by_code(code: str) -> Unit:
    """Today's unit with this code, or a Vietnamese message saying why there is none
    (unknown code, or a pre-2025 code whose successors are named)."""
    text = (code or "").strip()
    if not text:
        raise UnitCodeError("Chưa nhập mã đơn vị.")
    if not text.isdigit():
        raise UnitCodeError(
            f"Mã đơn vị “{text}” không hợp lệ: mã gồm 2 chữ số (tỉnh) hoặc 5 chữ số (xã)."
        )
    unit = (
        Unit.objects.filter(generation=Generation.CURRENT, code=text)
        .select_related("province")
        .first()
    )
    if unit is not None:
        return unit
    legacy = Unit.objects.filter(generation=Generation.LEGACY, code=text).first()
    if legacy is None:
        raise UnitCodeError(f"Không có đơn vị nào mang mã {text}.")
    successors = ", ".join(
        f"{s.name} ({s.code})"
        for s in Unit.objects.filter(predecessor_links__predecessor=legacy).order_by("name")
    )
    raise UnitCodeError(
        f"Mã {text} là {legacy.name} trước 01/7/2025, nay không còn; "
        f"hãy dùng mã đơn vị hiện nay: {successors or 'không rõ'}."
    )


@dataclass(frozen=True)
class AuditFilter:
    """Tiêu chí tìm nhật ký: người thực hiện, thao tác, khoảng ngày (giờ Việt Nam), đối tượng."""

    user: str = ""
    action: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    target: str = ""


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def audit_entries_for(
    viewer: Viewer, filters: AuditFilter | None = None, *, action: str = "list"
) -> QuerySet[AuditEntry]:
    """Nhật ký the viewer may read (their province's; everything for superusers)."""
    f = filters or AuditFilter()
    qs = scope(AuditEntry.objects.select_related("province"), viewer, action=action)
    if f.user:
        qs = qs.filter(actor_label__icontains=f.user.strip())
    if f.action:
        qs = qs.filter(action=f.action)
    if f.date_from:
        qs = qs.filter(at__gte=_local_midnight(f.date_from))
    if f.date_to:
        qs = qs.filter(at__lt=_local_midnight(f.date_to + dt.timedelta(days=1)))
    if f.target:
        text = f.target.strip()
        qs = qs.filter(
            Q(target_label__icontains=text) | Q(target_id=text) | Q(target_type__icontains=text)
        )
    return qs.order_by("-at", "-pk")


def audit_actions(viewer: Viewer) -> list[str]:
    """The distinct actions present in what the viewer may read, for the search form."""
    return sorted(
        set(audit_entries_for(viewer).order_by().values_list("action", flat=True).distinct())
    )
