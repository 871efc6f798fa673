"""Patients in the admin: client scoped, read-only, and every record opened is audited.

Encrypted identifiers (SSN, date of birth, phone, email, street, member ID) cannot be
searched: the database holds only ciphertext. Search by name or account number.
"""

from django.contrib import admin

from openrcm.core.admin import ScopedModelAdmin
from openrcm.patients.models import Coverage, Patient


@admin.register(Patient)
class PatientAdmin(ScopedModelAdmin):
    permission_area = "patient"
    audit_reads = True
    list_display = ("last_name", "first_name", "account_number", "client", "city", "state")
    search_fields = ("last_name", "first_name", "account_number")
    list_select_related = ("client",)
    exclude = ("date_of_birth_hash", "phone_hash", "email_hash")


@admin.register(Coverage)
class CoverageAdmin(ScopedModelAdmin):
    permission_area = "patient"
    audit_reads = True
    list_display = ("patient", "payer", "priority", "effective_from", "effective_to")
    list_filter = ("priority",)
    search_fields = ("patient__last_name", "patient__account_number", "payer__name")
    list_select_related = ("patient", "payer")
    exclude = ("member_id_hash",)
