"""Eligibility inquiries (270/271) and claim status inquiries (276/277), as asked and
answered.

Each row keeps the files it travelled in (``claims.ExchangedFile``: the 270 or 276 sent,
the 271 or 277 received, byte for byte with their SHA-256) and what the answer said in
columns a page can show. Member IDs are encrypted like the coverage they come from.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from openrcm.core.fields import EncryptedTextField
from openrcm.core.models import TimeStamped
from openrcm.core.scoping import ScopedManager


class InquiryStatus(models.TextChoices):
    ASKED = "asked", "Asked"  # the inquiry went out; no answer stored yet
    ANSWERED = "answered", "Answered"  # the answer is stored and read
    FAILED = "failed", "Failed"  # no usable answer (clearinghouse down, unreadable reply)


class EligibilityOutcome(models.TextChoices):
    ACTIVE = "active", "Active"  # EB*1..5: covered on the date asked
    INACTIVE = "inactive", "Inactive"  # EB*6..8: not covered on the date asked
    NOT_FOUND = "not_found", "Member not found"  # AAA at the member: payer cannot find them
    UNKNOWN = "unknown", "No coverage status"  # answered, but with no EB*1-8 and no AAA


class EligibilityInquiry(TimeStamped):
    """One 270 about one coverage of one patient on one date of service, and its 271."""

    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="eligibility_inquiries"
    )
    coverage = models.ForeignKey(
        "patients.Coverage", on_delete=models.PROTECT, related_name="eligibility_inquiries"
    )
    payer = models.ForeignKey("payers.Payer", on_delete=models.PROTECT, related_name="+")
    encounter = models.ForeignKey(
        "claims.Encounter", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    service_date = models.DateField(help_text="The date of service asked about (DTP*291)")
    asked_on = models.DateField(help_text="The local day it was asked (for 'once a day')")
    status = models.CharField(
        max_length=8, choices=InquiryStatus.choices, default=InquiryStatus.ASKED
    )
    outcome = models.CharField(max_length=10, choices=EligibilityOutcome.choices, blank=True)
    clearinghouse = models.CharField(max_length=32)
    trace_number = models.CharField(max_length=50, unique=True, help_text="TRN02 of the 270")
    member_id = EncryptedTextField("member ID asked", blank=True, default="")
    forced = models.BooleanField(default=False, help_text="Asked again the same day on purpose")
    asked_by = models.CharField(max_length=150)
    answered_at = models.DateTimeField(null=True, blank=True)
    request_file = models.ForeignKey(
        "claims.ExchangedFile", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    request_sha256 = models.CharField(max_length=64, blank=True)
    response_file = models.ForeignKey(
        "claims.ExchangedFile", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    response_sha256 = models.CharField(max_length=64, blank=True)
    problem = models.CharField(
        max_length=500, blank=True, help_text="Why there is no usable answer, or the AAA words"
    )
    rejection_code = models.CharField(max_length=4, blank=True, help_text="AAA03")
    plan_begin = models.DateField(null=True, blank=True)
    plan_end = models.DateField(null=True, blank=True)
    insurance_type = models.CharField(max_length=3, blank=True, help_text="EB04")
    plan_description = models.CharField(max_length=50, blank=True)
    group_number = models.CharField(max_length=50, blank=True)
    # In-network, individual, health benefit plan coverage (service type 30) amounts.
    deductible_total = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    deductible_met = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    deductible_remaining = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True
    )
    out_of_pocket_total = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True
    )
    out_of_pocket_met = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    out_of_pocket_remaining = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True
    )
    copay = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    coinsurance_percent = models.DecimalField(
        max_digits=5, decimal_places=2, null=True, blank=True, help_text="20.00 for 20 %"
    )

    objects = ScopedManager("client")

    class Meta:
        ordering = ["-pk"]
        verbose_name_plural = "eligibility inquiries"
        indexes = [
            models.Index(fields=["patient", "coverage", "service_date", "asked_on"]),
            models.Index(fields=["client", "asked_on"]),
        ]
        constraints = [
            models.CheckConstraint(
                name="eligibility_answered_has_outcome",
                condition=~Q(status="answered") | ~Q(outcome=""),
            )
        ]

    def __str__(self) -> str:
        return f"{self.trace_number} {self.service_date} {self.outcome or self.status}"


class EligibilityBenefit(models.Model):
    """One EB line of the 271, as the payer sent it (by service type)."""

    inquiry = models.ForeignKey(
        EligibilityInquiry, on_delete=models.CASCADE, related_name="benefits"
    )
    position = models.PositiveIntegerField(help_text="Segment position in the 271")
    code = models.CharField(max_length=2, help_text="EB01")
    kind = models.CharField(max_length=40, help_text="EB01 in words: active, deductible ...")
    coverage_level = models.CharField(max_length=3, blank=True)
    service_type = models.CharField(max_length=2, blank=True, help_text="EB03 (one per row)")
    insurance_type = models.CharField(max_length=3, blank=True)
    plan_description = models.CharField(max_length=50, blank=True)
    time_period = models.CharField(max_length=2, blank=True, help_text="EB06")
    amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    percent = models.DecimalField(
        max_digits=6, decimal_places=4, null=True, blank=True, help_text="EB08, 0.2 = 20 %"
    )
    in_network = models.BooleanField(null=True, blank=True)
    messages = models.TextField(blank=True)

    objects = ScopedManager("inquiry__client")

    class Meta:
        ordering = ["inquiry", "position", "service_type"]

    def __str__(self) -> str:
        return f"EB*{self.code} {self.service_type} {self.amount or self.percent or ''}"


class ClaimStatusInquiry(TimeStamped):
    """One claim asked about in a 276, and what the 277 said."""

    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="+")
    claim = models.ForeignKey(
        "claims.Claim", on_delete=models.PROTECT, related_name="status_inquiries"
    )
    payer = models.ForeignKey("payers.Payer", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=8, choices=InquiryStatus.choices, default=InquiryStatus.ASKED
    )
    clearinghouse = models.CharField(max_length=32)
    trace_number = models.CharField(max_length=50, unique=True, help_text="TRN02 of the 276")
    asked_by = models.CharField(max_length=150)
    answered_at = models.DateTimeField(null=True, blank=True)
    request_file = models.ForeignKey(
        "claims.ExchangedFile", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    response_file = models.ForeignKey(
        "claims.ExchangedFile", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status_codes = models.CharField(max_length=200, blank=True, help_text="e.g. P1:20")
    status_words = models.CharField(max_length=1000, blank=True)
    effective_date = models.DateField(null=True, blank=True)
    paid_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    payer_claim_number = models.CharField(max_length=50, blank=True)
    claim_status_before = models.CharField(max_length=16, blank=True)
    claim_status_after = models.CharField(max_length=16, blank=True)
    problem = models.CharField(max_length=500, blank=True)

    objects = ScopedManager("client")

    class Meta:
        ordering = ["-pk"]
        verbose_name_plural = "claim status inquiries"
        indexes = [models.Index(fields=["claim", "status"])]

    def __str__(self) -> str:
        return f"{self.trace_number} {self.status_codes or self.status}"
