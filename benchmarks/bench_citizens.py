"""The residents' channel: speed and safety.

    .venv/bin/python benchmarks/bench_citizens.py            # SQLite parts, then PostgreSQL
    .venv/bin/python benchmarks/bench_citizens.py --no-pg    # SQLite parts only

Prints one ``name value`` per line:
  intake_cases_per_s        the whole intake pipeline, SQLite, one process (target ≥ 200)
  queue_page_ms             officer's queue page, commune with 10,000 cases (target ≤ 150)
  board_page_bytes          public board page with its CSS and scripts (target ≤ 150 KB)
  fanout_100k_s             one announcement queued to 100,000 recipients, SQLite (≤ 10)
  audio_150_words_s         normalise + espeak-ng + sox to OGG and MP3 (target ≤ 2)
  classifier_accuracy       held-out 20 % of 2,000 generated reports
  drain_msgs_per_s          outbox drained by two worker processes, PostgreSQL, against the
                            fake gateway over HTTP on 127.0.0.1 (target ≥ 500)
  chaos_lost / chaos_duplicates / chaos_resubmitted
                            gateway failing 30 % (half of those after taking the batch),
                            down for a while, a worker killed mid-batch: 0 lost, 0 duplicates
                            on the handset; resubmissions absorbed by idempotency keys
PostgreSQL: a throwaway cluster on port 54375 (scripts/pg-throwaway.sh), stopped after.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG_MODE = "--pg-child" in sys.argv
if not PG_MODE:
    os.environ["XASO_DATA_DIR"] = tempfile.mkdtemp(prefix="xaso-bench-citizens-")
    os.environ.pop("DATABASE_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xaso.settings")
os.environ["XASO_DEMO"] = "0"

import django  # noqa: E402

django.setup()

import datetime as dt  # noqa: E402
import multiprocessing  # noqa: E402
import signal  # noqa: E402
import threading  # noqa: E402

from django.conf import settings  # noqa: E402
from django.contrib.staticfiles import finders  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from xaso.accounts.actions import do_assign_roles, do_create_user  # noqa: E402
from xaso.citizens import actions, classifier, corpus, outbox, speech  # noqa: E402
from xaso.citizens.fakegateway import FakeGateway  # noqa: E402
from xaso.citizens.intake import IntakeRecord  # noqa: E402
from xaso.citizens.models import Case, Contact, OutboxMessage  # noqa: E402
from xaso.units.actions import do_import_units  # noqa: E402
from xaso.units.models import Generation, Unit  # noqa: E402


def say(name: str, value: object) -> None:
    print(f"{name} {value}", flush=True)


def setup_units() -> tuple[Unit, Unit]:
    call_command("migrate", interactive=False, verbosity=0)
    do_import_units()
    commune = Unit.objects.select_related("province").get(
        generation=Generation.CURRENT, code="24175"
    )
    assert commune.province is not None
    return commune, commune.province


def bench_intake(commune: Unit, province: Unit) -> None:
    for std in corpus.STANDARD_CATEGORIES:
        actions.do_save_category(unit=province, code=std.code, name=std.name, actor=None)
    villages = [
        actions.do_save_village(unit=commune, name=f"Thôn {i}", actor=None) for i in range(1, 9)
    ]
    for i, (text, code) in enumerate(corpus.generate(400, seed=2)):
        actions.do_receive_case(
            IntakeRecord(
                channel="import",
                unit_id=commune.pk,
                body=text,
                category_code=code,
                answer="Đã xử lý.",
                answered_at=timezone.now(),
                provider_id=f"h{i}",
            ),
            actor=None,
        )
    actions.do_retrain_classifier(province=province, actor=None)
    texts = corpus.generate(1000, seed=9)
    records = [
        IntakeRecord(
            channel="sms",
            unit_id=commune.pk,
            body=text,
            phone=f"0912{i:06d}",
            provider_id=f"bench-{i}",
            village=villages[i % 8].name,
            latitude=12.6 + (i % 50) * 0.003,
            longitude=108.0 + (i % 37) * 0.003,
        )
        for i, (text, _) in enumerate(texts)
    ]
    started = time.perf_counter()
    for record in records:
        actions.do_receive_case(record, actor=None)
    elapsed = time.perf_counter() - started
    say("intake_cases_per_s", round(len(records) / elapsed))


def bench_queue_and_board(commune: Unit) -> None:
    now = timezone.now()
    have = Case.objects.filter(unit=commune).count()
    states = ["new", "accepted", "assigned", "in_progress", "answered", "closed"]
    rows = [
        Case(
            unit=commune,
            province_id=commune.province_id,
            code=f"B-{i}",
            token=f"tok-bench-{i}",
            channel="web",
            legal_class="field",
            state=states[i % 6],
            title=f"Phản ánh số {i}",
            body="Đường hỏng nặng ở thôn, đề nghị sửa chữa",
            received_at=now - dt.timedelta(hours=i),
            resolve_due=now + dt.timedelta(hours=50 - i % 100),
            is_public=True,
            answer="Đã sửa xong." if i % 6 >= 4 else "",
            answered_at=now - dt.timedelta(hours=i - 1) if i % 6 >= 4 else None,
            answered_on_time=i % 6 >= 4,
            search_text=f" phan anh so {i} ",
        )
        for i in range(10_000 - have)
    ]
    Case.objects.bulk_create(rows, batch_size=2000)
    officer = do_create_user(
        username="bench.officer",
        full_name="Cán bộ",
        phone="",
        organisation="",
        province=commune.province,
        password="bench-Pass-2025-x",
        actor=None,
    ).user
    do_assign_roles(user=officer, role="commune_officer", units=[commune], actor=None)
    client = Client()
    client.force_login(officer)
    url = f"/can-bo/phan-anh/xa/{commune.code}/"
    assert client.get(url).status_code == 200
    timings = []
    for _ in range(7):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    timings.sort()
    say("queue_page_ms", round(timings[len(timings) // 2], 1))
    page = Client().get(f"/phan-anh/cong-khai/{commune.code}/").content
    total = len(page)
    for asset in re.findall(rb'(?:href|src)="/static/([^"]+)"', page):
        found = finders.find(asset.decode())
        if found:
            total += Path(str(found)).stat().st_size
    say("board_page_bytes", total)


def bench_fanout(commune: Unit) -> None:
    now = timezone.now()
    contacts = (
        Contact(unit=commune, name=f"Người {i}", phone=f"08{i:08d}", consent_at=now)
        for i in range(100_000)
    )
    batch: list[Contact] = []
    for c in contacts:
        batch.append(c)
        if len(batch) == 10_000:
            Contact.objects.bulk_create(batch)
            batch = []
    item = actions.do_create_announcement(
        unit=commune,
        title="Cảnh báo nắng nóng",
        body="Hạn chế ra ngoài từ 11h đến 15h.",
        channels=["sms", "web"],
        actor=None,
    )
    item.state = "scheduled"
    started = time.perf_counter()
    actions.do_send_announcement(announcement=item, actor=None)
    elapsed = time.perf_counter() - started
    assert OutboxMessage.objects.filter(announcement=item).count() == 100_000
    say("fanout_100k_s", round(elapsed, 2))


def bench_audio() -> None:
    sentence = (
        "UBND xã Hòa Phú thông báo lịch tiêm chủng mở rộng ngày 12/12/2026 từ 7h30 tại trạm "
        "y tế xã cho trẻ em dưới 5 tuổi, phụ huynh mang sổ tiêm chủng và thẻ BHYT."
    )
    words = sentence.split()
    text = " ".join((words * 10)[:150])
    started = time.perf_counter()
    speech.synthesise(speech.normalise(text))
    say("audio_150_words_s", round(time.perf_counter() - started, 2))


def bench_classifier() -> None:
    data = corpus.generate(2000, seed=21)
    trained = classifier.train([t for t, _ in data], [c for _, c in data])
    say("classifier_accuracy", round(trained.accuracy or 0.0, 3))


# --- PostgreSQL: two workers, and the chaos run ---------------------------------------------


def _worker(name: str, seconds: float, lease: float) -> None:
    settings.XASO_OUTBOX_LEASE_SECONDS = lease
    settings.XASO_OUTBOX_BACKOFF_SECONDS = 0.2
    settings.XASO_OUTBOX_BREAKER_SECONDS = 1.0
    connections.close_all()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        report = actions.do_drain_outbox(worker=name, batch=200)
        if not report.claimed:
            if not OutboxMessage.objects.filter(state__in=["queued", "sending"]).exists():
                return
            time.sleep(0.05)


def _queue(commune: Unit, n: int, prefix: str) -> None:
    now = timezone.now()
    outbox.enqueue(
        outbox.row(
            unit_id=commune.pk,
            key=f"{prefix}:{i}",
            channel="sms",
            address=f"09{i:08d}",
            text=f"Tin thử {i}",
            urgent=True,
            now=now,
        )
        for i in range(n)
    )


def _gateway_server(fake: FakeGateway, commune: Unit) -> tuple[object, str]:
    server = fake.serve(port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    from xaso.citizens.models import Gateway

    Gateway.objects.filter(unit=commune).delete()
    actions.do_save_gateway(
        unit=commune,
        name=f"bench-{fake.name}",
        kind="sms",
        base_url=f"http://127.0.0.1:{port}",
        api_key=fake.api_key,
        actor=None,
    )
    return server, f"http://127.0.0.1:{port}"


def pg_child() -> None:
    commune, _ = setup_units()
    ctx = multiprocessing.get_context("fork")
    # Two workers against a healthy gateway.
    fake = FakeGateway(name="fast")
    server, _ = _gateway_server(fake, commune)
    n = 20_000
    _queue(commune, n, "drain")
    connections.close_all()
    started = time.perf_counter()
    workers = [ctx.Process(target=_worker, args=(f"w{i}", 120.0, 60.0)) for i in (1, 2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - started
    sent = OutboxMessage.objects.filter(key__startswith="drain:", state="sent").count()
    say("drain_msgs_per_s", round(sent / elapsed))
    say("drain_twice_submitted", sum(1 for v in fake.received.values() if v > 1))
    server.shutdown()  # type: ignore[attr-defined]
    OutboxMessage.objects.all().delete()
    # Chaos: 30 % failures, a 10-second outage, a worker killed mid-batch.
    flaky = FakeGateway(name="flaky", fail_rate=0.3, seed=7, slow_seconds=0.002)
    server, _ = _gateway_server(flaky, commune)
    total = 5_000
    _queue(commune, total, "chaos")
    connections.close_all()
    victim = ctx.Process(target=_worker, args=("victim", 60.0, 3.0))
    steady = ctx.Process(target=_worker, args=("steady", 150.0, 3.0))
    victim.start()
    steady.start()
    time.sleep(0.6)
    flaky.go_down(10)
    assert victim.pid is not None
    os.kill(victim.pid, signal.SIGKILL)  # mid-batch: its claimed rows wait out their lease
    victim.join()
    spare = ctx.Process(target=_worker, args=("spare", 150.0, 3.0))
    spare.start()
    steady.join()
    spare.join()
    server.shutdown()  # type: ignore[attr-defined]
    done = OutboxMessage.objects.filter(key__startswith="chaos:", state="sent").count()
    say("chaos_lost", total - done)
    say("chaos_duplicates", sum(1 for v in flaky.handset.values() if v > 1))
    say("chaos_resubmitted", sum(1 for v in flaky.received.values() if v > 1))
    say("chaos_delivered_to_handsets", len(flaky.handset))


def main() -> None:
    if PG_MODE:
        pg_child()
        return
    started = time.perf_counter()
    commune, province = setup_units()
    bench_intake(commune, province)
    bench_queue_and_board(commune)
    bench_fanout(commune)
    bench_audio()
    bench_classifier()
    if "--no-pg" in sys.argv:
        say("total_s", round(time.perf_counter() - started, 1))
        return
    script = ROOT / "scripts" / "pg-throwaway.sh"
    env = {**os.environ, "XASO_PG_PORT": "54375"}
    url = (
        subprocess.run([str(script), "start"], env=env, check=True, capture_output=True, text=True)
        .stdout.strip()
        .splitlines()[-1]
    )
    try:
        child_env = {**os.environ, "DATABASE_URL": url}
        subprocess.run(
            [sys.executable, __file__, "--pg-child"], env=child_env, check=True, timeout=170
        )
    finally:
        subprocess.run([str(script), "stop"], env=env, check=False)
    say("total_s", round(time.perf_counter() - started, 1))


if __name__ == "__main__":
    main()
