"""Base classes for the admin: client-scoped, role-checked, read-only, audited.

The admin is a browsing tool for staff. It changes nothing (state changes go through
services, which validate and audit), it shows only the rows ``Model.objects.for_user``
allows, a row of another practice answers 404, and opening a record that holds patient
data writes a read row to the audit trail.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse

from openrcm.accounts.permissions import has_permission


class MissingIs404Mixin:
    """A missing (or out-of-scope) row answers 404, as everywhere else, not a redirect.

    Django's admin redirects to its index for a missing id, in some views before checking
    permission, which would tell an unpermitted user which ids exist.
    """

    def _get_obj_does_not_exist_redirect(
        self, request: HttpRequest, opts: Any, object_id: str
    ) -> Any:
        raise Http404("No such record.")

    # Permission before lookup, so a refused user gets the same answer for every id.
    def change_view(self, request: HttpRequest, object_id: str, *args: Any, **kw: Any) -> Any:
        if not self.has_view_or_change_permission(request):  # type: ignore[attr-defined]
            raise DjangoPermissionDenied
        return super().change_view(request, object_id, *args, **kw)  # type: ignore[misc]

    def history_view(self, request: HttpRequest, object_id: str, *args: Any, **kw: Any) -> Any:
        if not self.has_view_or_change_permission(request):  # type: ignore[attr-defined]
            raise DjangoPermissionDenied
        return super().history_view(request, object_id, *args, **kw)  # type: ignore[misc]

    def delete_view(self, request: HttpRequest, object_id: str, *args: Any, **kw: Any) -> Any:
        if not self.has_delete_permission(request):  # type: ignore[attr-defined]
            raise DjangoPermissionDenied
        return super().delete_view(request, object_id, *args, **kw)  # type: ignore[misc]


class ScopedModelAdmin(MissingIs404Mixin, admin.ModelAdmin):  # type: ignore[type-arg]  # generic
    """``permission_area = "patient"`` → needs "patient.view"; rows via ``for_user``.

    ``audit_reads``: opening one record writes an audit read row (models with PHI).
    """

    permission_area: str = ""
    audit_reads: bool = False
    list_per_page = 50
    show_full_result_count = False

    def _may(self, request: HttpRequest, verb: str) -> bool:
        user: Any = request.user
        if not self.permission_area:
            raise ValueError(f"{type(self).__name__} must set permission_area")
        if getattr(user, "is_client_user", True):
            return False
        return has_permission(user, f"{self.permission_area}.{verb}")

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[Any]:
        queryset = super().get_queryset(request)
        for_user = getattr(queryset, "for_user", None)
        if for_user is None:
            raise TypeError(
                f"{self.model.__name__} has no client-scoped manager; give it "
                "ScopedManager(...) or do not register it with ScopedModelAdmin"
            )
        scoped: models.QuerySet[Any] = for_user(request.user)
        return scoped

    # Read-only: views and changes of state go through services.
    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._may(request, "view")

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may(request, "view")

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        return {}

    def _scoped_object_or_404(self, request: HttpRequest, object_id: str) -> Any:
        from django.contrib.admin.utils import unquote

        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404("No such record.")
        return obj

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if not self.has_view_or_change_permission(request):
            raise DjangoPermissionDenied
        obj = self._scoped_object_or_404(request, object_id)
        response: HttpResponse = super().change_view(request, object_id, form_url, extra_context)
        if self.audit_reads and response.status_code == 200:
            from openrcm.privacy.services import audit_read

            audit_read(request, obj, via="admin")
        return response

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if not self.has_view_or_change_permission(request):
            raise DjangoPermissionDenied
        self._scoped_object_or_404(request, object_id)
        response: HttpResponse = super().history_view(request, object_id, extra_context)
        return response

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if not self.has_delete_permission(request):
            raise DjangoPermissionDenied
        self._scoped_object_or_404(request, object_id)
        response: HttpResponse = super().delete_view(request, object_id, extra_context)
        return response


class ReferenceDataAdmin(ScopedModelAdmin):
    """Read-only admin for data that belongs to no practice (payers): not scoped."""

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[Any]:
        return admin.ModelAdmin.get_queryset(self, request)


def encrypted_field_names(model: type[models.Model]) -> set[str]:
    from openrcm.core.fields import EncryptedTextField

    return {f.name for f in model._meta.get_fields() if isinstance(f, EncryptedTextField)}
