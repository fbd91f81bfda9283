"""Health, readiness and metrics for operators (docs/deploy.md)."""

from __future__ import annotations

import ipaddress
import uuid
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.db.models import Count, Min
from django.db.utils import DatabaseError
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from xaso.core.metrics import gauges, register_gauge


def check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return "unreachable"
    return "ok"


def check_storage() -> str:
    """Writes, reads back and deletes a tiny file: the same path evidence uploads take."""
    name = f"healthcheck/{uuid.uuid4().hex}.txt"
    try:
        saved = default_storage.save(name, ContentFile(b"ok"))
        with default_storage.open(saved) as handle:
            ok = handle.read() == b"ok"
        default_storage.delete(saved)
    except Exception:  # any backend error (disk full, S3 down) means "not ready"
        return "unreachable"
    return "ok" if ok else "corrupt"


def task_backlog() -> dict[str, Any]:
    ready = DBTaskResult.objects.ready()
    oldest = ready.aggregate(oldest=Min("run_after"))["oldest"]
    age = (timezone.now() - oldest).total_seconds() if oldest else 0.0
    return {"queued": ready.count(), "oldest_seconds": round(max(age, 0.0), 1)}


def readiness() -> tuple[int, dict[str, Any]]:
    database = check_database()
    body: dict[str, Any] = {"database": database}
    body["storage"] = check_storage()
    if database == "ok":
        body["tasks"] = task_backlog()
    ready = database == "ok" and body["storage"] == "ok"
    # A backlog means the workers are behind or down: worth an alert, not worth taking
    # the web process out of the load balancer.
    behind = ready and body["tasks"]["oldest_seconds"] > settings.XASO_TASK_BACKLOG_ALERT_SECONDS
    body["status"] = "degraded" if behind else ("ok" if ready else "error")
    return (200 if ready else 503), body


def _tasks_by_status() -> Iterator[tuple[dict[str, str], float]]:
    counts = dict(DBTaskResult.objects.values_list("status").annotate(n=Count("id")))
    for status in ("READY", "RUNNING", "FAILED", "SUCCESSFUL"):
        yield {"status": status.lower()}, float(counts.get(status, 0))


register_gauge("xaso_tasks", "Background tasks by status", _tasks_by_status, labels=("status",))
register_gauge(
    "xaso_task_oldest_queued_seconds",
    "Age of the oldest task waiting for a worker",
    lambda: [({}, task_backlog()["oldest_seconds"])],
)


class _AppGauges(Collector):
    def collect(self) -> Iterator[GaugeMetricFamily]:
        for gauge in gauges():
            family = GaugeMetricFamily(gauge.name, gauge.help, labels=list(gauge.labels))
            for labels, value in gauge.read():
                family.add_metric([labels[k] for k in gauge.labels], value)
            yield family


def metrics_text() -> bytes:
    """Process-wide request metrics (django-prometheus) plus the apps' gauges."""
    from prometheus_client import REGISTRY

    registry = CollectorRegistry()
    registry.register(_AppGauges())
    return generate_latest(REGISTRY) + generate_latest(registry)


def metrics_allowed(remote_addr: str | None) -> bool:
    if not remote_addr:
        return False
    try:
        address = ipaddress.ip_address(remote_addr)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(n) for n in settings.XASO_METRICS_ALLOWED)
