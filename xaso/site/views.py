from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from xaso.core.middleware import client_ip
from xaso.site import operations
from xaso.units import queries as unit_queries


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "site/home.html", {"stats": unit_queries.unit_counts()})


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness plus the one dependency every page needs: the database."""
    if operations.check_database() != "ok":
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: database, file storage, and the task backlog (degraded, not down)."""
    status, body = operations.readiness()
    return JsonResponse(body, status=status)


@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    # Metrics reveal volumes and queue sizes: only the monitoring network may read them.
    # Behind the reverse proxy REMOTE_ADDR is always the proxy's (loopback): judge the
    # client address the proxy forwarded instead.
    if not operations.metrics_allowed(client_ip(request)):
        raise Http404
    return HttpResponse(operations.metrics_text(), content_type="text/plain; version=0.0.4")
