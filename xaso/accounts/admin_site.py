"""Django's own admin behind the same second factor as the site's privileged pages."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import admin
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from xaso.accounts.security import needs_second_factor, second_factor_redirect


class SecondFactorAdminSite(admin.AdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        return super().has_permission(request) and not needs_second_factor(request)

    def login(self, request: HttpRequest, extra_context: object = None) -> HttpResponse:
        # One sign-in page for the whole site, and from there the second factor.
        target = request.GET.get("next", "")
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            target = reverse("admin:index")
        if not request.user.is_authenticated:
            return HttpResponseRedirect(
                f"{reverse('accounts:login')}?{urlencode({'next': target})}"
            )
        if needs_second_factor(request):
            return second_factor_redirect(request, target)
        if self.has_permission(request):
            return HttpResponseRedirect(target)
        raise Http404("Không tìm thấy.")


def require_second_factor() -> None:
    """Swaps the class of the default admin site in place (django-otp's documented way),
    keeping every model already registered on it."""
    admin.site.__class__ = SecondFactorAdminSite
