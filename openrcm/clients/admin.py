"""Practices in the admin: client scoped and read-only (see openrcm.core.admin)."""

from django.contrib import admin

from openrcm.clients.models import Client, ClientContact, Contract, Provider
from openrcm.core.admin import ScopedModelAdmin


@admin.register(Client)
class ClientAdmin(ScopedModelAdmin):
    permission_area = "client"
    list_display = ("short_name", "legal_name", "specialty", "group_npi", "state")
    search_fields = ("short_name", "legal_name", "group_npi")  # TIN is encrypted: not searchable
    exclude = ("tin_hash",)


@admin.register(Contract)
class ContractAdmin(ScopedModelAdmin):
    permission_area = "client"
    list_display = ("client", "status", "start_date", "end_date", "fee_percent")
    list_filter = ("status",)
    search_fields = ("client__short_name", "client__legal_name")
    list_select_related = ("client",)


@admin.register(Provider)
class ProviderAdmin(ScopedModelAdmin):
    permission_area = "client"
    list_display = ("last_name", "first_name", "credentials", "npi", "client", "active")
    list_filter = ("active",)
    search_fields = ("last_name", "first_name", "npi", "client__short_name")
    list_select_related = ("client",)


@admin.register(ClientContact)
class ClientContactAdmin(ScopedModelAdmin):
    permission_area = "client"
    list_display = ("name", "kind", "client")
    search_fields = ("name", "client__short_name")
    list_select_related = ("client",)
