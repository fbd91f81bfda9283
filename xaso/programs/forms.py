"""Forms only parse and check input; the actions make the change (and say, in
Vietnamese, what is wrong with it)."""

from __future__ import annotations

from typing import Any

from django import forms

from xaso.programs.library import TASK_TEMPLATES
from xaso.programs.models import (
    ActivityKind,
    Direction,
    MemberRole,
    OrganisationKind,
    OwnerKind,
    ProgrammeStatus,
    ReportKind,
    SponsorOrganisation,
    TaskStatus,
    Village,
    VillageKind,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _date(label: str, *, required: bool = True) -> forms.DateField:
    return forms.DateField(label=label, required=required, widget=DATE)


class ProgrammeForm(forms.Form):
    name = forms.CharField(label="Tên chương trình", max_length=250)
    plan_number = forms.CharField(
        label="Số kế hoạch", max_length=60, required=False, help_text="Ví dụ 369/KH-UBND."
    )
    plan_date = _date("Ngày ban hành kế hoạch", required=False)
    sponsor_decision = forms.CharField(
        label="Quyết định phân công đơn vị phụ trách", max_length=120, required=False
    )
    starts_on = _date("Bắt đầu")
    ends_on = _date("Kết thúc")
    evaluation_due = _date("Hạn đánh giá", required=False)
    funding = forms.CharField(label="Nguồn kinh phí", max_length=250, required=False)
    description = forms.CharField(
        label="Mục tiêu, nội dung", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class UnitCodesForm(forms.Form):
    codes = forms.CharField(
        label="Mã xã",
        help_text="Mã 5 số của xã hiện nay (hoặc xã trước 2025); cách nhau bởi dấu phẩy.",
    )


class SponsorForm(forms.Form):
    participant = forms.IntegerField(widget=forms.HiddenInput)
    name = forms.CharField(
        label="Đơn vị phụ trách",
        max_length=200,
        help_text="Tên sở, ngành, doanh nghiệp, ngân hàng.",
    )
    kind = forms.ChoiceField(label="Loại", choices=OrganisationKind.choices)
    decision = forms.CharField(label="Văn bản phân công", max_length=120, required=False)


class MilestoneForm(forms.Form):
    title = forms.CharField(label="Mốc", max_length=250)
    due_on = _date("Ngày")


class ProgrammeStatusForm(forms.Form):
    status = forms.ChoiceField(label="Trạng thái", choices=ProgrammeStatus.choices)
    lessons = forms.CharField(
        label="Bài học kinh nghiệm", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )


class TemplatesForm(forms.Form):
    codes = forms.MultipleChoiceField(
        label="Nhiệm vụ mẫu",
        widget=forms.CheckboxSelectMultiple,
        choices=[(t.code, f"{t.title} ({t.group})") for t in TASK_TEMPLATES],
    )
    starts_on = _date("Bắt đầu từ")


class TaskForm(forms.Form):
    title = forms.CharField(label="Nhiệm vụ", max_length=300)
    owner_kind = forms.ChoiceField(label="Chủ trì", choices=OwnerKind.choices)
    owner_organisation = forms.ModelChoiceField(
        label="Đơn vị phụ trách chủ trì",
        queryset=SponsorOrganisation.objects.none(),
        required=False,
    )
    starts_on = _date("Bắt đầu")
    due_on = _date("Hạn hoàn thành")
    criterion_code = forms.CharField(
        label="Tiêu chí (mã)",
        max_length=40,
        required=False,
        help_text="Ví dụ CQ.07 của bộ chỉ số cấp xã.",
    )
    budget_state = forms.IntegerField(label="Dự toán NSNN (đồng)", min_value=0, required=False)
    budget_socialised = forms.IntegerField(
        label="Dự toán xã hội hoá (đồng)", min_value=0, required=False
    )

    def __init__(self, *args: Any, organisations: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["owner_organisation"]
        assert isinstance(field, forms.ModelChoiceField)
        if organisations is not None:
            field.queryset = organisations


class TaskUpdateForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(label="Trạng thái", choices=TaskStatus.choices)
    progress = forms.IntegerField(label="Tiến độ (%)", min_value=0, max_value=100)
    note = forms.CharField(
        label="Nội dung cập nhật", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    spent_state = forms.IntegerField(label="Đã chi NSNN (đồng)", min_value=0, required=False)
    spent_socialised = forms.IntegerField(
        label="Đã chi xã hội hoá (đồng)", min_value=0, required=False
    )
    evidence = forms.FileField(label="Minh chứng (PDF, ảnh, Word, Excel)", required=False)
    evidence_url = forms.URLField(label="Hoặc đường dẫn minh chứng", required=False)


class KpiForm(forms.Form):
    name = forms.CharField(label="Chỉ tiêu", max_length=250)
    measure_unit = forms.CharField(label="Đơn vị tính", max_length=30, initial="%")
    direction = forms.ChoiceField(label="Chiều", choices=Direction.choices)
    baseline = forms.FloatField(label="Giá trị ban đầu")
    baseline_on = _date("Ngày đo ban đầu")
    baseline_source = forms.CharField(label="Nguồn số liệu ban đầu", max_length=250)
    target = forms.FloatField(label="Mục tiêu")
    target_on = _date("Hạn đạt mục tiêu")
    criterion_code = forms.CharField(label="Tiêu chí (mã)", max_length=40, required=False)
    measured_key = forms.ChoiceField(label="Đo tự động từ", required=False, choices=[])

    def __init__(
        self, *args: Any, sources: list[tuple[str, str]] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["measured_key"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "— nhập tay —"), *(sources or [])]


class MeasurementForm(forms.Form):
    value = forms.FloatField(label="Giá trị")
    measured_on = _date("Ngày đo")
    source = forms.CharField(label="Nguồn số liệu", max_length=250)
    evidence = forms.FileField(label="Minh chứng", required=False)
    evidence_url = forms.URLField(label="Hoặc đường dẫn minh chứng", required=False)


class ReportForm(forms.Form):
    kind = forms.ChoiceField(label="Loại báo cáo", choices=ReportKind.choices)
    number = forms.CharField(label="Số, ký hiệu", max_length=60, help_text="Ví dụ 15/BC-STTTT.")
    issued_on = _date("Ngày ban hành")
    as_of = _date("Số liệu tính đến ngày")
    summary = forms.CharField(
        label="Tình hình chung", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    lessons = forms.CharField(
        label="Bài học kinh nghiệm / kiến nghị",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    recipients = forms.CharField(
        label="Nơi nhận (mỗi dòng một nơi)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    signer_title = forms.CharField(
        label="Chức vụ người ký",
        max_length=120,
        required=False,
        help_text="Ví dụ: KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC (mỗi dòng một dòng).",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    signer_name = forms.CharField(label="Người ký", max_length=120, required=False)


class ImportForm(forms.Form):
    file = forms.FileField(label="Tệp kế hoạch (.xlsx)")


class TeamForm(forms.Form):
    unit_code = forms.CharField(label="Mã xã", max_length=5)
    name = forms.CharField(label="Tên tổ", max_length=200, initial="Tổ công nghệ số cộng đồng")
    decision = forms.CharField(label="Quyết định thành lập", max_length=120, required=False)
    established_on = _date("Ngày thành lập")


class VillagesForm(forms.Form):
    names = forms.CharField(
        label="Tên thôn, tổ dân phố (mỗi dòng một tên)", widget=forms.Textarea(attrs={"rows": 4})
    )
    kind = forms.ChoiceField(label="Loại", choices=VillageKind.choices)


class MemberForm(forms.Form):
    full_name = forms.CharField(label="Họ và tên", max_length=150)
    role = forms.ChoiceField(label="Vai trò", choices=MemberRole.choices, initial=MemberRole.MEMBER)
    village = forms.ModelChoiceField(
        label="Thôn, tổ dân phố",
        queryset=Village.objects.none(),
        required=False,
        empty_label="— cấp xã —",
    )
    phone = forms.CharField(
        label="Số điện thoại",
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    affiliation = forms.CharField(label="Đơn vị, đoàn thể", max_length=150, required=False)

    def __init__(self, *args: Any, villages: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["village"]
        assert isinstance(field, forms.ModelChoiceField)
        if villages is not None:
            field.queryset = villages


class ActivityForm(forms.Form):
    kind = forms.ChoiceField(
        label="Hoạt động", choices=ActivityKind.choices, widget=forms.RadioSelect
    )
    count = forms.IntegerField(
        label="Số lượng", min_value=1, widget=forms.NumberInput(attrs={"inputmode": "numeric"})
    )
    happened_on = _date("Ngày")
    village = forms.ModelChoiceField(
        label="Thôn, tổ dân phố",
        queryset=Village.objects.none(),
        required=False,
        empty_label="— không rõ / cấp xã —",
    )
    attendees = forms.IntegerField(
        label="Số người tham dự (với buổi hướng dẫn)", min_value=0, required=False
    )
    note = forms.CharField(label="Ghi chú", max_length=300, required=False)

    def __init__(self, *args: Any, villages: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["village"]
        assert isinstance(field, forms.ModelChoiceField)
        if villages is not None:
            field.queryset = villages
