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
    PAID = "paid", "Paid"  # the ERA paid it (what is left is another party's)
    PARTIALLY_PAID = "partially_paid", "Partially paid"  # some lines paid, some denied
    DENIED = "denied", "Denied"  # the ERA paid nothing and left nothing to the patient
    PENDED = "pended", "Pended"  # the ERA says the payer is still reviewing it
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


# --- scrub, batches, files and acknowledgements ------------------------------------------


class ScrubFinding(models.Model):
    """One problem the scrubber found on a claim; replaced on every scrub of the claim."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="findings")
    rule_id = models.CharField(max_length=64)
    severity = models.CharField(max_length=16, help_text="error, warning or skipped")
    message = models.CharField(max_length=500)
    hint = models.CharField(max_length=500, blank=True)
    line = models.PositiveSmallIntegerField(null=True, blank=True, help_text="1-based line")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager("claim__client")

    class Meta:
        ordering = ["claim", "pk"]

    def __str__(self) -> str:
        return f"{self.severity} {self.rule_id}: {self.message}"


class ControlNumberCounter(models.Model):
    """The last X12 control number handed out for one purpose ("isa", "gs").

    Allocated under ``select_for_update`` so two workers never get the same number.
    """

    name = models.CharField(max_length=32, unique=True)
    last_value = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name} at {self.last_value}"


class BatchStatus(models.TextChoices):
    BUILT = "built", "Built"  # the 837P file is written and stored; not yet sent
    SUBMITTED = "submitted", "Submitted"  # handed to the clearinghouse (exactly once)
    ACKNOWLEDGED = "acknowledged", "Acknowledged"  # a 999 answered the file


class ClaimBatch(TimeStamped):
    """One 837P file: READY claims of one practice to one payer through one clearinghouse.

    A batch holds one practice's claims so that its file, which carries PHI, can be
    downloaded under the same client scoping as the claims themselves.
    """

    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, related_name="claim_batches"
    )
    payer = models.ForeignKey("payers.Payer", on_delete=models.PROTECT, related_name="batches")
    clearinghouse = models.CharField(max_length=32)
    reference = models.CharField(max_length=50, unique=True, help_text="BHT03 of the 837P")
    interchange_control_number = models.PositiveIntegerField(unique=True, help_text="ISA13")
    group_control_number = models.PositiveIntegerField(unique=True, help_text="GS06")
    submission_key = models.CharField(
        max_length=100, unique=True, help_text="The file name the clearinghouse receives"
    )
    submission_id = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=16, choices=BatchStatus.choices, default=BatchStatus.BUILT)
    accepted = models.BooleanField(null=True, blank=True, help_text="The 999's verdict")
    submitted_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    file_sha256 = models.CharField(max_length=64)
    claim_count = models.PositiveIntegerField()
    total_charge = models.DecimalField(max_digits=12, decimal_places=2)

    objects = ScopedManager("client")

    class Meta:
        ordering = ["-pk"]
        indexes = [models.Index(fields=["status", "clearinghouse"])]

    def __str__(self) -> str:
        return self.reference


class ClaimBatchItem(models.Model):
    batch = models.ForeignKey(ClaimBatch, on_delete=models.CASCADE, related_name="items")
    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="batch_items")

    objects = ScopedManager("batch__client")

    class Meta:
        ordering = ["batch", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "claim"], name="claim_once_per_batch")
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}: {self.claim_id}"


class FileDirection(models.TextChoices):
    SENT = "sent", "Sent"
    RECEIVED = "received", "Received"


class FileKind(models.TextChoices):
    CLAIM_837P = "837P", "837P professional claims"
    ACK_999 = "999", "999 implementation acknowledgement"
    ACK_277CA = "277CA", "277CA claim acknowledgement"
    ERA_835 = "835", "835 remittance advice"
    INQUIRY_270 = "270", "270 eligibility inquiry"
    RESPONSE_271 = "271", "271 eligibility response"
    INQUIRY_276 = "276", "276 claim status inquiry"
    RESPONSE_277 = "277", "277 claim status response"
    OTHER = "other", "Other"


class ExchangedFile(models.Model):
    """A file sent to or received from a clearinghouse, kept as it was (default storage).

    ``client`` is the practice whose claims the file carries (None when a file cannot be
    tied to one practice: only all-client roles see it then).
    """

    client = models.ForeignKey(
        "clients.Client",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="exchanged_files",
    )
    direction = models.CharField(max_length=8, choices=FileDirection.choices)
    kind = models.CharField(max_length=8, choices=FileKind.choices)
    clearinghouse = models.CharField(max_length=32, blank=True)
    name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64, unique=True)
    size = models.PositiveBigIntegerField()
    storage_path = models.CharField(max_length=500)
    at = models.DateTimeField(help_text="When it was sent or received")
    batch = models.ForeignKey(
        ClaimBatch, on_delete=models.PROTECT, null=True, blank=True, related_name="files"
    )

    objects = ScopedManager("client")

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["direction", "kind", "at"])]

    def __str__(self) -> str:
        return f"{self.direction} {self.kind} {self.name}"


class ClaimResponse(models.Model):
    """What a 999 or 277CA said about one claim, with the reason in words."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="responses")
    exchanged_file = models.ForeignKey(
        ExchangedFile, on_delete=models.PROTECT, related_name="claim_responses"
    )
    kind = models.CharField(max_length=8, choices=FileKind.choices)
    accepted = models.BooleanField()
    status_codes = models.CharField(max_length=200, blank=True, help_text="e.g. A7:562:85")
    reason = models.CharField(max_length=1000, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager("claim__client")

    class Meta:
        ordering = ["claim", "-received_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["claim", "exchanged_file"], name="one_response_per_claim_and_file"
            )
        ]

    def __str__(self) -> str:
        return f"{self.claim_id} {'accepted' if self.accepted else 'rejected'} {self.status_codes}"
