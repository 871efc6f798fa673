from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from openrcm.accounts.models import User


@admin.register(User)
class OpenrcmUserAdmin(UserAdmin):
    list_display = ("username", "email", "role", "client", "is_active")
    list_filter = ("role", "is_active")
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        ("Billing", {"fields": ("role", "client", "assigned_clients")}),
    )
