"""Measured criteria: the unit's own figure stays beside the measured one, but what counts
from verification on is the measured value — the unit cannot change it, a verifier
overrides it only with a reason."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from xaso.assessments import actions
from xaso.assessments.measured import register_measured_source, unregister_measured_source
from xaso.assessments.models import Period, Submission
from xaso.assessments.tests.factories import make_ready
from xaso.core.models import AuditEntry
from xaso.units.models import Unit

pytestmark = pytest.mark.django_db

MEASURED = {"CQ.06": {"v": 91.0}}


@pytest.fixture
def one_stop(hoa_phu: Unit) -> Iterator[dict[str, Any]]:
    """A measured source for Hòa Phú only; the test may change ``values`` midway."""
    values = dict(MEASURED)

    def source(period: Any, units: Any) -> dict[str, dict[str, Any]]:
        return {u.code: dict(values) for u in units if u.code == hoa_phu.code}

    register_measured_source("test.one_stop", source)
    yield values
    unregister_measured_source("test.one_stop")


def sub_of(period: Period, unit: Unit) -> Submission:
    return period.submissions.get(unit=unit)


def test_a_blank_measured_criterion_is_submitted_with_the_measured_value(
    period: Period, hoa_phu: Unit, officer: Any, one_stop: dict[str, Any]
) -> None:
    sub = make_ready(sub_of(period, hoa_phu), officer)
    actions.do_save_values(submission=sub, values={"CQ.06": ("", None)}, actor=officer)
    sub = actions.do_submit_submission(submission=sub_of(period, hoa_phu), actor=officer)
    assert sub.self_values["CQ.06"] == {"v": 91.0}
    assert sub.revisions["CQ.06@by"] == "đo được: test.one_stop"
    audit = AuditEntry.objects.get(action="assessments.submit", target_id=str(sub.pk))
    assert audit.changes["CQ.06"] == [None, {"v": 91.0}]


def test_the_verifier_gets_the_measured_value_and_overrides_it_only_with_a_reason(
    period: Period, hoa_phu: Unit, officer: Any, verifier: Any, admin: Any,
    one_stop: dict[str, Any],
) -> None:  # fmt: skip
    sub = make_ready(sub_of(period, hoa_phu), officer)
    reported = sub.self_values["CQ.06"]  # the unit's own figure stays beside the measured one
    assert reported != MEASURED["CQ.06"]
    sub = actions.do_submit_submission(submission=sub, actor=officer)
    assert sub.self_values["CQ.06"] == reported

    with pytest.raises(actions.AssessmentError) as info:
        actions.do_verify_submission(
            submission=sub, corrections={"CQ.06": ("85", None, " ")}, actor=verifier
        )
    assert "lý do khi sửa số liệu đo được" in info.value.errors["CQ.06"]
    # Confirming the unit's own figure is overriding the measurement: it needs a reason too.
    with pytest.raises(actions.AssessmentError):
        actions.do_verify_submission(
            submission=sub, corrections={"CQ.06": (str(reported["v"]), None, "")}, actor=verifier
        )
    verified = actions.do_verify_submission(submission=sub, actor=verifier)
    assert verified.verified_values["CQ.06"]["cell"] == {"v": 91.0}
    assert "test.one_stop" in verified.verified_values["CQ.06"]["reason"]
    assert verified.self_values["CQ.06"] == reported


def test_a_verifier_override_of_a_measured_value_is_final_with_its_reason(
    period: Period, hoa_phu: Unit, officer: Any, verifier: Any, admin: Any,
    one_stop: dict[str, Any],
) -> None:  # fmt: skip
    sub = actions.do_submit_submission(
        submission=make_ready(sub_of(period, hoa_phu), officer), actor=officer
    )
    reason = "6 hồ sơ bị ghi nhầm kênh trực tuyến"
    sub = actions.do_verify_submission(
        submission=sub, corrections={"CQ.06": ("85", None, reason)}, actor=verifier
    )
    sub = actions.do_approve_submission(submission=sub, actor=admin)
    assert sub.final_values["CQ.06"] == {"v": 85.0}
    assert sub.verified_values["CQ.06"] == {"cell": {"v": 85.0}, "reason": reason}
    audit = AuditEntry.objects.get(action="assessments.verify", target_id=str(sub.pk))
    assert audit.changes["CQ.06"][1:] == [{"v": 85.0}, reason]


def test_the_form_shows_measured_beside_self_reported_and_the_difference(
    period: Period, hoa_phu: Unit, officer: Any, verifier: Any,
    signed_in: Callable[[Any], Client], one_stop: dict[str, Any],
) -> None:  # fmt: skip
    sub = sub_of(period, hoa_phu)
    actions.do_save_values(submission=sub, values={"CQ.06": ("60", None)}, actor=officer)
    url = reverse("assessments:submission", args=[sub.pk])
    for person in (officer, verifier):
        page = signed_in(person).get(url).content.decode()
        row = page.split('id="row-CQ.06"')[1].split("</section>")[0]
        assert "91 %" in row and "60 %" in row and "khác số đo được" in row
        assert "chỉ thẩm định viên điều chỉnh kèm lý do" in row
