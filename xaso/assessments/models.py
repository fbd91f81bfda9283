"""Đánh giá — framework versions, periods, submissions and their values, evidence,
published snapshots, appeals, workbook imports and deadline reminders.

Values live on the submission as JSON ``{criterion code: cell}`` (one row per unit, not
one per criterion): a province-wide workbook of 3,321 units × 100 criteria is then 3,321
row writes, and a published snapshot reads a period in one query. A cell is
``{"v": 12.5}`` (number, count), ``{"num": 5, "den": 8}`` (ratio), ``{"opt": "chu_tich"}``
(choice) or ``{"yes": true}`` (boolean); see ``xaso.assessments.cells``.

Published snapshots (and their rows) can be added, never changed or deleted: the model
and its querysets refuse, and nothing cascades into them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

IMMUTABLE = "Kết quả đã công bố không được sửa hay xoá; hãy công bố phiên bản mới."


class FrameworkVersion(models.Model):
    """Phiên bản bộ chỉ số — a framework YAML file as imported; its text never changes."""

    code = models.CharField("mã bộ chỉ số", max_length=80)
    version = models.CharField("phiên bản", max_length=40)
    name_vi = models.CharField("tên", max_length=300)
    name_en = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=20, default="proposal")
    source_text = models.TextField()
    sha256 = models.CharField(max_length=64)
    leaf_count = models.PositiveIntegerField(default=0)
    max_points = models.FloatField(null=True, blank=True)
    # The province that adopted it; empty for a national or shipped framework.
    province = models.ForeignKey(
        "units.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    imported_at = models.DateTimeField(auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="framework_version_once")
        ]
        ordering = ["code", "-imported_at"]
        verbose_name = "phiên bản bộ chỉ số"
        verbose_name_plural = "phiên bản bộ chỉ số"

    def __str__(self) -> str:
        return f"{self.name_vi} ({self.code} {self.version})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            stored = FrameworkVersion.objects.filter(pk=self.pk).values_list("sha256", flat=True)
            if stored and stored[0] != self.sha256:
                raise PermissionError(
                    "Nội dung một phiên bản bộ chỉ số đã nhập không được thay đổi; "
                    "hãy nhập với số phiên bản mới."
                )
        super().save(*args, **kwargs)


class ScopeKind(models.TextChoices):
    PROVINCE = "province", "Toàn bộ xã, phường của tỉnh"
    GROUP = "group", "Một nhóm đơn vị"
    UNIT_TYPE = "unit_type", "Một loại đơn vị trong tỉnh"


class Period(models.Model):
    """Kỳ đánh giá — one assessment round of a framework version over a set of units."""

    framework = models.ForeignKey(
        FrameworkVersion, on_delete=models.PROTECT, related_name="periods",
        verbose_name="bộ chỉ số",
    )  # fmt: skip
    province = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="tỉnh"
    )
    name = models.CharField("tên kỳ đánh giá", max_length=200)
    year = models.PositiveSmallIntegerField("năm")
    starts_on = models.DateField("số liệu từ ngày")
    ends_on = models.DateField("số liệu đến ngày")
    scope_kind = models.CharField(max_length=12, choices=ScopeKind.choices)
    scope_group = models.ForeignKey(
        "units.UnitGroup", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    scope_unit_type = models.CharField(max_length=12, blank=True)
    opens_at = models.DateTimeField("mở nhập liệu")
    closes_at = models.DateTimeField("hạn nộp")
    # Days before the deadline on which units not yet submitted are reminded, e.g. "7,3,1".
    reminder_days = models.CharField(max_length=40, default="7,3,1")
    appeal_days = models.PositiveSmallIntegerField("số ngày được phúc khảo", default=15)
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name="kỳ trước",
    )  # fmt: skip
    is_demo = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip

    class Meta:
        ordering = ["-year", "name"]
        verbose_name = "kỳ đánh giá"
        verbose_name_plural = "kỳ đánh giá"

    def __str__(self) -> str:
        return self.name

    def reminder_offsets(self) -> list[int]:
        return sorted(
            {int(x) for x in self.reminder_days.split(",") if x.strip().isdigit()}, reverse=True
        )

    def is_open(self, now: dt.datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.opens_at <= now < self.closes_at


class Status(models.TextChoices):
    DRAFT = "draft", "Đang nhập"
    SUBMITTED = "submitted", "Đã nộp, chờ thẩm định"
    RETURNED = "returned", "Trả lại để bổ sung"
    VERIFIED = "verified", "Đã thẩm định"
    APPROVED = "approved", "Đã phê duyệt"


EDITABLE = frozenset({Status.DRAFT, Status.RETURNED})


class Submission(models.Model):
    """Hồ sơ tự đánh giá — one unit's values for one period, through the workflow."""

    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="submissions")
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    province = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    # Bumped by every change; a workflow step names the version it was decided on.
    version = models.PositiveIntegerField(default=1)
    self_values = models.JSONField(default=dict, blank=True)
    # Per criterion: how many times its self value changed — the optimistic lock of autosave.
    revisions = models.JSONField(default=dict, blank=True)
    comments = models.JSONField(default=dict, blank=True)
    # Per changed criterion: {"cell": …, "reason": …}; unchanged criteria keep the self value.
    verified_values = models.JSONField(default=dict, blank=True)
    final_values = models.JSONField(default=dict, blank=True)
    return_comments = models.JSONField(default=dict, blank=True)
    return_note = models.TextField(blank=True)
    risk_score = models.FloatField(default=0)
    risk_reasons = models.JSONField(default=list, blank=True)
    spot_check = models.BooleanField(default=False)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["period", "unit"], name="submission_once_per_period")
        ]
        indexes = [models.Index(fields=["period", "status"])]
        ordering = ["unit__name"]
        verbose_name = "hồ sơ tự đánh giá"
        verbose_name_plural = "hồ sơ tự đánh giá"

    def __str__(self) -> str:
        return f"{self.period} — {self.unit}"

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE


class LockException(models.Model):
    """Ngoại lệ khoá sổ — an administrator lets one unit keep entering data after the close."""

    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="lock_exceptions")
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    province = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    until = models.DateTimeField("được nhập đến")
    reason = models.CharField("lý do", max_length=500)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-granted_at"]
        verbose_name = "ngoại lệ khoá sổ"
        verbose_name_plural = "ngoại lệ khoá sổ"

    def __str__(self) -> str:
        return f"{self.unit} — {self.until:%d/%m/%Y %H:%M}"


class Evidence(models.Model):
    """Minh chứng — one checked file attached to one criterion of a submission."""

    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="evidence")
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    province = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    criterion = models.CharField("tiêu chí", max_length=80)
    # Stored under a name built from the hash, never from what the uploader called it.
    file = models.FileField(max_length=300)
    original_name = models.CharField("tên tệp", max_length=200)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    doc_number = models.CharField("số văn bản", max_length=80, blank=True)
    doc_number_key = models.CharField(max_length=80, blank=True, db_index=True)
    doc_date = models.DateField("ngày ban hành", null=True, blank=True)
    doc_issuer = models.CharField("cơ quan ban hành", max_length=200, blank=True)
    doc_summary = models.CharField("trích yếu", max_length=500, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["criterion", "uploaded_at"]
        verbose_name = "minh chứng"
        verbose_name_plural = "minh chứng"

    def __str__(self) -> str:
        return self.original_name


class ImmutableQuerySet[M: models.Model](models.QuerySet[M]):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError(IMMUTABLE)

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError(IMMUTABLE)


class _Immutable(models.Model):
    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None or not self._state.adding:
            raise PermissionError(IMMUTABLE)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError(IMMUTABLE)


class Snapshot(_Immutable):
    """Kết quả công bố — one published version of a period's results, frozen."""

    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="snapshots")
    version = models.PositiveIntegerField()
    framework = models.ForeignKey(FrameworkVersion, on_delete=models.PROTECT, related_name="+")
    province = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    inputs_sha256 = models.CharField(max_length=64)
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    published_by_label = models.CharField(max_length=150)
    reason = models.TextField(blank=True)
    # [{"unit": code, "name": …, "criterion": code | None, "old": …, "new": …, "why": …}]
    changelog = models.JSONField(default=list, blank=True)
    unit_count = models.PositiveIntegerField()
    appeal_until = models.DateTimeField()
    is_demo = models.BooleanField(default=False)

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["period", "version"], name="snapshot_version_once")
        ]
        ordering = ["period", "-version"]
        verbose_name = "kết quả công bố"
        verbose_name_plural = "kết quả công bố"

    def __str__(self) -> str:
        return f"{self.period} — phiên bản {self.version}"


class SnapshotUnit(_Immutable):
    """One unit's frozen results in a snapshot: inputs, scores, ranks, explanation."""

    snapshot = models.ForeignKey(Snapshot, on_delete=models.PROTECT, related_name="rows")
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    province = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    unit_code = models.CharField(max_length=5)
    unit_name = models.CharField(max_length=120)
    submitted = models.BooleanField()
    score = models.FloatField(null=True)
    points = models.FloatField(null=True)
    rank = models.PositiveIntegerField(null=True)
    self_score = models.FloatField(null=True)
    verified_score = models.FloatField(null=True)
    inputs = models.JSONField()
    # {node code: [published value, points, rank]} and {pillar: [value, points, rank]}
    nodes = models.JSONField()
    pillars = models.JSONField(default=dict)
    # [[leaf code, points, max points], …] largest contribution first
    explanation = models.JSONField()

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "unit"], name="snapshot_unit_once")
        ]
        ordering = ["snapshot", "rank", "unit_name"]

    def __str__(self) -> str:
        return f"{self.snapshot} — {self.unit_name}"


class AppealStatus(models.TextChoices):
    PENDING = "pending", "Chờ quyết định"
    ACCEPTED = "accepted", "Chấp nhận"
    REJECTED = "rejected", "Không chấp nhận"


class Appeal(models.Model):
    """Phúc khảo — a unit contests one criterion of a published result."""

    snapshot = models.ForeignKey(Snapshot, on_delete=models.PROTECT, related_name="appeals")
    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="appeals")
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    province = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    criterion = models.CharField("tiêu chí", max_length=80)
    reason = models.TextField("lý do")
    proposed = models.JSONField("giá trị đề nghị")
    evidence = models.ForeignKey(
        Evidence, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=AppealStatus.choices, default=AppealStatus.PENDING
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    filed_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    applied_in = models.ForeignKey(
        Snapshot, null=True, blank=True, on_delete=models.PROTECT, related_name="applied_appeals"
    )

    class Meta:
        ordering = ["-filed_at"]
        verbose_name = "phúc khảo"
        verbose_name_plural = "phúc khảo"

    def __str__(self) -> str:
        return f"{self.unit} — {self.criterion}"


class ImportKind(models.TextChoices):
    UNIT = "unit", "Phiếu của một đơn vị"
    PROVINCE = "province", "Toàn tỉnh (mỗi dòng một đơn vị)"


class ImportState(models.TextChoices):
    QUEUED = "queued", "Đang chờ"
    RUNNING = "running", "Đang kiểm tra"
    DONE = "done", "Đã nhập"
    FAILED = "failed", "Có lỗi, không nhập gì"


class ImportJob(models.Model):
    """Nhập Excel — one uploaded workbook, its progress and every error found."""

    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="imports")
    # The commune for a unit's form, the province for a province-wide workbook.
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    province = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=ImportKind.choices)
    file = models.FileField(max_length=300)
    filename = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    state = models.CharField(max_length=10, choices=ImportState.choices, default=ImportState.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    # [{"sheet", "cell", "criterion", "message"}]
    errors = models.JSONField(default=list, blank=True)
    summary = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "lần nhập Excel"
        verbose_name_plural = "lần nhập Excel"

    def __str__(self) -> str:
        return self.filename


class Reminder(models.Model):
    """Nhắc hạn — a unit not yet submitted was reminded N days before the deadline."""

    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="reminders")
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    province = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    days_before = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField(auto_now_add=True)
    recipients = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["period", "unit", "days_before"], name="reminder_once_per_offset"
            )
        ]
        ordering = ["-sent_at"]
        verbose_name = "nhắc hạn"
        verbose_name_plural = "nhắc hạn"

    def __str__(self) -> str:
        return f"{self.unit} — {self.days_before} ngày"
