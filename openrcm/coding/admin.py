from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from openrcm.coding.models import CodeSetRelease


@admin.register(CodeSetRelease)
class CodeSetReleaseAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # generic only in stubs
    """Read-only: releases are loaded with `openrcm codesets load`, never typed in."""

    list_display = ("label", "kind", "variant", "effective_from", "effective_to", "row_count")
    list_filter = ("kind",)
    search_fields = ("label", "source_name", "sha256")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
