"""Forms only parse and check input; the actions make the change."""

from __future__ import annotations

from typing import Any

from django import forms

from xaso.units.models import Unit


class ProvinceChoiceField(forms.ModelChoiceField[Unit]):
    def label_from_instance(self, obj: Unit) -> str:
        return f"{obj.name} ({obj.code})"


class FindForm(forms.Form):
    """Người yêu cầu: by phone and/or account name, in one of the requester's provinces."""

    province = ProvinceChoiceField(label="Tỉnh", queryset=Unit.objects.none())
    phone = forms.CharField(
        label="Số điện thoại", max_length=20, required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
        help_text="Số người dân dùng khi gửi phản ánh, đăng ký nhận tin hoặc đăng nhập.",
    )  # fmt: skip
    username = forms.CharField(
        label="Tên đăng nhập (nếu người dân có tài khoản)", max_length=150, required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )  # fmt: skip

    # The export and erase forms carry the person found by the search, unseen.
    hide_identity = False
    # Three forms on one page: each needs its own element ids.
    id_prefix = "tim"

    def __init__(self, *args: Any, provinces: list[Unit], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)
        field = self.fields["province"]
        assert isinstance(field, ProvinceChoiceField)
        field.queryset = Unit.objects.filter(pk__in=[p.pk for p in provinces]).order_by("name")
        if len(provinces) == 1:
            field.initial = provinces[0].pk
        if len(provinces) == 1 or self.hide_identity:
            field.widget = forms.HiddenInput()
        if self.hide_identity:
            self.fields["phone"].widget = forms.HiddenInput()
            self.fields["username"].widget = forms.HiddenInput()


class ExportForm(FindForm):
    hide_identity = True
    id_prefix = "xuat"
    reason = forms.CharField(
        label="Căn cứ xuất (không bắt buộc)", max_length=500, required=False,
        help_text="Ví dụ: đơn đề nghị cung cấp dữ liệu ngày 14/06/2026.",
    )  # fmt: skip


class EraseForm(FindForm):
    hide_identity = True
    id_prefix = "xoa"
    reason = forms.CharField(
        label="Lý do xoá", max_length=500,
        help_text="Ví dụ: đơn yêu cầu xoá dữ liệu ngày 14/06/2026, đã xác minh CCCD tại bộ phận "
        "một cửa. Không ghi số điện thoại vào đây.",
    )  # fmt: skip
    confirm = forms.BooleanField(
        label="Tôi đã xác minh người yêu cầu đúng là chủ số điện thoại/tài khoản này và hiểu "
        "rằng dữ liệu bị xoá không khôi phục được.",
    )
