"""Demo data: the seeds' two pilot programmes (Đắk Lắk 2022: Hòa Phú and Phú Lộc; Bắc
Kạn 2023: eight communes, now in Thái Nguyên) with sponsors, tasks, KPIs, reports and
readiness declarations, and community digital-technology teams with members and
activities. Everything goes through the actions; running it twice changes nothing.

What the seeds say is used as they say it (plan numbers, dates, the tasks, the KPI
results 0,1 % → 10,7 %, 2,0 % → 8,3 %, 91 %, 99 %). What they do not say — which
department sponsored which commune, budgets, targets, baselines of the full-process
figures, villages, people — is invented and marked: organisations carry ``is_demo``,
sources say "minh hoạ (demo)", the programmes are flagged demo.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from xaso.accounts.actions import do_assign_roles, do_create_user
from xaso.accounts.models import Role, User
from xaso.programs.actions import (
    do_add_kpi,
    do_add_milestone,
    do_add_participants,
    do_add_task,
    do_add_team_member,
    do_add_villages,
    do_assign_sponsor,
    do_create_programme,
    do_create_report,
    do_declare_readiness,
    do_link_sponsor_account,
    do_log_activity,
    do_reach_milestone,
    do_record_measurement,
    do_refresh_measured_kpis,
    do_register_team,
    do_save_sponsor_organisation,
    do_update_programme,
    do_update_task,
)
from xaso.programs.library import TEMPLATES_BY_CODE
from xaso.programs.models import (
    ActivityKind,
    CommunityTeam,
    FundingSource,
    KpiSource,
    MemberRole,
    OrganisationKind,
    OwnerKind,
    Participant,
    Programme,
    ProgrammeStatus,
    ReportKind,
    SponsorOrganisation,
    TaskStatus,
    VillageKind,
)
from xaso.units import demo as units_demo
from xaso.units.models import Generation, Level, Lineage, Unit

DEMO_PASSWORD = "xaso-demo-2025"
DEMO_SOURCE = "Số liệu minh hoạ (demo)"
SEED_BK = "Sở TT&TT Bắc Kạn: kết quả thí điểm CĐS cấp xã năm 2023 (tin ngày 25/5/2024)"
D = dt.date

Say = Callable[[str], None]


def _legacy(province: str, pairs: tuple[tuple[str, str], ...]) -> list[Unit]:
    return [units_demo.legacy_commune(province, d, c) for d, c in pairs]


def _by_legacy(programme: Programme) -> dict[str, Participant]:
    return {
        p.legacy_unit.short_name if p.legacy_unit else p.unit.short_name: p
        for p in programme.participants.select_related("unit", "legacy_unit", "programme")
    }


@dataclass(frozen=True)
class DemoTask:
    code: str
    state_budget: int  # đồng
    social_budget: int
    status: str
    progress: int
    spent_share: float  # share of the budget spent
    owner: str = ""  # overrides the template's usual owner


def _add_tasks(
    participant: Participant,
    tasks: tuple[DemoTask, ...],
    *,
    starts: dt.date,
    ends: dt.date,
    sponsor: SponsorOrganisation | None,
) -> None:
    for i, item in enumerate(tasks):
        template = TEMPLATES_BY_CODE[item.code]
        owner = item.owner or template.owner_kind
        # Tasks start in waves through the pilot rather than all on the first day.
        start = min(starts + dt.timedelta(days=14 * (i % 4)), ends)
        due = min(start + dt.timedelta(days=30 * template.months), ends)
        task = do_add_task(
            participant,
            title=template.title,
            description=template.description,
            owner_kind=owner,
            owner_organisation=sponsor if owner == OwnerKind.SPONSOR else None,
            starts_on=start,
            due_on=due,
            template_code=template.code,
            criterion_code=template.criterion,
            budget={
                FundingSource.STATE: item.state_budget,
                FundingSource.SOCIALISED: item.social_budget,
            },
            actor=None,
        )
        if item.status == TaskStatus.PLANNED and not item.progress:
            continue
        spent = {
            FundingSource.STATE: round(item.state_budget * item.spent_share),
            FundingSource.SOCIALISED: round(item.social_budget * item.spent_share),
        }
        do_update_task(
            task,
            status=item.status,
            progress=item.progress,
            note="Cập nhật minh hoạ (demo)."
            if item.status != TaskStatus.DONE
            else "Đã hoàn thành; biên bản nghiệm thu (demo).",
            spent={k: v for k, v in spent.items() if v},
            done_on=due if item.status == TaskStatus.DONE else None,
            actor=None,
        )


def _kpi(
    participant: Participant,
    *,
    name: str,
    criterion: str,
    baseline: float,
    baseline_on: dt.date,
    baseline_source: str,
    target: float,
    target_on: dt.date,
    values: tuple[tuple[dt.date, float, str], ...],
) -> None:
    kpi = do_add_kpi(
        participant,
        name=name,
        baseline=baseline,
        baseline_on=baseline_on,
        baseline_source=baseline_source,
        target=target,
        target_on=target_on,
        criterion_code=criterion,
        actor=None,
    )
    for on, value, source in values:
        do_record_measurement(kpi, value=value, measured_on=on, source=source, actor=None)


def _sponsor(province: Unit, name: str, kind: str) -> SponsorOrganisation:
    return do_save_sponsor_organisation(
        province=province, name=name, kind=kind, is_demo=True, actor=None
    )


# --- Đắk Lắk 2022 ------------------------------------------------------------------------

DL_NAME = "Thí điểm mô hình chuyển đổi số cấp xã năm 2022"
DL_TASKS = (
    DemoTask("HT-MANG", 180_000_000, 60_000_000, TaskStatus.DONE, 100, 0.95),
    DemoTask("HT-HNTH", 120_000_000, 0, TaskStatus.DONE, 100, 1.0),
    DemoTask("HT-CAMERA", 90_000_000, 150_000_000, TaskStatus.DONE, 100, 0.9),
    DemoTask("HT-BUUDIEN", 0, 80_000_000, TaskStatus.DONE, 100, 1.0),
    DemoTask("CQ-IDESK", 0, 0, TaskStatus.DONE, 100, 0),
    DemoTask("NL-TAPHUAN", 40_000_000, 0, TaskStatus.DONE, 100, 1.0),
    DemoTask("CQ-KENH", 10_000_000, 0, TaskStatus.DONE, 100, 1.0),
    DemoTask("XH-GIAODUC", 150_000_000, 100_000_000, TaskStatus.IN_PROGRESS, 70, 0.6),
    DemoTask("XH-YTE", 120_000_000, 50_000_000, TaskStatus.IN_PROGRESS, 60, 0.5),
    DemoTask("KT-THUONGHIEU", 30_000_000, 20_000_000, TaskStatus.DONE, 100, 0.9),
)


def load_dak_lak(say: Say) -> Programme | None:
    dak_lak = Unit.objects.get(generation=Generation.CURRENT, level=Level.PROVINCE, code="66")
    if Programme.objects.filter(province=dak_lak, name=DL_NAME).exists():
        return None
    programme = do_create_programme(
        province=dak_lak,
        name=DL_NAME,
        starts_on=D(2022, 6, 14),
        ends_on=D(2022, 12, 31),
        plan_number="23/KH-STTTT",
        plan_date=D(2022, 6, 14),
        evaluation_due=D(2023, 1, 31),
        description=(
            "02 xã thí điểm: xã Hòa Phú (TP Buôn Ma Thuột) và xã Phú Lộc (huyện Krông Năng). "
            "Trên cơ sở đánh giá, rút kinh nghiệm để nhân rộng, xây dựng “xã thông minh”."
        ),
        funding="Ngân sách nhà nước; xã hội hoá, huy động đóng góp theo quy định",
        issuer_parent="UBND tỉnh Đắk Lắk",
        issuer="Sở Thông tin và Truyền thông",
        issuer_abbrev="STTTT",
        place_name="Đắk Lắk",
        is_demo=True,
        actor=None,
    )
    do_add_participants(
        programme,
        units=_legacy("Đắk Lắk", (("Buôn Ma Thuột", "Hòa Phú"), ("Krông Năng", "Phú Lộc"))),
        actor=None,
    )
    vnpt = _sponsor(dak_lak, "VNPT Đắk Lắk", OrganisationKind.ENTERPRISE)
    account = User.objects.filter(username="phutrach.vnpt").first()
    if account is not None:
        do_link_sponsor_account(vnpt, user=account, actor=None)
    by = _by_legacy(programme)
    for p in by.values():
        do_assign_sponsor(p, organisation=vnpt, decision="Phân công minh hoạ (demo)", actor=None)
        _add_tasks(p, DL_TASKS, starts=D(2022, 6, 20), ends=D(2022, 12, 31), sponsor=vnpt)
    for short, (base, mid, end) in {"Hòa Phú": (45, 72, 93), "Phú Lộc": (30, 58, 84)}.items():
        _kpi(
            by[short],
            name="Tỷ lệ văn bản đi được ký số, xử lý trên môi trường mạng",
            criterion="CQ.01",
            baseline=base,
            baseline_on=D(2022, 6, 14),
            baseline_source=DEMO_SOURCE,
            target=90,
            target_on=D(2022, 12, 31),
            values=((D(2022, 9, 30), mid, DEMO_SOURCE), (D(2022, 12, 31), end, DEMO_SOURCE)),
        )
    for title, due, reached in (
        ("Ban hành Kế hoạch 23/KH-STTTT", D(2022, 6, 14), D(2022, 6, 14)),
        ("Kết thúc thí điểm", D(2022, 12, 31), D(2022, 12, 31)),
        ("Đánh giá kết quả thí điểm", D(2023, 1, 31), D(2023, 1, 31)),
    ):
        milestone = do_add_milestone(programme, title=title, due_on=due, actor=None)
        do_reach_milestone(milestone, reached_on=reached, actor=None)
    do_update_programme(
        programme,
        status=ProgrammeStatus.CLOSED,
        lessons="Hạ tầng và thiết bị là điều kiện cần; kênh giao tiếp với người dân phát huy "
        "khi có người phụ trách thường xuyên.\nGiáo dục, y tế thông minh cần thời gian dài hơn "
        "sáu tháng thí điểm (minh hoạ).",
        actor=None,
    )
    do_create_report(
        programme,
        kind=ReportKind.EVALUATION,
        number="05/BC-STTTT",
        issued_on=D(2023, 1, 31),
        as_of=D(2022, 12, 31),
        signer_title="KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC",
        signer_name="(Người ký minh hoạ)",
        actor=None,
    )
    say(f"Chương trình “{DL_NAME}”: {', '.join(p.unit.name for p in by.values())}")
    return programme


# --- Bắc Kạn 2023 ------------------------------------------------------------------------

BK_NAME = "Thí điểm chuyển đổi số cấp xã năm 2023 (tỉnh Bắc Kạn cũ)"
BK_COMMUNES = (
    ("Bắc Kạn", "Sông Cầu", "Sở Tài chính", "VNPT Bắc Kạn"),
    ("Bạch Thông", "Quang Thuận", "Sở Kế hoạch và Đầu tư", "VNPT Bắc Kạn"),
    ("Ba Bể", "Thượng Giáo", "Sở Văn hoá, Thể thao và Du lịch", "Viettel Bắc Kạn"),
    ("Chợ Đồn", "Nghĩa Tá", "Sở Nông nghiệp và Phát triển nông thôn", "Viettel Bắc Kạn"),
    ("Chợ Mới", "Như Cố", "Sở Công Thương", "Bưu điện tỉnh Bắc Kạn"),
    ("Ngân Sơn", "Đức Vân", "Sở Tư pháp", "Bưu điện tỉnh Bắc Kạn"),
    ("Na Rì", "Côn Minh", "Sở Y tế", "MobiFone Bắc Kạn"),
    ("Pác Nặm", "Giáo Hiệu", "Sở Giáo dục và Đào tạo", "MobiFone Bắc Kạn"),
)


def _bk_tasks(index: int) -> tuple[DemoTask, ...]:
    # The later a commune in the list, the more of its plan is still open: a spread of
    # green, amber and red for the overview (invented).
    open_from = 10 - min(index, 4)
    codes = (
        "HT-MANG",
        "CQ-CTS",
        "CQ-MOTCUA",
        "HT-WIFI",
        "CQ-DVCTT",
        "XH-NGAYHOI",
        "NL-TOCNS",
        "XH-DIENTHOAI",
        "KT-CHO40",
        "KT-HTX",
    )
    budgets = {
        "HT-MANG": (120_000_000, 30_000_000),
        "CQ-CTS": (15_000_000, 0),
        "CQ-MOTCUA": (85_000_000, 0),
        "HT-WIFI": (0, 40_000_000),
        "CQ-DVCTT": (10_000_000, 0),
        "XH-NGAYHOI": (20_000_000, 30_000_000),
        "NL-TOCNS": (5_000_000, 0),
        "XH-DIENTHOAI": (0, 60_000_000),
        "KT-CHO40": (0, 50_000_000),
        "KT-HTX": (15_000_000, 10_000_000),
    }
    out = []
    for i, code in enumerate(codes):
        state, social = budgets[code]
        if i < open_from:
            out.append(DemoTask(code, state, social, TaskStatus.DONE, 100, 0.92))
        else:
            out.append(
                DemoTask(code, state, social, TaskStatus.IN_PROGRESS, 40 + 10 * (i % 3), 0.4)
            )
    return tuple(out)


def load_bac_kan(say: Say) -> tuple[Programme | None, list[tuple[str, str, str]]]:
    bk_legacy = Unit.objects.get(
        generation=Generation.LEGACY, level=Level.PROVINCE, short_name="Bắc Kạn"
    )
    province = Unit.objects.get(predecessor_links__predecessor=bk_legacy, level=Level.PROVINCE)
    if Programme.objects.filter(province=province, name=BK_NAME).exists():
        return None, []
    programme = do_create_programme(
        province=province,
        name=BK_NAME,
        starts_on=D(2023, 6, 14),
        ends_on=D(2023, 12, 31),
        plan_number="369/KH-UBND",
        plan_date=D(2023, 6, 14),
        sponsor_decision="1431/QĐ-UBND ngày 09/8/2023",
        evaluation_due=D(2024, 1, 31),
        description=(
            "08 xã/phường thí điểm; 08 sở, ngành và 04 doanh nghiệp bưu chính – viễn thông "
            "phụ trách. Công văn 3195/UBND-VXNV ngày 15/5/2024 cho tiếp tục duy trì thí điểm "
            "năm 2024 và giao các huyện nghiên cứu nhân rộng."
        ),
        funding="Kinh phí UBND tỉnh giao; xã hội hoá từ doanh nghiệp, ngân hàng",
        issuer_parent="UBND tỉnh Bắc Kạn",
        issuer="Sở Thông tin và Truyền thông",
        issuer_abbrev="STTTT",
        place_name="Bắc Kạn",
        is_demo=True,
        actor=None,
    )
    do_add_participants(
        programme,
        units=_legacy("Bắc Kạn", tuple((d, c) for d, c, _, _ in BK_COMMUNES)),
        actor=None,
    )
    by = _by_legacy(programme)
    bank = _sponsor(province, "Agribank chi nhánh Bắc Kạn", OrganisationKind.BANK)
    for i, (_, short, department, enterprise) in enumerate(BK_COMMUNES):
        p = by[short]
        dept = _sponsor(province, department, OrganisationKind.DEPARTMENT)
        ent = _sponsor(province, enterprise, OrganisationKind.ENTERPRISE)
        for org in (dept, ent):
            do_assign_sponsor(p, organisation=org, actor=None)
        if i < 2:
            do_assign_sponsor(p, organisation=bank, decision="Phối hợp Chợ 4.0 (demo)", actor=None)
        _add_tasks(p, _bk_tasks(i), starts=D(2023, 8, 15), ends=D(2023, 12, 31), sponsor=ent)
    _kpi(
        by["Sông Cầu"],
        name="Tỷ lệ hồ sơ TTHC thanh toán phí, lệ phí trực tuyến",
        criterion="CQ.07",
        baseline=0.1,
        baseline_on=D(2023, 6, 30),
        baseline_source=SEED_BK,
        target=10,
        target_on=D(2023, 12, 31),
        values=((D(2023, 9, 30), 4.6, DEMO_SOURCE), (D(2023, 12, 31), 10.7, SEED_BK)),
    )
    _kpi(
        by["Quang Thuận"],
        name="Tỷ lệ hồ sơ TTHC thanh toán phí, lệ phí trực tuyến",
        criterion="CQ.07",
        baseline=2.0,
        baseline_on=D(2023, 6, 30),
        baseline_source=SEED_BK,
        target=10,
        target_on=D(2023, 12, 31),
        values=((D(2023, 9, 30), 4.1, DEMO_SOURCE), (D(2023, 12, 31), 8.3, SEED_BK)),
    )
    for short, base, mid, end in (("Sông Cầu", 62, 80, 91), ("Đức Vân", 71, 90, 99)):
        _kpi(
            by[short],
            name="Tỷ lệ hồ sơ phát sinh trực tuyến của DVCTT toàn trình",
            criterion="CQ.06",
            baseline=base,
            baseline_on=D(2023, 6, 30),
            baseline_source=DEMO_SOURCE,
            target=90,
            target_on=D(2023, 12, 31),
            values=((D(2023, 9, 30), mid, DEMO_SOURCE), (D(2023, 12, 31), end, SEED_BK)),
        )
    # Kept running into 2024 (Công văn 3195): a measured KPI read from the team registry.
    do_add_kpi(
        by["Sông Cầu"],
        name="Tỷ lệ tổ dân phố có thành viên Tổ công nghệ số cộng đồng",
        criterion_code="NT3.02",
        baseline=50,
        baseline_on=D(2023, 6, 30),
        baseline_source=DEMO_SOURCE,
        target=100,
        target_on=D(2026, 12, 31),
        source=KpiSource.MEASURED,
        measured_key="programs.team.village_coverage",
        actor=None,
    )
    for title, due, reached in (
        ("Ban hành Kế hoạch 369/KH-UBND", D(2023, 6, 14), D(2023, 6, 14)),
        ("Phân công sở, ngành phụ trách (QĐ 1431/QĐ-UBND)", D(2023, 8, 9), D(2023, 8, 9)),
        ("Đánh giá kết quả năm 2023", D(2024, 1, 31), D(2024, 1, 15)),
        ("Tiếp tục duy trì thí điểm (CV 3195/UBND-VXNV)", D(2024, 5, 15), D(2024, 5, 15)),
    ):
        milestone = do_add_milestone(programme, title=title, due_on=due, actor=None)
        do_reach_milestone(milestone, reached_on=reached, actor=None)
    do_update_programme(
        programme,
        status=ProgrammeStatus.RUNNING,
        lessons=(
            "Sự vào cuộc của người đứng đầu cấp ủy, chính quyền xã quyết định kết quả.\n"
            "Sở, ngành và doanh nghiệp được phân công phụ trách từng xã giúp giải quyết nhanh "
            "hạ tầng, thiết bị, chứng thư số.\n"
            "Doanh nghiệp viễn thông và ngân hàng thương mại đồng hành hỗ trợ người dân cài "
            "ứng dụng, mở tài khoản, thanh toán không dùng tiền mặt (Chợ 4.0).\n"
            "Ngày hội chuyển đổi số tạo làn sóng nhận thức; cần Tổ công nghệ số cộng đồng duy "
            "trì hướng dẫn thường xuyên ở thôn."
        ),
        actor=None,
    )
    do_create_report(
        programme,
        kind=ReportKind.EVALUATION,
        number="15/BC-STTTT",
        issued_on=D(2024, 1, 15),
        as_of=D(2023, 12, 31),
        summary=(
            "Sở Thông tin và Truyền thông đã phối hợp cùng 08 sở, ngành; 04 doanh nghiệp bưu "
            "chính – viễn thông; UBND các huyện, thành phố triển khai chuyển đổi số tại 08 "
            "xã/phường được chọn, với nhiều hoạt động cụ thể, thiết thực."
        ),
        recipients="UBND tỉnh (để báo cáo)\nBan Chỉ đạo Chuyển đổi số tỉnh\nCác sở, ngành "
        "phụ trách (QĐ 1431/QĐ-UBND)\nUBND các huyện, thành phố\nLưu: VT, BCVT&CNTT.",
        signer_title="KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC",
        signer_name="(Người ký minh hoạ)",
        actor=None,
    )
    _readiness(programme, bk_legacy, province, set(by))
    logins = _bac_kan_sponsor_account(province, by)
    say(f"Chương trình “{BK_NAME}”: {', '.join(p.label for p in by.values())}")
    return programme, logins


def _bac_kan_sponsor_account(
    province: Unit, by: dict[str, Participant]
) -> list[tuple[str, str, str]]:
    username = "phutrach.vnptbackan"
    user = User.objects.filter(username=username).first()
    if user is None:
        user = do_create_user(
            username=username,
            full_name="VNPT Bắc Kạn (minh hoạ)",
            phone="0900000010",
            organisation="VNPT Bắc Kạn",
            province=province,
            password=DEMO_PASSWORD,
            actor=None,
        ).user
    vnpt = SponsorOrganisation.objects.get(province=province, name="VNPT Bắc Kạn")
    do_link_sponsor_account(vnpt, user=user, actor=None)
    communes = ", ".join(a.unit.name for a in vnpt.assignments.select_related("unit"))
    return [(username, DEMO_PASSWORD, f"{Role.SPONSOR.label} — {communes}")]


# Readiness of communes next in line (invented declarations; the team-coverage criterion
# is left to the team registry where the commune has listed its villages).
READINESS_VALUES = (
    {
        "CN.01": "chu_tich",
        "CN.02": "có",
        "KP.01": 220,
        "KP.02": "có",
        "CS.01": "dat_chuan",
        "CS.02": 95,
        "KQ.01": 0.71,
    },
    {
        "CN.01": "chu_tich",
        "CN.02": "có",
        "KP.01": 120,
        "KP.02": "không",
        "CS.01": "mot_phan",
        "CS.02": 80,
        "KQ.01": 0.64,
    },
    {
        "CN.01": "pho_chu_tich",
        "CN.02": "có",
        "KP.01": 150,
        "KP.02": "có",
        "CS.01": "mot_phan",
        "CS.02": 70,
        "KQ.01": 0.58,
    },
    {
        "CN.01": "pho_chu_tich",
        "CN.02": "không",
        "KP.01": 60,
        "KP.02": "có",
        "CS.01": "chua_dat",
        "CS.02": 60,
        "KQ.01": 0.52,
    },
    {
        "CN.01": "chua_phan_cong",
        "CN.02": "không",
        "KP.01": 30,
        "KP.02": "không",
        "CS.01": "mot_phan",
        "CS.02": 55,
        "KQ.01": 0.47,
    },
    {
        "CN.01": "chu_tich",
        "CN.02": "không",
        "KP.01": 100,
        "KP.02": "không",
        "CS.01": "dat_chuan",
        "CS.02": 85,
        "KQ.01": 0.6,
    },
)


def _readiness(
    programme: Programme, legacy_province: Unit, province: Unit, pilots: set[str]
) -> None:
    pilot_ids = set(programme.participants.values_list("unit_id", flat=True))
    from_bac_kan = Lineage.objects.filter(
        predecessor__province=legacy_province,
        predecessor__level=Level.COMMUNE,
        successor__province=province,
    ).values_list("successor_id", flat=True)
    candidates = list(
        Unit.objects.filter(pk__in=from_bac_kan, generation=Generation.CURRENT)
        .exclude(pk__in=pilot_ids)
        .order_by("code")[: len(READINESS_VALUES)]
    )
    for unit, values in zip(candidates, READINESS_VALUES, strict=False):
        do_declare_readiness(
            programme,
            unit=unit,
            values=values,
            declared_on=D(2024, 6, 10),
            note="Khai báo minh hoạ (demo)",
            actor=None,
        )


# --- community digital-technology teams --------------------------------------------------


@dataclass(frozen=True)
class DemoTeam:
    province: str
    district: str
    commune: str  # legacy names, as the seeds name the pilots
    village_kind: str
    villages: int
    uncovered: int  # villages still without a member (coverage below 100 %)
    member_account: str = ""


DEMO_TEAMS = (
    DemoTeam("Đắk Lắk", "Buôn Ma Thuột", "Hòa Phú", VillageKind.THON, 8, 1, "tocns.hoaphu"),
    DemoTeam("Đắk Lắk", "Krông Năng", "Phú Lộc", VillageKind.THON, 7, 2),
    DemoTeam("Bắc Kạn", "Bắc Kạn", "Sông Cầu", VillageKind.TO_DAN_PHO, 10, 3),
    DemoTeam("Bắc Kạn", "Ngân Sơn", "Đức Vân", VillageKind.THON, 6, 0),
)
FIRST_NAMES = (
    "An",
    "Bình",
    "Chi",
    "Dũng",
    "Giang",
    "Hà",
    "Hùng",
    "Lan",
    "Minh",
    "Nga",
    "Phúc",
    "Quân",
    "Sơn",
    "Thảo",
    "Trang",
    "Tuấn",
    "Vân",
    "Yến",
)
FAMILY_NAMES = ("Nguyễn Văn", "Trần Thị", "Lê Văn", "Phạm Thị", "Hoàng Văn", "Nông Thị", "H'")


def load_teams(say: Say) -> list[tuple[str, str, str]]:
    logins: list[tuple[str, str, str]] = []
    phone = 100
    for n, spec in enumerate(DEMO_TEAMS):
        legacy = units_demo.legacy_commune(spec.province, spec.district, spec.commune)
        unit = units_demo.main_successor(legacy)
        phone += 20
        if CommunityTeam.objects.filter(unit=unit).exists():
            continue
        team = do_register_team(
            unit=unit,
            name=f"Tổ công nghệ số cộng đồng {unit.name}",
            decision=f"{30 + n}/QĐ-UBND (minh hoạ)",
            established_on=D(2023, 3, 1),
            actor=None,
        )
        label = "Tổ dân phố" if spec.village_kind == VillageKind.TO_DAN_PHO else "Thôn"
        villages = do_add_villages(
            unit=unit,
            names=[f"{label} {i}" for i in range(1, spec.villages + 1)],
            kind=spec.village_kind,
            actor=None,
        )
        leader = do_add_team_member(
            team,
            full_name=f"{FAMILY_NAMES[n % 6]} {FIRST_NAMES[n]}",
            role=MemberRole.LEADER,
            phone=f"0900000{phone:03d}",
            affiliation="Công chức Văn hoá – Xã hội",
            actor=None,
        )
        account = _member_account(spec.member_account, unit) if spec.member_account else None
        if account is not None:
            logins.append(
                (account.username, DEMO_PASSWORD, f"Thành viên Tổ CNS cộng đồng — {unit.name}")
            )
        members = [leader]
        for i, village in enumerate(villages[: spec.villages - spec.uncovered]):
            k = n * 7 + i
            members.append(
                do_add_team_member(
                    team,
                    full_name=f"{FAMILY_NAMES[k % 7]} {FIRST_NAMES[k % len(FIRST_NAMES)]}",
                    role=MemberRole.DEPUTY if i == 0 else MemberRole.MEMBER,
                    village=village,
                    phone=f"0900000{phone + i + 1:03d}",
                    user=account if i == 0 else None,
                    affiliation=("Đoàn Thanh niên", "Hội Phụ nữ", "Trưởng thôn", "Công an xã")[
                        i % 4
                    ],
                    actor=None,
                )
            )
        for i, member in enumerate(members[1:]):
            for j, (kind, count) in enumerate(
                (
                    (ActivityKind.VSSID, 12 + i),
                    (ActivityKind.VNEID, 20 + 2 * i),
                    (ActivityKind.EPAYMENT, 6 + i),
                    (ActivityKind.SESSION, 1),
                )
            ):
                do_log_activity(
                    team,
                    kind=kind,
                    count=count,
                    happened_on=D(2025, 3 + j, 5 + i),
                    member=member,
                    village=member.village,
                    attendees=25 + i if kind == ActivityKind.SESSION else None,
                    actor=None,
                )
    say(
        "Tổ công nghệ số cộng đồng: "
        + ", ".join(
            f"{t.unit.name}"
            for t in CommunityTeam.objects.select_related("unit").order_by("unit__name")
        )
    )
    return logins


def _member_account(username: str, unit: Unit) -> User:
    """A resident's account for a team member, to show the quick mobile form."""
    user = User.objects.filter(username=username).first()
    if user is None:
        user = do_create_user(
            username=username,
            full_name="Thành viên Tổ CNS (minh hoạ)",
            phone="",
            province=unit.province,
            password=DEMO_PASSWORD,
            actor=None,
        ).user
        do_assign_roles(user=user, role=Role.CITIZEN, units=[unit], actor=None)
    return user


def load_demo_programmes(say: Say) -> list[tuple[str, str, str]]:
    """Creates the missing demo programmes and teams; returns extra (username, password,
    role) logins."""
    load_dak_lak(say)
    _, logins = load_bac_kan(say)
    logins += load_teams(say)
    do_refresh_measured_kpis()
    if not logins:
        for username, role in (
            ("phutrach.vnptbackan", Role.SPONSOR.label),
            ("tocns.hoaphu", "Thành viên Tổ CNS cộng đồng"),
        ):
            if User.objects.filter(username=username).exists():
                logins.append((username, DEMO_PASSWORD, role))
    return logins
