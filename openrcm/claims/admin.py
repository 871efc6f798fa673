"""Encounters and claims in the admin: client scoped, read-only, reads audited."""

from django.contrib import admin

from openrcm.claims.models import Claim, Encounter
from openrcm.core.admin import ScopedModelAdmin


@admin.register(Encounter)
class EncounterAdmin(ScopedModelAdmin):
    permission_area = "claim"
    audit_reads = True
    list_display = (
        "date_of_service",
        "patient",
        "client",
        "rendering_provider",
        "place_of_service",
    )
    search_fields = ("patient__last_name", "patient__account_number", "client__short_name")
    list_select_related = ("patient", "client", "rendering_provider")
    date_hierarchy = "date_of_service"


@admin.register(Claim)
class ClaimAdmin(ScopedModelAdmin):
    permission_area = "claim"
    audit_reads = True
    list_display = (
        "patient_control_number",
        "patient",
        "payer",
        "status",
        "total_charge",
        "client",
    )
    list_filter = ("status",)
    search_fields = (
        "patient_control_number",
        "payer_claim_number",
        "patient__last_name",
        "patient__account_number",
    )
    list_select_related = ("patient", "payer", "client")
