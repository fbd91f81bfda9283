"""One intake record for every channel, and the channel adapters that build it.

Each adapter only *reads* its channel's wire format (and checks its signature): the web
form, the SMS gateway's webhook, the Zalo OA webhook, Open311 ``POST requests``, the
counter officer's form and a CSV of historic cases all end in the same ``IntakeRecord``,
which ``actions.do_receive_case`` takes through one pipeline. Wire formats are described
in docs/citizens.md.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
import io
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core import signing

from xaso.core.text import fold

MAX_BODY = 5000
MIN_BODY = 10
# A person needs a few seconds to read and type; a bot posting at once is refused.
HONEYPOT_MIN_SECONDS = 3
HONEYPOT_MAX_AGE = 24 * 3600
SIGNATURE_MAX_SKEW = 300
_FORM_SALT = "xaso.citizens.form"


class IntakeError(Exception):
    """A refusal with a Vietnamese message for the person or system that sent it."""

    def __init__(self, message: str, *, code: str = "invalid", field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field


@dataclass
class Upload:
    name: str
    content: bytes


@dataclass
class IntakeRecord:
    """What every channel hands over: the same fields whatever the channel."""

    channel: str
    unit_id: int
    body: str
    title: str = ""
    legal_class: str = ""
    category_code: str = ""
    village: str = ""
    address: str = ""
    latitude: float | None = None
    longitude: float | None = None
    reporter_name: str = ""
    phone: str = ""
    zalo_id: str = ""
    email: str = ""
    provider_id: str = ""
    is_public: bool = True
    ip: str = ""
    received_at: dt.datetime | None = None
    uploads: list[Upload] = field(default_factory=list)
    media_urls: list[str] = field(default_factory=list)
    # Historic cases (CSV import) arrive already answered.
    answer: str = ""
    answered_at: dt.datetime | None = None
    rating: int | None = None


@dataclass(frozen=True)
class Command:
    """An SMS or Zalo message that is a subscription command, not a case."""

    verb: str  # "optout" or "subscribe"
    topics: tuple[str, ...] = ()


_OPT_OUT = {"tu choi", "huy", "stop", "dung", "tuchoi", "huy dang ky"}
_SUBSCRIBE = re.compile(r"^(?:dang ky|dk|dangky)\b(.*)$")


def command_in(text: str) -> Command | None:
    """ "TU CHOI" / "Từ chối" → opt out; "DK NONG NGHIEP" → subscribe to topics."""
    folded = fold(text)
    if folded in _OPT_OUT:
        return Command("optout")
    match = _SUBSCRIBE.match(folded)
    if match:
        topics = tuple(t.replace(" ", "-") for t in match.group(1).split(",") if t.strip())
        return Command("subscribe", tuple(t.strip("-") for t in topics))
    return None


def title_from(body: str, limit: int = 80) -> str:
    text = " ".join(body.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return f"{cut}…"


def body_sha256(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def ip_hash(ip: str) -> str:
    """The sender's IP is kept only as a salted hash, enough to rate-limit."""
    if not ip:
        return ""
    return signing.Signer(salt="xaso.citizens.ip").signature(ip)[:32]


# --- the web form's honeypot ---------------------------------------------------------------


def form_stamp(now: dt.datetime) -> str:
    return signing.dumps(int(now.timestamp()), salt=_FORM_SALT)


def check_honeypot(data: Mapping[str, Any], now: dt.datetime) -> None:
    """A hidden field people leave empty and a signed time the form was shown."""
    message = "Không gửi được phản ánh: vui lòng tải lại trang và gửi lại sau vài giây."
    if str(data.get("website") or "").strip():
        raise IntakeError(message, code="honeypot")
    try:
        shown = int(signing.loads(str(data.get("stamp") or ""), salt=_FORM_SALT))
    except (signing.BadSignature, TypeError, ValueError):
        raise IntakeError(message, code="honeypot") from None
    age = now.timestamp() - shown
    if age < HONEYPOT_MIN_SECONDS or age > HONEYPOT_MAX_AGE:
        raise IntakeError(message, code="honeypot")


# --- signatures ----------------------------------------------------------------------------


def sms_signature(secret: str, timestamp: str, raw: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + raw, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify_sms(secret: str, headers: Mapping[str, str], raw: bytes, now: dt.datetime) -> None:
    """The generic gateway signs ``timestamp + "." + body`` with HMAC-SHA256."""
    if not secret:
        raise IntakeError("Cổng SMS chưa cấu hình khoá bí mật.", code="signature")
    lowered = {k.lower(): v for k, v in headers.items()}
    timestamp = lowered.get("x-xaso-timestamp", "")
    given = lowered.get("x-xaso-signature", "")
    if not timestamp or not given:
        raise IntakeError("Thiếu chữ ký.", code="signature")
    try:
        skew = abs(now.timestamp() - int(timestamp))
    except ValueError:
        raise IntakeError("Dấu thời gian không hợp lệ.", code="signature") from None
    if skew > SIGNATURE_MAX_SKEW:
        raise IntakeError("Dấu thời gian quá cũ hoặc sai giờ.", code="signature")
    if not hmac.compare_digest(sms_signature(secret, timestamp, raw), given):
        raise IntakeError("Chữ ký không đúng.", code="signature")


def zalo_signature(app_id: str, raw: bytes, timestamp: str, oa_secret: str) -> str:
    """Zalo OA: ``X-ZEvent-Signature: mac=sha256(appId + data + timeStamp + OAsecretKey)``."""
    digest = hashlib.sha256(app_id.encode() + raw + timestamp.encode() + oa_secret.encode())
    return "mac=" + digest.hexdigest()


def verify_zalo(
    app_id: str, oa_secret: str, headers: Mapping[str, str], raw: bytes, event: Mapping[str, Any]
) -> None:
    if not oa_secret:
        raise IntakeError("Zalo OA chưa cấu hình khoá bí mật.", code="signature")
    given = {k.lower(): v for k, v in headers.items()}.get("x-zevent-signature", "")
    if not given:
        raise IntakeError("Thiếu chữ ký.", code="signature")
    if str(event.get("app_id", "")) != app_id:
        raise IntakeError("Sai app_id.", code="signature")
    expected = zalo_signature(app_id, raw, str(event.get("timestamp", "")), oa_secret)
    if not hmac.compare_digest(expected, given):
        raise IntakeError("Chữ ký không đúng.", code="signature")


def parse_json(raw: bytes) -> dict[str, Any]:
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise IntakeError("Nội dung không phải JSON hợp lệ.", code="format") from None
    if not isinstance(data, dict):
        raise IntakeError("Nội dung phải là một đối tượng JSON.", code="format")
    return data


# --- adapters ------------------------------------------------------------------------------


def _float(value: Any, name: str) -> float | None:
    if value in (None, ""):
        return None
    try:
        number = float(str(value).replace(",", "."))
    except ValueError:
        raise IntakeError(f"{name} không hợp lệ.", field=name) from None
    if (name == "lat" and not -90 <= number <= 90) or (
        name == "long" and not -180 <= number <= 180
    ):
        raise IntakeError(f"{name} nằm ngoài phạm vi.", field=name)
    return number


def from_web_form(data: Mapping[str, Any], unit_id: int, ip: str) -> IntakeRecord:
    return IntakeRecord(
        channel="web",
        unit_id=unit_id,
        body=str(data.get("body") or ""),
        title=str(data.get("title") or ""),
        legal_class=str(data.get("legal_class") or "field"),
        category_code=str(data.get("category") or ""),
        village=str(data.get("village") or ""),
        address=str(data.get("address") or ""),
        latitude=_float(data.get("latitude"), "lat"),
        longitude=_float(data.get("longitude"), "long"),
        reporter_name=str(data.get("name") or ""),
        phone=str(data.get("phone") or ""),
        email=str(data.get("email") or ""),
        is_public=str(data.get("is_public") or "") in {"on", "1", "true"},
        ip=ip,
    )


def from_counter(data: Mapping[str, Any], unit_id: int) -> IntakeRecord:
    record = from_web_form(data, unit_id, "")
    record.channel = "counter"
    return record


def from_sms(payload: Mapping[str, Any], unit_id: int) -> IntakeRecord:
    """Generic gateway, inbound: ``{"message_id", "from", "to", "text", "received_at"}``."""
    message_id = str(payload.get("message_id") or "").strip()
    if not message_id:
        raise IntakeError("Thiếu message_id.", code="format")
    text = str(payload.get("text") or "").strip()
    return IntakeRecord(
        channel="sms",
        unit_id=unit_id,
        body=text,
        phone=str(payload.get("from") or ""),
        provider_id=message_id,
        legal_class="field",
    )


def zalo_text(event: Mapping[str, Any]) -> tuple[str, str, float | None, float | None, list[str]]:
    """(msg_id, text, latitude, longitude, media urls) of a user_send_* event."""
    message = event.get("message") or {}
    if not isinstance(message, dict):
        raise IntakeError("Sự kiện Zalo thiếu message.", code="format")
    msg_id = str(message.get("msg_id") or "")
    text = str(message.get("text") or "")
    lat = lon = None
    media: list[str] = []
    for item in message.get("attachments") or []:
        payload = item.get("payload") or {} if isinstance(item, dict) else {}
        if item.get("type") == "location":
            coords = payload.get("coordinates") or {}
            lat = _float(coords.get("latitude"), "lat")
            lon = _float(coords.get("longitude"), "long")
        elif item.get("type") in {"image", "file"} and payload.get("url"):
            media.append(str(payload["url"]))
    return msg_id, text, lat, lon, media


ZALO_MESSAGE_EVENTS = {"user_send_text", "user_send_image", "user_send_location", "user_send_file"}


def from_zalo(event: Mapping[str, Any], unit_id: int) -> IntakeRecord:
    msg_id, text, lat, lon, media = zalo_text(event)
    if not msg_id:
        raise IntakeError("Thiếu msg_id.", code="format")
    sender = event.get("sender") or {}
    return IntakeRecord(
        channel="zalo",
        unit_id=unit_id,
        body=text,
        provider_id=msg_id,
        zalo_id=str(sender.get("id") or "") if isinstance(sender, dict) else "",
        latitude=lat,
        longitude=lon,
        media_urls=media,
        legal_class="field",
    )


def from_open311(params: Mapping[str, str], unit_id: int, category_code: str) -> IntakeRecord:
    """GeoReport v2 ``POST requests``: the spec's field names."""
    name = " ".join(p for p in (params.get("first_name", ""), params.get("last_name", "")) if p)
    attributes = {
        key[len("attribute[") : -1]: value
        for key, value in params.items()
        if key.startswith("attribute[") and key.endswith("]")
    }
    media = params.get("media_url", "")
    return IntakeRecord(
        channel="open311",
        unit_id=unit_id,
        body=params.get("description", ""),
        category_code=category_code,
        legal_class=attributes.get("legal_class", ""),
        village=attributes.get("village", ""),
        address=params.get("address_string", ""),
        latitude=_float(params.get("lat"), "lat"),
        longitude=_float(params.get("long"), "long"),
        reporter_name=name,
        phone=params.get("phone", ""),
        email=params.get("email", ""),
        media_urls=[media] if media else [],
    )


IMPORT_COLUMNS = ("ngay_nhan", "loai", "linh_vuc", "thon", "noi_dung", "tra_loi", "ngay_tra_loi")


def _date(value: str, line: int, name: str) -> dt.datetime | None:
    value = value.strip()
    if not value:
        return None
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d/%m/%Y %H:%M"):
        try:
            return dt.datetime.strptime(value, fmt).replace(hour=9)
        except ValueError:
            continue
    raise IntakeError(f"Dòng {line}: {name} “{value}” không phải ngày (dd/mm/yyyy).")


def read_import(content: bytes, unit_id: int) -> tuple[list[IntakeRecord], list[str]]:
    """Historic cases from a CSV (UTF-8, header row ``IMPORT_COLUMNS``); every row is
    checked and every bad row reported."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], ["Tệp không phải UTF-8: hãy lưu lại dưới dạng CSV UTF-8."]
    reader = csv.DictReader(io.StringIO(text))
    header = [fold(h).replace(" ", "_") for h in reader.fieldnames or []]
    missing = [c for c in IMPORT_COLUMNS[:5] if c not in header]
    if missing:
        return [], [f"Thiếu cột: {', '.join(missing)}."]
    records: list[IntakeRecord] = []
    errors: list[str] = []
    for line, raw_row in enumerate(reader, start=2):
        row = {fold(k).replace(" ", "_"): (v or "") for k, v in raw_row.items() if k}
        try:
            received = _date(row.get("ngay_nhan", ""), line, "ngày nhận")
            answered = _date(row.get("ngay_tra_loi", ""), line, "ngày trả lời")
            if received is None:
                raise IntakeError(f"Dòng {line}: thiếu ngày nhận.")
            records.append(
                IntakeRecord(
                    channel="import",
                    unit_id=unit_id,
                    body=row.get("noi_dung", ""),
                    legal_class=row.get("loai", "") or "field",
                    category_code=row.get("linh_vuc", ""),
                    village=row.get("thon", ""),
                    received_at=received,
                    answer=row.get("tra_loi", ""),
                    answered_at=answered,
                    provider_id=f"import:{line}:{body_sha256(str(sorted(row.items())).encode())[:16]}",
                )
            )
        except IntakeError as exc:
            errors.append(exc.message)
    return records, errors
