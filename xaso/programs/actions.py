"""Every change to programmes, plans, KPIs, reports, readiness declarations, community
teams and notifications: one ``do_*`` function each, one transaction, permission
checked, an audit row, side effects (mail) only after commit.

``actor=None`` is the system itself (demo loader, scheduled tasks).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import send_mail
from django.core.validators import URLValidator
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from xaso.accounts.actions import do_assign_roles
from xaso.accounts.models import Role, RoleAssignment, User
from xaso.accounts.queries import Viewer, may_in_unit
from xaso.core.audit import diff, on_commit, record_audit
from xaso.core.personal import mask_phone, normalise_phone
from xaso.core.uploads import UploadRejected
from xaso.core.uploads import inspect as inspect_upload
from xaso.index import Data as IndexData
from xaso.index import DataError
from xaso.programs import kpi as kpimath
from xaso.programs import queries, spreadsheets
from xaso.programs.frameworks import READINESS_FRAMEWORK, criterion_problem, framework
from xaso.programs.library import TEMPLATES_BY_CODE
from xaso.programs.measured import kpi_source
from xaso.programs.models import (
    PILOT_FAMILY,
    PROGRAMME_FAMILY,
    TEAM_FAMILY,
    ActivityKind,
    BudgetLine,
    CommunityTeam,
    Direction,
    FundingSource,
    Kpi,
    KpiSource,
    Measurement,
    MemberRole,
    Milestone,
    Notification,
    OrganisationKind,
    OwnerKind,
    Participant,
    Programme,
    ProgrammeStatus,
    ReadinessDeclaration,
    ReportKind,
    SponsorAssignment,
    SponsorOrganisation,
    StatusReport,
    Task,
    TaskStatus,
    TaskUpdate,
    TeamActivity,
    TeamMember,
    Village,
    VillageKind,
)
from xaso.units.models import Generation, Level, Unit

logger = logging.getLogger(__name__)

# Evidence files: office documents, PDFs and photos, as the departments send them.
EVIDENCE_MAX_BYTES = 20 * 1024 * 1024


def _check(actor: Viewer, action: str, unit_id: int | None, family: str, message: str) -> None:
    if actor is None:
        return
    if not may_in_unit(actor, action, unit_id, family=family):
        raise PermissionDenied(message)


def _check_programme(actor: Viewer, programme: Programme) -> None:
    _check(
        actor,
        "edit",
        programme.province_id,
        PROGRAMME_FAMILY,
        "Chỉ sở chủ trì của tỉnh được sửa chương trình thí điểm này.",
    )


def _check_plan(actor: Viewer, unit_id: int) -> None:
    _check(actor, "edit", unit_id, PILOT_FAMILY, "Bạn không được sửa kế hoạch của xã này.")


def _province_id(unit: Unit) -> int:
    assert unit.province_id is not None  # every current commune carries its province
    return unit.province_id


def _require(errors: dict[str, str], name: str, value: str, message: str) -> str:
    text = " ".join((value or "").split())
    if not text:
        errors[name] = message
    return text


def _check_evidence(
    errors: dict[str, str], name: str, upload: UploadedFile[Any] | None
) -> ContentFile[bytes] | None:
    """The shared upload rules (``xaso.core.uploads``): type from the bytes, no active
    PDF, macro or zip bomb, images rebuilt from their pixels; what is stored is the
    checked file under its cleaned name."""
    if upload is None:
        return None
    if (upload.size or 0) > EVIDENCE_MAX_BYTES:  # refused before reading it
        errors[name] = (
            f"Tệp minh chứng nặng {(upload.size or 0) / 1_048_576:.1f} MB, vượt giới hạn "
            f"{EVIDENCE_MAX_BYTES / 1_048_576:.0f} MB: hãy nén hoặc tách tệp."
        )
        return None
    try:
        checked = inspect_upload(upload.name or "", upload.read(), limit=EVIDENCE_MAX_BYTES)
    except UploadRejected as exc:
        errors[name] = exc.message
        return None
    return ContentFile(checked.data, name=checked.name)


def _check_link(errors: dict[str, str], name: str, url: str) -> str:
    """A link to evidence is a web address: no ``javascript:`` or ``data:`` link."""
    url = (url or "").strip()
    if url:
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            errors[name] = "Đường dẫn minh chứng phải là địa chỉ web (http:// hoặc https://)."
    return url


# --- programmes --------------------------------------------------------------------------


@transaction.atomic
def do_create_programme(
    *,
    province: Unit,
    name: str,
    starts_on: dt.date,
    ends_on: dt.date,
    plan_number: str = "",
    plan_date: dt.date | None = None,
    sponsor_decision: str = "",
    evaluation_due: dt.date | None = None,
    description: str = "",
    funding: str = "",
    issuer_parent: str = "",
    issuer: str = "",
    issuer_abbrev: str = "",
    place_name: str = "",
    is_demo: bool = False,
    actor: User | None,
) -> Programme:
    """Tạo chương trình thí điểm of a province (its department creates it)."""
    errors: dict[str, str] = {}
    name = _require(errors, "name", name, "Chưa nhập tên chương trình.")
    if province.level != Level.PROVINCE or province.generation != Generation.CURRENT:
        errors["province"] = "Chương trình thuộc một tỉnh hiện nay."
    if ends_on <= starts_on:
        errors["ends_on"] = "Ngày kết thúc phải sau ngày bắt đầu."
    if evaluation_due is not None and evaluation_due < ends_on:
        errors["evaluation_due"] = "Hạn đánh giá không được trước ngày kết thúc thí điểm."
    if errors:
        raise ValidationError(errors)
    _check_programme(actor, Programme(province=province))
    programme = Programme.objects.create(
        province=province,
        name=name,
        starts_on=starts_on,
        ends_on=ends_on,
        plan_number=plan_number.strip(),
        plan_date=plan_date,
        sponsor_decision=sponsor_decision.strip(),
        evaluation_due=evaluation_due,
        description=description.strip(),
        funding=funding.strip(),
        issuer_parent=issuer_parent.strip() or f"UBND {province.name.upper()}",
        issuer=issuer.strip() or "SỞ KHOA HỌC VÀ CÔNG NGHỆ",
        issuer_abbrev=issuer_abbrev.strip() or "SKHCN",
        place_name=place_name.strip() or province.short_name,
        is_demo=is_demo,
        status=ProgrammeStatus.RUNNING,
        created_by=actor,
    )
    record_audit(
        actor=actor,
        action="programs.create_programme",
        target=programme,
        changes={"name": name, "starts_on": str(starts_on), "ends_on": str(ends_on)},
    )
    return programme


@transaction.atomic
def do_update_programme(
    programme: Programme,
    *,
    status: str | None = None,
    lessons: str | None = None,
    description: str | None = None,
    actor: User | None,
) -> Programme:
    """Đổi trạng thái, ghi bài học kinh nghiệm của chương trình."""
    _check_programme(actor, programme)
    before = {"status": programme.status, "lessons": programme.lessons}
    if status is not None:
        if status not in ProgrammeStatus.values:
            raise ValidationError({"status": f"Trạng thái “{status}” không có."})
        programme.status = status
    if lessons is not None:
        programme.lessons = lessons.strip()
    if description is not None:
        programme.description = description.strip()
    programme.save()
    changes = diff(before, {"status": programme.status, "lessons": programme.lessons})
    record_audit(actor=actor, action="programs.update_programme", target=programme, changes=changes)
    return programme


def _commune_for(unit: Unit) -> tuple[Unit, Unit | None]:
    """Today's commune for a unit named either way: a legacy commune (as the seeds name
    the pilots) resolves to its main successor and is remembered."""
    if unit.level != Level.COMMUNE:
        raise ValidationError({"units": f"{unit.name} không phải là xã/phường."})
    if unit.generation == Generation.CURRENT:
        return unit, None
    links = list(unit.successor_links.select_related("successor"))
    main = [x for x in links if x.is_main_successor] or links
    if not main:
        raise ValidationError({"units": f"{unit.name} không có đơn vị kế thừa sau 01/7/2025."})
    return main[0].successor, unit


@transaction.atomic
def do_add_participants(
    programme: Programme, *, units: Sequence[Unit], actor: User | None
) -> list[Participant]:
    """Chọn xã tham gia: each unit a commune of the programme's province (a pre-2025
    commune is taken as the commune that replaced it)."""
    _check_programme(actor, programme)
    if not units:
        raise ValidationError({"units": "Chưa chọn xã nào."})
    added = []
    for unit in units:
        commune, legacy = _commune_for(unit)
        if commune.province_id != programme.province_id:
            raise ValidationError(
                {"units": f"{commune.name} không thuộc {programme.province.name}."}
            )
        if Participant.objects.filter(programme=programme, unit=commune).exists():
            raise ValidationError({"units": f"{commune.name} đã có trong chương trình."})
        participant = Participant.objects.create(
            programme=programme, unit=commune, province_id=commune.province_id, legacy_unit=legacy
        )
        record_audit(
            actor=actor,
            action="programs.add_participant",
            target=participant,
            changes={"unit": commune.code, "legacy": legacy.code if legacy else None},
            province_id=programme.province_id,
        )
        added.append(participant)
    return added


# --- sponsors ----------------------------------------------------------------------------


@transaction.atomic
def do_save_sponsor_organisation(
    *, province: Unit, name: str, kind: str, is_demo: bool = False, actor: User | None
) -> SponsorOrganisation:
    """Thêm (hoặc lấy lại) một đơn vị phụ trách của tỉnh."""
    errors: dict[str, str] = {}
    name = _require(errors, "name", name, "Chưa nhập tên đơn vị phụ trách.")
    if kind not in OrganisationKind.values:
        errors["kind"] = f"Loại đơn vị “{kind}” không có."
    if errors:
        raise ValidationError(errors)
    _check(
        actor, "edit", province.pk, PROGRAMME_FAMILY, "Chỉ sở chủ trì được thêm đơn vị phụ trách."
    )
    org, created = SponsorOrganisation.objects.get_or_create(
        province=province, name=name, defaults={"kind": kind, "is_demo": is_demo}
    )
    if created:
        record_audit(
            actor=actor,
            action="programs.add_sponsor_organisation",
            target=org,
            changes={"name": name, "kind": kind},
        )
    return org


def _grant_sponsor_roles(
    org: SponsorOrganisation, accounts: Sequence[User], units: Sequence[Unit], actor: User | None
) -> None:
    """Gives each account of the organisation the sponsor role over each commune it is
    assigned to (the role is what the scoping helper reads)."""
    for user in accounts:
        held = set(
            RoleAssignment.objects.filter(user=user, role=Role.SPONSOR).values_list(
                "unit_id", flat=True
            )
        )
        missing = [u for u in units if u.pk not in held]
        if missing:
            do_assign_roles(user=user, role=Role.SPONSOR, units=missing, actor=actor)


@transaction.atomic
def do_link_sponsor_account(
    organisation: SponsorOrganisation, *, user: User, actor: User | None
) -> None:
    """Gắn tài khoản vào đơn vị phụ trách: it then follows every commune the
    organisation is assigned to."""
    _check(
        actor,
        "edit",
        organisation.province_id,
        PROGRAMME_FAMILY,
        "Chỉ sở chủ trì được gắn tài khoản cho đơn vị phụ trách.",
    )
    if not user.organisation:
        raise ValidationError(
            {"user": "Tài khoản cần ghi tên cơ quan (sở, ngành, doanh nghiệp) trước."}
        )
    organisation.accounts.add(user)
    units = [a.unit for a in organisation.assignments.select_related("unit")]
    _grant_sponsor_roles(organisation, [user], units, actor)
    record_audit(
        actor=actor,
        action="programs.link_sponsor_account",
        target=organisation,
        changes={"user": user.username},
    )


@transaction.atomic
def do_assign_sponsor(
    participant: Participant,
    *,
    organisation: SponsorOrganisation,
    decision: str = "",
    actor: User | None,
) -> SponsorAssignment:
    """Phân công đơn vị phụ trách một xã (như Quyết định 1431/QĐ-UBND): its accounts get
    the sponsor role over the commune, so they see that commune and no other."""
    programme = participant.programme
    _check_programme(actor, programme)
    if organisation.province_id != programme.province_id:
        raise ValidationError({"organisation": "Đơn vị phụ trách thuộc tỉnh khác."})
    if SponsorAssignment.objects.filter(
        participant=participant, organisation=organisation
    ).exists():
        raise ValidationError(
            {"organisation": f"{organisation.name} đã được phân công phụ trách xã này."}
        )
    assignment = SponsorAssignment.objects.create(
        participant=participant,
        organisation=organisation,
        unit=participant.unit,
        province_id=participant.province_id,
        decision=decision.strip() or programme.sponsor_decision,
    )
    _grant_sponsor_roles(organisation, list(organisation.accounts.all()), [participant.unit], actor)
    record_audit(
        actor=actor,
        action="programs.assign_sponsor",
        target=assignment,
        changes={"organisation": organisation.name, "unit": participant.unit.code},
    )
    return assignment


# --- tasks -------------------------------------------------------------------------------


def _clean_budget(budget: Mapping[str, int] | None, errors: dict[str, str]) -> dict[str, int]:
    clean: dict[str, int] = {}
    for source, amount in (budget or {}).items():
        if source not in FundingSource.values:
            errors["budget"] = f"Nguồn kinh phí “{source}” không có."
        elif amount < 0:
            errors["budget"] = "Kinh phí không được âm."
        elif amount:
            clean[source] = int(amount)
    return clean


def _validate_task(
    *,
    participant: Participant,
    title: str,
    owner_kind: str,
    owner_organisation: SponsorOrganisation | None,
    starts_on: dt.date,
    due_on: dt.date,
    criterion_code: str,
    errors: dict[str, str],
) -> str:
    title = _require(errors, "title", title, "Chưa nhập tên nhiệm vụ.")
    if owner_kind not in OwnerKind.values:
        errors["owner_kind"] = f"Chủ trì “{owner_kind}” không có (xã, đơn vị phụ trách, sở)."
    if owner_kind == OwnerKind.SPONSOR and owner_organisation is None:
        errors["owner_organisation"] = "Nhiệm vụ do đơn vị phụ trách chủ trì cần chọn đơn vị."
    if owner_organisation is not None and owner_organisation.province_id != participant.province_id:
        errors["owner_organisation"] = "Đơn vị phụ trách thuộc tỉnh khác."
    if due_on < starts_on:
        errors["due_on"] = "Hạn hoàn thành không được trước ngày bắt đầu."
    problem = criterion_problem(participant.programme.framework_code, criterion_code)
    if problem:
        errors["criterion_code"] = problem
    return title


@transaction.atomic
def do_add_task(
    participant: Participant,
    *,
    title: str,
    owner_kind: str,
    starts_on: dt.date,
    due_on: dt.date,
    owner_organisation: SponsorOrganisation | None = None,
    owner_user: User | None = None,
    description: str = "",
    template_code: str = "",
    criterion_code: str = "",
    budget: Mapping[str, int] | None = None,
    actor: User | None,
) -> Task:
    """Thêm nhiệm vụ vào kế hoạch của xã, with its planned budget by source."""
    _check_plan(actor, participant.unit_id)
    errors: dict[str, str] = {}
    title = _validate_task(
        participant=participant,
        title=title,
        owner_kind=owner_kind,
        owner_organisation=owner_organisation,
        starts_on=starts_on,
        due_on=due_on,
        criterion_code=criterion_code,
        errors=errors,
    )
    lines = _clean_budget(budget, errors)
    if errors:
        raise ValidationError(errors)
    task = Task.objects.create(
        participant=participant,
        unit=participant.unit,
        province_id=participant.province_id,
        title=title,
        description=description.strip(),
        owner_kind=owner_kind,
        owner_organisation=owner_organisation,
        owner_user=owner_user,
        starts_on=starts_on,
        due_on=due_on,
        template_code=template_code,
        criterion_code=criterion_code,
    )
    for source, amount in lines.items():
        BudgetLine.objects.create(
            task=task, unit=task.unit, province_id=task.province_id, source=source, planned=amount
        )
    record_audit(
        actor=actor,
        action="programs.add_task",
        target=task,
        changes={"title": title, "owner": owner_kind, "due_on": str(due_on), "budget": lines},
    )
    return task


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    last = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    return dt.date(year, month, min(day.day, last))


@transaction.atomic
def do_apply_templates(
    participant: Participant, *, codes: Sequence[str], starts_on: dt.date, actor: User | None
) -> list[Task]:
    """Nạp nhiệm vụ từ thư viện mẫu: sponsor-led tasks go to the commune's first
    sponsor; a template already in the plan is not added twice."""
    _check_plan(actor, participant.unit_id)
    unknown = [c for c in codes if c not in TEMPLATES_BY_CODE]
    if unknown:
        raise ValidationError({"codes": f"Không có nhiệm vụ mẫu: {', '.join(unknown)}."})
    if not codes:
        raise ValidationError({"codes": "Chưa chọn nhiệm vụ mẫu nào."})
    sponsor = participant.sponsor_assignments.select_related("organisation").first()
    existing = set(participant.tasks.values_list("template_code", flat=True))
    created = []
    for code in codes:
        if code in existing:
            continue
        template = TEMPLATES_BY_CODE[code]
        owner = template.owner_kind
        if owner == OwnerKind.SPONSOR and sponsor is None:
            owner = OwnerKind.COMMUNE
        due = min(_add_months(starts_on, template.months), participant.programme.ends_on)
        created.append(
            do_add_task(
                participant,
                title=template.title,
                description=template.description,
                owner_kind=owner,
                owner_organisation=sponsor.organisation
                if owner == OwnerKind.SPONSOR and sponsor
                else None,
                starts_on=starts_on,
                due_on=max(due, starts_on),
                template_code=code,
                criterion_code=template.criterion,
                actor=actor,
            )
        )
    return created


@transaction.atomic
def do_update_task(
    task: Task,
    *,
    status: str,
    progress: int,
    note: str = "",
    evidence: UploadedFile[Any] | None = None,
    evidence_url: str = "",
    spent: Mapping[str, int] | None = None,
    done_on: dt.date | None = None,
    expected_version: int | None = None,
    actor: User | None,
) -> TaskUpdate:
    """Cập nhật tiến độ nhiệm vụ (status, %, note, evidence, money spent). Refused when
    someone else updated the task since the form was opened (``expected_version``)."""
    if actor is not None and not queries.may_update_task(actor, task):
        raise PermissionDenied("Bạn không được cập nhật nhiệm vụ này.")
    locked = Task.objects.select_for_update().get(pk=task.pk)
    if expected_version is not None and locked.version != expected_version:
        raise ValidationError(
            {
                "__all__": "Nhiệm vụ vừa được người khác cập nhật; hãy tải lại trang, xem "
                "thay đổi của họ rồi nhập lại."
            }
        )
    errors: dict[str, str] = {}
    if status not in TaskStatus.values:
        errors["status"] = f"Trạng thái “{status}” không có."
    if not 0 <= progress <= 100:
        errors["progress"] = "Tiến độ là số phần trăm từ 0 đến 100."
    if status == TaskStatus.DONE and progress != 100:
        errors["progress"] = "Nhiệm vụ hoàn thành phải có tiến độ 100%."
    today = timezone.localdate()
    if done_on is not None and done_on > today:
        errors["done_on"] = "Ngày hoàn thành không được ở tương lai."
    evidence_file = _check_evidence(errors, "evidence", evidence)
    evidence_url = _check_link(errors, "evidence_url", evidence_url)
    for source, amount in (spent or {}).items():
        if source not in FundingSource.values:
            errors["spent"] = f"Nguồn kinh phí “{source}” không có."
        elif amount < 0:
            errors["spent"] = "Số đã chi không được âm."
    if errors:
        raise ValidationError(errors)
    before = {"status": locked.status, "progress": locked.progress}
    locked.status = status
    locked.progress = progress
    if status == TaskStatus.DONE:
        locked.done_on = done_on or locked.done_on or today
    else:
        locked.done_on = None
    locked.version += 1
    locked.save()
    for source, amount in (spent or {}).items():
        line, _ = BudgetLine.objects.get_or_create(
            task=locked,
            source=source,
            defaults={"unit": locked.unit, "province_id": locked.province_id},
        )
        line.spent = int(amount)
        line.save(update_fields=["spent"])
    update = TaskUpdate.objects.create(
        task=locked,
        unit=locked.unit,
        province_id=locked.province_id,
        author=actor,
        status=status,
        progress=progress,
        note=note.strip(),
        evidence=evidence_file or "",
        evidence_url=evidence_url,
    )
    changes: dict[str, Any] = diff(before, {"status": status, "progress": progress})
    if spent:
        changes["spent"] = dict(spent)
    record_audit(actor=actor, action="programs.update_task", target=locked, changes=changes)
    task.refresh_from_db()
    return update


# --- KPIs --------------------------------------------------------------------------------


@transaction.atomic
def do_add_kpi(
    participant: Participant,
    *,
    name: str,
    baseline: float,
    baseline_on: dt.date,
    baseline_source: str,
    target: float,
    target_on: dt.date,
    measure_unit: str = "%",
    direction: str = Direction.INCREASE,
    framework_code: str = "",
    criterion_code: str = "",
    source: str = KpiSource.MANUAL,
    measured_key: str = "",
    measure_every_days: int = 90,
    owner_user: User | None = None,
    actor: User | None,
) -> Kpi:
    """Thêm chỉ tiêu: baseline with date and source, target with deadline, the index
    criterion it should move (checked against the framework file)."""
    _check_plan(actor, participant.unit_id)
    errors: dict[str, str] = {}
    name = _require(errors, "name", name, "Chưa nhập tên chỉ tiêu.")
    baseline_source = _require(
        errors, "baseline_source", baseline_source, "Chưa ghi nguồn số liệu ban đầu."
    )
    if direction not in Direction.values:
        errors["direction"] = f"Chiều “{direction}” không có."
    else:
        for fld, message in kpimath.check_definition(
            baseline=baseline,
            target=target,
            increasing=direction == Direction.INCREASE,
            baseline_on=baseline_on,
            target_on=target_on,
        ):
            errors[fld] = message
    fw_code = framework_code or participant.programme.framework_code
    problem = criterion_problem(fw_code, criterion_code)
    if problem:
        errors["criterion_code"] = problem
    if source not in KpiSource.values:
        errors["source"] = f"Cách lấy số liệu “{source}” không có."
    elif source == KpiSource.MEASURED:
        try:
            kpi_source(measured_key)
        except LookupError as exc:
            errors["measured_key"] = str(exc)
    if not 7 <= measure_every_days <= 366:
        errors["measure_every_days"] = "Chu kỳ đo từ 7 đến 366 ngày."
    if errors:
        raise ValidationError(errors)
    item = Kpi.objects.create(
        participant=participant,
        unit=participant.unit,
        province_id=participant.province_id,
        name=name,
        measure_unit=measure_unit.strip() or "%",
        direction=direction,
        baseline=baseline,
        baseline_on=baseline_on,
        baseline_source=baseline_source,
        target=target,
        target_on=target_on,
        framework_code=fw_code if criterion_code else "",
        criterion_code=criterion_code,
        source=source,
        measured_key=measured_key if source == KpiSource.MEASURED else "",
        measure_every_days=measure_every_days,
        owner_user=owner_user,
    )
    record_audit(
        actor=actor,
        action="programs.add_kpi",
        target=item,
        changes={
            "name": name,
            "baseline": baseline,
            "target": target,
            "target_on": str(target_on),
            "criterion": f"{fw_code}:{criterion_code}" if criterion_code else "",
        },
    )
    return item


@transaction.atomic
def do_record_measurement(
    kpi: Kpi,
    *,
    value: float,
    measured_on: dt.date,
    source: str,
    evidence: UploadedFile[Any] | None = None,
    evidence_url: str = "",
    actor: User | None,
) -> Measurement:
    """Ghi số đo chỉ tiêu. A second value for the same day replaces the first, and the
    audit row keeps the old one."""
    _check_plan(actor, kpi.unit_id)
    errors: dict[str, str] = {}
    source = _require(errors, "source", source, "Chưa ghi nguồn số liệu.")
    if measured_on > timezone.localdate():
        errors["measured_on"] = "Ngày đo không được ở tương lai."
    if measured_on < kpi.baseline_on:
        errors["measured_on"] = (
            f"Ngày đo trước ngày đo ban đầu ({kpi.baseline_on:%d/%m/%Y}) của chỉ tiêu."
        )
    if kpi.measure_unit == "%" and not 0 <= value <= 100:
        errors["value"] = "Chỉ tiêu tính bằng % nhận giá trị từ 0 đến 100."
    evidence_file = _check_evidence(errors, "evidence", evidence)
    evidence_url = _check_link(errors, "evidence_url", evidence_url)
    if errors:
        raise ValidationError(errors)
    existing = Measurement.objects.filter(kpi=kpi, measured_on=measured_on).first()
    old = existing.value if existing else None
    if existing is None:
        existing = Measurement(kpi=kpi, unit=kpi.unit, province_id=kpi.province_id)
    existing.value = value
    existing.measured_on = measured_on
    existing.source = source
    existing.evidence_url = evidence_url
    if evidence_file is not None:
        existing.evidence = evidence_file
    existing.recorded_by = actor
    existing.save()
    record_audit(
        actor=actor,
        action="programs.record_measurement",
        target=existing,
        changes={"value": [old, value], "measured_on": str(measured_on), "source": source},
    )
    return existing


@dataclass
class RefreshReport:
    recorded: int = 0
    without_value: list[str] = field(default_factory=list)


@transaction.atomic
def do_refresh_measured_kpis(
    *, on: dt.date | None = None, actor: User | None = None
) -> RefreshReport:
    """Đo tự động: asks each measured KPI's source for its value and records it."""
    day = on or timezone.localdate()
    report = RefreshReport()
    for item in Kpi.objects.filter(source=KpiSource.MEASURED).select_related("unit"):
        if actor is not None and not queries.may_plan(actor, item.unit_id):
            continue
        try:
            entry = kpi_source(item.measured_key)
        except LookupError:
            report.without_value.append(f"{item.unit.name}: {item.name} (nguồn chưa đăng ký)")
            continue
        value = entry.fn(item.unit, day)
        if value is None or value.measured_on < item.baseline_on:
            report.without_value.append(f"{item.unit.name}: {item.name}")
            continue
        on_day = min(value.measured_on, day)
        if item.measurements.filter(measured_on=on_day, value=value.value).exists():
            continue  # already recorded: running twice a day changes nothing
        do_record_measurement(
            item,
            value=value.value,
            measured_on=on_day,
            source=f"{entry.label} — {value.source}",
            actor=actor,
        )
        report.recorded += 1
    return report


# --- milestones and reports --------------------------------------------------------------


@transaction.atomic
def do_add_milestone(
    programme: Programme, *, title: str, due_on: dt.date, actor: User | None
) -> Milestone:
    _check_programme(actor, programme)
    errors: dict[str, str] = {}
    title = _require(errors, "title", title, "Chưa nhập tên mốc.")
    if errors:
        raise ValidationError(errors)
    milestone = Milestone.objects.create(
        programme=programme, province_id=programme.province_id, title=title, due_on=due_on
    )
    record_audit(
        actor=actor,
        action="programs.add_milestone",
        target=milestone,
        changes={"title": title, "due_on": str(due_on)},
    )
    return milestone


@transaction.atomic
def do_reach_milestone(
    milestone: Milestone, *, reached_on: dt.date, actor: User | None
) -> Milestone:
    _check_programme(actor, milestone.programme)
    if reached_on > timezone.localdate():
        raise ValidationError({"reached_on": "Ngày đạt mốc không được ở tương lai."})
    milestone.reached_on = reached_on
    milestone.save(update_fields=["reached_on"])
    record_audit(
        actor=actor,
        action="programs.reach_milestone",
        target=milestone,
        changes={"reached_on": str(reached_on)},
    )
    return milestone


@transaction.atomic
def do_create_report(
    programme: Programme,
    *,
    kind: str,
    number: str,
    issued_on: dt.date,
    as_of: dt.date,
    summary: str = "",
    lessons: str = "",
    recipients: str = "",
    signer_title: str = "",
    signer_name: str = "",
    actor: User | None,
) -> StatusReport:
    """Lập báo cáo (tiến độ định kỳ hoặc đánh giá kết quả): the numbered document; its
    figures come from the data as of ``as_of`` whenever it is rendered."""
    _check_programme(actor, programme)
    errors: dict[str, str] = {}
    if kind not in ReportKind.values:
        errors["kind"] = f"Loại báo cáo “{kind}” không có."
    number = _require(
        errors, "number", number, "Chưa nhập số, ký hiệu văn bản (ví dụ 15/BC-STTTT)."
    )
    if number and "/" not in number:
        errors["number"] = "Số, ký hiệu gồm số và ký hiệu, cách nhau bởi “/” (ví dụ 15/BC-STTTT)."
    if as_of > issued_on:
        errors["as_of"] = "Số liệu không thể tính đến sau ngày ban hành báo cáo."
    if as_of < programme.starts_on:
        errors["as_of"] = "Số liệu tính đến ngày trước khi chương trình bắt đầu."
    if errors:
        raise ValidationError(errors)
    report = StatusReport.objects.create(
        programme=programme,
        province_id=programme.province_id,
        kind=kind,
        number=number,
        issued_on=issued_on,
        as_of=as_of,
        summary=summary.strip(),
        lessons=lessons.strip(),
        recipients=recipients.strip(),
        signer_title=signer_title.strip(),
        signer_name=signer_name.strip(),
        created_by=actor,
    )
    record_audit(
        actor=actor,
        action="programs.create_report",
        target=report,
        changes={"kind": kind, "number": number, "as_of": str(as_of)},
    )
    return report


# --- readiness ---------------------------------------------------------------------------


@transaction.atomic
def do_declare_readiness(
    programme: Programme,
    *,
    unit: Unit,
    values: Mapping[str, Any],
    declared_on: dt.date,
    note: str = "",
    actor: User | None,
) -> ReadinessDeclaration:
    """Khai báo điều kiện nhân rộng of a commune, checked cell by cell by the index
    engine against the readiness framework (unknown criteria, bad options, impossible
    ratios are refused with the criterion named)."""
    if unit.level != Level.COMMUNE or unit.generation != Generation.CURRENT:
        raise ValidationError({"unit": "Khai báo cho một xã/phường hiện nay."})
    if unit.province_id != programme.province_id:
        raise ValidationError({"unit": f"{unit.name} không thuộc {programme.province.name}."})
    _check_plan(actor, unit.pk)
    cells = {k: v for k, v in values.items() if v not in (None, "")}
    fw = framework(READINESS_FRAMEWORK)
    try:
        IndexData.from_mapping(fw, {unit.code: cells}, origin="khai báo")
    except DataError as exc:
        messages = {}
        for issue in exc.issues:
            column = issue.location.rpartition("cột/column ")[2].strip()
            code = column.removesuffix(".num").removesuffix(".den")
            messages[code if code in fw.node_index else "__all__"] = issue.message_vi
        raise ValidationError(messages) from None
    declaration, _ = ReadinessDeclaration.objects.update_or_create(
        programme=programme,
        unit=unit,
        defaults={
            "province_id": unit.province_id,
            "values": cells,
            "declared_on": declared_on,
            "declared_by": actor,
            "note": note.strip(),
        },
    )
    record_audit(
        actor=actor, action="programs.declare_readiness", target=declaration, changes=cells
    )
    return declaration


# --- community digital-technology teams --------------------------------------------------


def _check_team_unit(actor: Viewer, unit_id: int) -> None:
    _check(
        actor,
        "edit",
        unit_id,
        TEAM_FAMILY,
        "Bạn không được sửa Tổ công nghệ số cộng đồng của xã này.",
    )


@transaction.atomic
def do_register_team(
    *,
    unit: Unit,
    name: str,
    established_on: dt.date,
    decision: str = "",
    actor: User | None,
) -> CommunityTeam:
    """Đăng ký Tổ công nghệ số cộng đồng của xã (one per commune)."""
    if unit.level != Level.COMMUNE or unit.generation != Generation.CURRENT:
        raise ValidationError({"unit": "Tổ công nghệ số cộng đồng thuộc một xã/phường hiện nay."})
    _check_team_unit(actor, unit.pk)
    errors: dict[str, str] = {}
    name = _require(errors, "name", name, "Chưa nhập tên tổ.")
    if established_on > timezone.localdate():
        errors["established_on"] = "Ngày thành lập không được ở tương lai."
    if CommunityTeam.objects.filter(unit=unit).exists():
        errors["unit"] = f"{unit.name} đã đăng ký Tổ công nghệ số cộng đồng."
    if errors:
        raise ValidationError(errors)
    team = CommunityTeam.objects.create(
        unit=unit,
        province_id=_province_id(unit),
        name=name,
        decision=decision.strip(),
        established_on=established_on,
    )
    record_audit(actor=actor, action="programs.register_team", target=team, changes={"name": name})
    return team


@transaction.atomic
def do_add_villages(
    *, unit: Unit, names: Sequence[str], kind: str = VillageKind.THON, actor: User | None
) -> list[Village]:
    """Khai báo thôn, tổ dân phố của xã (the denominator of village coverage)."""
    _check_team_unit(actor, unit.pk)
    if kind not in VillageKind.values:
        raise ValidationError({"kind": f"Loại “{kind}” không có."})
    clean = [" ".join(n.split()) for n in names if n.strip()]
    if not clean:
        raise ValidationError({"names": "Chưa nhập tên thôn nào."})
    existing = set(Village.objects.filter(unit=unit).values_list("name", flat=True))
    dupes = sorted({n for n in clean if n in existing or clean.count(n) > 1})
    if dupes:
        raise ValidationError({"names": f"Thôn đã có hoặc nhập trùng: {', '.join(dupes)}."})
    created = [
        Village.objects.create(unit=unit, province_id=_province_id(unit), name=n, kind=kind)
        for n in clean
    ]
    record_audit(
        actor=actor,
        action="programs.add_villages",
        target=unit,
        changes={"villages": clean},
        province_id=unit.province_id,
    )
    return created


@transaction.atomic
def do_add_team_member(
    team: CommunityTeam,
    *,
    full_name: str,
    role: str,
    phone: str = "",
    village: Village | None = None,
    affiliation: str = "",
    user: User | None = None,
    actor: User | None,
) -> TeamMember:
    """Thêm thành viên tổ, by village. The phone is stored normalised and never logged."""
    _check_team_unit(actor, team.unit_id)
    errors: dict[str, str] = {}
    full_name = _require(errors, "full_name", full_name, "Chưa nhập họ tên thành viên.")
    if role not in MemberRole.values:
        errors["role"] = f"Vai trò “{role}” không có."
    clean_phone = ""
    if phone.strip():
        try:
            clean_phone = normalise_phone(phone)
        except ValueError as exc:
            errors["phone"] = str(exc)
    if village is not None and village.unit_id != team.unit_id:
        errors["village"] = "Thôn này không thuộc xã của tổ."
    if errors:
        raise ValidationError(errors)
    member = TeamMember.objects.create(
        team=team,
        unit_id=team.unit_id,
        province_id=team.province_id,
        village=village,
        full_name=full_name,
        role=role,
        phone=clean_phone,
        affiliation=affiliation.strip(),
        user=user,
    )
    record_audit(
        actor=actor,
        action="programs.add_team_member",
        target=member,
        changes={
            "full_name": full_name,
            "role": role,
            "phone": mask_phone(clean_phone),
            "village": village.name if village else None,
        },
    )
    return member


@transaction.atomic
def do_set_member_active(member: TeamMember, *, active: bool, actor: User | None) -> TeamMember:
    _check_team_unit(actor, member.unit_id)
    member.active = active
    member.save(update_fields=["active"])
    record_audit(
        actor=actor, action="programs.set_member_active", target=member, changes={"active": active}
    )
    return member


@transaction.atomic
def do_log_activity(
    team: CommunityTeam,
    *,
    kind: str,
    count: int,
    happened_on: dt.date,
    village: Village | None = None,
    member: TeamMember | None = None,
    attendees: int | None = None,
    note: str = "",
    actor: User | None,
) -> TeamActivity:
    """Ghi nhận hoạt động của tổ — by the commune, or by a team member for themself
    (the quick mobile form)."""
    if actor is not None and not queries.may_log_activity(actor, team):
        raise PermissionDenied("Bạn không thuộc tổ này và không được ghi nhận hoạt động của tổ.")
    if actor is not None and not may_in_unit(actor, "edit", team.unit_id, family=TEAM_FAMILY):
        # A member logs what they did themself, never in another member's name.
        member = queries.team_of_member_user(actor, team)
    errors: dict[str, str] = {}
    if kind not in ActivityKind.values:
        errors["kind"] = f"Hoạt động “{kind}” không có."
    if count < 1:
        errors["count"] = "Số lượng phải từ 1 trở lên."
    elif count > 10000:
        errors["count"] = "Số lượng quá lớn cho một lần ghi (tối đa 10.000); hãy kiểm tra lại."
    if attendees is not None and attendees < 0:
        errors["attendees"] = "Số người tham dự không được âm."
    today = timezone.localdate()
    if happened_on > today:
        errors["happened_on"] = "Ngày hoạt động không được ở tương lai."
    elif happened_on < team.established_on:
        errors["happened_on"] = (
            f"Ngày hoạt động trước ngày thành lập tổ ({team.established_on:%d/%m/%Y})."
        )
    if village is not None and village.unit_id != team.unit_id:
        errors["village"] = "Thôn này không thuộc xã của tổ."
    if member is not None and member.team_id != team.pk:
        errors["member"] = "Người này không thuộc tổ."
    if errors:
        raise ValidationError(errors)
    activity = TeamActivity.objects.create(
        team=team,
        unit_id=team.unit_id,
        province_id=team.province_id,
        village=village or (member.village if member else None),
        member=member,
        kind=kind,
        count=count,
        attendees=attendees,
        happened_on=happened_on,
        note=note.strip(),
        recorded_by=actor,
    )
    record_audit(
        actor=actor,
        action="programs.log_activity",
        target=activity,
        changes={"kind": kind, "count": count, "on": str(happened_on)},
    )
    return activity


# --- notifications and reminders ---------------------------------------------------------


@dataclass
class ReminderReport:
    notified: int = 0
    emailed: int = 0
    keys: list[str] = field(default_factory=list)


def _notify(
    recipient: User,
    *,
    unit: Unit,
    key: str,
    title: str,
    body: str,
    link: str,
    report: ReminderReport,
) -> None:
    notification, created = Notification.objects.get_or_create(
        recipient=recipient,
        key=key,
        defaults={
            "unit": unit,
            "province_id": _province_id(unit),
            "title": title,
            "body": body,
            "link": link,
        },
    )
    if not created:
        return
    report.notified += 1
    report.keys.append(key)
    if recipient.email:
        report.emailed += 1
        pk, address = notification.pk, recipient.email

        def send() -> None:
            send_mail(
                subject=f"[xaso] {title}",
                message=f"{body}\n\n{link}",
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=[address],
            )
            Notification.objects.filter(pk=pk).update(emailed=True)

        on_commit(send)


@transaction.atomic
def do_send_reminders(
    *, on: dt.date | None = None, within_days: int = 7, actor: User | None = None
) -> ReminderReport:
    """Nhắc việc: tasks due within ``within_days`` or overdue, and KPI measurements due,
    notify their owners in the app and by e-mail. Each reminder is sent once: a task
    due soon once, an overdue task once a week, a KPI once per measuring cycle."""
    if actor is not None and not actor.is_superuser:
        raise PermissionDenied("Chỉ hệ thống gửi nhắc việc.")
    day = on or timezone.localdate()
    report = ReminderReport()
    for task in queries.tasks_to_remind(day, within_days=within_days):
        link = reverse("programs:commune", args=[task.participant_id])
        if task.due_on < day:
            week = day.isocalendar()
            key = f"task-overdue:{task.pk}:{week.year}-{week.week}"
            title = f"Quá hạn: {task.title}"
            body = (
                f"Nhiệm vụ “{task.title}” của {task.unit.name} đã quá hạn "
                f"{(day - task.due_on).days} ngày (hạn {task.due_on:%d/%m/%Y}); "
                f"tiến độ báo cáo {task.progress}%."
            )
        else:
            key = f"task-due:{task.pk}:{task.due_on.isoformat()}"
            title = f"Sắp đến hạn: {task.title}"
            body = (
                f"Nhiệm vụ “{task.title}” của {task.unit.name} đến hạn ngày "
                f"{task.due_on:%d/%m/%Y}; tiến độ báo cáo {task.progress}%."
            )
        for person in queries.task_recipients(task):
            _notify(
                person, unit=task.unit, key=key, title=title, body=body, link=link, report=report
            )
    for item in queries.kpis_due(day):
        link = reverse("programs:commune", args=[item.participant_id])
        last = max([m.measured_on for m in item.measurements.all()] or [item.baseline_on])
        key = f"kpi-due:{item.pk}:{last.isoformat()}"
        title = f"Đến kỳ cập nhật chỉ tiêu: {item.name}"
        body = (
            f"Chỉ tiêu “{item.name}” của {item.unit.name} chưa có số đo mới từ "
            f"{last:%d/%m/%Y} (chu kỳ {item.measure_every_days} ngày); "
            f"mục tiêu {item.target:g} {item.measure_unit} trước {item.target_on:%d/%m/%Y}."
        )
        for person in queries.kpi_recipients(item):
            _notify(
                person, unit=item.unit, key=key, title=title, body=body, link=link, report=report
            )
    record_audit(
        actor=actor,
        action="programs.send_reminders",
        target=None,
        changes={"on": str(day), "notified": report.notified, "emailed": report.emailed},
    )
    logger.info("Nhắc việc %s: %d thông báo, %d e-mail", day, report.notified, report.emailed)
    return report


@transaction.atomic
def do_mark_notification_read(notification: Notification, *, actor: User) -> Notification:
    """Đánh dấu đã đọc. Not audited: it changes nothing but the reader's own inbox."""
    if notification.recipient_id != actor.pk:
        raise PermissionDenied("Thông báo này không phải của bạn.")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


# --- plan workbook import ----------------------------------------------------------------


@dataclass
class PlanImportResult:
    tasks_created: int = 0
    tasks_updated: int = 0
    kpis_created: int = 0
    kpis_updated: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class _Rollback(Exception):
    pass


def _apply_task_line(
    line: spreadsheets.TaskLine, actor: User | None, result: PlanImportResult
) -> None:
    p = line.participant
    task = Task.objects.filter(participant=p, title__iexact=line.title).first()
    if task is None:
        task = do_add_task(
            p,
            title=line.title,
            owner_kind=line.owner_kind,
            starts_on=line.starts_on,
            due_on=line.due_on,
            owner_organisation=line.owner_organisation,
            template_code=line.template_code,
            criterion_code=line.criterion_code,
            budget=line.planned,
            actor=actor,
        )
        result.tasks_created += 1
    else:
        result.tasks_updated += 1
    before = {
        "owner_kind": task.owner_kind,
        "starts_on": str(task.starts_on),
        "due_on": str(task.due_on),
        "status": task.status,
        "progress": task.progress,
        "criterion_code": task.criterion_code,
    }
    task.owner_kind = line.owner_kind
    task.owner_organisation = line.owner_organisation
    task.starts_on, task.due_on = line.starts_on, line.due_on
    task.status, task.progress = line.status, line.progress
    task.criterion_code, task.template_code = line.criterion_code, line.template_code
    if line.status == TaskStatus.DONE:
        task.done_on = task.done_on or min(line.due_on, timezone.localdate())
    else:
        task.done_on = None
    task.version += 1
    task.save()
    for source in FundingSource.values:
        planned, spent = line.planned.get(source), line.spent.get(source)
        if planned is None and spent is None:
            continue
        budget, _ = BudgetLine.objects.get_or_create(
            task=task, source=source, defaults={"unit": task.unit, "province_id": task.province_id}
        )
        budget.planned = planned if planned is not None else budget.planned
        budget.spent = spent if spent is not None else budget.spent
        budget.save()
    after = {
        "owner_kind": task.owner_kind,
        "starts_on": str(task.starts_on),
        "due_on": str(task.due_on),
        "status": task.status,
        "progress": task.progress,
        "criterion_code": task.criterion_code,
    }
    changes = diff(before, after)
    if changes:
        record_audit(actor=actor, action="programs.import_task", target=task, changes=changes)


def _apply_kpi_line(
    line: spreadsheets.KpiLine, actor: User | None, result: PlanImportResult
) -> None:
    p = line.participant
    item = Kpi.objects.filter(participant=p, name__iexact=line.name).first()
    if item is None:
        do_add_kpi(
            p,
            name=line.name,
            baseline=line.baseline,
            baseline_on=line.baseline_on,
            baseline_source=line.baseline_source,
            target=line.target,
            target_on=line.target_on,
            measure_unit=line.measure_unit,
            direction=line.direction,
            criterion_code=line.criterion_code,
            measure_every_days=line.measure_every_days,
            actor=actor,
        )
        result.kpis_created += 1
        return
    result.kpis_updated += 1
    fields = {
        "measure_unit": line.measure_unit,
        "direction": line.direction,
        "baseline": line.baseline,
        "baseline_on": line.baseline_on,
        "baseline_source": line.baseline_source,
        "target": line.target,
        "target_on": line.target_on,
        "criterion_code": line.criterion_code,
        "framework_code": p.programme.framework_code if line.criterion_code else "",
        "measure_every_days": line.measure_every_days,
    }
    before = {k: str(getattr(item, k)) for k in fields}
    for k, v in fields.items():
        setattr(item, k, v)
    item.save()
    changes = diff(before, {k: str(v) for k, v in fields.items()})
    if changes:
        record_audit(actor=actor, action="programs.import_kpi", target=item, changes=changes)


def do_import_plan(
    programme: Programme, *, content: bytes, filename: str, actor: User | None
) -> PlanImportResult:
    """Nhập kế hoạch từ Excel: every row checked first; any problem — in the file or
    while saving — and nothing at all is changed, every problem listed with its sheet,
    row and column."""
    _check_programme(actor, programme)
    result = PlanImportResult()
    if not filename.lower().endswith(".xlsx"):
        result.errors.append("Chỉ nhận tệp Excel .xlsx (hãy dùng tệp mẫu tải về từ trang này).")
        return result
    participants = list(programme.participants.select_related("unit", "programme"))
    parsed = spreadsheets.read_plan(
        content,
        participants=participants,
        organisations=SponsorOrganisation.objects.filter(province_id=programme.province_id),
        framework_code=programme.framework_code,
    )
    if parsed.errors:
        result.errors = [str(e) for e in parsed.errors]
        return result
    try:
        with transaction.atomic():
            for tline in parsed.tasks:
                try:
                    _apply_task_line(tline, actor, result)
                except ValidationError as exc:
                    result.errors.append(
                        f"Trang “{spreadsheets.TASK_SHEET}”, dòng {tline.row}: "
                        + "; ".join(exc.messages)
                    )
            for kline in parsed.kpis:
                try:
                    _apply_kpi_line(kline, actor, result)
                except ValidationError as exc:
                    result.errors.append(
                        f"Trang “{spreadsheets.KPI_SHEET}”, dòng {kline.row}: "
                        + "; ".join(exc.messages)
                    )
            if result.errors:
                raise _Rollback
            record_audit(
                actor=actor,
                action="programs.import_plan",
                target=programme,
                changes={
                    "file": filename,
                    "tasks_created": result.tasks_created,
                    "tasks_updated": result.tasks_updated,
                    "kpis_created": result.kpis_created,
                    "kpis_updated": result.kpis_updated,
                },
            )
    except _Rollback:
        result.tasks_created = result.tasks_updated = result.kpis_created = 0
        result.kpis_updated = 0
    return result
