"""Personal data in pilot programmes, registered in ``xaso.core.personal_data``: members
of community digital-technology teams (residents who volunteer), the officials who sign
status reports, and evidence files officials upload."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from xaso.core.personal_data import (
    DataSubject,
    Erasure,
    redact_audit_targets,
    register_not_personal,
    register_personal_data,
)
from xaso.programs import models as m

ERASED_MEMBER = "Thành viên (đã xoá thông tin)"


def _members(subject: DataSubject) -> QuerySet[m.TeamMember]:
    qs = m.TeamMember.objects.filter(
        Q(phone__in=sorted(subject.phones)) | Q(user_id__in=subject.user_ids)
    ).select_related("team", "unit")
    return subject.in_provinces(qs).order_by("pk")  # type: ignore[no-any-return]


def _member_row(member: m.TeamMember) -> dict[str, Any]:
    return {
        "team": member.team.name,
        "commune": member.unit.name,
        "full_name": member.full_name,
        "phone": member.phone,
        "role": member.get_role_display(),
        "affiliation": member.affiliation,
        "active": member.active,
    }


def _erase_members(rows: QuerySet[m.TeamMember], erasure: Erasure) -> int:
    ids = list(rows.values_list("pk", flat=True))
    redact_audit_targets(
        "programs.teammember", ids, marker=erasure.marker, target_label=ERASED_MEMBER
    )
    # The row stays so the team's recorded activities still add up; it names nobody.
    return m.TeamMember.objects.filter(pk__in=ids).update(
        full_name=ERASED_MEMBER, phone="", affiliation="", user=None, active=False
    )


def register() -> None:
    register_personal_data(
        m.TeamMember,
        title="Thành viên tổ công nghệ số cộng đồng",
        fields={"full_name": "name", "phone": "phone"},
        subject="Thành viên Tổ công nghệ số cộng đồng",
        purpose="Tổ chức hoạt động hỗ trợ người dân, liên hệ thành viên",
        retention="team",
        select=_members,
        export_row=_member_row,
        erase_rows=_erase_members,
    )
    register_personal_data(
        m.StatusReport,
        title="Báo cáo tiến độ chương trình",
        fields={"signer_name": "official", "signer_title": "official"},
        subject="Người ký báo cáo (cán bộ)",
        purpose="Báo cáo tiến độ chương trình thí điểm là văn bản công vụ",
        retention="official_records",
        note="Văn bản đã ban hành: không xoá theo yêu cầu.",
    )
    for model in (m.TaskUpdate, m.Measurement):
        register_personal_data(
            model,
            title="Minh chứng cập nhật nhiệm vụ"
            if model is m.TaskUpdate
            else "Minh chứng đo chỉ tiêu",
            fields={"evidence": "file"},
            subject="Cán bộ tải lên; người có tên trong tài liệu minh chứng",
            purpose="Minh chứng tiến độ nhiệm vụ, kết quả đo chỉ tiêu",
            retention="official_records",
            note="Tài liệu công vụ: không xoá theo yêu cầu; che dữ liệu cá nhân trước khi "
            "tải lên nếu không cần.",
        )
    register_not_personal(
        m.Programme, {"name": "tên chương trình", "place_name": "địa danh trên báo cáo"}
    )
    register_not_personal(m.SponsorOrganisation, {"name": "tên cơ quan, doanh nghiệp"})
    register_not_personal(m.Kpi, {"name": "tên chỉ tiêu"})
    register_not_personal(m.Village, {"name": "tên thôn, tổ dân phố"})
    register_not_personal(m.CommunityTeam, {"name": "tên tổ"})
