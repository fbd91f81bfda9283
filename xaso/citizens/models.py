"""The residents' channel: feedback and petitions (cases) with their legal clocks, and
announcements reaching residents through one outbox.

Every table carries its commune (or province) so scoping needs no guesswork; personal
data (phones, Zalo ids, names) sits on ``Case`` and ``Contact`` only and is shown masked
to everyone who does not need it (Law 91/2025/QH15).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse


class LegalClass(models.TextChoices):
    REGULATION = "regulation", "Phản ánh, kiến nghị về quy định hành chính"
    FIELD = "field", "Phản ánh hiện trường"
    COMPLAINT = "complaint", "Khiếu nại"
    DENUNCIATION = "denunciation", "Tố cáo"


class Channel(models.TextChoices):
    WEB = "web", "Trang web"
    SMS = "sms", "Tin nhắn SMS"
    ZALO = "zalo", "Zalo OA"
    OPEN311 = "open311", "Open311"
    COUNTER = "counter", "Tại bộ phận một cửa / điện thoại"
    IMPORT = "import", "Nhập từ tệp (hồ sơ cũ)"


class State(models.TextChoices):
    NEW = "new", "Mới tiếp nhận"
    ACCEPTED = "accepted", "Đã thụ lý"
    ASSIGNED = "assigned", "Đã giao xử lý"
    IN_PROGRESS = "in_progress", "Đang xử lý"
    ANSWERED = "answered", "Đã trả lời"
    CLOSED = "closed", "Đã đóng"
    REJECTED = "rejected", "Không thụ lý"
    DUPLICATE = "duplicate", "Trùng phản ánh khác"
    FORWARDED = "forwarded", "Đã chuyển cơ quan có thẩm quyền"
    REOPENED = "reopened", "Mở lại"


OPEN_STATES = (State.NEW, State.ACCEPTED, State.ASSIGNED, State.IN_PROGRESS, State.REOPENED)
DONE_STATES = (State.ANSWERED, State.CLOSED, State.FORWARDED)


class Village(models.Model):
    """Thôn, buôn, tổ dân phố — where a case happened and where a contact lives."""

    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    name = models.CharField("tên thôn/buôn/tổ dân phố", max_length=120)
    name_key = models.CharField(max_length=120, db_index=True)
    population = models.PositiveIntegerField("số dân", default=0)
    households = models.PositiveIntegerField("số hộ", default=0)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "name_key"], name="village_once")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CommuneSettings(models.Model):
    """Per-commune choices: the local SLA for field issues, who chairs (escalations and
    approvals), and whether announcements need the chairman's approval."""

    unit = models.OneToOneField("units.Unit", on_delete=models.PROTECT, related_name="+")
    field_sla_days = models.PositiveSmallIntegerField(
        "hạn phản ánh hiện trường (ngày làm việc)", default=3
    )
    chairman = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="chủ tịch UBND xã",
    )
    approval_required = models.BooleanField("thông báo cần chủ tịch duyệt", default=False)

    def __str__(self) -> str:
        return f"Cấu hình kênh người dân — {self.unit_id}"


class Category(models.Model):
    """Lĩnh vực phản ánh, configurable per province (an Open311 service)."""

    unit = models.ForeignKey(
        "units.Unit",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Tỉnh (dùng chung) hoặc xã",
    )
    code = models.SlugField("mã", max_length=40)
    name = models.CharField("tên lĩnh vực", max_length=120)
    description = models.CharField("mô tả", max_length=300, blank=True)
    legal_class = models.CharField(
        max_length=16, choices=LegalClass.choices, default=LegalClass.FIELD
    )
    group = models.CharField("nhóm", max_length=80, blank=True)
    keywords = models.CharField("từ khoá", max_length=300, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "code"], name="category_code_once")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Route(models.Model):
    """Who handles what where: the most specific rule for (category, village) wins."""

    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.CASCADE)
    village = models.ForeignKey(Village, null=True, blank=True, on_delete=models.CASCADE)
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    agency = models.CharField("cơ quan có thẩm quyền (chuyển đến)", max_length=200, blank=True)

    def __str__(self) -> str:
        return f"{self.category or '*'} / {self.village or '*'} → {self.officer or self.agency}"


class Case(models.Model):
    """Một phản ánh, kiến nghị, khiếu nại hoặc tố cáo."""

    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    province = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    code = models.CharField("mã tra cứu", max_length=24, unique=True)
    token = models.CharField(max_length=32, unique=True)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    provider_id = models.CharField(max_length=120, blank=True, db_index=True)
    legal_class = models.CharField(max_length=16, choices=LegalClass.choices)
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.PROTECT, related_name="cases"
    )
    suggested_category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    suggestion_confidence = models.FloatField(null=True, blank=True)
    state = models.CharField(max_length=12, choices=State.choices, default=State.NEW)
    title = models.CharField("tiêu đề", max_length=200)
    body = models.TextField("nội dung")
    village = models.ForeignKey(Village, null=True, blank=True, on_delete=models.SET_NULL)
    address = models.CharField("địa chỉ", max_length=300, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    is_public = models.BooleanField("công khai", default=True)
    is_complex = models.BooleanField("vụ việc phức tạp", default=False)
    reporter_name = models.CharField(max_length=150, blank=True)
    reporter_phone = models.CharField(max_length=20, blank=True, db_index=True)
    reporter_zalo = models.CharField(max_length=64, blank=True)
    reporter_email = models.CharField(max_length=200, blank=True)
    ip_hash = models.CharField(max_length=64, blank=True, db_index=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    forwarded_to = models.CharField(max_length=200, blank=True)
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="duplicates"
    )
    received_at = models.DateTimeField(db_index=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accept_due = models.DateTimeField(null=True, blank=True)
    resolve_due = models.DateTimeField(null=True, blank=True)
    extensions = models.PositiveSmallIntegerField(default=0)
    answered_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    answer = models.TextField("trả lời", blank=True)
    answered_on_time = models.BooleanField(null=True)
    reject_reason = models.CharField(max_length=500, blank=True)
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(default=0)
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    search_text = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            # A webhook retried by the provider carries the same message id: one case.
            models.UniqueConstraint(
                fields=["channel", "provider_id"],
                condition=~Q(provider_id=""),
                name="case_once_per_provider_message",
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "state", "resolve_due"]),
            models.Index(fields=["unit", "received_at"]),
            models.Index(fields=["province", "is_public", "answered_at"]),
            models.Index(fields=["unit", "category", "received_at"]),
        ]
        ordering = ["-received_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.code} — {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("citizens:case", args=[self.pk])

    @property
    def is_denunciation(self) -> bool:
        return self.legal_class == LegalClass.DENUNCIATION

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class EventKind(models.TextChoices):
    STATE = "state", "Chuyển trạng thái"
    NOTE = "note", "Ghi chú nội bộ"
    MESSAGE = "message", "Tin gửi người phản ánh"
    EXTENSION = "extension", "Gia hạn"
    REMINDER = "reminder", "Nhắc hạn"
    ESCALATION = "escalation", "Báo cáo quá hạn lên chủ tịch"
    CATEGORY = "category", "Lĩnh vực"
    RATING = "rating", "Đánh giá"


class CaseEvent(models.Model):
    """The case's timeline: state changes, internal notes, messages, extensions."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=12, choices=EventKind.choices)
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    state_from = models.CharField(max_length=12, blank=True)
    state_to = models.CharField(max_length=12, blank=True)
    text = models.TextField(blank=True)
    internal = models.BooleanField(default=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.state_to}"


class Attachment(models.Model):
    """Ảnh, tài liệu kèm theo (images re-encoded without their GPS/EXIF metadata)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="citizens/%Y/%m/")
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=80)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class InboundStatus(models.TextChoices):
    ACCEPTED = "accepted", "Đã tạo phản ánh"
    REPEATED = "repeated", "Trùng lần gửi trước (bỏ qua)"
    REJECTED = "rejected", "Từ chối"
    COMMAND = "command", "Lệnh (đăng ký/từ chối nhận tin)"
    REPORT = "report", "Báo cáo giao tin"


class InboundMessage(models.Model):
    """Everything a webhook received, including what it refused, without the raw body."""

    unit = models.ForeignKey(
        "units.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    provider_id = models.CharField(max_length=120, blank=True)
    status = models.CharField(max_length=10, choices=InboundStatus.choices)
    reason = models.CharField(max_length=300, blank=True)
    body_sha256 = models.CharField(max_length=64)
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.channel} {self.provider_id} {self.status}"


class ApiKey(models.Model):
    """Khoá API for Open311 clients that post requests; only its hash is stored."""

    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=120)
    prefix = models.CharField(max_length=8)
    key_hash = models.CharField(max_length=64, unique=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class GatewayKind(models.TextChoices):
    SMS = "sms", "SMS (cổng HTTP)"
    ZALO = "zalo", "Zalo OA"


class Gateway(models.Model):
    """Cổng gửi/nhận tin. A commune's own gateway receives on its number or OA; province
    gateways send for every commune; ``priority`` orders primary before failover."""

    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    name = models.SlugField(max_length=40, unique=True)
    kind = models.CharField(max_length=6, choices=GatewayKind.choices)
    base_url = models.URLField(max_length=300)
    api_key = models.CharField(max_length=200, blank=True)
    webhook_secret = models.CharField(max_length=200, blank=True)
    address = models.CharField("số/OA nhận tin", max_length=64, blank=True)
    app_id = models.CharField("Zalo app id", max_length=64, blank=True)
    priority = models.PositiveSmallIntegerField(default=1)
    active = models.BooleanField(default=True)
    failures = models.PositiveIntegerField(default=0)
    opened_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["priority", "pk"]

    def __str__(self) -> str:
        return self.name


class Urgency(models.TextChoices):
    NORMAL = "normal", "Thông thường"
    URGENT = "urgent", "Khẩn"
    EMERGENCY = "emergency", "Khẩn cấp (mọi kênh, ngay lập tức)"


class Contact(models.Model):
    """Người nhận tin: a resident with consent, channels and opt-outs."""

    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    name = models.CharField("họ tên", max_length=150)
    phone = models.CharField("điện thoại", max_length=20, blank=True)
    zalo_id = models.CharField("Zalo user id", max_length=64, blank=True)
    village = models.ForeignKey(Village, null=True, blank=True, on_delete=models.SET_NULL)
    household = models.CharField("hộ gia đình", max_length=60, blank=True)
    groups = models.CharField(
        "nhóm",
        max_length=300,
        blank=True,
        help_text="Ngăn cách bằng dấu phẩy, ví dụ: nong-dan,co-tre-em",
    )
    topics = models.CharField("chủ đề đăng ký", max_length=300, blank=True)
    consent_at = models.DateTimeField(null=True, blank=True)
    consent_via = models.CharField(max_length=40, blank=True)
    opt_out_sms = models.BooleanField(default=False)
    opt_out_zalo = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "phone"], condition=~Q(phone=""), name="contact_phone_once"
            ),
            models.UniqueConstraint(
                fields=["unit", "zalo_id"], condition=~Q(zalo_id=""), name="contact_zalo_once"
            ),
        ]
        indexes = [models.Index(fields=["unit", "village"])]
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class AnnouncementState(models.TextChoices):
    DRAFT = "draft", "Nháp"
    PENDING = "pending", "Chờ duyệt"
    SCHEDULED = "scheduled", "Đã lên lịch"
    SENDING = "sending", "Đang gửi"
    SENT = "sent", "Đã gửi"
    CANCELLED = "cancelled", "Đã huỷ"


class Announcement(models.Model):
    """Thông báo: one text, an audience, the channels, a time."""

    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    title = models.CharField("tiêu đề", max_length=200)
    body = models.TextField("nội dung")
    sms_text = models.CharField("nội dung SMS", max_length=640, blank=True)
    category = models.CharField("loại tin", max_length=60, blank=True)
    urgency = models.CharField(max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    # ",sms,zalo,web,loudspeaker," — a string so "channels__contains" works on every database.
    channels = models.CharField(max_length=60, default=",web,")
    audience = models.JSONField(default=dict)
    state = models.CharField(
        max_length=10, choices=AnnouncementState.choices, default=AnnouncementState.DRAFT
    )
    scheduled_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    recipients = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def channel_list(self) -> list[str]:
        return [c for c in self.channels.split(",") if c]

    @property
    def is_emergency(self) -> bool:
        return self.urgency == Urgency.EMERGENCY


class AnnouncementTemplate(models.Model):
    """Mẫu thông báo (e.g. "Cảnh báo mưa lũ" — an emergency goes out on every channel)."""

    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=120)
    title = models.CharField(max_length=200)
    body = models.TextField()
    urgency = models.CharField(max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    channels = models.CharField(max_length=60, default=",web,")

    def __str__(self) -> str:
        return self.name


class OutboxState(models.TextChoices):
    QUEUED = "queued", "Chờ gửi"
    SENDING = "sending", "Đang gửi"
    SENT = "sent", "Đã gửi"
    DELIVERED = "delivered", "Đã nhận"
    FAILED = "failed", "Lỗi"
    EXPIRED = "expired", "Hết hạn"


class OutboxMessage(models.Model):
    """One message to one recipient on one channel; ``key`` makes every retry the same
    message, at the gateway too (it is sent as the Idempotency-Key)."""

    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    key = models.CharField(max_length=80, unique=True)
    announcement = models.ForeignKey(
        Announcement, null=True, blank=True, on_delete=models.CASCADE, related_name="messages"
    )
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.CASCADE, related_name="messages"
    )
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    village_id_cache = models.BigIntegerField(null=True, blank=True)
    channel = models.CharField(max_length=6, choices=GatewayKind.choices)
    address = models.CharField(max_length=64)
    text = models.TextField()
    urgent = models.BooleanField(default=False)
    state = models.CharField(max_length=10, choices=OutboxState.choices, default=OutboxState.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    claimed_by = models.CharField(max_length=40, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    gateway = models.ForeignKey(
        Gateway, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    provider_message_id = models.CharField(max_length=120, blank=True, db_index=True)
    last_error = models.CharField(max_length=300, blank=True)
    queued_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["state", "next_attempt_at"]),
            models.Index(fields=["state", "lease_until"]),
            models.Index(fields=["announcement", "state"]),
        ]

    def __str__(self) -> str:
        return self.key


class Lexicon(models.Model):
    """Cách đọc: how the loudspeaker voice says a local name ("Krông Năng" → "Crông Năng")."""

    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    written = models.CharField("viết", max_length=80)
    spoken = models.CharField("đọc là", max_length=160)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "written"], name="lexicon_once")]
        ordering = ["written"]

    def __str__(self) -> str:
        return f"{self.written} → {self.spoken}"


class SpeakerCluster(models.Model):
    """Cụm loa: the villages one loudspeaker controller serves, and when it plays."""

    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=120)
    villages = models.ManyToManyField(Village, blank=True)
    schedule = models.CharField(
        "giờ phát",
        max_length=60,
        default="06:00,17:30",
        help_text="Các giờ phát trong ngày, ví dụ 06:00,17:30",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AudioClip(models.Model):
    """A bulletin synthesised for one cluster: OGG and MP3 files for the radio vendor."""

    announcement = models.ForeignKey(Announcement, on_delete=models.CASCADE, related_name="clips")
    cluster = models.ForeignKey(SpeakerCluster, on_delete=models.CASCADE, related_name="clips")
    spoken_text = models.TextField()
    ogg = models.FileField(upload_to="citizens/audio/")
    mp3 = models.FileField(upload_to="citizens/audio/")
    seconds = models.FloatField(default=0)
    plays_at = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["announcement", "cluster"], name="clip_once")
        ]

    def __str__(self) -> str:
        return f"{self.announcement_id}/{self.cluster_id}"


class ClassifierModel(models.Model):
    """A category classifier trained on one province's closed cases."""

    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    trained_at = models.DateTimeField(auto_now_add=True)
    samples = models.PositiveIntegerField()
    accuracy = models.FloatField(null=True, blank=True)
    blob = models.BinaryField()

    class Meta:
        ordering = ["-trained_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.trained_at:%d/%m/%Y}"
