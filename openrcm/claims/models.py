"""Encounters (what was done at a visit), their charges, and the claims made from them.

The claim lifecycle (scrub, batch, submit, acknowledge) is built on these tables; the
status values are declared here so every later step speaks the same words.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from openrcm.core.models import TimeStamped
from openrcm.core.scoping import ScopedManager


class Encounter(TimeStamped):
    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, related_name="encounters"
    )
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="encounters"
    )
    date_of_service = models.DateField()
    rendering_provider = models.ForeignKey(
        "clients.Provider", on_delete=models.PROTECT, related_name="rendered_encounters"
    )
    referring_npi = models.CharField("referring NPI", max_length=10, blank=True)
    referring_first_name = models.CharField(max_length=35, blank=True)
    referring_last_name = models.CharField(max_length=60, blank=True)
    place_of_service = models.CharField(max_length=2, help_text="CMS place-of-service code")
    prior_authorization = models.CharField(max_length=50, blank=True)

    objects = ScopedManager("client")

    class Meta:
        ordering = ["-date_of_service", "-pk"]
        indexes = [models.Index(fields=["client", "date_of_service"])]

    def __str__(self) -> str:
        return f"{self.patient} {self.date_of_service}"


class EncounterDiagnosis(models.Model):
    """An ICD-10-CM code of an encounter; position 1 is the principal diagnosis."""

    encounter = models.ForeignKey(Encounter, on_delete=models.CASCADE, related_name="diagnoses")
    position = models.PositiveSmallIntegerField()
    code = models.CharField(max_length=8, help_text="ICD-10-CM with the dot, e.g. E11.9")

    objects = ScopedManager("encounter__client")

    class Meta:
        ordering = ["encounter", "position"]
        constraints = [
            models.UniqueConstraint(fields=["encounter", "position"], name="dx_position_once"),
            models.UniqueConstraint(fields=["encounter", "code"], name="dx_code_once"),
            models.CheckConstraint(
                name="dx_position_1_to_12", condition=Q(position__gte=1, position__lte=12)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}: {self.code}"


class ChargeLine(models.Model):
    """A procedure done at the encounter, as the practice charges it."""

    encounter = models.ForeignKey(Encounter, on_delete=models.CASCADE, related_name="charges")
    line_number = models.PositiveSmallIntegerField()
    procedure_code = models.CharField(max_length=5, help_text="CPT or HCPCS Level II code")
    modifier1 = models.CharField(max_length=2, blank=True)
    modifier2 = models.CharField(max_length=2, blank=True)
    modifier3 = models.CharField(max_length=2, blank=True)
    modifier4 = models.CharField(max_length=2, blank=True)
    units = models.DecimalField(max_digits=9, decimal_places=3, default=1)
    charge_amount = models.DecimalField(max_digits=12, decimal_places=2)
    diagnosis_pointers = models.JSONField(
        default=list,
        help_text="Positions (1-12) of the encounter's diagnoses, most important first",
    )

    objects = ScopedManager("encounter__client")

    class Meta:
        ordering = ["encounter", "line_number"]
        constraints = [
            models.UniqueConstraint(fields=["encounter", "line_number"], name="charge_line_once"),
            models.CheckConstraint(name="charge_positive", condition=Q(charge_amount__gt=0)),
            models.CheckConstraint(name="charge_units_positive", condition=Q(units__gt=0)),
        ]

    def __str__(self) -> str:
        mods = "".join(f"-{m}" for m in self.modifiers)
        return f"{self.procedure_code}{mods} x{self.units} {self.charge_amount}"

    @property
    def modifiers(self) -> list[str]:
        return [m for m in (self.modifier1, self.modifier2, self.modifier3, self.modifier4) if m]


class ClaimStatus(models.TextChoices):
    DRAFT = "draft", "Draft"  # made from an encounter, not yet scrubbed
    HELD = "held", "Held"  # scrubber found errors; a person must fix them
    READY = "ready", "Ready"  # scrubbed clean; waits for the next batch
    BATCHED = "batched", "Batched"  # written into an 837P file
    SUBMITTED = "submitted", "Submitted"  # file handed to the clearinghouse
    ACCEPTED = "accepted", "Accepted"  # 999/277CA said the payer took it
    REJECTED = "rejected", "Rejected"  # 999/277CA refused it; back to work
    ADJUDICATED = "adjudicated", "Adjudicated"  # an ERA answered it
    CLOSED = "closed", "Closed"  # nothing more is owed by this payer
    VOID = "void", "Void"  # replaced or cancelled


class ClaimFrequency(models.TextChoices):
    ORIGINAL = "1", "1 Original"
    REPLACEMENT = "7", "7 Replacement of a prior claim"
    VOID = "8", "8 Void / cancel of a prior claim"


class Claim(TimeStamped):
    """One claim to one payer for one encounter at one coverage level."""

    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="claims")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="claims")
    encounter = models.ForeignKey(Encounter, on_delete=models.PROTECT, related_name="claims")
    coverage = models.ForeignKey(
        "patients.Coverage", on_delete=models.PROTECT, related_name="claims"
    )
    payer = models.ForeignKey("payers.Payer", on_delete=models.PROTECT, related_name="claims")
    coverage_level = models.CharField(max_length=1, help_text="P, S or T (CoveragePriority)")
    patient_control_number = models.CharField(
        max_length=20, unique=True, help_text="CLM01; comes back in the ERA's CLP01"
    )
    status = models.CharField(max_length=16, choices=ClaimStatus.choices, default=ClaimStatus.DRAFT)
    frequency_code = models.CharField(
        max_length=1, choices=ClaimFrequency.choices, default=ClaimFrequency.ORIGINAL
    )
    original_claim = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections"
    )
    payer_claim_number = models.CharField(
        max_length=50, blank=True, help_text="The payer's claim control number (ERA CLP07)"
    )
    total_charge = models.DecimalField(max_digits=12, decimal_places=2)

    objects = ScopedManager("client")

    class Meta:
        ordering = ["-pk"]
        indexes = [
            models.Index(fields=["client", "status"]),
            models.Index(fields=["payer", "status"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["encounter", "coverage_level"],
                condition=Q(frequency_code="1"),
                name="one_original_claim_per_level",
            ),
            models.CheckConstraint(name="claim_total_positive", condition=Q(total_charge__gt=0)),
        ]

    def __str__(self) -> str:
        return self.patient_control_number


class ClaimLine(models.Model):
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="lines")
    charge_line = models.ForeignKey(
        ChargeLine, on_delete=models.PROTECT, related_name="claim_lines"
    )
    line_number = models.PositiveSmallIntegerField()
    procedure_code = models.CharField(max_length=5)
    modifiers = models.JSONField(default=list)
    units = models.DecimalField(max_digits=9, decimal_places=3)
    charge_amount = models.DecimalField(max_digits=12, decimal_places=2)
    diagnosis_pointers = models.JSONField(default=list)
    line_item_control_number = models.CharField(
        max_length=30, unique=True, help_text="REF*6R, echoed in the ERA for line posting"
    )

    objects = ScopedManager("claim__client")

    class Meta:
        ordering = ["claim", "line_number"]
        constraints = [
            models.UniqueConstraint(fields=["claim", "line_number"], name="claim_line_once"),
            models.CheckConstraint(
                name="claim_line_charge_positive", condition=Q(charge_amount__gt=0)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.claim_id} line {self.line_number} {self.procedure_code}"


class ClaimStatusChange(models.Model):
    """Every transition of a claim: who, when, from, to and why."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    at = models.DateTimeField(auto_now_add=True)
    actor = models.CharField(max_length=150)
    reason = models.CharField(max_length=255, blank=True)

    objects = ScopedManager("claim__client")

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_status or '-'} → {self.to_status}"
