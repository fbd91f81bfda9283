"""The workflow through its actions, role by role, with data in a second unit so that a
scoping leak fails: draft → submitted → returned | verified → approved → published,
appeals into a new version, lock after close, optimistic concurrency."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from xaso.accounts.tests.factories import make_user
from xaso.assessments import actions, queries
from xaso.assessments.models import (
    AppealStatus,
    FrameworkVersion,
    Period,
    Snapshot,
    SnapshotUnit,
    Status,
    Submission,
)
from xaso.assessments.tests.factories import (
    COMMUNE_DX,
    PDF,
    approve,
    make_period,
    make_ready,
)
from xaso.core.models import AuditEntry
from xaso.units.models import Unit

pytestmark = pytest.mark.django_db


def sub_of(period: Period, unit: Unit) -> Submission:
    return period.submissions.get(unit=unit)


# --- frameworks ----------------------------------------------------------------------


def test_importing_the_same_framework_twice_changes_nothing(framework: FrameworkVersion) -> None:
    again = actions.do_import_framework(text=COMMUNE_DX.read_text(), actor=None)
    assert not again.created and again.version == framework
    assert framework.leaf_count == 34 and framework.max_points == 1000


def test_a_used_framework_version_cannot_change(period: Period) -> None:
    altered = COMMUNE_DX.read_text().replace("max_points: 1000", "max_points: 1000 ", 1) + "\n#"
    with pytest.raises(actions.AssessmentError, match="đang được kỳ đánh giá sử dụng"):
        actions.do_import_framework(text=altered, actor=None)
    fv = period.framework
    fv.sha256 = "f" * 64
    with pytest.raises(PermissionError):
        fv.save()


def test_a_broken_framework_is_refused_with_every_problem() -> None:
    with pytest.raises(actions.AssessmentError, match="Bộ chỉ số có lỗi") as info:
        actions.do_import_framework(text="code: X\nversion: 1\nroot: {}\n", actor=None)
    assert "name_vi" in info.value.message
    assert not FrameworkVersion.objects.filter(code="X").exists()


def test_only_a_superuser_imports_a_shared_framework(admin: Any) -> None:
    with pytest.raises(PermissionDenied):
        actions.do_import_framework(text=COMMUNE_DX.read_text(), actor=admin)


# --- periods -------------------------------------------------------------------------


def test_a_period_creates_a_draft_for_every_unit_in_scope(
    period: Period, hoa_phu: Unit, krong_nang: Unit
) -> None:
    assert set(period.submissions.values_list("unit_id", flat=True)) == {hoa_phu.pk, krong_nang.pk}
    assert set(period.submissions.values_list("status", flat=True)) == {Status.DRAFT}


def test_another_provinces_admin_cannot_open_a_period_here(
    admin_tn: Any, dak_lak: Unit, hoa_phu: Unit, framework: FrameworkVersion
) -> None:
    with pytest.raises(PermissionDenied):
        actions.do_create_period(
            framework=framework, province=dak_lak, name="X", year=2025,
            starts_on=dt.date(2025, 1, 1), ends_on=dt.date(2025, 12, 31),
            opens_at=timezone.now(), closes_at=timezone.now() + dt.timedelta(days=3),
            actor=admin_tn,
        )  # fmt: skip


def test_bad_period_dates_name_the_field(admin: Any, dak_lak: Unit, framework: Any) -> None:
    now = timezone.now()
    with pytest.raises(actions.AssessmentError) as info:
        actions.do_create_period(
            framework=framework, province=dak_lak, name="", year=2025,
            starts_on=dt.date(2025, 12, 31), ends_on=dt.date(2025, 1, 1),
            opens_at=now, closes_at=now - dt.timedelta(days=1), actor=admin,
        )  # fmt: skip
    assert set(info.value.errors) == {"name", "ends_on", "closes_at"}
    assert not Period.objects.exists()


def test_province_wide_scope_covers_every_commune_of_the_province(
    admin: Any, dak_lak: Unit, framework: Any
) -> None:
    now = timezone.now()
    period = actions.do_create_period(
        framework=framework, province=dak_lak, name="Toàn tỉnh", year=2025,
        starts_on=dt.date(2025, 1, 1), ends_on=dt.date(2025, 12, 31),
        opens_at=now, closes_at=now + dt.timedelta(days=3), actor=admin,
    )  # fmt: skip
    communes = Unit.objects.filter(province=dak_lak, level="commune", generation="current")
    assert period.submissions.count() == communes.count() > 100


# --- values and concurrency ----------------------------------------------------------


def test_an_officer_saves_values_and_a_bad_value_changes_nothing(
    period: Period, hoa_phu: Unit, officer: Any
) -> None:
    sub = sub_of(period, hoa_phu)
    actions.do_save_values(submission=sub, values={"NT1.02": ("3", None)}, actor=officer)
    with pytest.raises(actions.AssessmentError) as info:
        actions.do_save_values(
            submission=sub,
            values={"NT1.02": ("4", None), "NT2.04": ("12", "10"), "CQ.07": ("abc", None)},
            actor=officer,
        )
    assert set(info.value.errors) == {"NT2.04", "CQ.07"}
    assert "tử số 12 lớn hơn mẫu số 10" in info.value.errors["NT2.04"]
    assert sub_of(period, hoa_phu).self_values == {"NT1.02": {"v": 3.0}}


def test_an_officer_cannot_touch_another_communes_submission(
    period: Period, krong_nang: Unit, officer: Any
) -> None:
    with pytest.raises(PermissionDenied):
        actions.do_save_values(
            submission=sub_of(period, krong_nang), values={"NT1.02": ("3", None)}, actor=officer
        )
    assert sub_of(period, krong_nang).self_values == {}


def test_the_second_saver_gets_both_values_and_nothing_is_overwritten(
    period: Period, hoa_phu: Unit, officer: Any, dak_lak: Unit
) -> None:
    other = make_user(role="commune_officer", units=[hoa_phu], username="canbo.hp2")
    sub = sub_of(period, hoa_phu)
    seen = actions.revision_of(sub, "CQ.07")
    actions.do_save_values(
        submission=sub, values={"CQ.07": ("10,7", None)}, revisions={"CQ.07": seen}, actor=other
    )
    with pytest.raises(actions.Conflict) as info:
        actions.do_save_values(
            submission=sub, values={"CQ.07": ("12", None)}, revisions={"CQ.07": seen}, actor=officer
        )
    item = info.value.items[0]
    assert (item.theirs, item.yours, item.by) == ("10,7 %", "12 %", "canbo.hp2")
    assert "canbo.hp2 đã lưu “10,7 %”, bạn nhập “12 %”" in info.value.message
    assert sub_of(period, hoa_phu).self_values["CQ.07"] == {"v": 10.7}


def test_saving_after_the_close_needs_a_lock_exception(
    period: Period, hoa_phu: Unit, officer: Any, admin: Any
) -> None:
    sub = sub_of(period, hoa_phu)
    with time_machine.travel(period.closes_at + dt.timedelta(hours=1)):
        with pytest.raises(actions.AssessmentError, match="khoá sổ"):
            actions.do_save_values(submission=sub, values={"NT1.02": ("3", None)}, actor=officer)
        actions.do_grant_lock_exception(
            period=period, unit=hoa_phu, until=timezone.now() + dt.timedelta(days=2),
            reason="Mất điện cả tuần", actor=admin,
        )  # fmt: skip
        actions.do_save_values(submission=sub, values={"NT1.02": ("3", None)}, actor=officer)
    assert sub_of(period, hoa_phu).self_values["NT1.02"] == {"v": 3.0}


def test_a_lock_exception_is_for_one_unit_only(
    period: Period, hoa_phu: Unit, krong_nang: Unit, officer_kn: Any, admin: Any
) -> None:
    with time_machine.travel(period.closes_at + dt.timedelta(hours=1)):
        actions.do_grant_lock_exception(
            period=period, unit=hoa_phu, until=timezone.now() + dt.timedelta(days=2),
            reason="Mất điện", actor=admin,
        )  # fmt: skip
        with pytest.raises(actions.AssessmentError, match="khoá sổ"):
            actions.do_save_values(
                submission=sub_of(period, krong_nang), values={"NT1.02": ("3", None)},
                actor=officer_kn,
            )  # fmt: skip


# --- submission rules ----------------------------------------------------------------


def test_submission_is_blocked_by_missing_values_and_missing_evidence(
    period: Period, hoa_phu: Unit, officer: Any
) -> None:
    sub = sub_of(period, hoa_phu)
    actions.do_save_values(submission=sub, values={"NT1.03": ("có", None)}, actor=officer)
    with pytest.raises(actions.AssessmentError, match="Chưa nộp được") as info:
        actions.do_submit_submission(submission=sub, actor=officer)
    assert "minh chứng" in info.value.errors["NT1.03"]
    assert "chưa nhập" in info.value.errors["NT1.02"]
    assert "CQ.06" not in info.value.errors  # supplied by the province: may stay empty
    assert sub_of(period, hoa_phu).status == Status.DRAFT


def test_a_threefold_jump_asks_for_a_comment(
    dak_lak: Unit, hoa_phu: Unit, krong_nang: Unit, officer: Any, verifier: Any, admin: Any,
    framework: Any, officer_kn: Any,
) -> None:  # fmt: skip
    before = make_period(dak_lak, [hoa_phu, krong_nang], framework=framework, year=2024)
    approve(sub_of(before, hoa_phu), officer=officer, verifier=verifier, admin=admin)
    after = make_period(dak_lak, [hoa_phu, krong_nang], framework=framework, previous=before)
    sub = make_ready(sub_of(after, hoa_phu), officer)
    # previous CQ.07 = 54 %; 10 % is less than a third of it.
    actions.do_save_values(submission=sub, values={"CQ.07": ("10", None)},
                           comments={"CQ.07": ""}, actor=officer)  # fmt: skip
    with pytest.raises(actions.AssessmentError) as info:
        actions.do_submit_submission(submission=sub, actor=officer)
    assert set(info.value.errors) == {"CQ.07"}
    assert "kỳ trước" in info.value.errors["CQ.07"] and "giải trình" in info.value.errors["CQ.07"]
    actions.do_save_values(submission=sub, values={},
                           comments={"CQ.07": "Đổi cách thống kê"}, actor=officer)  # fmt: skip
    assert actions.do_submit_submission(submission=sub, actor=officer).status == Status.SUBMITTED


# --- verification, approval, publication ---------------------------------------------


def test_the_whole_workflow_keeps_self_verified_and_final_values(
    period: Period, hoa_phu: Unit, krong_nang: Unit, officer: Any, officer_kn: Any,
    verifier: Any, admin: Any,
) -> None:  # fmt: skip
    sub = make_ready(sub_of(period, hoa_phu), officer)
    sub = actions.do_submit_submission(submission=sub, version=sub.version, actor=officer)
    with pytest.raises(actions.AssessmentError, match="không sửa được"):
        actions.do_save_values(submission=sub, values={"NT1.02": ("1", None)}, actor=officer)
    with pytest.raises(PermissionDenied):
        actions.do_verify_submission(submission=sub, actor=officer)
    with pytest.raises(actions.AssessmentError, match="Chưa thẩm định") as info:
        actions.do_verify_submission(
            submission=sub, corrections={"NT1.02": ("2", None, "")}, actor=verifier
        )
    assert "lý do" in info.value.errors["NT1.02"]
    sub = actions.do_verify_submission(
        submission=sub, corrections={"NT1.02": ("2", None, "Chỉ có 2 biên bản họp")},
        actor=verifier,
    )  # fmt: skip
    with pytest.raises(PermissionDenied):
        actions.do_approve_submission(submission=sub, actor=verifier)
    sub = actions.do_approve_submission(submission=sub, actor=admin)
    assert sub.self_values["NT1.02"] == {"v": 4.0}
    assert sub.verified_values["NT1.02"]["cell"] == {"v": 2.0}
    assert sub.final_values["NT1.02"] == {"v": 2.0}
    approve(sub_of(period, krong_nang), officer=officer_kn, verifier=verifier, admin=admin)
    snapshot = actions.do_publish_period(period=period, actor=admin)
    rows = {r.unit_code: r for r in queries.snapshot_results(snapshot)}
    row = rows[hoa_phu.code]
    assert row.self_score > row.verified_score == row.score
    assert row.nodes["NT1.02"][1] == 10.0 and row.rank in (1, 2)
    assert snapshot.version == 1 and len(snapshot.inputs_sha256) == 64
    assert row.explanation[0][1] >= row.explanation[-1][1]
    audit = AuditEntry.objects.filter(action="assessments.verify", target_id=str(sub.pk)).get()
    assert audit.changes["NT1.02"] == [{"v": 4.0}, {"v": 2.0}, "Chỉ có 2 biên bản họp"]


def test_a_return_reopens_the_form_with_comments_per_criterion(
    period: Period, hoa_phu: Unit, officer: Any, verifier: Any
) -> None:
    sub = make_ready(sub_of(period, hoa_phu), officer)
    sub = actions.do_submit_submission(submission=sub, actor=officer)
    sub = actions.do_return_submission(
        submission=sub, comments={"NT1.02": "Thiếu biên bản họp quý IV"}, actor=verifier
    )
    assert sub.status == Status.RETURNED and sub.return_comments["NT1.02"].startswith("Thiếu")
    actions.do_save_values(submission=sub, values={"NT1.02": ("3", None)}, actor=officer)


def test_a_verifier_works_only_in_their_scope(
    period: Period, hoa_phu: Unit, officer: Any, verifier_tn: Any
) -> None:
    sub = actions.do_submit_submission(submission=make_ready(sub_of(period, hoa_phu), officer),
                                       actor=officer)  # fmt: skip
    with pytest.raises(PermissionDenied):
        actions.do_verify_submission(submission=sub, actor=verifier_tn)
    with pytest.raises(PermissionDenied):
        actions.do_return_submission(submission=sub, comments={"NT1.02": "x"}, actor=verifier_tn)
    assert list(queries.verifier_queue(verifier_tn, period)) == []


def test_a_stale_version_refuses_a_workflow_step(
    period: Period, hoa_phu: Unit, officer: Any, verifier: Any
) -> None:
    sub = make_ready(sub_of(period, hoa_phu), officer)
    seen = sub.version
    actions.do_save_values(submission=sub, values={"NT1.02": ("2", None)}, actor=officer)
    with pytest.raises(actions.AssessmentError, match="đã thay đổi"):
        actions.do_submit_submission(submission=sub, version=seen, actor=officer)


def test_publishing_waits_for_pending_reviews(
    period: Period, hoa_phu: Unit, officer: Any, admin: Any
) -> None:
    actions.do_submit_submission(submission=make_ready(sub_of(period, hoa_phu), officer),
                                 actor=officer)  # fmt: skip
    with pytest.raises(actions.AssessmentError, match="chờ thẩm định"):
        actions.do_publish_period(period=period, actor=admin)
    assert not Snapshot.objects.exists()


def test_the_queue_puts_risky_submissions_first_and_draws_a_sample(
    period: Period, hoa_phu: Unit, krong_nang: Unit, officer: Any, officer_kn: Any,
    verifier: Any,
) -> None:  # fmt: skip
    a = actions.do_submit_submission(submission=make_ready(sub_of(period, hoa_phu), officer),
                                     actor=officer)  # fmt: skip
    b = make_ready(sub_of(period, krong_nang), officer_kn)
    # Krông Năng reuses Hòa Phú's decision (same file): a risk the verifier must see.
    copied = PDF + b"NT1.03" + hoa_phu.code.encode()
    actions.do_upload_evidence(
        submission=b, criterion="NT1.03", name="qd.pdf", data=copied, actor=officer_kn
    )
    b = actions.do_submit_submission(submission=b, actor=officer_kn)
    queue = list(queries.verifier_queue(verifier, period))
    assert queue[0].pk == b.pk and b.risk_score > a.risk_score
    assert any("cùng tệp" in r and "Hòa Phú" in r for r in b.risk_reasons)
    drawn = actions.do_draw_spot_check(period=period, size=1, seed=7, actor=verifier)
    again = [s.pk for s in queries.verifier_queue(verifier, period) if s.spot_check]
    assert [s.pk for s in drawn] == again and len(again) == 1


# --- snapshots and appeals -----------------------------------------------------------


@pytest.fixture
def published(
    period: Period, hoa_phu: Unit, krong_nang: Unit, officer: Any, officer_kn: Any,
    verifier: Any, admin: Any,
) -> Snapshot:  # fmt: skip
    sub = make_ready(sub_of(period, hoa_phu), officer)
    sub = actions.do_submit_submission(submission=sub, actor=officer)
    sub = actions.do_verify_submission(
        submission=sub, corrections={"NT1.02": ("2", None, "Chỉ thấy 2 biên bản")}, actor=verifier
    )
    actions.do_approve_submission(submission=sub, actor=admin)
    approve(sub_of(period, krong_nang), officer=officer_kn, verifier=verifier, admin=admin)
    return actions.do_publish_period(period=period, actor=admin)


def test_a_published_snapshot_cannot_be_changed_by_any_code_path(published: Snapshot) -> None:
    row = published.rows.first()
    assert row is not None
    published.reason = "sửa"
    row.score = 1.0
    for attempt in (
        published.save,
        published.delete,
        row.save,
        row.delete,
        lambda: Snapshot.objects.filter(pk=published.pk).update(reason="x"),
        lambda: SnapshotUnit.objects.filter(pk=row.pk).update(score=1),
        lambda: SnapshotUnit.objects.bulk_update([row], ["score"]),
        lambda: SnapshotUnit.objects.all().delete(),
        lambda: published.period.delete(),
    ):
        # Each attempt in its own savepoint: bulk_update fails inside an atomic block.
        with pytest.raises(Exception) as info, transaction.atomic():
            attempt()
        assert isinstance(info.value, PermissionError) or "protected" in str(info.value).lower()
    fresh = SnapshotUnit.objects.get(pk=row.pk)
    assert fresh.score != 1.0 and Snapshot.objects.get(pk=published.pk).reason == ""


def test_an_accepted_appeal_enters_version_two_and_version_one_stays(
    published: Snapshot, period: Period, hoa_phu: Unit, officer: Any, verifier: Any,
    verifier_tn: Any, admin: Any,
) -> None:  # fmt: skip
    sub = sub_of(period, hoa_phu)
    v1_row = queries.snapshot_row(published, hoa_phu)
    assert v1_row is not None
    appeal = actions.do_file_appeal(
        submission=sub, criterion="NT1.02", value=("4", None),
        reason="Có đủ 4 biên bản họp", file=("bien-ban.pdf", PDF + b"4 cuoc hop"), actor=officer,
    )  # fmt: skip
    with pytest.raises(PermissionDenied):
        actions.do_decide_appeal(appeal=appeal, accept=True, reason="x", actor=verifier_tn)
    actions.do_decide_appeal(appeal=appeal, accept=True, reason="Biên bản hợp lệ", actor=verifier)
    with pytest.raises(actions.AssessmentError, match="lý do"):
        actions.do_publish_period(period=period, actor=admin)
    v2 = actions.do_publish_period(period=period, reason="Kết quả phúc khảo", actor=admin)
    assert v2.version == 2
    v2_row = queries.snapshot_row(v2, hoa_phu)
    assert v2_row is not None and v2_row.nodes["NT1.02"][1] == 20.0
    assert queries.snapshot_row(published, hoa_phu).nodes["NT1.02"][1] == v1_row.nodes["NT1.02"][1]
    entry = next(c for c in v2.changelog if c["criterion"] == "NT1.02")
    assert entry["why"] == "Phúc khảo được chấp nhận: Biên bản hợp lệ"
    assert entry["old"] == "2 cuộc" and entry["new"] == "4 cuộc"
    assert any(c["criterion"] is None and c["unit"] == hoa_phu.code for c in v2.changelog)
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.ACCEPTED and appeal.applied_in == v2
    assert published.inputs_sha256 != v2.inputs_sha256


def test_an_appeal_after_the_window_is_refused(
    published: Snapshot, period: Period, hoa_phu: Unit, officer: Any
) -> None:
    with pytest.raises(actions.AssessmentError, match="hết hạn phúc khảo"):
        actions.do_file_appeal(
            submission=sub_of(period, hoa_phu), criterion="NT1.02", value=("4", None),
            reason="x", actor=officer, now=published.appeal_until + dt.timedelta(minutes=1),
        )  # fmt: skip


def test_an_officer_cannot_appeal_for_another_commune(
    published: Snapshot, period: Period, krong_nang: Unit, officer: Any
) -> None:
    with pytest.raises(PermissionDenied):
        actions.do_file_appeal(
            submission=sub_of(period, krong_nang), criterion="NT1.02", value=("4", None),
            reason="x", actor=officer,
        )  # fmt: skip
