"""Home page, health check, security headers and the production profile."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any
from unittest import mock

import pytest
from django.db.utils import OperationalError
from django.test import Client

pytestmark = pytest.mark.django_db


def test_home_is_vietnamese_and_counts_units(client: Client) -> None:
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="vi">' in html
    assert "3.321" in html and "10.035" in html  # Vietnamese thousands separator


def test_vietnamese_even_when_the_browser_asks_for_english(client: Client) -> None:
    response = client.get("/", headers={"Accept-Language": "en-US,en"})
    assert '<html lang="vi">' in response.content.decode()


def test_english_when_chosen(client: Client) -> None:
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html
    assert "Administrative units" in html


def test_healthz_ok(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_healthz_503_when_database_unreachable(client: Client) -> None:
    with mock.patch("xaso.site.operations.connection.cursor", side_effect=OperationalError("down")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


def test_csp_forbids_inline_scripts(client: Client) -> None:
    csp = client.get("/").headers["Content-Security-Policy"]
    script_src = next(d for d in csp.split(";") if d.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src


def test_pages_have_no_inline_scripts_or_cdn(client: Client) -> None:
    for url in ("/", "/don-vi/", "/don-vi/hien-nay/24175/", "/don-vi/tim-kiem/?q=hoa"):
        html = client.get(url).content.decode()
        assert "<script>" not in html and "cdn" not in html.lower(), url


def test_request_id_is_echoed(client: Client) -> None:
    response = client.get("/healthz", headers={"X-Request-ID": "abc12345-test"})
    assert response["X-Request-ID"] == "abc12345-test"
    assert client.get("/healthz", headers={"X-Request-ID": "<bad>"})["X-Request-ID"] != "<bad>"


def test_production_profile_passes_check_deploy_with_no_warnings(tmp_path: object) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "xaso.settings.production",
        "XASO_SECRET_KEY": "k" * 20 + "-production-secret-for-the-deploy-check-0123456789",
        "XASO_ALLOWED_HOSTS": "xaso.example.gov.vn",
        "XASO_DATA_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "-m", "xaso", "manage", "check", "--deploy", "--fail-level", "WARNING"],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_the_demo_secret(tmp_path: object) -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "xaso.settings.production",
           "XASO_DATA_DIR": str(tmp_path)}  # fmt: skip
    env.pop("XASO_SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, "-m", "xaso", "manage", "check"],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert result.returncode != 0 and "XASO_SECRET_KEY" in result.stderr


def test_readyz_checks_database_storage_and_backlog(client: Client) -> None:
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 200
    assert body["database"] == "ok" and body["storage"] == "ok"
    assert body["tasks"]["queued"] >= 0 and body["status"] in {"ok", "degraded"}


def test_readyz_503_when_storage_fails(client: Client) -> None:
    with mock.patch("xaso.site.operations.default_storage.save", side_effect=OSError("full")):
        response = client.get("/readyz")
    assert response.status_code == 503 and response.json()["storage"] == "unreachable"


def test_readyz_degraded_when_tasks_wait_too_long(client: Client, settings: object) -> None:
    from xaso.units.tasks import refresh_units

    refresh_units.enqueue()
    settings.XASO_TASK_BACKLOG_ALERT_SECONDS = -1  # type: ignore[attr-defined]
    response = client.get("/readyz")
    assert response.status_code == 200 and response.json()["status"] == "degraded"


def test_metrics_expose_task_queue_depth_to_loopback_only(client: Client) -> None:
    from xaso.units.tasks import refresh_units

    refresh_units.enqueue()
    text = client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()
    assert 'xaso_tasks{status="ready"} 1.0' in text
    assert "django_http_requests_total_by_method_total" in text
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 404


def test_behind_the_proxy_metrics_judge_the_forwarded_client(client: Client, settings: Any) -> None:
    """nginx on the same host: REMOTE_ADDR is always loopback, the client is forwarded."""
    settings.AXES_IPWARE_PROXY_COUNT = 1
    outsider = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.9"}
    assert client.get("/metrics", **outsider).status_code == 404
    monitoring = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "127.0.0.1"}
    assert client.get("/metrics", **monitoring).status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200  # scraped directly


def test_migrations_run_with_a_lock_timeout_on_postgresql() -> None:
    from django.apps import apps
    from django.db import connection
    from django.db.models.signals import pre_migrate

    if connection.vendor != "postgresql":
        pytest.skip("lock_timeout is a PostgreSQL setting")
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = 0")
        pre_migrate.send(sender=apps.get_app_config("core"), app_config=None, using="default")
        cursor.execute("SHOW lock_timeout")
        assert cursor.fetchone()[0] == "10s"
