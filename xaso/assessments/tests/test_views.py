"""Pages, browser-free: the form grouped by main index, HTMX autosave and live points as
fragments, the no-JavaScript save, scoping (404 outside one's units), the verifier's
and administrator's steps through their forms."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from xaso.assessments import actions
from xaso.assessments.models import Period, Status
from xaso.assessments.tests.factories import make_ready
from xaso.units.models import Unit

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


def test_the_form_is_grouped_by_main_index_and_readable_without_javascript(
    period: Period, hoa_phu: Unit, officer: Any, signed_in: Any
) -> None:
    sub = period.submissions.get(unit=hoa_phu)
    response = signed_in(officer).get(reverse("assessments:submission", args=[sub.pk]))
    text = response.content.decode()
    assert response.status_code == 200
    assert text.index("Nhận thức và chỉ đạo") < text.index("NT1.01") < text.index("Hạ tầng số")
    assert 'name="v_NT2.04"' in text and 'name="d_NT2.04"' in text  # ratio: two inputs
    assert '<option value="pho_chu_tich"' in text and 'id="progress-bar"' in text
    assert 'form="f-values"' in text and 'id="f-values"' in text  # a plain POST form too
    assert "<script>" not in text and 'style="' not in text


def test_htmx_autosave_returns_the_row_with_points_and_progress(
    period: Period, hoa_phu: Unit, officer: Any, signed_in: Any
) -> None:
    sub = period.submissions.get(unit=hoa_phu)
    response = signed_in(officer).post(
        reverse("assessments:save", args=[sub.pk]),
        {"ma": "NT1.02", "v_NT1.02": "3", "r_NT1.02": "0"},
        **HX,
    )
    text = response.content.decode()
    assert response.status_code == 200 and text.lstrip().startswith('<section class="crit"')
    assert 'id="row-NT1.02"' in text and "15 / 20 điểm" in text
    assert 'id="progress"' in text and 'hx-swap-oob="true"' in text and "1/34" in text
    assert period.submissions.get(unit=hoa_phu).self_values == {"NT1.02": {"v": 3.0}}


def test_htmx_autosave_of_a_bad_value_keeps_what_was_typed_and_says_why(
    period: Period, hoa_phu: Unit, officer: Any, signed_in: Any
) -> None:
    sub = period.submissions.get(unit=hoa_phu)
    response = signed_in(officer).post(
        reverse("assessments:save", args=[sub.pk]),
        {"ma": "NT2.04", "v_NT2.04": "12", "d_NT2.04": "10", "r_NT2.04": "0"},
        **HX,
    )
    text = response.content.decode()
    assert "tử số 12 lớn hơn mẫu số 10" in text and 'value="12"' in text
    assert period.submissions.get(unit=hoa_phu).self_values == {}


def test_htmx_autosave_conflict_shows_both_values(
    period: Period, hoa_phu: Unit, officer: Any, signed_in: Any
) -> None:
    sub = period.submissions.get(unit=hoa_phu)
    actions.do_save_values(submission=sub, values={"CQ.07": ("20", None)}, actor=None)
    response = signed_in(officer).post(
        reverse("assessments:save", args=[sub.pk]),
        {"ma": "CQ.07", "v_CQ.07": "25", "r_CQ.07": "0"},
        **HX,
    )
    text = response.content.decode()
    assert "hệ thống vừa lưu “20 %”; bạn nhập “25 %”" in text and 'value="25"' in text
    assert period.submissions.get(unit=hoa_phu).self_values["CQ.07"] == {"v": 20.0}


def test_live_points_are_computed_by_the_engine_without_saving(
    period: Period, hoa_phu: Unit, officer: Any, signed_in: Any
) -> None:
    sub = period.submissions.get(unit=hoa_phu)
    client = signed_in(officer)
    url = reverse("assessments:points", args=[sub.pk, "CQ.07"])
    assert "15 / 30 điểm" in client.get(url, {"v_CQ.07": "25"}, **HX).content.decode()
    assert "30 / 30 điểm" in client.get(url, {"v_CQ.07": "80"}, **HX).content.decode()
    bad = client.get(url, {"v_CQ.07": "abc"}, **HX).content.decode()
    assert "không phải là số" in bad
    ratio = reverse("assessments:points", args=[sub.pk, "NT2.04"])
    assert (
        "12,5 / 25 điểm" in client.get(ratio, {"v_NT2.04": "5", "d_NT2.04": "10"}).content.decode()
    )
    assert period.submissions.get(unit=hoa_phu).self_values == {}


def test_the_plain_form_saves_everything_and_redirects(
    period: Period, hoa_phu: Unit, officer: Any, signed_in: Any
) -> None:
    sub = period.submissions.get(unit=hoa_phu)
    response = signed_in(officer).post(
        reverse("assessments:save", args=[sub.pk]),
        {"v_NT1.02": "2", "v_NT1.03": "1", "v_NT1.01": "chu_tich", "v_CQ.07": "10,7"},
        follow=True,
    )
    assert response.status_code == 200 and "Đã lưu." in response.content.decode()
    values = period.submissions.get(unit=hoa_phu).self_values
    assert values["NT1.03"] == {"yes": True} and values["CQ.07"] == {"v": 10.7}


def test_another_communes_form_is_not_found(
    period: Period, krong_nang: Unit, officer: Any, verifier_tn: Any, signed_in: Any
) -> None:
    sub = period.submissions.get(unit=krong_nang)
    for person in (officer, verifier_tn):
        client = signed_in(person)
        assert client.get(reverse("assessments:submission", args=[sub.pk])).status_code == 404
        response = client.post(reverse("assessments:save", args=[sub.pk]), {"v_NT1.02": "2"})
        assert response.status_code == 404
    assert period.submissions.get(unit=krong_nang).self_values == {}


def test_a_verifier_verifies_and_an_admin_approves_and_publishes_through_pages(
    period: Period, hoa_phu: Unit, krong_nang: Unit, officer: Any, verifier: Any,
    admin: Any, signed_in: Any,
) -> None:  # fmt: skip
    sub = make_ready(period.submissions.get(unit=hoa_phu), officer)
    officer_client = signed_in(officer)
    officer_client.post(reverse("assessments:submit", args=[sub.pk]), {"version": sub.version})
    sub.refresh_from_db()
    assert sub.status == Status.SUBMITTED
    v = signed_in(verifier)
    queue = v.get(reverse("assessments:queue", args=[period.pk])).content.decode()
    assert hoa_phu.name in queue
    page = v.get(reverse("assessments:submission", args=[sub.pk])).content.decode()
    assert 'name="vv_NT1.02"' in page
    v.post(
        reverse("assessments:verify", args=[sub.pk]),
        {"version": sub.version, "vv_NT1.02": "1", "vr_NT1.02": "Chỉ 1 biên bản hợp lệ"},
    )
    sub.refresh_from_db()
    assert sub.status == Status.VERIFIED and sub.verified_values["NT1.02"]["cell"] == {"v": 1.0}
    a = signed_in(admin)
    a.post(reverse("assessments:approve", args=[sub.pk]), {"version": sub.version})
    response = a.post(reverse("assessments:publish", args=[period.pk]), follow=True)
    text = response.content.decode()
    assert "Đã công bố phiên bản 1" in text and hoa_phu.name in text and "không nộp" in text


def test_the_verifier_cannot_publish_and_the_officer_cannot_approve(
    period: Period, hoa_phu: Unit, officer: Any, verifier: Any, signed_in: Any
) -> None:
    response = signed_in(verifier).post(reverse("assessments:publish", args=[period.pk]),
                                        follow=True)  # fmt: skip
    assert "Chỉ quản trị cấp tỉnh được công bố" in response.content.decode()
    sub = period.submissions.get(unit=hoa_phu)
    signed_in(officer).post(reverse("assessments:approve", args=[sub.pk]))
    assert period.submissions.get(unit=hoa_phu).status == Status.DRAFT


def test_an_admin_opens_a_period_from_the_form(
    admin: Any, hoa_phu: Unit, framework: Any, signed_in: Any, dak_lak: Unit
) -> None:
    client = signed_in(admin)
    assert client.get(reverse("assessments:period_new")).status_code == 200
    response = client.post(
        reverse("assessments:period_new"),
        {
            "name": "Đánh giá CĐS cấp xã năm 2025", "province": dak_lak.pk,
            "framework": framework.pk, "year": 2025, "starts_on": "2025-01-01",
            "ends_on": "2025-12-31", "opens_at": "2025-01-01T08:00",
            "closes_at": "2099-01-31T17:00", "scope_kind": "unit_type",
            "scope_unit_type": "phuong", "reminder_days": "7,3,1", "appeal_days": "15",
        },
    )  # fmt: skip
    period = Period.objects.get()
    assert response.status_code == 302 and period.submissions.count() > 5
    assert set(period.submissions.values_list("unit__unit_type", flat=True)) == {"phuong"}


def test_the_period_form_names_bad_fields(admin: Any, signed_in: Any, dak_lak: Unit) -> None:
    response = signed_in(admin).post(
        reverse("assessments:period_new"),
        {"name": "", "province": dak_lak.pk, "framework": "", "year": "2025"},
    )
    assert "Chưa chọn bộ chỉ số" in response.content.decode()
    assert not Period.objects.exists()


def test_pages_need_sign_in(period: Period) -> None:
    assert Client().get(reverse("assessments:period", args=[period.pk])).status_code == 302
