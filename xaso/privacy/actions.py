"""Data-subject requests and retention (Law 91/2025/QH15): export everything held about a
resident, erase it, and the daily sweep that erases what has outlived its retention.

Every app's part is in the register (``xaso.core.personal_data``); these actions only
walk it. Audit rows name the person by a keyed pseudonym, never by number or name, so a
repeat request is recognised without the log itself holding what was erased.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from xaso.accounts.models import User
from xaso.core.audit import record_audit
from xaso.core.personal_data import (
    ERASED_ON_REQUEST,
    ERASED_ON_RETENTION,
    NOBODY,
    RETENTIONS,
    DataSubject,
    Erasure,
    PersonalData,
    pseudonym,
    registered,
    scrub_text,
    subject_needles,
)
from xaso.privacy.bundle import Bundle, Section
from xaso.privacy.queries import earlier_requests, find_subject, may_request, stored_phones
from xaso.units.models import Unit

logger = logging.getLogger(__name__)

REASON_MIN = 5


def _check(actor: User | None, action: str, province: Unit | None) -> None:
    if actor is None:
        return  # the command line: whoever runs it already holds the server
    if not may_request(actor, action, province):
        raise PermissionDenied(
            "Chỉ quản trị cấp tỉnh được xuất hoặc xoá dữ liệu cá nhân của người dân "
            "trong tỉnh mình."
        )


def _reason(reason: str, subject: DataSubject, *, required: bool) -> str:
    text = " ".join((reason or "").split())
    if required and len(text) < REASON_MIN:
        raise ValidationError(
            {"reason": "Ghi lý do (ví dụ: đơn yêu cầu xoá ngày 14/06/2026 của người dân)."}
        )
    # An administrator may type the resident's number into the reason; it must not land
    # in the audit log, which keeps only the pseudonym.
    return scrub_text(text, marker="[…]", **subject_needles(subject))[:500]


def _scope_label(province: Unit | None) -> str:
    return province.name if province is not None else "Mọi tỉnh"


@transaction.atomic
def do_export_personal_data(
    *,
    province: Unit | None,
    actor: User | None,
    phone: str = "",
    username: str = "",
    reason: str = "",
) -> Bundle:
    """Xuất dữ liệu cá nhân — everything the register holds about one resident in the
    province, as a bundle (JSON, text, their files) for them."""
    _check(actor, "export", province)
    subject = find_subject(phone=phone, username=username, province=province)
    sections = [
        Section(entry, [entry.export(row) for row in entry.select(subject)])
        for entry in registered()
        if entry.select is not None
    ]
    bundle = Bundle(subject=subject, scope=_scope_label(province), sections=sections)
    record_audit(
        actor=actor,
        action="privacy.export_personal_data",
        target=None,
        province_id=province.pk if province else None,
        changes={
            "subject": subject.pseudonym,
            "records": bundle.total,
            "counts": bundle.counts,
            "reason": _reason(reason, subject, required=False),
        },
    )
    logger.info("Xuất dữ liệu cá nhân của %s: %s bản ghi", subject.pseudonym[:12], bundle.total)
    return bundle


@dataclass
class ErasureReport:
    pseudonym: str
    counts: dict[str, int] = field(default_factory=dict)
    kept: list[str] = field(default_factory=list)
    repeat: bool = False

    @property
    def total(self) -> int:
        return sum(self.counts.values())


Selection = list[tuple[PersonalData, list[Any]]]


def _erase(selections: Selection, erasure: Erasure) -> dict[str, int]:
    counts: dict[str, int] = {}
    for entry, ids in selections:
        if ids and entry.erase_rows is not None:
            changed = entry.erase_rows(entry.model._default_manager.filter(pk__in=ids), erasure)
            if changed:
                counts[entry.label] = changed
    return counts


@transaction.atomic
def do_erase_personal_data(
    *,
    province: Unit | None,
    reason: str,
    actor: User | None,
    phone: str = "",
    username: str = "",
) -> ErasureReport:
    """Xoá dữ liệu cá nhân theo yêu cầu — all of it or none (one transaction), and again
    changes nothing. Public cases stay, holding nothing of the person."""
    _check(actor, "delete", province)
    subject = find_subject(phone=phone, username=username, province=province)
    clean_reason = _reason(reason, subject, required=True)
    repeat = earlier_requests(subject).filter(action="privacy.erase_personal_data").exists()
    # Every selection runs before any erasure: erasing a case first would otherwise hide
    # its attachments and messages from their own selections.
    target = subject.erasable()
    selections: Selection = [
        (entry, list(entry.select(target).values_list("pk", flat=True)))
        for entry in registered()
        if entry.select is not None and entry.erase_rows is not None
    ]
    erasure = Erasure(subject=target, why="request", marker=ERASED_ON_REQUEST)
    counts = _erase(selections, erasure)
    if subject.kept_user_ids:
        erasure.keep(
            f"{len(subject.kept_user_ids)} tài khoản cán bộ có số này được giữ lại (cùng phiên, "
            "thiết bị, nhật ký của nó) để truy vết thao tác công vụ; khoá hoặc sửa qua trang "
            "Người dùng nếu người này đã nghỉ việc."
        )
    kept = list(dict.fromkeys(erasure.kept))
    record_audit(
        actor=actor,
        action="privacy.erase_personal_data",
        target=None,
        province_id=province.pk if province else None,
        changes={
            "subject": subject.pseudonym,
            "counts": counts,
            "kept": kept,
            "repeat": repeat,
            "reason": clean_reason,
        },
    )
    logger.info(
        "Xoá dữ liệu cá nhân của %s: %s bản ghi", subject.pseudonym[:12], sum(counts.values())
    )
    return ErasureReport(subject.pseudonym, counts, kept, repeat)


@dataclass
class SweepReport:
    counts: dict[str, int] = field(default_factory=dict)
    cutoffs: dict[str, str] = field(default_factory=dict)


@transaction.atomic
def do_sweep_retention(*, actor: User | None, now: dt.datetime | None = None) -> SweepReport:
    """Xoá dữ liệu hết thời hạn lưu trữ — run daily; a period of 0 days switches a sweep
    off. Nothing to erase writes nothing (not even an audit row)."""
    if actor is not None and not actor.is_superuser:
        raise PermissionDenied("Chỉ quản trị hệ thống chạy việc xoá theo thời hạn bằng tay.")
    now = now or timezone.now()
    report = SweepReport()
    selections: Selection = []
    for entry in registered():
        days = RETENTIONS[entry.retention].days
        if entry.expire is None or entry.erase_rows is None or not days:
            continue
        cutoff = now - dt.timedelta(days=days)
        report.cutoffs[entry.retention] = cutoff.isoformat()
        selections.append((entry, list(entry.expire(cutoff).values_list("pk", flat=True))))
    erasure = Erasure(subject=NOBODY, why="retention", marker=ERASED_ON_RETENTION)
    report.counts = _erase(selections, erasure)
    if report.counts:
        record_audit(
            actor=actor,
            action="privacy.sweep_retention",
            target=None,
            changes={"counts": report.counts, "cutoffs": report.cutoffs},
        )
        logger.info("Xoá dữ liệu hết thời hạn: %s", report.counts)
    return report


def do_reapply_erasures(
    *, pseudonyms: set[str], actor: User | None, reason: str
) -> dict[str, ErasureReport]:
    """Áp dụng lại yêu cầu xoá — after restoring a backup older than some erasures: every
    stored phone whose pseudonym is in the ledger is erased again (each in its own
    transaction, as a request of its own). Accounts erased without a phone are matched by
    their id. Returns the reports by pseudonym."""
    if actor is not None and not actor.is_superuser:
        raise PermissionDenied("Chỉ quản trị hệ thống áp dụng lại các yêu cầu xoá.")
    wanted = {p.strip() for p in pseudonyms if p.strip()}
    reports: dict[str, ErasureReport] = {}
    for phone in sorted(stored_phones()):
        if pseudonym(phone) in wanted:
            report = do_erase_personal_data(phone=phone, province=None, reason=reason, actor=actor)
            reports[report.pseudonym] = report
    for user_id, username in User.objects.values_list("pk", "username").iterator():
        if pseudonym(f"user:{user_id}") in wanted and not username.startswith("da-xoa-"):
            report = do_erase_personal_data(
                username=username, province=None, reason=reason, actor=actor
            )
            reports[report.pseudonym] = report
    return reports
