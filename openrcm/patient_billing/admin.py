"""Patient billing in the admin: client scoped, read-only, reads audited."""

from django.contrib import admin

from openrcm.core.admin import ScopedModelAdmin
from openrcm.patient_billing.models import AccountContact, ClientInstructions, Dispute


@admin.register(ClientInstructions)
class ClientInstructionsAdmin(ScopedModelAdmin):
    permission_area = "client"
    list_display = ("client", "statement_cycle", "places_accounts", "agency_name")


@admin.register(AccountContact)
class AccountContactAdmin(ScopedModelAdmin):
    permission_area = "patient"
    audit_reads = True
    list_display = ("at", "patient", "medium", "direction", "outcome", "recorded_by")
    list_select_related = ("patient",)


@admin.register(Dispute)
class DisputeAdmin(ScopedModelAdmin):
    permission_area = "patient"
    audit_reads = True
    list_display = ("opened_at", "patient", "resolved_at")
    list_select_related = ("patient",)
