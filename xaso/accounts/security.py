"""Gates for views. Every page that needs a signed-in person uses ``official_view``; for a
privileged person (province administrator, verifier, superuser) it also demands that
this session passed the second factor, so a stolen password alone opens nothing.

The URL-resolver test in tests/test_two_factor.py walks every URL to keep this true.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django_otp import user_has_device
from ninja.security import SessionAuth

View = Callable[..., HttpResponse]


def needs_second_factor(request: HttpRequest) -> bool:
    user = request.user
    if not settings.XASO_REQUIRE_2FA or not user.is_authenticated:
        return False
    if not getattr(user, "is_privileged", False):
        return False
    is_verified = getattr(user, "is_verified", None)
    return not (callable(is_verified) and is_verified())


def second_factor_url(request: HttpRequest, target: str) -> str:
    """Enrolment when the person has no confirmed device yet, else the code page."""
    name = "accounts:otp_verify" if user_has_device(request.user) else "accounts:otp_setup"
    return f"{reverse(name)}?{urlencode({'next': target})}"


def second_factor_redirect(request: HttpRequest, target: str | None = None) -> HttpResponseRedirect:
    return HttpResponseRedirect(second_factor_url(request, target or request.get_full_path()))


def official_view(view: View | None = None, *, roles: Iterable[str] | None = None) -> Any:
    """Signed in, second factor passed when privileged, and (with ``roles``) holding one of
    those roles somewhere; anyone else gets the same 404 as a page that does not exist."""
    wanted = frozenset(roles or ())

    def decorate(fn: View) -> View:
        @wraps(fn)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if needs_second_factor(request):
                return second_factor_redirect(request)
            if wanted and not user.is_superuser and not (wanted & getattr(user, "roles", set())):
                raise Http404("Không tìm thấy.")
            response = fn(request, *args, **kwargs)
            # Officials' pages hold personal data and one-time passwords: no caching.
            patch_cache_control(response, private=True, no_store=True)
            return response

        wrapper.xaso_official = True  # type: ignore[attr-defined]
        return wrapper

    return decorate(view) if view is not None else decorate


class OfficialSession(SessionAuth):
    """API authentication: the signed-in session, refused to a privileged person who has
    not passed the second factor — the same rule as ``official_view`` for pages."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        from xaso.accounts.models import User

        user = super().authenticate(request, key)
        if not isinstance(user, User) or needs_second_factor(request):
            return None
        return user
