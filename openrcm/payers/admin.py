"""Payers (reference data, no practice) and practices' fee schedules, read-only."""

from django.contrib import admin

from openrcm.core.admin import ReferenceDataAdmin, ScopedModelAdmin
from openrcm.payers.models import FeeSchedule, Payer


@admin.register(Payer)
class PayerAdmin(ReferenceDataAdmin):
    permission_area = "payer"
    list_display = ("name", "payer_id", "payer_type", "timely_filing_days")
    list_filter = ("payer_type",)
    search_fields = ("name", "payer_id")


@admin.register(FeeSchedule)
class FeeScheduleAdmin(ScopedModelAdmin):
    permission_area = "payer"
    list_display = ("name", "client", "payer", "effective_from", "effective_to")
    search_fields = ("name", "client__short_name", "payer__name")
    list_select_related = ("client", "payer")
