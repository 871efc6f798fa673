"""Users in the admin: visible to roles with "user.manage"; changes go through services.

The admin does not edit users directly (that would skip validation and the audit trail);
its actions call ``user_unlock``, ``mfa_reset`` and ``user_deactivate``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest

from openrcm.accounts import services
from openrcm.accounts.models import User
from openrcm.accounts.permissions import has_permission
from openrcm.core.admin import MissingIs404Mixin
from openrcm.core.middleware import request_actor


@admin.register(User)
class OpenrcmUserAdmin(MissingIs404Mixin, UserAdmin):  # type: ignore[type-arg]  # generic
    list_display = ("username", "email", "role", "client", "is_active", "locked_until")
    list_filter = ("role", "is_active")
    search_fields = ("username", "first_name", "last_name", "email")
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        ("Billing", {"fields": ("role", "client", "assigned_clients")}),
        ("Sign-in", {"fields": ("failed_login_count", "locked_until")}),
    )
    actions = ("unlock", "reset_mfa", "deactivate")

    def _may(self, request: HttpRequest) -> bool:
        user: Any = request.user
        return not getattr(user, "is_client_user", True) and has_permission(user, "user.manage")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._may(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_actions(self, request: HttpRequest) -> Any:
        # Actions normally need change permission; ours are service calls gated on user.manage.
        if not self._may(request):
            return {}
        return {name: self.get_action(name) for name in self.actions if self.get_action(name)}

    @admin.action(description="Unlock the selected accounts")
    def unlock(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            services.user_unlock(actor=request_actor(request), user=user)
        messages.success(request, f"Unlocked {queryset.count()} account(s).")

    @admin.action(description="Remove second factors (the user enrols again)")
    def reset_mfa(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            services.mfa_reset(actor=request_actor(request), user=user)
        messages.success(request, f"Second factors removed for {queryset.count()} user(s).")

    @admin.action(description="Deactivate the selected users")
    def deactivate(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            services.user_deactivate(actor=request_actor(request), user=user)
        messages.success(request, f"Deactivated {queryset.count()} user(s).")


# Roles live in openrcm.accounts.permissions, not in Django groups; second-factor secrets
# are managed only through the MFA pages and services (never shown in an admin form).
for _model_label in ("auth.Group", "otp_totp.TOTPDevice", "otp_static.StaticDevice"):
    from django.apps import apps as _apps

    _model = _apps.get_model(_model_label)
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
