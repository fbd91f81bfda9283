"""Session rules for officials: a session unused for 30 minutes ends, and a person holding
a one-time password from an administrator chooses their own before anything else."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

_LAST_SEEN = "xaso_last_seen"
IDLE_FLAG = "xaso_idle_logout"
# Pages a person with a one-time password may still reach: the way to change it, the
# second factor that must come first for privileged people, and the way out.
_PASSWORD_CHANGE_EXEMPT = frozenset(
    {"password_change", "logout", "login", "otp_setup", "otp_verify", "set_language"}
)


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
                # Survives in the fresh anonymous session so the login page can say why.
                request.session[IDLE_FLAG] = True
            else:
                request.session[_LAST_SEEN] = now
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if not getattr(user, "must_change_password", False):
            return None
        match = request.resolver_match
        if match is None or match.url_name in _PASSWORD_CHANGE_EXEMPT:
            return None
        return HttpResponseRedirect(reverse("accounts:password_change"))
