"""Dữ liệu đo — records the province's systems already hold (one-stop dossiers, official
documents, fee payments), the monthly tallies the measured indicators are computed from,
every import's log, the systems allowed to push, and digital-signature checks of PDF
evidence against the province's trust store.

Records are keyed by (source, source id): loading the same record again updates it in
place, never duplicates it. Each record is attributed to the unit it belonged to on its
date (a dossier received before 1 July 2025 to the pre-reform commune); the measured
value of today's commune adds up its own records and its predecessors'.

The record tables are written set-based by ``xaso.connectors.store`` (a million rows in a
batch), so their foreign keys carry no index of their own: the composite indexes below
are the ones the loader, the tallies and the drill-down read through.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

# Scoping families (xaso.core.scoping).
RECORDS_FAMILY = "connector_records"
ADMIN_FAMILY = "connector_admin"
SIGNATURES_FAMILY = "connector_signatures"


class Kind(models.TextChoices):
    DOSSIER = "dossier", "Hồ sơ thủ tục hành chính"
    DOCUMENT = "document", "Văn bản"
    PAYMENT = "payment", "Thanh toán phí, lệ phí"


class Source(models.Model):
    """Nguồn dữ liệu — one of the province's systems (one-stop, document management,
    payment platform). It pushes with its own token; only the token's hash is kept."""

    province = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="tỉnh"
    )
    code = models.SlugField("mã nguồn", max_length=60)
    name = models.CharField("tên hệ thống", max_length=200)
    token_prefix = models.CharField(max_length=12, blank=True)
    token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    active = models.BooleanField("đang dùng", default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["province", "code"], name="connector_source_once")
        ]
        ordering = ["province", "code"]
        verbose_name = "nguồn dữ liệu"
        verbose_name_plural = "nguồn dữ liệu"

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class BatchState(models.TextChoices):
    DONE = "done", "Đã nhập"
    FAILED = "failed", "Có lỗi, không nhập gì"


class ImportBatch(models.Model):
    """Nhật ký nhập — one file or push: who, when, the file's SHA-256 and what changed.
    Failed batches are logged too (with their errors), though they changed nothing."""

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="batches")
    province = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    origin = models.CharField(max_length=10)  # "file", "api", "demo"
    filename = models.CharField(max_length=250, blank=True)
    sha256 = models.CharField(max_length=64)
    state = models.CharField(max_length=8, choices=BatchState.choices)
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    units_recomputed = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    # The first errors: [{"row": "dòng 5", "field": "received_at", "message": "…"}]
    errors = models.JSONField(default=list, blank=True)
    # When the source system extracted the data (given by the pusher; else the import time).
    extracted_at = models.DateTimeField()
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    actor_label = models.CharField(max_length=150)

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = "lần nhập dữ liệu"
        verbose_name_plural = "nhật ký nhập dữ liệu"

    def __str__(self) -> str:
        where = self.filename or self.origin
        return f"{self.get_kind_display()} — {where} ({self.started_at:%d/%m/%Y %H:%M})"


class Channel(models.TextChoices):
    ONLINE = "online", "Trực tuyến"
    IN_PERSON = "in_person", "Trực tiếp"
    POST = "post", "Bưu chính công ích"


class DossierStatus(models.TextChoices):
    RECEIVED = "received", "Mới tiếp nhận"
    PROCESSING = "processing", "Đang giải quyết"
    RESOLVED = "resolved", "Đã giải quyết"
    RETURNED = "returned", "Trả lại, từ chối"
    WITHDRAWN = "withdrawn", "Rút hồ sơ"


class Direction(models.TextChoices):
    INCOMING = "in", "Văn bản đến"
    OUTGOING = "out", "Văn bản đi"


class _Record(models.Model):
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="+", db_index=False)
    source_sid = models.CharField("mã bản ghi ở nguồn", max_length=100)
    # The unit the record is attributed to on its date (a pre-reform commune before
    # 1 July 2025), and the code the source gave.
    unit = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    province = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    unit_code = models.CharField("mã đơn vị", max_length=5)
    # Local (Vietnam) date of the record, and its month as YYYYMM, for tallies.
    day = models.DateField()
    month = models.PositiveIntegerField()
    # A digest of the record's content: an identical re-import writes nothing.
    digest = models.BigIntegerField()
    batch = models.ForeignKey(
        ImportBatch, on_delete=models.PROTECT, related_name="+", db_index=False
    )

    class Meta:
        abstract = True


class Dossier(_Record):
    """Hồ sơ thủ tục hành chính from the one-stop system."""

    procedure_code = models.CharField("mã thủ tục", max_length=60)
    procedure_name = models.CharField("tên thủ tục", max_length=300)
    received_at = models.DateTimeField("tiếp nhận lúc")
    channel = models.CharField("kênh nộp", max_length=10, choices=Channel.choices)
    full_online = models.BooleanField("trực tuyến toàn trình")
    due_at = models.DateTimeField("hẹn trả", null=True, blank=True)
    resolved_at = models.DateTimeField("trả kết quả lúc", null=True, blank=True)
    status = models.CharField("trạng thái", max_length=10, choices=DossierStatus.choices)
    fee = models.PositiveBigIntegerField("phí, lệ phí (đồng)", default=0)
    paid_online = models.BooleanField("thanh toán trực tuyến", default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "source_sid"], name="dossier_once")
        ]
        indexes = [models.Index(fields=["unit", "day"], name="dossier_unit_day")]
        ordering = ["-received_at"]
        verbose_name = "hồ sơ TTHC"
        verbose_name_plural = "hồ sơ TTHC"

    def __str__(self) -> str:
        return f"{self.source_sid} — {self.procedure_name}"

    @property
    def on_time(self) -> bool | None:
        if self.resolved_at is None or self.due_at is None:
            return None
        return self.resolved_at <= self.due_at


class Document(_Record):
    """Văn bản from the document-management system."""

    number = models.CharField("số, ký hiệu", max_length=100)
    issued_on = models.DateField("ngày văn bản")
    direction = models.CharField("loại", max_length=3, choices=Direction.choices)
    signed = models.BooleanField("ký số")
    processed_online = models.BooleanField("xử lý trên môi trường mạng")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "source_sid"], name="document_once")
        ]
        indexes = [models.Index(fields=["unit", "day"], name="document_unit_day")]
        ordering = ["-issued_on"]
        verbose_name = "văn bản"
        verbose_name_plural = "văn bản"

    def __str__(self) -> str:
        return self.number


class PaymentMethod(models.TextChoices):
    ONLINE = "online", "Trực tuyến (Cổng DVC, ví, ngân hàng số)"
    TRANSFER = "transfer", "Chuyển khoản tại quầy"
    CASH = "cash", "Tiền mặt"


class Payment(_Record):
    """Thanh toán phí, lệ phí of a dossier; it belongs to the dossier's unit."""

    dossier_sid = models.CharField("mã hồ sơ", max_length=100)
    amount = models.PositiveBigIntegerField("số tiền (đồng)")
    method = models.CharField("hình thức", max_length=10, choices=PaymentMethod.choices)
    paid_at = models.DateTimeField("thanh toán lúc")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "source_sid"], name="payment_once")
        ]
        indexes = [models.Index(fields=["unit", "day"], name="payment_unit_day")]
        ordering = ["-paid_at"]
        verbose_name = "thanh toán"
        verbose_name_plural = "thanh toán"

    def __str__(self) -> str:
        return f"{self.source_sid} — {self.amount} đ"


class _Tally(models.Model):
    """One unit's counters for one month, recomputed set-based from its records."""

    unit = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    province = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    month = models.PositiveIntegerField()
    records = models.PositiveIntegerField()
    computed_at = models.DateTimeField()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.unit_id} — {self.month}: {self.records}"


class DossierTally(_Tally):
    online = models.PositiveIntegerField()
    full_online = models.PositiveIntegerField()
    resolved = models.PositiveIntegerField()
    due_resolved = models.PositiveIntegerField()
    on_time = models.PositiveIntegerField()
    with_fee = models.PositiveIntegerField()
    paid_online = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "month"], name="dossier_tally_once")]


class DocumentTally(_Tally):
    outgoing = models.PositiveIntegerField()
    out_signed = models.PositiveIntegerField()
    out_signed_online = models.PositiveIntegerField()
    processed_online = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "month"], name="document_tally_once")
        ]


class PaymentTally(_Tally):
    online = models.PositiveIntegerField()
    amount = models.PositiveBigIntegerField()
    amount_online = models.PositiveBigIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "month"], name="payment_tally_once")]


class TrustRoot(models.Model):
    """Chứng thư gốc tin cậy — a root (or intermediate) certificate signatures must chain
    to, added by the province's administrator (e.g. the Vietnamese government CA)."""

    province = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="tỉnh"
    )
    name = models.CharField("tên", max_length=200)
    der = models.BinaryField()
    subject = models.CharField("chủ thể", max_length=400)
    fingerprint = models.CharField("dấu vân tay SHA-256", max_length=64)
    not_after = models.DateTimeField("hết hạn")
    active = models.BooleanField("đang dùng", default=True)
    added_at = models.DateTimeField(auto_now_add=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["province", "fingerprint"], name="trust_root_once_per_province"
            )
        ]
        ordering = ["province", "name"]
        verbose_name = "chứng thư gốc tin cậy"
        verbose_name_plural = "chứng thư gốc tin cậy"

    def __str__(self) -> str:
        return self.name


class Verdict(models.TextChoices):
    VALID = "valid", "Chữ ký số hợp lệ"
    UNTRUSTED = "untrusted", "Chữ ký nguyên vẹn nhưng chứng thư không thuộc danh sách tin cậy"
    MODIFIED = "modified", "Tệp bị sửa sau khi ký"
    TAMPERED = "tampered", "Chữ ký không khớp nội dung (tệp đã bị thay đổi)"
    UNSIGNED = "unsigned", "Không có chữ ký số"
    UNREADABLE = "unreadable", "Không đọc được tệp PDF"


class SignatureCheck(models.Model):
    """Kết quả kiểm tra chữ ký số of one PDF evidence file (the latest check)."""

    evidence = models.OneToOneField(
        "assessments.Evidence", on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    province = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    sha256 = models.CharField(max_length=64)
    verdict = models.CharField(max_length=10, choices=Verdict.choices)
    message = models.CharField(max_length=500)
    signatures = models.PositiveSmallIntegerField(default=0)
    signer = models.CharField("người ký", max_length=300, blank=True)
    issuer = models.CharField("tổ chức cấp chứng thư", max_length=300, blank=True)
    signed_at = models.DateTimeField("thời điểm ký", null=True, blank=True)
    modified_after = models.BooleanField("sửa sau khi ký", default=False)
    # Every signature's findings, for the detail page.
    details = models.JSONField(default=list, blank=True)
    # The trust store the verdict was reached with: a changed store means a new check.
    trust_fingerprint = models.CharField(max_length=64)
    checked_at = models.DateTimeField()

    class Meta:
        ordering = ["-checked_at"]
        verbose_name = "kiểm tra chữ ký số"
        verbose_name_plural = "kiểm tra chữ ký số"

    def __str__(self) -> str:
        return f"{self.evidence_id}: {self.get_verdict_display()}"
