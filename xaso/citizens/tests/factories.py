"""Factories for the residents' channel, and a sample maker for every model it registers
for scoping (the access matrix finds ``SCOPED_SAMPLES`` here)."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable

from django.db import models
from django.utils import timezone

from xaso.citizens import outbox
from xaso.citizens.models import (
    Announcement,
    AnnouncementTemplate,
    ApiKey,
    Attachment,
    AudioClip,
    Case,
    CaseEvent,
    Category,
    ClassifierModel,
    CommuneSettings,
    Contact,
    Gateway,
    InboundMessage,
    Lexicon,
    OutboxMessage,
    Route,
    SpeakerCluster,
    Village,
)
from xaso.core.text import fold
from xaso.units.models import Unit

_seq = itertools.count(1)


def village(unit: Unit, name: str = "", population: int = 500) -> Village:
    name = name or f"Thôn mẫu {next(_seq)}"
    found, _ = Village.objects.get_or_create(
        unit=unit, name_key=fold(name), defaults={"name": name, "population": population}
    )
    return found


def category(unit: Unit, code: str = "", legal_class: str = "field") -> Category:
    code = code or f"mau-{next(_seq)}"
    found, _ = Category.objects.get_or_create(
        unit=unit, code=code, defaults={"name": f"Lĩnh vực {code}", "legal_class": legal_class}
    )
    return found


def case(unit: Unit, **fields: object) -> Case:
    n = next(_seq)
    now = timezone.now()
    values: dict[str, object] = {
        "unit": unit,
        "province_id": unit.province_id or unit.pk,
        "code": f"T{n}-{unit.code}",
        "token": f"tok{n}x{unit.pk}",
        "channel": "web",
        "legal_class": "field",
        "title": f"Phản ánh mẫu {n}",
        "body": "Đường hỏng nặng ở thôn",
        "received_at": now,
        "resolve_due": now,
    }
    values.update(fields)
    return Case.objects.create(**values)


def contact(unit: Unit, **fields: object) -> Contact:
    n = next(_seq)
    values: dict[str, object] = {
        "unit": unit,
        "name": f"Người nhận {n}",
        "phone": f"09{n:08d}"[:10],
        "consent_at": timezone.now(),
    }
    values.update(fields)
    return Contact.objects.create(**values)


def announcement(unit: Unit, **fields: object) -> Announcement:
    values: dict[str, object] = {
        "unit": unit,
        "title": f"Thông báo {next(_seq)}",
        "body": "Nội dung thông báo mẫu",
        "channels": ",sms,web,",
    }
    values.update(fields)
    return Announcement.objects.create(**values)


def gateway(
    unit: Unit,
    *,
    kind: str = "sms",
    name: str = "",
    base_url: str = "",
    priority: int = 1,
    secret: str = "bi-mat",
    api_key: str = "fake-key",
    app_id: str = "",
) -> Gateway:
    name = name or f"cong-{next(_seq)}"
    return Gateway.objects.create(
        unit=unit,
        name=name,
        kind=kind,
        base_url=base_url or f"fake://{name}",
        api_key=api_key,
        webhook_secret=secret,
        priority=priority,
        app_id=app_id,
    )


def message(unit: Unit, **fields: object) -> OutboxMessage:
    now = timezone.now()
    values: dict[str, object] = {
        "unit_id": unit.pk,
        "key": f"mau:{next(_seq)}",
        "channel": "sms",
        "address": "0912345678",
        "text": "Tin mẫu",
        "urgent": True,
        "now": now,
    }
    values.update(fields)
    row = outbox.row(**values)  # type: ignore[arg-type]
    row.save()
    return row


def _province(unit: Unit) -> Unit:
    return unit.province or unit


SCOPED_SAMPLES: dict[str, Callable[[Unit], models.Model]] = {
    "citizens.case": case,
    "citizens.caseevent": lambda u: CaseEvent.objects.create(case=case(u), kind="note", text="x"),
    "citizens.attachment": lambda u: Attachment.objects.create(
        case=case(u),
        file="citizens/mau.jpg",
        name="mau.jpg",
        content_type="image/jpeg",
        size=1,
        sha256="0" * 64,
    ),
    "citizens.announcement": announcement,
    "citizens.audioclip": lambda u: AudioClip.objects.create(
        announcement=announcement(u),
        cluster=SpeakerCluster.objects.create(unit=u, name="Cụm"),
        spoken_text="x",
        ogg="citizens/audio/x.ogg",
        mp3="citizens/audio/x.mp3",
    ),
    "citizens.contact": contact,
    "citizens.outboxmessage": message,
    "citizens.inboundmessage": lambda u: InboundMessage.objects.create(
        unit=u, channel="sms", status="rejected", body_sha256="0" * 64
    ),
    "citizens.route": lambda u: Route.objects.create(unit=u, agency="Phòng mẫu"),
    "citizens.communesettings": lambda u: CommuneSettings.objects.get_or_create(unit=u)[0],
    "citizens.apikey": lambda u: ApiKey.objects.create(
        unit=u,
        name="mẫu",
        prefix="x311_abc",
        key_hash=hashlib.sha256(str(next(_seq)).encode()).hexdigest(),
    ),
    "citizens.gateway": gateway,
    "citizens.classifiermodel": lambda u: ClassifierModel.objects.create(
        unit=u, samples=0, blob=b""
    ),
    "citizens.announcementtemplate": lambda u: AnnouncementTemplate.objects.create(
        unit=u, name=f"Mẫu {next(_seq)}", title="t", body="b"
    ),
    "citizens.lexicon": lambda u: Lexicon.objects.create(
        unit=u, written=f"Từ{next(_seq)}", spoken="từ"
    ),
    "citizens.category": category,
    "citizens.village": village,
    "citizens.speakercluster": lambda u: SpeakerCluster.objects.create(unit=u, name="Cụm loa"),
}
