"""The Django admin, brought under openrcm's sign-in, MFA and role rules.

Installed in place of ``django.contrib.admin`` (see INSTALLED_APPS). The admin's own login
page would bypass the second factor and the lockout, so it redirects to ours; only active
billing-company staff whose session passed MFA get in, and every model page is client
scoped (``openrcm.core.admin.ScopedModelAdmin``). Client users never get admin access.
"""

from __future__ import annotations

from typing import Any

from django.contrib.admin import AdminSite
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode


class OpenrcmAdminSite(AdminSite):
    site_header = "openrcm administration"
    site_title = "openrcm admin"
    index_title = "Records (client scoped, read-only)"

    def has_permission(self, request: HttpRequest) -> bool:
        from openrcm.core.middleware import session_mfa_verified

        user: Any = request.user
        return bool(
            user.is_active
            and user.is_authenticated
            and user.is_staff
            and not getattr(user, "is_client_user", True)
            and session_mfa_verified(request)
        )

    def login(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        target = request.GET.get("next") or reverse("admin:index")
        return HttpResponseRedirect(f"{reverse('accounts:login')}?{urlencode({'next': target})}")

    def logout(  # type: ignore[override]  # a redirect to our sign-out, not a template
        self, request: HttpRequest, extra_context: Any = None
    ) -> HttpResponse:
        return HttpResponseRedirect(reverse("accounts:logout"))


class OpenrcmAdminConfig(AdminConfig):
    default_site = "openrcm.core.admin_site.OpenrcmAdminSite"
