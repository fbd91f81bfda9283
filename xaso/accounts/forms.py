"""Forms only parse and check input; the actions make the change."""

from __future__ import annotations

from typing import Any

from django import forms

from xaso.accounts.models import Role
from xaso.units.models import Unit

ROLE_CHOICES = [("", "— chọn vai trò —"), *Role.choices]


class ProvinceChoiceField(forms.ModelChoiceField[Unit]):
    def label_from_instance(self, obj: Unit) -> str:
        return f"{obj.name} ({obj.code})"


class ProfileForm(forms.Form):
    full_name = forms.CharField(label="Họ và tên", max_length=150)
    phone = forms.CharField(
        label="Số điện thoại", max_length=20, required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )  # fmt: skip
    email = forms.CharField(
        label="Email", max_length=254, required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )  # fmt: skip
    organisation = forms.CharField(
        label="Cơ quan (với đơn vị phụ trách)", max_length=200, required=False,
        help_text="Ví dụ: Sở Khoa học và Công nghệ, VNPT Đắk Lắk.",
    )  # fmt: skip


class UserCreateForm(ProfileForm):
    username = forms.CharField(
        label="Tên đăng nhập", max_length=150, required=False,
        help_text="Để trống để tự đặt theo họ tên (ví dụ “Nguyễn Văn An” → annv).",
    )  # fmt: skip
    province = ProvinceChoiceField(label="Tỉnh quản lý", queryset=Unit.objects.none())
    role = forms.ChoiceField(label="Vai trò", choices=ROLE_CHOICES, required=False)
    unit_codes = forms.CharField(
        label="Mã đơn vị", required=False,
        help_text="Mã tỉnh (2 số) hoặc mã xã (5 số); nhiều xã cách nhau bởi dấu phẩy.",
    )  # fmt: skip

    field_order = [
        "full_name", "username", "phone", "email", "organisation", "province", "role",
        "unit_codes",
    ]  # fmt: skip

    def __init__(self, *args: Any, provinces: list[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["province"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Unit.objects.filter(pk__in=[p.pk for p in provinces]).order_by("name")
        if len(provinces) == 1:
            field.initial = provinces[0].pk

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("role")) != bool(data.get("unit_codes", "").strip()):
            raise forms.ValidationError("Ghi cả vai trò lẫn mã đơn vị, hoặc để trống cả hai.")
        return data


class RoleForm(forms.Form):
    role = forms.ChoiceField(label="Vai trò", choices=ROLE_CHOICES)
    unit_codes = forms.CharField(
        label="Mã đơn vị",
        help_text="Mã tỉnh (2 số) hoặc mã xã (5 số); nhiều xã cách nhau bởi dấu phẩy.",
    )


class DisableForm(forms.Form):
    reason = forms.CharField(label="Lý do khoá", max_length=300, required=False)


class ImportForm(forms.Form):
    province = ProvinceChoiceField(label="Tỉnh", queryset=Unit.objects.none())
    file = forms.FileField(
        label="Tệp danh sách (.csv hoặc .xlsx)",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def __init__(self, *args: Any, provinces: list[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["province"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Unit.objects.filter(pk__in=[p.pk for p in provinces]).order_by("name")
        if len(provinces) == 1:
            field.initial = provinces[0].pk


class TokenForm(forms.Form):
    token = forms.CharField(
        label="Mã 6 số trong ứng dụng xác thực", max_length=8, min_length=6,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}
        ),
    )  # fmt: skip


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class AuditSearchForm(forms.Form):
    user = forms.CharField(label="Người thực hiện", max_length=150, required=False)
    action = forms.ChoiceField(label="Thao tác", required=False)
    date_from = forms.DateField(
        label="Từ ngày", required=False, widget=DateInput(),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
    )  # fmt: skip
    date_to = forms.DateField(
        label="Đến ngày", required=False, widget=DateInput(),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
    )  # fmt: skip
    target = forms.CharField(label="Đối tượng", max_length=200, required=False)

    def __init__(self, *args: Any, actions: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["action"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "— tất cả —"), *[(a, a) for a in actions]]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "“Đến ngày” phải sau “Từ ngày”.")
        return data


class UnitGroupForm(forms.Form):
    name = forms.CharField(label="Tên nhóm", max_length=200)
    description = forms.CharField(
        label="Mô tả", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    province = ProvinceChoiceField(label="Tỉnh", queryset=Unit.objects.none())
    member_codes = forms.CharField(
        label="Mã các đơn vị thành viên",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Mã xã/phường hiện nay, cách nhau bởi dấu phẩy hoặc xuống dòng (ví dụ 24175).",
    )

    def __init__(self, *args: Any, provinces: list[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["province"]
        assert isinstance(field, ProvinceChoiceField)
        field.queryset = Unit.objects.filter(pk__in=[p.pk for p in provinces]).order_by("name")
        if len(provinces) == 1:
            field.initial = provinces[0]
