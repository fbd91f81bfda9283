from __future__ import annotations

from django.db import connection
from django.db.utils import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from xaso.units import queries as unit_queries


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "site/home.html", {"stats": unit_queries.unit_counts()})


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness plus the one dependency every page needs: the database."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
