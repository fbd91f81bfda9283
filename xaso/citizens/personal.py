"""Personal data in the residents' channel, registered in ``xaso.core.personal_data``:
who reported what (cases, their timelines and attachments), who subscribed (contacts)
and what was sent to whom (the outbox).

On a resident's request their cases stay (statistics, the public board and the legal
record of what the commune did) but hold nothing of them: reporter fields emptied, their
own words replaced by a marker, their name and number scrubbed from officials' answers,
photos and files deleted, coordinates rounded to about a kilometre. Their subscriptions
are deleted; messages to them keep only that a message was sent. When a closed case's
retention ends the same happens, except that the case's text stays (scrubbed of the
reporter's identifiers): it is the commune's record of the matter.
"""

from __future__ import annotations

import datetime as dt
from functools import reduce
from operator import or_
from typing import Any

from django.core.files.storage import default_storage
from django.db.models import Q, QuerySet
from django.utils import timezone

from xaso.citizens.models import (
    AnnouncementTemplate,
    ApiKey,
    Attachment,
    AudioClip,
    Case,
    CaseEvent,
    Category,
    Contact,
    EventKind,
    Gateway,
    OutboxMessage,
    OutboxState,
    SpeakerCluster,
    State,
    Village,
)
from xaso.core.audit import on_commit
from xaso.core.personal_data import (
    DataSubject,
    Erasure,
    redact_audit_targets,
    register_not_personal,
    register_personal_data,
    register_subject_resolver,
    scrub_text,
    subject_needles,
)
from xaso.core.text import fold

REPORTER = "Người gửi phản ánh, kiến nghị, khiếu nại, tố cáo"
SUBSCRIBER = "Người dân đăng ký nhận tin"
DEFAULT_CONTACT_NAME = "Người đăng ký"
FINISHED = (State.ANSWERED, State.CLOSED, State.FORWARDED, State.REJECTED, State.DUPLICATE)
OUTBOX_DONE = (OutboxState.SENT, OutboxState.DELIVERED, OutboxState.FAILED, OutboxState.EXPIRED)


def _any(conditions: list[Q]) -> Q:
    return reduce(or_, conditions) if conditions else Q(pk__in=[])


# --- who -----------------------------------------------------------------------------------


def _case_match(subject: DataSubject) -> Q:
    conditions = []
    if subject.phones:
        conditions.append(Q(reporter_phone__in=sorted(subject.phones)))
    if subject.zalo_ids:
        conditions.append(Q(reporter_zalo__in=sorted(subject.zalo_ids)))
    conditions += [Q(reporter_email__iexact=e) for e in sorted(subject.emails)]
    return _any(conditions)


def _cases(subject: DataSubject) -> QuerySet[Case]:
    qs = Case.objects.filter(_case_match(subject)).select_related("unit")
    return subject.in_provinces(qs).order_by("received_at", "pk")  # type: ignore[no-any-return]


def _contacts(subject: DataSubject) -> QuerySet[Contact]:
    conditions = []
    if subject.phones:
        conditions.append(Q(phone__in=sorted(subject.phones)))
    if subject.zalo_ids:
        conditions.append(Q(zalo_id__in=sorted(subject.zalo_ids)))
    qs = Contact.objects.filter(_any(conditions)).select_related("unit", "village")
    return subject.in_provinces(qs, "unit__province_id").order_by("pk")  # type: ignore[no-any-return]


def resolve(subject: DataSubject) -> DataSubject:
    """Zalo ids, emails and names found on the person's cases and subscriptions."""
    cases = list(
        _cases(subject).values_list("reporter_phone", "reporter_zalo", "reporter_email",
                                    "reporter_name")
    )  # fmt: skip
    contacts = list(_contacts(subject).values_list("phone", "zalo_id", "name"))
    return subject.merge(
        phones=[c[0] for c in cases] + [c[0] for c in contacts],
        zalo_ids=[c[1] for c in cases] + [c[1] for c in contacts],
        emails=[c[2].strip().lower() for c in cases],
        names=[c[3] for c in cases] + [c[2] for c in contacts if c[2] != DEFAULT_CONTACT_NAME],
    )


# --- cases -----------------------------------------------------------------------------------


def _case_row(case: Case) -> dict[str, Any]:
    return {
        "code": case.code,
        "commune": case.unit.name,
        "received_at": case.received_at,
        "channel": case.get_channel_display(),
        "legal_class": case.get_legal_class_display(),
        "state": case.get_state_display(),
        "is_public": case.is_public,
        "title": case.title,
        "body": case.body,
        "address": case.address,
        "latitude": case.latitude,
        "longitude": case.longitude,
        "reporter_name": case.reporter_name,
        "reporter_phone": case.reporter_phone,
        "reporter_zalo": case.reporter_zalo,
        "reporter_email": case.reporter_email,
        "answer": case.answer,
        "answered_at": case.answered_at,
        "closed_at": case.closed_at,
        "rating": case.rating,
    }


def _own_needles(case: Case, erasure: Erasure) -> dict[str, list[str]]:
    needles = subject_needles(erasure.subject)
    needles["phones"] += [case.reporter_phone] if case.reporter_phone else []
    needles["others"] += [v for v in (case.reporter_name, case.reporter_email,
                                      case.reporter_zalo) if v]  # fmt: skip
    return needles


def _rounded(value: float | None) -> float | None:
    # Two decimals ≈ 1 km: the commune's map keeps the area, not the house.
    return None if value is None else round(value, 2)


def _erase_cases(rows: QuerySet[Case], erasure: Erasure) -> int:
    labels: dict[str, str] = {}
    for case in rows:
        needles = _own_needles(case, erasure)

        def scrub(text: str, needles: dict[str, list[str]] = needles) -> str:
            return scrub_text(text, marker=erasure.marker, **needles)

        if erasure.on_request:
            case.title, case.body = erasure.marker, erasure.marker
        else:
            case.title, case.body = scrub(case.title)[:200], scrub(case.body)
        case.answer, case.reject_reason = scrub(case.answer), scrub(case.reject_reason)[:500]
        case.reporter_name = case.reporter_phone = case.reporter_zalo = ""
        case.reporter_email = case.ip_hash = case.address = ""
        case.latitude, case.longitude = _rounded(case.latitude), _rounded(case.longitude)
        case.search_text = f" {fold(f'{case.code} {case.title} {case.body}')} "
        case.save()
        labels[str(case.pk)] = str(case)[:300]
    redact_audit_targets(
        "citizens.case", labels, marker=erasure.marker,
        target_label=lambda row: labels.get(row.target_id, erasure.marker),
    )  # fmt: skip
    return len(labels)


def _finished_before(cutoff: dt.datetime, prefix: str = "") -> Q:
    p = prefix
    return Q(**{f"{p}state__in": FINISHED}) & (
        Q(**{f"{p}closed_at__lt": cutoff})
        | Q(**{f"{p}closed_at__isnull": True, f"{p}answered_at__lt": cutoff})
        | Q(**{f"{p}closed_at__isnull": True, f"{p}answered_at__isnull": True,
               f"{p}updated_at__lt": cutoff})
    )  # fmt: skip


_STILL_IDENTIFIED = ~Q(reporter_name="", reporter_phone="", reporter_zalo="", reporter_email="",
                       ip_hash="", address="")  # fmt: skip


def _expire_cases(cutoff: dt.datetime) -> QuerySet[Case]:
    return Case.objects.filter(_finished_before(cutoff) & _STILL_IDENTIFIED)


# --- a case's timeline and attachments --------------------------------------------------------


def _events(subject: DataSubject) -> QuerySet[CaseEvent]:
    return CaseEvent.objects.filter(case__in=_cases(subject)).select_related("case")


def _event_row(event: CaseEvent) -> dict[str, Any]:
    return {
        "case": event.case.code,
        "at": event.at,
        "kind": event.get_kind_display(),
        "state": event.state_to,
        "text": event.text,
        "internal": event.internal,
    }


def _written_by_resident(event: CaseEvent, erasure: Erasure) -> bool:
    if event.actor_id is not None:
        return event.actor_id in erasure.subject.user_ids
    # Without an actor, a rating's comment and a reopening's reason come from the
    # tracking link, i.e. from the reporter; other actor-less events are the system's.
    return event.kind == EventKind.RATING or event.state_to == State.REOPENED


def _erase_events(rows: QuerySet[CaseEvent], erasure: Erasure) -> int:
    count = 0
    for event in rows.select_related("case"):
        if erasure.on_request and _written_by_resident(event, erasure):
            if event.kind == EventKind.RATING:
                score = event.text.split(" ", 1)[0]
                text = f"{score} {erasure.marker}" if " " in event.text else event.text
            else:
                text = erasure.marker
        else:
            text = scrub_text(
                event.text, marker=erasure.marker, **_own_needles(event.case, erasure)
            )
        if text != event.text:
            event.text = text
            event.save(update_fields=["text"])
            count += 1
    return count


def _expire_events(cutoff: dt.datetime) -> QuerySet[CaseEvent]:
    return CaseEvent.objects.filter(case__in=_expire_cases(cutoff))


def _attachments(subject: DataSubject) -> QuerySet[Attachment]:
    return Attachment.objects.filter(case__in=_cases(subject)).select_related("case")


def _attachment_row(attachment: Attachment) -> dict[str, Any]:
    return {
        "case": attachment.case.code,
        "name": attachment.name,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "sha256": attachment.sha256,
        "uploaded_at": attachment.uploaded_at,
        "file": attachment.file,
    }


def delete_files_on_commit(names: list[str]) -> None:
    """Files leave storage only once the erasure has committed: a rolled-back erasure
    leaves rows and files as they were."""

    def remove() -> None:
        for name in names:
            default_storage.delete(name)

    if names:
        on_commit(remove)


def _erase_attachments(rows: QuerySet[Attachment], erasure: Erasure) -> int:
    names = [name for name in rows.values_list("file", flat=True) if name]
    count = rows.delete()[0]
    delete_files_on_commit(names)
    return int(count)


def _expire_attachments(cutoff: dt.datetime) -> QuerySet[Attachment]:
    return Attachment.objects.filter(case__in=Case.objects.filter(_finished_before(cutoff)))


# --- subscriptions and the outbox ----------------------------------------------------------


def _contact_row(contact: Contact) -> dict[str, Any]:
    return {
        "commune": contact.unit.name,
        "name": contact.name,
        "phone": contact.phone,
        "zalo_id": contact.zalo_id,
        "village": contact.village.name if contact.village else "",
        "household": contact.household,
        "groups": contact.groups,
        "topics": contact.topics,
        "consent_at": contact.consent_at,
        "consent_via": contact.consent_via,
        "opt_out_sms": contact.opt_out_sms,
        "opt_out_zalo": contact.opt_out_zalo,
    }


def _erase_contacts(rows: QuerySet[Contact], erasure: Erasure) -> int:
    ids = list(rows.values_list("pk", flat=True))
    redact_audit_targets(
        "citizens.contact", ids, marker=erasure.marker, target_label=erasure.marker
    )
    return int(Contact.objects.filter(pk__in=ids).delete()[0])


def _messages(subject: DataSubject) -> QuerySet[OutboxMessage]:
    addresses = sorted(subject.phones | subject.zalo_ids)
    qs = OutboxMessage.objects.filter(
        Q(address__in=addresses) | Q(case__in=_cases(subject)) | Q(contact__in=_contacts(subject))
    )
    return subject.in_provinces(qs, "unit__province_id").order_by("queued_at", "pk")  # type: ignore[no-any-return]


def _message_row(message: OutboxMessage) -> dict[str, Any]:
    return {
        "channel": message.get_channel_display(),
        "address": message.address,
        "text": message.text,
        "state": message.get_state_display(),
        "queued_at": message.queued_at,
        "sent_at": message.sent_at,
        "delivered_at": message.delivered_at,
    }


def _erase_messages(rows: QuerySet[OutboxMessage], erasure: Erasure) -> int:
    now = timezone.now()
    count = 0
    for message in rows:
        message.address = ""
        message.text = erasure.marker
        # The key of a subscription reply carries the number; it only has to stay unique.
        message.key = f"xoa:{message.pk}"
        message.last_error = scrub_text(
            message.last_error, marker=erasure.marker, **subject_needles(erasure.subject)
        )
        if message.state in (OutboxState.QUEUED, OutboxState.SENDING):
            message.state, message.finished_at = OutboxState.EXPIRED, now
            message.last_error = "Không gửi: dữ liệu người nhận đã bị xoá theo yêu cầu."
        message.save()
        count += 1
    return count


def _expire_messages(cutoff: dt.datetime) -> QuerySet[OutboxMessage]:
    # A message is over when it finished, or when it could no longer be sent (its expiry
    # is at most three days after it was queued), whether or not a worker noticed.
    over = Q(state__in=OUTBOX_DONE, finished_at__lt=cutoff) | Q(expires_at__lt=cutoff)
    return OutboxMessage.objects.filter(over).exclude(address="")


def register() -> None:
    register_subject_resolver("citizens", resolve)
    # Rows that point at cases first: erasure runs in this order after every selection.
    register_personal_data(
        CaseEvent,
        title="Diễn biến xử lý phản ánh",
        fields={"text": "free_text"},
        subject=REPORTER,
        purpose="Diễn biến xử lý phản ánh; nhận xét, lý do mở lại của người dân",
        retention="closed_cases",
        select=_events,
        labels={"text": "nội dung"},
        export_row=_event_row,
        erase_rows=_erase_events,
        expire=_expire_events,
    )
    register_personal_data(
        Attachment,
        title="Ảnh, tệp kèm phản ánh",
        fields={"file": "file", "name": "file"},
        subject=REPORTER,
        purpose="Ảnh, tài liệu kèm phản ánh (ảnh đã bỏ toạ độ GPS/EXIF khi tải lên)",
        retention="closed_cases",
        labels={"file": "tệp", "name": "tên tệp"},
        select=_attachments,
        export_row=_attachment_row,
        erase_rows=_erase_attachments,
        expire=_expire_attachments,
    )
    register_personal_data(
        OutboxMessage,
        title="Tin nhắn gửi đi (SMS, Zalo)",
        fields={"address": "phone", "text": "message", "key": "online_id"},
        subject="Người nhận tin (người dân, cán bộ nhận nhắc hạn)",
        purpose="Gửi thông báo, trả lời phản ánh qua SMS/Zalo; chống gửi trùng",
        retention="outbox",
        labels={
            "address": "số điện thoại hoặc mã Zalo nhận",
            "text": "nội dung tin",
            "key": "khoá chống gửi trùng",
        },
        select=_messages,
        export_row=_message_row,
        erase_rows=_erase_messages,
        expire=_expire_messages,
    )
    register_personal_data(
        Case,
        title="Phản ánh, kiến nghị",
        fields={
            "reporter_name": "name",
            "reporter_phone": "phone",
            "reporter_zalo": "online_id",
            "reporter_email": "email",
            "ip_hash": "pseudonym",
            "address": "address",
            "latitude": "location",
            "longitude": "location",
            "title": "free_text",
            "body": "free_text",
            "answer": "message",
            "search_text": "free_text",
        },
        subject=REPORTER,
        purpose="Tiếp nhận, xử lý, trả lời phản ánh và báo kết quả cho người gửi",
        retention="closed_cases",
        basis="Thực hiện nhiệm vụ của UBND xã theo pháp luật về tiếp nhận, xử lý phản ánh, "
        "kiến nghị, khiếu nại, tố cáo",
        note="Với tố cáo, danh tính người tố cáo chỉ cán bộ được giao xử lý được xem "
        "(Luật Tố cáo 2018). Trang công khai không bao giờ hiện dữ liệu người gửi.",
        select=_cases,
        export_row=_case_row,
        erase_rows=_erase_cases,
        expire=_expire_cases,
        labels={
            "reporter_name": "họ tên người gửi",
            "reporter_phone": "số điện thoại người gửi",
            "reporter_zalo": "mã Zalo người gửi",
            "reporter_email": "thư điện tử người gửi",
            "ip_hash": "mã băm địa chỉ IP (chống gửi dồn dập)",
            "latitude": "vĩ độ",
            "longitude": "kinh độ",
            "search_text": "chuỗi tìm kiếm (không dấu)",
        },
    )
    register_personal_data(
        Contact,
        title="Người đăng ký nhận tin",
        fields={
            "name": "name",
            "phone": "phone",
            "zalo_id": "online_id",
            "household": "profile",
            "groups": "profile",
            "topics": "profile",
            "consent_at": "profile",
            "consent_via": "profile",
            "opt_out_sms": "profile",
            "opt_out_zalo": "profile",
        },
        subject=SUBSCRIBER,
        purpose="Gửi thông báo của xã tới người đã đồng ý nhận tin",
        retention="subscription",
        basis="Sự đồng ý của người dân (ghi lại thời điểm và kênh đồng ý)",
        labels={
            "consent_at": "đồng ý lúc",
            "consent_via": "đồng ý qua",
            "opt_out_sms": "từ chối SMS",
            "opt_out_zalo": "từ chối Zalo",
        },
        select=_contacts,
        export_row=_contact_row,
        erase_rows=_erase_contacts,
    )
    register_not_personal(
        Village,
        {
            "name": "tên thôn, buôn, tổ dân phố",
            "name_key": "tên thôn không dấu để tìm",
            "latitude": "toạ độ của thôn",
            "longitude": "toạ độ của thôn",
        },
    )
    register_not_personal(Category, {"name": "tên lĩnh vực phản ánh"})
    register_not_personal(ApiKey, {"name": "tên hệ thống dùng khoá API"})
    register_not_personal(
        Gateway, {"name": "tên cổng gửi tin", "address": "số điện thoại, OA của UBND"}
    )
    register_not_personal(AnnouncementTemplate, {"name": "tên mẫu thông báo"})
    register_not_personal(SpeakerCluster, {"name": "tên cụm loa"})
    register_not_personal(
        AudioClip, {"ogg": "bản tin thông báo đọc bằng giọng máy", "mp3": "bản tin thông báo"}
    )
