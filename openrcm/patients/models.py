"""Patients of client practices and their insurance coverage.

Direct identifiers (SSN, date of birth, street address, phone, email, member and
subscriber IDs) are encrypted field by field; keyed hashes beside date of birth, phone and
member ID allow exact search. Names stay searchable in clear.
"""

from __future__ import annotations

import datetime

from django.db import models
from django.db.models import Q

from openrcm.core.fields import EncryptedDateField, EncryptedTextField, SearchHashField
from openrcm.core.models import TimeStamped
from openrcm.core.scoping import ScopedManager
from openrcm.rules.identifiers import (
    normalize_date,
    normalize_email,
    normalize_member_id,
    normalize_phone,
)


class Sex(models.TextChoices):
    FEMALE = "F", "Female"
    MALE = "M", "Male"
    UNKNOWN = "U", "Unknown"


class GuarantorRelationship(models.TextChoices):
    SELF = "self", "Self"
    PARENT = "parent", "Parent"
    SPOUSE = "spouse", "Spouse"
    GUARDIAN = "guardian", "Legal guardian"
    OTHER = "other", "Other"


class Patient(TimeStamped):
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="patients")
    account_number = models.CharField(max_length=20, help_text="The practice's account / MRN.")
    first_name = models.CharField(max_length=35)
    middle_name = models.CharField(max_length=25, blank=True)
    last_name = models.CharField(max_length=60)
    date_of_birth = EncryptedDateField()
    date_of_birth_hash = SearchHashField(
        source="date_of_birth", purpose="date_of_birth", normalizer=normalize_date
    )
    sex = models.CharField(max_length=1, choices=Sex.choices)
    ssn = EncryptedTextField("SSN", blank=True, default="")
    street1 = EncryptedTextField(blank=True, default="")
    street2 = EncryptedTextField(blank=True, default="")
    city = models.CharField(max_length=30, blank=True)
    state = models.CharField(max_length=2, blank=True)
    zip_code = models.CharField(max_length=10, blank=True)
    phone = EncryptedTextField(blank=True, default="")
    phone_hash = SearchHashField(source="phone", purpose="phone", normalizer=normalize_phone)
    email = EncryptedTextField(blank=True, default="")
    email_hash = SearchHashField(source="email", purpose="email", normalizer=normalize_email)
    preferred_language = models.CharField(max_length=8, default="en")
    guarantor_relationship = models.CharField(
        max_length=16, choices=GuarantorRelationship.choices, default=GuarantorRelationship.SELF
    )
    guarantor_first_name = models.CharField(max_length=35, blank=True)
    guarantor_last_name = models.CharField(max_length=60, blank=True)
    guarantor_street1 = EncryptedTextField(blank=True, default="")
    guarantor_phone = EncryptedTextField(blank=True, default="")

    objects = ScopedManager("client")

    class Meta:
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "account_number"], name="patient_account_per_client"
            )
        ]
        indexes = [models.Index(fields=["client", "last_name", "first_name"])]

    def __str__(self) -> str:
        return f"{self.last_name}, {self.first_name}"

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.middle_name, self.last_name) if p)


class CoveragePriority(models.TextChoices):
    PRIMARY = "P", "Primary"
    SECONDARY = "S", "Secondary"
    TERTIARY = "T", "Tertiary"


class SubscriberRelationship(models.TextChoices):
    """Patient's relationship to the subscriber (X12 individual relationship codes)."""

    SELF = "18", "Self"
    SPOUSE = "01", "Spouse"
    CHILD = "19", "Child"
    OTHER = "G8", "Other relationship"


class Coverage(TimeStamped):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="coverages")
    payer = models.ForeignKey("payers.Payer", on_delete=models.PROTECT, related_name="coverages")
    priority = models.CharField(max_length=1, choices=CoveragePriority.choices)
    member_id = EncryptedTextField("member ID")
    member_id_hash = SearchHashField(
        source="member_id", purpose="member_id", normalizer=normalize_member_id
    )
    group_number = models.CharField(max_length=50, blank=True)
    relationship = models.CharField(
        max_length=2, choices=SubscriberRelationship.choices, default=SubscriberRelationship.SELF
    )
    subscriber_first_name = models.CharField(max_length=35)
    subscriber_last_name = models.CharField(max_length=60)
    subscriber_date_of_birth = EncryptedDateField()
    subscriber_sex = models.CharField(max_length=1, choices=Sex.choices)
    subscriber_id = EncryptedTextField(
        "subscriber ID", blank=True, default="", help_text="When it differs from the member ID."
    )
    subscriber_street1 = EncryptedTextField(blank=True, default="")
    subscriber_city = models.CharField(max_length=30, blank=True)
    subscriber_state = models.CharField(max_length=2, blank=True)
    subscriber_zip_code = models.CharField(max_length=10, blank=True)
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True)

    objects = ScopedManager("patient__client")

    class Meta:
        ordering = ["patient", "priority", "-effective_from"]
        constraints = [
            models.CheckConstraint(
                name="coverage_end_after_start",
                condition=Q(effective_to__isnull=True)
                | Q(effective_to__gte=models.F("effective_from")),
            )
        ]

    def __str__(self) -> str:
        return f"{self.payer} ({self.get_priority_display()})"

    def is_active_on(self, day: datetime.date) -> bool:
        return self.effective_from <= day and (
            self.effective_to is None or day <= self.effective_to
        )
