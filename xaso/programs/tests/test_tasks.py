"""Reminders go through the database queue and a real worker: owners of tasks due soon
or overdue, and of KPIs whose measurement is due, get an in-app notification and an
e-mail — once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command
from django.tasks import TaskResultStatus

from xaso.accounts.actions import do_update_user
from xaso.accounts.models import User
from xaso.accounts.tests.factories import make_user
from xaso.programs import actions
from xaso.programs.models import Notification, Participant
from xaso.programs.tasks import send_reminders
from xaso.units.models import Unit

pytestmark = pytest.mark.django_db
D = dt.date


def _run_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    # The worker recycles connections between tasks; inside the test's transaction that
    # would drop the very connection holding the queued task.
    monkeypatch.setattr(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    )
    call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)


def _with_email(user: User, address: str) -> User:
    do_update_user(
        user=user,
        full_name=user.full_name,
        phone="",
        email=address,
        organisation=user.organisation,
        actor=None,
    )
    return User.objects.get(pk=user.pk)


def test_reminders_reach_task_and_kpi_owners_in_app_and_by_mail(
    p_song_cau: Participant,
    song_cau: Unit,
    admin_tn: User,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: object,
) -> None:
    officer = _with_email(make_user(role="commune_officer", units=[song_cau]), "xa@example.vn")
    admin = _with_email(admin_tn, "so@example.vn")
    bystander = make_user(role="commune_officer", units=[song_cau])
    overdue = actions.do_add_task(
        p_song_cau,
        title="Lắp Wi-Fi",
        owner_kind="commune",
        starts_on=D(2023, 8, 1),
        due_on=D(2023, 10, 31),
        actor=None,
    )
    dept = actions.do_add_task(
        p_song_cau,
        title="Cấp chứng thư số",
        owner_kind="department",
        starts_on=D(2023, 8, 1),
        due_on=D(2023, 11, 20),
        actor=None,
    )
    done = actions.do_add_task(
        p_song_cau,
        title="Ngày hội",
        owner_kind="commune",
        starts_on=D(2023, 8, 1),
        due_on=D(2023, 10, 1),
        actor=None,
    )
    actions.do_update_task(done, status="done", progress=100, done_on=D(2023, 9, 30), actor=None)
    actions.do_add_task(
        p_song_cau,
        title="Chợ 4.0",
        owner_kind="commune",
        starts_on=D(2023, 8, 1),
        due_on=D(2023, 12, 31),
        actor=None,
    )
    actions.do_add_kpi(
        p_song_cau,
        name="Thanh toán trực tuyến",
        baseline=0.1,
        baseline_on=D(2023, 6, 30),
        baseline_source="Một cửa",
        target=10,
        target_on=D(2023, 12, 31),
        measure_every_days=90,
        owner_user=officer,
        actor=None,
    )

    result = send_reminders.enqueue("2023-11-15")
    assert result.status == TaskResultStatus.READY
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        _run_worker(monkeypatch)
    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL, result.errors
    # Officers: the overdue task (both officers) and the KPI (its named owner);
    # the department: its task due in five days. Done and far-off tasks: nothing.
    assert result.return_value == {"notified": 4, "emailed": 3}
    titles = {(n.recipient_id, n.title) for n in Notification.objects.all()}
    assert titles == {
        (officer.pk, "Quá hạn: Lắp Wi-Fi"),
        (bystander.pk, "Quá hạn: Lắp Wi-Fi"),
        (officer.pk, "Đến kỳ cập nhật chỉ tiêu: Thanh toán trực tuyến"),
        (admin.pk, "Sắp đến hạn: Cấp chứng thư số"),
    }
    assert sorted(m.to[0] for m in mail.outbox) == [
        "so@example.vn",
        "xa@example.vn",
        "xa@example.vn",
    ]
    assert all(n.emailed for n in Notification.objects.filter(recipient__in=[officer, admin]))
    body = Notification.objects.get(recipient=officer, title__startswith="Quá hạn").body
    assert "quá hạn 15 ngày (hạn 31/10/2023)" in body

    # The same day again: nothing new.
    again = actions.do_send_reminders(on=D(2023, 11, 15))
    assert again.notified == 0
    # A week later: the overdue task nags again, the department's task is now overdue too.
    later = actions.do_send_reminders(on=D(2023, 11, 22))
    assert sorted(later.keys) == sorted(
        [f"task-overdue:{overdue.pk}:2023-47"] * 2 + [f"task-overdue:{dept.pk}:2023-47"]
    )
