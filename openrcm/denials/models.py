"""The work that follows a remittance: denial items, appeals, underpayments.

A ``DenialItem`` is one denied (or partly denied) claim line, or the claim level, from one
ERA claim payment. Its status moves only through ``services.denial_transition`` (the table
``DENIAL_TRANSITIONS``), and every move is a ``DenialStatusChange`` row (actor, time,
reason). ``AdjudicationRecord`` marks an ERA claim payment as read once, so recording the
same payment again adds nothing.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from openrcm.core.fields import EncryptedBytesField
from openrcm.core.scoping import ScopedManager
from openrcm.rules.denials import DenialCategory, NextAction


class DenialStatus(models.TextChoices):
    OPEN = "open", "Open"  # new: nobody has acted on it yet
    IN_PROGRESS = "in_progress", "In progress"  # being worked: appeal out, write-off asked
    RESOLVED = "resolved", "Resolved"  # done; ``resolution`` says how


class DenialResolution(models.TextChoices):
    RESUBMITTED = "resubmitted", "Corrected claim made (frequency 7)"
    APPEAL_WON = "appeal_won", "Appeal overturned the denial"
    WRITTEN_OFF = "written_off", "Written off"
    TRANSFERRED_TO_PATIENT = "transferred_to_patient", "Transferred to the patient"
    CLOSED = "closed", "Closed (see the reason)"


CATEGORY_CHOICES = [(c.value, c.value.capitalize()) for c in DenialCategory]
ACTION_CHOICES = [(a.value, a.value.replace("_", " ").capitalize()) for a in NextAction]


class AdjudicationRecord(models.Model):
    """One ERA claim payment read for denials and underpayments (idempotency key)."""

    source_reference = models.CharField(max_length=80, unique=True)
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="+")
    claim = models.ForeignKey("claims.Claim", on_delete=models.PROTECT, related_name="+")
    era_claim = models.ForeignKey(
        "remittance.EraClaim", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    era_date = models.DateField()
    denial_count = models.PositiveIntegerField(default=0)
    underpayment_count = models.PositiveIntegerField(default=0)
    recorded_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.CharField(max_length=150)

    objects = ScopedManager("client")

    def __str__(self) -> str:
        return self.source_reference


class DenialItem(models.Model):
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="+")
    claim = models.ForeignKey("claims.Claim", on_delete=models.PROTECT, related_name="denials")
    claim_line = models.ForeignKey(
        "claims.ClaimLine", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    payer = models.ForeignKey("payers.Payer", on_delete=models.PROTECT, related_name="+")
    record = models.ForeignKey(AdjudicationRecord, on_delete=models.PROTECT, related_name="denials")
    era_claim = models.ForeignKey(
        "remittance.EraClaim",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="denial_items",
    )
    line_number = models.PositiveSmallIntegerField(
        default=0, help_text="Our claim line number; 0 for claim-level adjustments"
    )
    group_code = models.CharField(max_length=2, help_text="CAS group of the main code")
    carc = models.CharField("CARC", max_length=5, help_text="The main reason code")
    carcs = models.JSONField(default=list, help_text="Every denial code, GROUP-CARC")
    rarcs = models.JSONField(default=list, blank=True, help_text="Remark codes (RARC)")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    fully_denied = models.BooleanField(default=True)
    category = models.CharField(max_length=24, choices=CATEGORY_CHOICES)
    recommended_action = models.CharField(max_length=24, choices=ACTION_CHOICES)
    recommendation = models.CharField(max_length=255, blank=True)
    patient_billable = models.BooleanField(default=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="denial_items",
    )
    era_date = models.DateField()
    deadline = models.DateField(help_text="Last day of the payer's first-level appeal window")
    status = models.CharField(
        max_length=16, choices=DenialStatus.choices, default=DenialStatus.OPEN
    )
    resolution = models.CharField(max_length=24, choices=DenialResolution.choices, blank=True)
    resolution_note = models.CharField(max_length=500, blank=True)
    corrected_claim = models.ForeignKey(
        "claims.Claim", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    write_off_reason = models.CharField(max_length=255, blank=True)
    write_off_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    write_off_requested_at = models.DateTimeField(null=True, blank=True)
    write_off_approved_by = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager("client")

    class Meta:
        ordering = ["deadline", "-amount", "pk"]
        indexes = [
            models.Index(fields=["status", "deadline"]),
            models.Index(fields=["client", "status"]),
            models.Index(fields=["payer", "category"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["record", "line_number"], name="denial_once_per_line_and_payment"
            ),
            models.CheckConstraint(name="denial_amount_positive", condition=Q(amount__gt=0)),
            models.CheckConstraint(
                name="denial_resolved_says_how",
                condition=(Q(status="resolved") & ~Q(resolution=""))
                | (~Q(status="resolved") & Q(resolution="")),
            ),
        ]

    def __str__(self) -> str:
        where = f"line {self.line_number}" if self.line_number else "claim level"
        return f"{self.group_code}-{self.carc} {self.amount} ({where})"

    @property
    def write_off_pending(self) -> bool:
        return self.write_off_requested_at is not None and self.status != DenialStatus.RESOLVED


class DenialStatusChange(models.Model):
    item = models.ForeignKey(DenialItem, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    at = models.DateTimeField(auto_now_add=True)
    actor = models.CharField(max_length=150)
    reason = models.CharField(max_length=500, blank=True)

    objects = ScopedManager("item__client")

    class Meta:
        ordering = ["item", "pk"]

    def __str__(self) -> str:
        return f"{self.from_status or '-'} -> {self.to_status}"


class AppealOutcome(models.TextChoices):
    PENDING = "pending", "Waiting for the payer"
    OVERTURNED = "overturned", "Overturned: the payer will pay"
    PARTIALLY_OVERTURNED = "partially_overturned", "Partly overturned"
    UPHELD = "upheld", "Upheld: the denial stands"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Appeal(models.Model):
    """A request to the payer to reconsider one or more denials of one claim."""

    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="+")
    claim = models.ForeignKey("claims.Claim", on_delete=models.PROTECT, related_name="appeals")
    payer = models.ForeignKey("payers.Payer", on_delete=models.PROTECT, related_name="+")
    items = models.ManyToManyField(DenialItem, related_name="appeals")
    level = models.PositiveSmallIntegerField(default=1)
    reason = models.TextField(help_text="Why the payer should reconsider, in the letter")
    sent_on = models.DateField(null=True, blank=True)
    due_on = models.DateField(help_text="Last day to file this level")
    decision_due_on = models.DateField(null=True, blank=True)
    decided_on = models.DateField(null=True, blank=True)
    outcome = models.CharField(
        max_length=24, choices=AppealOutcome.choices, default=AppealOutcome.PENDING
    )
    outcome_note = models.CharField(max_length=500, blank=True)
    letter_pdf = EncryptedBytesField(editable=False)  # names the patient: PHI at rest
    letter_name = models.CharField(max_length=120)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.CharField(max_length=150)

    objects = ScopedManager("client")

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(name="appeal_level_positive", condition=Q(level__gte=1)),
        ]

    def __str__(self) -> str:
        return f"level {self.level} appeal of claim {self.claim_id}"


class UnderpaymentStatus(models.TextChoices):
    OPEN = "open", "Open"
    DISPUTED = "disputed", "Disputed with the payer"
    RECOVERED = "recovered", "Recovered (the payer paid the difference)"
    ACCEPTED = "accepted", "Accepted (no further action)"


class UnderpaymentItem(models.Model):
    """A paid line whose allowed amount fell short of the fee schedule by more than the
    tolerance."""

    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="+")
    claim = models.ForeignKey(
        "claims.Claim", on_delete=models.PROTECT, related_name="underpayments"
    )
    claim_line = models.ForeignKey("claims.ClaimLine", on_delete=models.PROTECT, related_name="+")
    payer = models.ForeignKey("payers.Payer", on_delete=models.PROTECT, related_name="+")
    record = models.ForeignKey(
        AdjudicationRecord, on_delete=models.PROTECT, related_name="underpayments"
    )
    procedure_code = models.CharField(max_length=5)
    modifier = models.CharField(max_length=2, blank=True)
    expected = models.DecimalField(max_digits=12, decimal_places=2)
    allowed = models.DecimalField(max_digits=12, decimal_places=2)
    paid = models.DecimalField(max_digits=12, decimal_places=2)
    shortfall = models.DecimalField(max_digits=12, decimal_places=2)
    tolerance = models.DecimalField(max_digits=12, decimal_places=2)
    status = models.CharField(
        max_length=16, choices=UnderpaymentStatus.choices, default=UnderpaymentStatus.OPEN
    )
    note = models.CharField(max_length=500, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager("client")

    class Meta:
        ordering = ["-shortfall", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["record", "claim_line"], name="underpayment_once_per_line_and_payment"
            ),
            models.CheckConstraint(
                name="underpayment_shortfall_positive", condition=Q(shortfall__gt=0)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.procedure_code} short {self.shortfall}"
