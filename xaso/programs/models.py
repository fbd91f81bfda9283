"""Chương trình thí điểm — pilot programmes and what hangs on them: the communes taking
part, the organisations sponsoring them, the plan's tasks and budget, KPI targets with
their measurements, milestones, status reports, readiness declarations for scale-out;
and the community digital-technology teams (Tổ công nghệ số cộng đồng) with their
villages, members and activities; and the in-app notifications reminders leave.

Every table carries the unit it belongs to (a commune, or the province for
programme-wide records) and the province, so scoping needs no join.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

# Scoping families (xaso.core.scoping): who may do what with each kind of record.
PROGRAMME_FAMILY = "programmes"
PILOT_FAMILY = "pilot"
TEAM_FAMILY = "community_teams"
NOTIFICATION_FAMILY = "notifications"


class ProgrammeStatus(models.TextChoices):
    DRAFT = "draft", "Đang xây dựng kế hoạch"
    RUNNING = "running", "Đang triển khai"
    EVALUATING = "evaluating", "Đang đánh giá"
    CLOSED = "closed", "Đã kết thúc"


class Programme(models.Model):
    """Chương trình (kế hoạch) thí điểm chuyển đổi số cấp xã of one province."""

    province = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="tỉnh"
    )
    name = models.CharField("tên chương trình", max_length=250)
    plan_number = models.CharField("số kế hoạch", max_length=60, blank=True)
    plan_date = models.DateField("ngày ban hành kế hoạch", null=True, blank=True)
    sponsor_decision = models.CharField(
        "quyết định phân công đơn vị phụ trách", max_length=120, blank=True
    )
    starts_on = models.DateField("bắt đầu")
    ends_on = models.DateField("kết thúc")
    evaluation_due = models.DateField("hạn đánh giá", null=True, blank=True)
    status = models.CharField(
        "trạng thái", max_length=12, choices=ProgrammeStatus.choices, default=ProgrammeStatus.DRAFT
    )
    description = models.TextField("mục tiêu, nội dung", blank=True)
    funding = models.CharField("nguồn kinh phí", max_length=250, blank=True)
    lessons = models.TextField("bài học kinh nghiệm", blank=True)
    # The issuing body as it was named when the plan was issued (a merged province keeps
    # its old name on its old documents): "UBND TỈNH BẮC KẠN" / "SỞ THÔNG TIN VÀ TRUYỀN THÔNG".
    issuer_parent = models.CharField("cơ quan chủ quản", max_length=120, blank=True)
    issuer = models.CharField("cơ quan ban hành báo cáo", max_length=120, blank=True)
    issuer_abbrev = models.CharField("chữ viết tắt cơ quan", max_length=20, blank=True)
    place_name = models.CharField("địa danh", max_length=60, blank=True)
    framework_code = models.CharField("bộ chỉ số gắn chỉ tiêu", max_length=60, default="commune-dx")
    is_demo = models.BooleanField("dữ liệu minh hoạ", default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "chương trình thí điểm"
        verbose_name_plural = "chương trình thí điểm"
        ordering = ["-starts_on", "name"]

    def __str__(self) -> str:
        return self.name


class Participant(models.Model):
    """Đơn vị tham gia — one commune in a programme (today's unit; the name it had when
    chosen is kept as ``legacy_unit``)."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="participants")
    unit = models.ForeignKey(
        "units.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="xã/phường"
    )
    province = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    legacy_unit = models.ForeignKey(
        "units.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="tên khi được chọn (trước 2025)",
    )
    note = models.TextField("ghi chú", blank=True)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "xã tham gia"
        verbose_name_plural = "xã tham gia"
        constraints = [
            models.UniqueConstraint(fields=["programme", "unit"], name="programs_participant_once")
        ]
        ordering = ["unit__name"]

    def __str__(self) -> str:
        return f"{self.unit} — {self.programme}"

    @property
    def label(self) -> str:
        if self.legacy_unit_id and self.legacy_unit and self.legacy_unit.name != self.unit.name:
            return f"{self.unit.name} ({self.legacy_unit.name} cũ)"
        return self.unit.name


class OrganisationKind(models.TextChoices):
    DEPARTMENT = "department", "Sở, ban, ngành"
    ENTERPRISE = "enterprise", "Doanh nghiệp"
    BANK = "bank", "Ngân hàng"
    DISTRICT = "district", "UBND cấp huyện"
    OTHER = "other", "Khác"


class SponsorOrganisation(models.Model):
    """Đơn vị phụ trách — a department, enterprise or bank that helps communes; its
    accounts get the sponsor role over each commune it is assigned to."""

    province = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    name = models.CharField("tên đơn vị", max_length=200)
    kind = models.CharField("loại", max_length=12, choices=OrganisationKind.choices)
    accounts = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="sponsor_organisations",
        verbose_name="tài khoản",
    )
    # The seeds rarely name who sponsored which commune; invented names say so.
    is_demo = models.BooleanField("tên minh hoạ", default=False)

    class Meta:
        verbose_name = "đơn vị phụ trách"
        verbose_name_plural = "đơn vị phụ trách"
        constraints = [
            models.UniqueConstraint(fields=["province", "name"], name="programs_sponsor_org_once")
        ]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name + (" (minh hoạ)" if self.is_demo else "")


class SponsorAssignment(models.Model):
    """Phân công phụ trách — this organisation follows and helps this commune."""

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="sponsor_assignments"
    )
    organisation = models.ForeignKey(
        SponsorOrganisation, on_delete=models.PROTECT, related_name="assignments"
    )
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    province = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    decision = models.CharField("văn bản phân công", max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "phân công phụ trách"
        verbose_name_plural = "phân công phụ trách"
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "organisation"], name="sponsor_assignment_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} → {self.unit}"


class OwnerKind(models.TextChoices):
    COMMUNE = "commune", "UBND xã"
    SPONSOR = "sponsor", "Đơn vị phụ trách"
    DEPARTMENT = "department", "Sở chủ trì"


class TaskStatus(models.TextChoices):
    PLANNED = "planned", "Chưa bắt đầu"
    IN_PROGRESS = "in_progress", "Đang thực hiện"
    DONE = "done", "Hoàn thành"
    SUSPENDED = "suspended", "Tạm dừng"
    CANCELLED = "cancelled", "Huỷ bỏ"


class Task(models.Model):
    """Nhiệm vụ — one task of a commune's plan."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="tasks")
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    province = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    template_code = models.CharField("mã nhiệm vụ mẫu", max_length=40, blank=True)
    title = models.CharField("nhiệm vụ", max_length=300)
    description = models.TextField("nội dung", blank=True)
    owner_kind = models.CharField("chủ trì", max_length=12, choices=OwnerKind.choices)
    owner_organisation = models.ForeignKey(
        SponsorOrganisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasks",
        verbose_name="đơn vị phụ trách chủ trì",
    )
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="người phụ trách",
    )
    starts_on = models.DateField("bắt đầu")
    due_on = models.DateField("hạn hoàn thành")
    done_on = models.DateField("ngày hoàn thành", null=True, blank=True)
    status = models.CharField(
        "trạng thái", max_length=12, choices=TaskStatus.choices, default=TaskStatus.PLANNED
    )
    progress = models.PositiveSmallIntegerField("tiến độ (%)", default=0)
    criterion_code = models.CharField("tiêu chí gắn", max_length=40, blank=True)
    # Bumped by every update, so two people editing one task cannot overwrite each other.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = "nhiệm vụ"
        verbose_name_plural = "nhiệm vụ"
        ordering = ["starts_on", "due_on", "pk"]
        indexes = [models.Index(fields=["status", "due_on"])]

    def __str__(self) -> str:
        return self.title


class FundingSource(models.TextChoices):
    STATE = "state", "Ngân sách nhà nước"
    SOCIALISED = "socialised", "Xã hội hoá"
    OTHER = "other", "Nguồn khác"


class BudgetLine(models.Model):
    """Kinh phí — money for a task from one source: planned and spent, in đồng."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="budget_lines")
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    province = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    source = models.CharField("nguồn", max_length=12, choices=FundingSource.choices)
    planned = models.BigIntegerField("dự toán (đồng)", default=0)
    spent = models.BigIntegerField("đã chi (đồng)", default=0)

    class Meta:
        verbose_name = "kinh phí"
        verbose_name_plural = "kinh phí"
        constraints = [
            models.UniqueConstraint(fields=["task", "source"], name="programs_budget_per_source")
        ]

    def __str__(self) -> str:
        return f"{self.task} — {self.get_source_display()}"


class TaskUpdate(models.Model):
    """Cập nhật tiến độ — a progress note with optional evidence."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="updates")
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    province = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(max_length=12, choices=TaskStatus.choices)
    progress = models.PositiveSmallIntegerField()
    note = models.TextField("nội dung cập nhật", blank=True)
    evidence = models.FileField("minh chứng", upload_to="programs/evidence/%Y/%m/", blank=True)
    evidence_url = models.URLField("đường dẫn minh chứng", blank=True)

    class Meta:
        verbose_name = "cập nhật tiến độ"
        verbose_name_plural = "cập nhật tiến độ"
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.task}: {self.progress}%"


class Direction(models.TextChoices):
    INCREASE = "increase", "Càng cao càng tốt"
    DECREASE = "decrease", "Càng thấp càng tốt"


class KpiSource(models.TextChoices):
    MANUAL = "manual", "Nhập tay"
    MEASURED = "measured", "Đo tự động"


class Kpi(models.Model):
    """Chỉ tiêu — from a baseline to a target by a deadline, tagged with the index
    criterion it should move."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="kpis")
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    province = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    name = models.CharField("chỉ tiêu", max_length=250)
    measure_unit = models.CharField("đơn vị tính", max_length=30, default="%")
    direction = models.CharField(
        "chiều", max_length=10, choices=Direction.choices, default=Direction.INCREASE
    )
    baseline = models.FloatField("giá trị ban đầu")
    baseline_on = models.DateField("ngày đo ban đầu")
    baseline_source = models.CharField("nguồn số liệu ban đầu", max_length=250)
    target = models.FloatField("mục tiêu")
    target_on = models.DateField("hạn đạt mục tiêu")
    framework_code = models.CharField("bộ chỉ số", max_length=60, blank=True)
    criterion_code = models.CharField("tiêu chí", max_length=40, blank=True)
    source = models.CharField(
        "cách lấy số liệu", max_length=10, choices=KpiSource.choices, default=KpiSource.MANUAL
    )
    measured_key = models.CharField("nguồn đo", max_length=80, blank=True)
    measure_every_days = models.PositiveSmallIntegerField("chu kỳ đo (ngày)", default=90)
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="người cập nhật",
    )

    class Meta:
        verbose_name = "chỉ tiêu"
        verbose_name_plural = "chỉ tiêu"
        ordering = ["criterion_code", "name", "pk"]

    def __str__(self) -> str:
        return self.name


class Measurement(models.Model):
    """Số đo — an actual value of a KPI on a date, with its source and evidence."""

    kpi = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="measurements")
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    province = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    value = models.FloatField("giá trị")
    measured_on = models.DateField("ngày đo")
    source = models.CharField("nguồn số liệu", max_length=250)
    evidence = models.FileField("minh chứng", upload_to="programs/kpi/%Y/%m/", blank=True)
    evidence_url = models.URLField("đường dẫn minh chứng", blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "số đo chỉ tiêu"
        verbose_name_plural = "số đo chỉ tiêu"
        ordering = ["measured_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["kpi", "measured_on"], name="programs_one_measurement_a_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kpi}: {self.value} ({self.measured_on:%d/%m/%Y})"


class Milestone(models.Model):
    """Mốc — a programme-wide date: plan issued, mid-term review, evaluation…"""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="milestones")
    province = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    title = models.CharField("mốc", max_length=250)
    due_on = models.DateField("ngày")
    reached_on = models.DateField("ngày đạt", null=True, blank=True)

    class Meta:
        verbose_name = "mốc"
        verbose_name_plural = "mốc"
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return self.title


class ReportKind(models.TextChoices):
    PROGRESS = "progress", "Báo cáo tiến độ định kỳ"
    EVALUATION = "evaluation", "Báo cáo đánh giá kết quả thí điểm"


class StatusReport(models.Model):
    """Báo cáo — the numbered document the department sends the province; its figures
    are drawn from the data as of ``as_of`` whenever it is rendered."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="reports")
    province = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("loại báo cáo", max_length=12, choices=ReportKind.choices)
    number = models.CharField("số, ký hiệu", max_length=60)
    issued_on = models.DateField("ngày ban hành")
    as_of = models.DateField("số liệu tính đến ngày")
    summary = models.TextField("tình hình chung", blank=True)
    lessons = models.TextField("bài học kinh nghiệm, kiến nghị", blank=True)
    recipients = models.TextField("nơi nhận (mỗi dòng một nơi)", blank=True)
    signer_title = models.CharField("chức vụ người ký", max_length=120, blank=True)
    signer_name = models.CharField("người ký", max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "báo cáo"
        verbose_name_plural = "báo cáo"
        ordering = ["-issued_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.number} — {self.get_kind_display()}"


class ReadinessDeclaration(models.Model):
    """Khai báo điều kiện nhân rộng — a commune's values for the readiness framework's
    criteria (``{criterion code: cell}``, checked by the index engine)."""

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="readiness_declarations"
    )
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    province = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    values = models.JSONField(default=dict)
    declared_on = models.DateField("ngày khai báo")
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.TextField("ghi chú", blank=True)

    class Meta:
        verbose_name = "khai báo điều kiện nhân rộng"
        verbose_name_plural = "khai báo điều kiện nhân rộng"
        constraints = [
            models.UniqueConstraint(fields=["programme", "unit"], name="programs_readiness_once")
        ]

    def __str__(self) -> str:
        return f"{self.unit} — {self.programme}"


# --- community digital-technology teams -------------------------------------------------


class VillageKind(models.TextChoices):
    THON = "thon", "Thôn"
    BUON = "buon", "Buôn"
    BAN = "ban", "Bản"
    TO_DAN_PHO = "to_dan_pho", "Tổ dân phố"


class Village(models.Model):
    """Thôn, buôn, bản, tổ dân phố — the commune's own list (no national register of
    villages exists in the unit data)."""

    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    province = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    name = models.CharField("tên", max_length=120)
    kind = models.CharField("loại", max_length=12, choices=VillageKind.choices)

    class Meta:
        verbose_name = "thôn, tổ dân phố"
        verbose_name_plural = "thôn, tổ dân phố"
        constraints = [
            models.UniqueConstraint(fields=["unit", "name"], name="programs_village_once")
        ]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CommunityTeam(models.Model):
    """Tổ công nghệ số cộng đồng of one commune (seed 002: every commune has one)."""

    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    province = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    name = models.CharField("tên tổ", max_length=200)
    decision = models.CharField("quyết định thành lập", max_length=120, blank=True)
    established_on = models.DateField("ngày thành lập")

    class Meta:
        verbose_name = "tổ công nghệ số cộng đồng"
        verbose_name_plural = "tổ công nghệ số cộng đồng"
        constraints = [
            models.UniqueConstraint(fields=["unit"], name="programs_one_team_per_commune")
        ]

    def __str__(self) -> str:
        return self.name


class MemberRole(models.TextChoices):
    LEADER = "leader", "Tổ trưởng"
    DEPUTY = "deputy", "Tổ phó"
    MEMBER = "member", "Thành viên"


class TeamMember(models.Model):
    """Thành viên — a person of the team, in a village (or the commune as a whole)."""

    team = models.ForeignKey(CommunityTeam, on_delete=models.CASCADE, related_name="members")
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    province = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    village = models.ForeignKey(
        Village,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
        verbose_name="thôn, tổ dân phố",
    )
    full_name = models.CharField("họ và tên", max_length=150)
    role = models.CharField("vai trò", max_length=10, choices=MemberRole.choices)
    # Personal data: stored normalised, shown masked to whoever does not manage the team.
    phone = models.CharField("số điện thoại", max_length=20, blank=True)
    affiliation = models.CharField("đơn vị, đoàn thể", max_length=150, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="team_memberships",
        verbose_name="tài khoản",
    )
    active = models.BooleanField("đang hoạt động", default=True)

    class Meta:
        verbose_name = "thành viên tổ"
        verbose_name_plural = "thành viên tổ"
        ordering = ["village__name", "role", "full_name"]

    def __str__(self) -> str:
        return self.full_name


class ActivityKind(models.TextChoices):
    VSSID = "vssid", "Hướng dẫn cài đặt VssID (người)"
    VNEID = "vneid", "Hướng dẫn cài đặt, kích hoạt VNeID (người)"
    EPAYMENT = "epayment", "Mở tài khoản thanh toán điện tử (tài khoản)"
    SESSION = "session", "Buổi hướng dẫn kỹ năng số (buổi)"
    PUBLIC_SERVICE = "public_service", "Hỗ trợ nộp hồ sơ trực tuyến (hồ sơ)"


class TeamActivity(models.Model):
    """Hoạt động — what the team did on a day, counted (residents helped, accounts
    opened, sessions held)."""

    team = models.ForeignKey(CommunityTeam, on_delete=models.CASCADE, related_name="activities")
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    province = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    village = models.ForeignKey(
        Village,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activities",
        verbose_name="thôn, tổ dân phố",
    )
    member = models.ForeignKey(
        TeamMember,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
        verbose_name="người thực hiện",
    )
    kind = models.CharField("hoạt động", max_length=16, choices=ActivityKind.choices)
    count = models.PositiveIntegerField("số lượng")
    attendees = models.PositiveIntegerField("số người tham dự", null=True, blank=True)
    happened_on = models.DateField("ngày")
    note = models.CharField("ghi chú", max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "hoạt động của tổ"
        verbose_name_plural = "hoạt động của tổ"
        ordering = ["-happened_on", "-pk"]
        indexes = [models.Index(fields=["unit", "happened_on"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.count}"


class Notification(models.Model):
    """Thông báo — an in-app message to one person (reminders of due tasks and KPI
    measurements); ``key`` makes a reminder arrive once, not every time the job runs."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="program_notifications"
    )
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    province = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    key = models.CharField(max_length=120)
    title = models.CharField("tiêu đề", max_length=250)
    body = models.TextField("nội dung", blank=True)
    link = models.CharField(max_length=250, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed = models.BooleanField(default=False)

    class Meta:
        verbose_name = "thông báo"
        verbose_name_plural = "thông báo"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], name="programs_notification_once")
        ]

    def __str__(self) -> str:
        return self.title
