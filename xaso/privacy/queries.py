"""Reads for data-subject requests: who the person is (every identifier the apps can link
to a phone or an account, within the requester's province), what is held about them,
earlier requests about them, and the register as a table for the administrators' page."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from xaso.accounts.models import User
from xaso.accounts.queries import Viewer, administered_provinces, may_in_unit
from xaso.core.models import AuditEntry
from xaso.core.personal import normalise_phone
from xaso.core.personal_data import (
    CATEGORIES,
    RETENTIONS,
    DataSubject,
    PersonalData,
    registered,
    resolve,
)
from xaso.units.models import Level, Lineage, Unit

FAMILY = "personal_data"
REQUEST_ACTIONS = ("privacy.export_personal_data", "privacy.erase_personal_data")


def may_request(viewer: Viewer, action: str, province: Unit | None) -> bool:
    """Province administrators for their province; superusers (and only they) for every
    province at once (``province`` None)."""
    if province is None:
        return bool(getattr(viewer, "is_superuser", False) and viewer is not None)
    return may_in_unit(viewer, action, province.pk, family=FAMILY)


def provinces_for(viewer: Viewer) -> list[Unit]:
    return [p for p in administered_provinces(viewer) if may_request(viewer, "export", p)]


def province_scope(province: Unit | None) -> frozenset[int] | None:
    """The province and the pre-2025 provinces merged into it (old records hang on them)."""
    if province is None:
        return None
    legacy = Lineage.objects.filter(
        successor=province, predecessor__level=Level.PROVINCE
    ).values_list("predecessor_id", flat=True)
    return frozenset({province.pk, *legacy})


def find_subject(*, phone: str = "", username: str = "", province: Unit | None) -> DataSubject:
    """The person by phone and/or account name, with every identifier linked to them in
    the province. A malformed phone or an unknown account is a ValidationError."""
    errors: dict[str, str] = {}
    phones: set[str] = set()
    user_ids: set[int] = set()
    if phone.strip():
        try:
            phones.add(normalise_phone(phone))
        except ValueError as exc:
            errors["phone"] = str(exc)
    scope = province_scope(province)
    if username.strip():
        accounts = User.objects.filter(username__iexact=username.strip())
        if scope is not None:
            accounts = accounts.filter(province_id__in=sorted(scope))
        found = accounts.values_list("pk", flat=True).first()
        if found is None:
            errors["username"] = f"Không có tài khoản “{username.strip()}” trong tỉnh này."
        else:
            user_ids.add(found)
    if not errors and not (phones or user_ids):
        errors["phone"] = "Nhập số điện thoại hoặc tên đăng nhập của người yêu cầu."
    if errors:
        raise ValidationError(errors)
    return resolve(
        DataSubject(phones=frozenset(phones), user_ids=frozenset(user_ids), province_ids=scope)
    )


@dataclass(frozen=True)
class Held:
    """What one register entry holds about the person."""

    entry: PersonalData
    count: int

    @property
    def erasable(self) -> bool:
        return self.entry.erase_rows is not None


def held(subject: DataSubject) -> list[Held]:
    return [
        Held(entry, entry.select(subject).count())
        for entry in registered()
        if entry.select is not None
    ]


def earlier_requests(subject: DataSubject) -> QuerySet[AuditEntry]:
    """Earlier exports and erasures for the same person, matched by their pseudonym."""
    return AuditEntry.objects.filter(
        action__in=REQUEST_ACTIONS, changes__subject=subject.pseudonym
    ).order_by("-at", "-pk")


def erased_pseudonyms() -> list[str]:
    """Every person erased on request, by pseudonym: the ledger to keep off the server, so
    that erasures can be applied again after restoring an older backup."""
    rows = AuditEntry.objects.filter(action="privacy.erase_personal_data").order_by("at", "pk")
    return list(dict.fromkeys(str(r.changes.get("subject", "")) for r in rows if r.changes))


def stored_phones() -> set[str]:
    """Every phone number held in a field the register calls a phone (normalised)."""
    found: set[str] = set()
    for entry in registered():
        for name, category in entry.fields.items():
            if category != "phone":
                continue
            values = entry.model._default_manager.exclude(**{name: ""}).values_list(name, flat=True)
            for value in values.distinct().iterator():
                try:
                    found.add(normalise_phone(str(value)))
                except ValueError:
                    continue  # a Zalo id in an address field, or an old malformed number
    return found


@dataclass(frozen=True)
class RegisterRow:
    label: str
    title: str
    field: str
    field_label: str
    category: str
    subject: str
    purpose: str
    retention: str
    days: int | None
    on_request: str
    note: str


def _on_request(entry: PersonalData) -> str:
    if entry.erase_rows is not None:
        return "Xuất, xoá"
    if entry.select is not None:
        return "Xuất"
    return "Không (xem ghi chú)"


def register_rows() -> list[RegisterRow]:
    rows = []
    for entry in sorted(registered(), key=lambda e: e.label):
        retention = RETENTIONS[entry.retention]
        for name, category in entry.fields.items():
            rows.append(
                RegisterRow(
                    label=entry.label,
                    title=entry.title,
                    field=name,
                    field_label=entry.field_label(name),
                    category=CATEGORIES[category].label,
                    subject=entry.subject,
                    purpose=entry.purpose,
                    retention=retention.label,
                    days=retention.days,
                    on_request=_on_request(entry),
                    note=entry.note,
                )
            )
    return rows
