"""Idle timeout for officials: a session unused for 30 minutes ends."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

_LAST_SEEN = "xaso_last_seen"


class OfficialSessionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and getattr(user, "is_official", False):
            now = time.time()
            last = request.session.get(_LAST_SEEN)
            if last is not None and now - float(last) > settings.XASO_OFFICIAL_IDLE_SECONDS:
                logout(request)
            else:
                request.session[_LAST_SEEN] = now
        return self.get_response(request)
