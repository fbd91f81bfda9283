"""Sổ đăng ký dữ liệu cá nhân — the register of every model field that holds personal data
(Law 91/2025/QH15 on personal data protection; Decree 13/2023/NĐ-CP before it).

Each app registers, in its ``AppConfig.ready()``, every model field that holds personal
data: its category, whose data it is, why it is kept, how long, and the functions that
find, export and erase one person's rows. Fields whose names look personal but are not
(a village's name, a gateway's address) are declared not personal, with the reason.
``xaso.privacy`` turns the register into data-subject requests (export, erasure) and the
daily retention sweep; a test fails when a model gains a personal-looking field that is
in neither list, so the register cannot silently fall behind the models.

Core owns the register (lower apps register into it, the privacy app reads it), the
keyed pseudonym used wherever a person must be recognised again without being readable
(audit rows of requests), and the one sanctioned rewrite of the append-only audit log:
replacing personal values in it when the person's data is erased or its retention ends.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

from django.conf import settings
from django.db import models
from django.utils.crypto import salted_hmac

if TYPE_CHECKING:
    from xaso.core.models import AuditEntry

# --- categories and retention ------------------------------------------------------------


@dataclass(frozen=True)
class Category:
    key: str
    label: str
    description: str


CATEGORIES: dict[str, Category] = {
    c.key: c
    for c in (
        Category("name", "Họ tên", "Họ và tên của một người."),
        Category("phone", "Số điện thoại", "Số điện thoại di động hoặc cố định."),
        Category("email", "Thư điện tử", "Địa chỉ thư điện tử."),
        Category(
            "online_id",
            "Định danh trực tuyến",
            "Tên đăng nhập, mã người dùng Zalo, tên thiết bị xác thực, phiên đăng nhập.",
        ),
        Category("id_number", "Số định danh cá nhân", "Số CCCD, CMND, hộ chiếu."),
        Category("address", "Địa chỉ", "Địa chỉ nơi ở hoặc nơi xảy ra sự việc do người dân ghi."),
        Category("location", "Vị trí", "Toạ độ do người dân gửi (có thể là nơi ở của họ)."),
        Category(
            "free_text",
            "Nội dung do người dân viết",
            "Lời phản ánh, lý do, nhận xét: có thể chứa bất kỳ dữ liệu cá nhân nào.",
        ),
        Category(
            "message",
            "Nội dung gửi tới một người",
            "Tin nhắn SMS/Zalo gửi tới người dân, có thể nhắc tên, mã phản ánh.",
        ),
        Category(
            "profile",
            "Đặc điểm, nhóm, sự đồng ý",
            "Thôn, hộ, nhóm (nông dân, có trẻ em…), chủ đề đăng ký, thời điểm và cách đồng ý.",
        ),
        Category("file", "Ảnh, tệp đính kèm", "Ảnh, tài liệu người dân tải lên."),
        Category(
            "network", "Địa chỉ IP, thiết bị", "Địa chỉ IP, trình duyệt, dữ liệu gửi khi đăng nhập."
        ),
        Category(
            "pseudonym",
            "Dữ liệu đã bí danh hoá",
            "Mã băm có khoá bí mật: đủ để nhận ra lần lặp lại, không đọc ngược được.",
        ),
        Category(
            "official",
            "Thông tin công vụ của cán bộ",
            "Tên người ký, người thực hiện trong văn bản và nhật ký công vụ.",
        ),
    )
}


@dataclass(frozen=True)
class Retention:
    key: str
    label: str
    # None: kept while the purpose lasts, never swept by age.
    default_days: int | None = None
    # The environment variable that overrides ``default_days`` (settings read it).
    env: str = ""

    @property
    def days(self) -> int | None:
        configured: Mapping[str, int] = getattr(settings, "XASO_RETENTION_DAYS", {})
        return configured.get(self.key, self.default_days)


RETENTIONS: dict[str, Retention] = {
    r.key: r
    for r in (
        Retention(
            "closed_cases",
            "Sau khi phản ánh kết thúc (đóng, trả lời, chuyển, từ chối, trùng)",
            1826,
            "XASO_RETENTION_CLOSED_CASES_DAYS",
        ),
        Retention(
            "outbox",
            "Sau khi tin nhắn được gửi xong hoặc hết hạn",
            90,
            "XASO_RETENTION_OUTBOX_DAYS",
        ),
        Retention(
            "login_records",
            "Nhật ký đăng nhập và địa chỉ IP",
            365,
            "XASO_RETENTION_LOGIN_DAYS",
        ),
        Retention("subscription", "Đến khi người dân huỷ đăng ký hoặc yêu cầu xoá"),
        Retention("account", "Trong thời gian tài khoản còn sử dụng"),
        Retention("team", "Trong thời gian tham gia tổ công nghệ số cộng đồng"),
        Retention("audit", "Lâu dài (nhật ký kiểm toán); dữ liệu cá nhân trong đó được thay thế"),
        Retention("official_records", "Theo thời hạn lưu trữ hồ sơ, văn bản công vụ"),
    )
}


# --- the person a request is about --------------------------------------------------------


@dataclass(frozen=True)
class DataSubject:
    """Chủ thể dữ liệu — one person, by every identifier found for them.

    Phones, Zalo ids, emails and accounts *match* records; names are only collected to
    scrub them from officials' texts inside matched records (two people share names).
    ``province_ids`` limits a request to the provinces the requester administers
    (``None`` = every province, for superusers and the command line).
    """

    phones: frozenset[str] = frozenset()
    user_ids: frozenset[int] = frozenset()
    usernames: frozenset[str] = frozenset()
    zalo_ids: frozenset[str] = frozenset()
    emails: frozenset[str] = frozenset()
    names: frozenset[str] = frozenset()
    province_ids: frozenset[int] | None = None
    # Accounts found but never erased on request (officials': the record of public acts).
    kept_user_ids: frozenset[int] = frozenset()
    kept_usernames: frozenset[str] = frozenset()

    @property
    def is_empty(self) -> bool:
        return not (self.phones or self.user_ids or self.zalo_ids or self.emails)

    def merge(self, **more: Iterable[Any]) -> DataSubject:
        changes = {
            name: getattr(self, name) | frozenset(v for v in values if v)
            for name, values in more.items()
        }
        return replace(self, **changes)

    def erasable(self) -> DataSubject:
        """The subject without the accounts that are kept: erasure selects with this, so
        nothing hanging on an official's account (sessions, devices, audit rows) goes."""
        return replace(
            self,
            user_ids=self.user_ids - self.kept_user_ids,
            usernames=self.usernames - self.kept_usernames,
            kept_user_ids=frozenset(),
            kept_usernames=frozenset(),
        )

    def in_provinces(self, qs: models.QuerySet[Any], path: str = "province_id") -> Any:
        if self.province_ids is None:
            return qs
        return qs.filter(**{f"{path}__in": sorted(self.province_ids)})

    @property
    def pseudonym(self) -> str:
        """The same for the same phone (or account) on every request, unreadable."""
        if self.phones:
            return pseudonym(sorted(self.phones)[0])
        if self.user_ids:
            return pseudonym(f"user:{min(self.user_ids)}")
        return pseudonym(",".join(sorted(self.zalo_ids | self.emails)))


def pseudonym(value: str) -> str:
    """A keyed hash (HMAC-SHA256 with the site's secret key) of one identifier."""
    return salted_hmac("xaso.personal-data.subject", value, algorithm="sha256").hexdigest()[:32]


NOBODY = DataSubject()


@dataclass
class Erasure:
    """What an eraser is asked to do, and where it says what it kept and why."""

    subject: DataSubject
    why: Literal["request", "retention"]
    marker: str
    kept: list[str] = field(default_factory=list)

    @property
    def on_request(self) -> bool:
        return self.why == "request"

    def keep(self, note: str) -> None:
        self.kept.append(note)


ERASED_ON_REQUEST = "[đã xoá theo yêu cầu của chủ thể dữ liệu]"
ERASED_ON_RETENTION = "[đã xoá khi hết thời hạn lưu trữ]"

Select = Callable[[DataSubject], "models.QuerySet[Any]"]
ExportRow = Callable[[Any], dict[str, Any]]
EraseRows = Callable[["models.QuerySet[Any]", Erasure], int]
Expire = Callable[[dt.datetime], "models.QuerySet[Any]"]


# --- the register ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonalData:
    model: type[models.Model]
    fields: Mapping[str, str]
    subject: str
    purpose: str
    retention: str
    basis: str = ""
    note: str = ""
    select: Select | None = None
    export_row: ExportRow | None = None
    erase_rows: EraseRows | None = None
    expire: Expire | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    name: str = ""

    @property
    def label(self) -> str:
        return self.model._meta.label_lower

    @property
    def title(self) -> str:
        return self.name or str(self.model._meta.verbose_name_plural).capitalize()

    def field_label(self, name: str) -> str:
        if name in self.labels:
            return self.labels[name]
        return str(getattr(self.model._meta.get_field(name), "verbose_name", name))

    def export(self, row: Any) -> dict[str, Any]:
        if self.export_row is not None:
            return self.export_row(row)
        return {"id": row.pk} | {name: getattr(row, name) for name in self.fields}


_register: dict[str, PersonalData] = {}
_not_personal: dict[str, dict[str, str]] = {}
_resolvers: dict[str, Callable[[DataSubject], DataSubject]] = {}


def _check_fields(model: type[models.Model], names: Iterable[str]) -> None:
    for name in names:
        model._meta.get_field(name)  # FieldDoesNotExist on a typo, at start-up


def register_personal_data(
    model: type[models.Model],
    *,
    fields: Mapping[str, str],
    subject: str,
    purpose: str,
    retention: str,
    basis: str = "",
    note: str = "",
    select: Select | None = None,
    export_row: ExportRow | None = None,
    erase_rows: EraseRows | None = None,
    expire: Expire | None = None,
    labels: Mapping[str, str] | None = None,
    title: str = "",
) -> PersonalData:
    """Registers the personal-data fields of one model (``{field: category}``).

    ``select(subject)`` returns the rows held about a person (export and erasure use it),
    ``erase_rows(rows, erasure)`` removes or replaces the personal data in those rows,
    ``expire(cutoff)`` returns the rows whose retention ended before ``cutoff``;
    ``title`` and ``labels`` name the table and fields in Vietnamese where the model does
    not. Erasure
    runs in registration order after every ``select`` has run, so an app registers rows
    that point at others (a case's attachments) before the rows they point at.
    """
    unknown = set(fields.values()) - set(CATEGORIES)
    if unknown:
        raise ValueError(f"Unknown personal-data categories: {sorted(unknown)}")
    if retention not in RETENTIONS:
        raise ValueError(f"Unknown retention {retention!r}")
    if expire is not None and RETENTIONS[retention].default_days is None:
        raise ValueError(f"Retention {retention!r} has no period to expire rows by")
    _check_fields(model, fields)
    entry = PersonalData(
        model, dict(fields), subject, purpose, retention, basis, note,
        select, export_row, erase_rows, expire, dict(labels or {}), title,
    )  # fmt: skip
    _register[entry.label] = entry
    return entry


def register_not_personal(model: type[models.Model], fields: Mapping[str, str]) -> None:
    """Fields whose names look personal but hold none (``{field: why}``)."""
    _check_fields(model, fields)
    _not_personal.setdefault(model._meta.label_lower, {}).update(fields)


def register_subject_resolver(name: str, resolve: Callable[[DataSubject], DataSubject]) -> None:
    """Adds identifiers an app knows for a person (a Zalo id on a contact with their
    phone, an account with their phone): the request then finds those records too."""
    _resolvers[name] = resolve


def registered() -> list[PersonalData]:
    return list(_register.values())


def entry_for(model: type[models.Model]) -> PersonalData | None:
    return _register.get(model._meta.label_lower)


def not_personal() -> dict[str, dict[str, str]]:
    return {k: dict(v) for k, v in _not_personal.items()}


def unregister_personal_data(model: type[models.Model]) -> None:
    """Removes a registration (tests that register a model for a moment)."""
    _register.pop(model._meta.label_lower, None)
    _not_personal.pop(model._meta.label_lower, None)


def resolve(subject: DataSubject, *, rounds: int = 3) -> DataSubject:
    """The subject with every identifier the apps can link to it (to a fixed point)."""
    for _ in range(rounds):
        found = subject
        for resolver in _resolvers.values():
            found = resolver(found)
        if found == subject:
            break
        subject = found
    return subject


# --- what looks personal ---------------------------------------------------------------------

# Words that, as a part of a field's snake_case name, make it look personal. A field
# that matches must be registered or declared not personal.
PERSONAL_WORDS = frozenset(
    {
        "phone", "mobile", "tel", "email", "mail", "name", "address", "addr", "cccd",
        "cmnd", "zalo", "ip", "dob", "birth", "birthday", "passport", "signer", "username",
        "household", "reporter", "agent", "photo", "avatar", "face", "gps", "latitude",
        "longitude", "location", "author", "gender", "ethnicity", "religion", "identity",
        "nationality", "denouncer", "resident", "citizen", "person", "contact",
    }
)  # fmt: skip
PERSONAL_NAMES = frozenset({"id_number", "user_agent", "ip_address", "ip_hash", "full_name"})


def looks_personal(model_field: models.Field[Any, Any]) -> bool:
    if model_field.is_relation:
        return False  # the person's data lives on the row it points at
    if isinstance(model_field, models.FileField):
        return True
    name = model_field.name.lower()
    return name in PERSONAL_NAMES or bool(set(name.split("_")) & PERSONAL_WORDS)


def unregistered_personal_fields(model_list: Iterable[type[models.Model]]) -> list[str]:
    """``app.model.field`` for every personal-looking field in neither list."""
    missing = []
    for model in model_list:
        label = model._meta.label_lower
        entry = _register.get(label)
        known = set(entry.fields if entry else ()) | set(_not_personal.get(label, {}))
        for f in model._meta.concrete_fields:
            if looks_personal(f) and f.name not in known:
                missing.append(f"{label}.{f.name}")
    return sorted(missing)


# --- scrubbing texts ---------------------------------------------------------------------------


def _phone_pattern(phone: str) -> str:
    digits = re.sub(r"\D", "", phone)
    if len(digits) < 9:
        return re.escape(phone)
    rest = digits[1:] if digits.startswith("0") else digits
    spaced = r"[\s.\-]?".join(rest)
    return rf"(?<!\d)(?:\+?84|0)[\s.\-]?{spaced}(?!\d)"


def scrub_text(text: str, *, phones: Iterable[str] = (), others: Iterable[str] = (),
               marker: str = ERASED_ON_REQUEST) -> str:  # fmt: skip
    """``text`` with every phone number (however it is grouped) and every other
    identifier replaced by ``marker``. Names of one word are left alone: "An" is a word
    in too many sentences to remove."""
    if not text:
        return text
    patterns = [_phone_pattern(p) for p in phones if p]
    for value in others:
        value = (value or "").strip()
        if len(value) >= 3 and (" " in value or "@" in value or any(c.isdigit() for c in value)):
            patterns.append(rf"(?<!\w){re.escape(value)}(?!\w)")
    for pattern in patterns:
        text = re.sub(pattern, marker, text, flags=re.IGNORECASE)
    return text


def subject_needles(subject: DataSubject) -> dict[str, list[str]]:
    return {
        "phones": sorted(subject.phones),
        "others": sorted(subject.names | subject.emails | subject.zalo_ids | subject.usernames),
    }


# --- the audit log -------------------------------------------------------------------------------

# Keys of audit ``changes`` whose values are about a person (accounts.*_user, contacts).
PERSONAL_CHANGE_KEYS = frozenset(
    {"full_name", "phone", "email", "username", "user", "name", "reporter", "address"}
)


def _audit_model() -> type[AuditEntry]:
    from xaso.core.models import AuditEntry

    return AuditEntry


def _rewrite(qs: models.QuerySet[Any], **values: Any) -> int:
    # The audit log refuses .update() so that nobody rewrites history by accident; this
    # is the one deliberate exception, and it only ever replaces personal values.
    return models.QuerySet.update(qs, **values)


def redact_audit_rows(
    rows: models.QuerySet[Any],
    *,
    marker: str,
    target_label: str | Callable[[Any], str] | None = None,
    actor_label: str | None = None,
    clear_ip: bool = False,
) -> int:
    """Replaces personal data in audit rows: the target's label (a name, a case title),
    personal values in ``changes``, the acting person's label and IP. Who did what and
    when — the action, target type and id, time, province — stays as it was."""
    model = _audit_model()
    count = 0
    for row in rows.iterator():
        values: dict[str, Any] = {}
        if target_label is not None:
            label = target_label(row) if callable(target_label) else target_label
            if row.target_label != label:
                values["target_label"] = label
        changes = {
            k: (marker if k in PERSONAL_CHANGE_KEYS and v not in (None, "", []) else v)
            for k, v in (row.changes or {}).items()
        }
        if changes != (row.changes or {}):
            values["changes"] = changes
        if actor_label is not None and row.actor_label != actor_label:
            values["actor_label"] = actor_label
        if clear_ip and row.ip_address is not None:
            values["ip_address"] = None
        if values:
            count += _rewrite(model.objects.filter(pk=row.pk), **values)
    return count


def redact_audit_targets(
    label: str, ids: Iterable[Any], *, marker: str, target_label: Callable[[Any], str] | str
) -> int:
    """Redacts the audit rows about these records of ``label`` (``app.model``)."""
    keys = [str(i) for i in ids]
    if not keys:
        return 0
    rows = _audit_model().objects.filter(target_type=label, target_id__in=keys)
    return redact_audit_rows(rows, marker=marker, target_label=target_label)


# --- the audit log's own registration (core cannot wait for accounts to do it) ------------


def _audit_select(subject: DataSubject) -> models.QuerySet[Any]:
    from django.db.models import Q

    ids = sorted(subject.user_ids)
    user_label = settings.AUTH_USER_MODEL.lower()
    qs = _audit_model().objects.filter(
        Q(actor_id__in=ids) | Q(target_type=user_label, target_id__in=[str(i) for i in ids])
    )
    scoped: models.QuerySet[Any] = subject.in_provinces(qs)
    return scoped.order_by("at", "pk")


def _audit_export(row: Any) -> dict[str, Any]:
    return {
        "at": row.at,
        "action": row.action,
        "actor": row.actor_label,
        "target": f"{row.target_type} #{row.target_id}".strip(" #"),
        "target_label": row.target_label,
        "changes": row.changes,
        "ip_address": row.ip_address,
    }


def _audit_erase(rows: models.QuerySet[Any], erasure: Erasure) -> int:
    if not erasure.on_request:
        # Retention only ever clears the IP address: one statement however many rows.
        return _rewrite(rows.filter(ip_address__isnull=False), ip_address=None)
    ids = sorted(erasure.subject.user_ids)
    user_label = settings.AUTH_USER_MODEL.lower()
    # Their own acts keep a pseudonymous actor: repeat requests and incident reviews can
    # still link the rows to one (unnamed) person.
    acted = redact_audit_rows(
        rows.filter(actor_id__in=ids),
        marker=erasure.marker,
        actor_label=f"nguoi-dan-{erasure.subject.pseudonym[:12]}",
        clear_ip=True,
    )
    about = redact_audit_rows(
        rows.filter(target_type=user_label, target_id__in=[str(i) for i in ids]),
        marker=erasure.marker,
        target_label=erasure.marker,
    )
    erasure.keep(
        "Nhật ký kiểm toán: giữ các dòng (ai làm gì, lúc nào), chỉ thay dữ liệu cá nhân "
        "trong đó bằng bí danh."
    )
    return acted + about


def _audit_expire(cutoff: dt.datetime) -> models.QuerySet[Any]:
    return _audit_model().objects.filter(at__lt=cutoff, ip_address__isnull=False)


def register_audit_log() -> None:
    register_personal_data(
        _audit_model(),
        title="Nhật ký kiểm toán",
        fields={
            "actor_label": "online_id",
            "target_label": "free_text",
            "changes": "free_text",
            "ip_address": "network",
        },
        subject="Người thực hiện thao tác; người là đối tượng của thao tác",
        purpose="Truy vết mọi thay đổi: ai, lúc nào, từ đâu, giá trị cũ → mới",
        retention="login_records",
        basis="Nghĩa vụ bảo đảm an toàn hệ thống thông tin và giải trình của cơ quan nhà nước",
        note=(
            "Nhật ký được giữ lâu dài và chỉ ghi thêm. Khi hết thời hạn, chỉ địa chỉ IP bị "
            "xoá; khi người dân yêu cầu xoá, tên, số điện thoại, thư điện tử trong nhật ký "
            "được thay bằng dấu hiệu đã xoá và người thực hiện được ghi bằng bí danh."
        ),
        labels={
            "actor_label": "người thực hiện (tên đăng nhập)",
            "target_label": "tên đối tượng",
            "changes": "thay đổi",
            "ip_address": "địa chỉ IP",
        },
        select=_audit_select,
        export_row=_audit_export,
        erase_rows=_audit_erase,
        expire=_audit_expire,
    )
