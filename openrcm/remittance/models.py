"""ERAs (835 files) as received, what each says claim by claim and line by line, the
posting exceptions, and the ledger.

The ledger is append-only: a ``LedgerEntry`` is never updated or deleted; a correction is
a new row (a reversal points at the row it reverses). Every balance is a sum of rows (see
``selectors``). An ERA payment (BPR/TRN) is imported once: its payer and trace number are
unique together.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q

from openrcm.core.fields import EncryptedTextField
from openrcm.core.scoping import ScopedManager, ScopedQuerySet


class EraSource(models.TextChoices):
    UPLOAD = "upload", "Uploaded in the web UI"
    COMMAND = "command", "openrcm era import"
    CLEARINGHOUSE = "clearinghouse", "Fetched from a clearinghouse"
    API = "api", "REST API"


class EraFile(models.Model):
    """One 835 file as received; the bytes are kept unchanged (``ExchangedFile``)."""

    exchanged_file = models.OneToOneField(
        "claims.ExchangedFile", on_delete=models.PROTECT, related_name="era_file"
    )
    client = models.ForeignKey(
        "clients.Client",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="era_files",
        help_text="The practice paid, when every payment of the file is to one practice",
    )
    source = models.CharField(max_length=16, choices=EraSource.choices)
    received_at = models.DateTimeField(auto_now_add=True)
    received_by = models.CharField(max_length=150)

    objects = ScopedManager("client")

    class Meta:
        ordering = ["-received_at", "-pk"]

    def __str__(self) -> str:
        return self.exchanged_file.name


class EraPayment(models.Model):
    """One payment (BPR/TRN) of an 835: imported and posted in one transaction, once."""

    era_file = models.ForeignKey(EraFile, on_delete=models.PROTECT, related_name="payments")
    client = models.ForeignKey(
        "clients.Client",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="era_payments",
    )
    payer = models.ForeignKey(
        "payers.Payer", on_delete=models.PROTECT, null=True, blank=True, related_name="payments"
    )
    payer_identifier = models.CharField(max_length=50, help_text="TRN03 (1 + payer TIN)")
    trace_number = models.CharField(max_length=50, help_text="TRN02: check or EFT number")
    transaction_control_number = models.CharField(max_length=9)
    handling_code = models.CharField(max_length=2, help_text="BPR01")
    amount = models.DecimalField(max_digits=12, decimal_places=2, help_text="BPR02")
    credit_debit = models.CharField(max_length=1, blank=True)
    method = models.CharField(max_length=3, blank=True, help_text="BPR04: ACH, CHK, NON ...")
    payment_date = models.DateField(null=True, blank=True)
    payer_name = models.CharField(max_length=60, blank=True)
    payee_name = models.CharField(max_length=60, blank=True)
    payee_identifier = models.CharField(max_length=80, blank=True, help_text="N1*PE id")
    claim_count = models.PositiveIntegerField(default=0)
    total_charge = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    total_paid = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    posted_claims = models.PositiveIntegerField(default=0)
    exception_count = models.PositiveIntegerField(default=0)
    balancing_problems = models.JSONField(default=list, blank=True)
    posted_at = models.DateTimeField(auto_now_add=True)
    posted_by = models.CharField(max_length=150)

    objects = ScopedManager("client")

    class Meta:
        ordering = ["-posted_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["payer_identifier", "trace_number"], name="era_payment_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.payer_name} {self.trace_number} {self.amount}"


class EraClaimOutcome(models.TextChoices):
    PAID = "paid", "Paid"
    PARTIALLY_PAID = "partially_paid", "Partially paid"
    DENIED = "denied", "Denied"
    PENDED = "pended", "Pended"
    REVERSAL = "reversal", "Reversal"
    UNPOSTED = "unposted", "Not posted (see the posting exception)"


class EraClaim(models.Model):
    """One CLP: the payer's answer about one claim."""

    payment = models.ForeignKey(EraPayment, on_delete=models.CASCADE, related_name="claims")
    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    claim = models.ForeignKey(
        "claims.Claim", on_delete=models.PROTECT, null=True, blank=True, related_name="era_claims"
    )
    position = models.PositiveIntegerField(help_text="Segment position of the CLP")
    patient_control_number = models.CharField(max_length=38)
    status_code = models.CharField(max_length=2, help_text="CLP02")
    charge = models.DecimalField(max_digits=12, decimal_places=2)
    paid = models.DecimalField(max_digits=12, decimal_places=2)
    patient_responsibility = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True
    )
    filing_indicator = models.CharField(max_length=2, blank=True)
    payer_claim_number = models.CharField(max_length=50, blank=True, help_text="CLP07")
    frequency = models.CharField(max_length=1, blank=True)
    patient_identity = EncryptedTextField(
        blank=True, default="", help_text="Patient name and member id as the payer sent them"
    )
    remark_codes = models.JSONField(default=list, blank=True, help_text="MOA remarks")
    outcome = models.CharField(max_length=16, choices=EraClaimOutcome.choices)
    reversed_by = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reverses"
    )

    objects = ScopedManager("client")

    class Meta:
        ordering = ["payment", "position"]
        indexes = [models.Index(fields=["claim", "outcome"])]

    def __str__(self) -> str:
        return f"{self.patient_control_number} {self.status_code} {self.paid}"


class EraServiceLine(models.Model):
    """One SVC: how one billed line was paid (matched to our line when it could be)."""

    era_claim = models.ForeignKey(EraClaim, on_delete=models.CASCADE, related_name="lines")
    claim_line = models.ForeignKey(
        "claims.ClaimLine",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="era_lines",
    )
    line_number = models.PositiveSmallIntegerField()
    procedure_code = models.CharField(max_length=48)
    modifiers = models.JSONField(default=list, blank=True)
    billed_procedure_code = models.CharField(max_length=48, blank=True, help_text="SVC06")
    billed_modifiers = models.JSONField(default=list, blank=True)
    charge = models.DecimalField(max_digits=12, decimal_places=2)
    paid = models.DecimalField(max_digits=12, decimal_places=2)
    units_paid = models.DecimalField(max_digits=9, decimal_places=3, null=True, blank=True)
    service_date = models.DateField(null=True, blank=True)
    line_item_control_number = models.CharField(max_length=50, blank=True)
    allowed_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    remark_codes = models.JSONField(default=list, blank=True, help_text="LQ*HE RARCs")
    matched_by = models.CharField(max_length=40, blank=True)

    objects = ScopedManager("era_claim__client")

    class Meta:
        ordering = ["era_claim", "line_number"]

    def __str__(self) -> str:
        return f"{self.procedure_code} {self.charge} -> {self.paid}"


class EraAdjustment(models.Model):
    """One CAS triplet, at claim level (``service_line`` None) or line level."""

    era_claim = models.ForeignKey(EraClaim, on_delete=models.CASCADE, related_name="adjustments")
    service_line = models.ForeignKey(
        EraServiceLine,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="adjustments",
    )
    group_code = models.CharField(max_length=2)
    reason_code = models.CharField(max_length=5)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    quantity = models.DecimalField(max_digits=12, decimal_places=3, null=True, blank=True)

    objects = ScopedManager("era_claim__client")

    class Meta:
        ordering = ["era_claim", "service_line", "pk"]
        indexes = [models.Index(fields=["group_code", "reason_code"])]

    def __str__(self) -> str:
        return f"{self.group_code}-{self.reason_code} {self.amount}"


class ProviderAdjustment(models.Model):
    """One PLB pair, recorded against the payment (positive reduces the payment)."""

    payment = models.ForeignKey(
        EraPayment, on_delete=models.CASCADE, related_name="provider_adjustments"
    )
    provider_identifier = models.CharField(max_length=50)
    fiscal_period_date = models.DateField(null=True, blank=True)
    reason_code = models.CharField(max_length=2)
    reference = models.CharField(max_length=50, blank=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2)

    objects = ScopedManager("payment__client")

    class Meta:
        ordering = ["payment", "pk"]

    def __str__(self) -> str:
        return f"PLB {self.reason_code} {self.reference} {self.amount}"


class ExceptionReason(models.TextChoices):
    UNMATCHED = "unmatched", "No claim matches"
    AMBIGUOUS = "ambiguous", "More than one claim matches"
    LINE_UNMATCHED = "line_unmatched", "A service line matches none of the claim's lines"
    REVERSAL_UNKNOWN = "reversal_unknown", "A reversal of a payment never posted"
    NOT_BALANCED = "not_balanced", "The claim does not balance"


class PostingException(models.Model):
    """A claim payment that was not posted, with the reason: never dropped, never guessed."""

    payment = models.ForeignKey(EraPayment, on_delete=models.CASCADE, related_name="exceptions")
    era_claim = models.OneToOneField(
        EraClaim, on_delete=models.CASCADE, related_name="posting_exception"
    )
    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(max_length=20, choices=ExceptionReason.choices)
    message = models.CharField(max_length=1000)
    candidates = models.JSONField(default=list, blank=True, help_text="Claim ids that matched")
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.CharField(max_length=150, blank=True)
    resolution = models.CharField(max_length=500, blank=True)

    objects = ScopedManager("client")

    class Meta:
        ordering = ["resolved_at", "-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.reason}: {self.message[:60]}"


class Party(models.TextChoices):
    """Who owes (or holds) a balance."""

    PRIMARY = "P", "Primary payer"
    SECONDARY = "S", "Secondary payer"
    TERTIARY = "T", "Tertiary payer"
    PATIENT = "patient", "Patient"


INSURERS = (Party.PRIMARY, Party.SECONDARY, Party.TERTIARY)


class EntryKind(models.TextChoices):
    CHARGE = "charge", "Charge"
    INSURANCE_PAYMENT = "insurance_payment", "Insurance payment"
    CONTRACTUAL = "contractual", "Contractual adjustment (CO)"
    DEDUCTIBLE = "deductible", "Deductible (PR-1)"
    COINSURANCE = "coinsurance", "Coinsurance (PR-2)"
    COPAY = "copay", "Copay (PR-3)"
    OTHER_PATIENT = "other_patient", "Other patient responsibility (PR)"
    OTHER_ADJUSTMENT = "other_adjustment", "Other adjustment (OA, PI, CR)"
    WRITE_OFF = "write_off", "Write-off"
    PATIENT_PAYMENT = "patient_payment", "Patient payment"
    REFUND = "refund", "Refund"
    REVERSAL = "reversal", "Reversal"


# What each kind is, for "charge = payments + adjustments + outstanding balances".
TRANSFER_KINDS = frozenset(
    {EntryKind.DEDUCTIBLE, EntryKind.COINSURANCE, EntryKind.COPAY, EntryKind.OTHER_PATIENT}
)
PAYMENT_KINDS = frozenset(
    {EntryKind.INSURANCE_PAYMENT, EntryKind.PATIENT_PAYMENT, EntryKind.REFUND}
)
ADJUSTMENT_KINDS = frozenset(
    {EntryKind.CONTRACTUAL, EntryKind.OTHER_ADJUSTMENT, EntryKind.WRITE_OFF}
)


class LedgerQuerySet(ScopedQuerySet["LedgerEntry"]):
    """Ledger rows can be added and read, never changed in bulk."""

    def update(self, **kwargs: Any) -> int:
        raise TypeError("ledger entries are append-only: post a reversing entry instead")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError("ledger entries are append-only: post a reversing entry instead")


class LedgerManager(ScopedManager["LedgerEntry"]):
    def get_queryset(self) -> LedgerQuerySet:
        return LedgerQuerySet(self.model, using=self._db)


class LedgerEntry(models.Model):
    """One append-only row of a charge line's ledger.

    ``amount`` is the change of ``party``'s outstanding balance on the line: a charge adds
    to the primary payer's balance, a payment or adjustment takes from the party that had
    it, a patient-responsibility transfer is two rows (from the payer, to the next payer or
    the patient) that sum to zero. A reversal has the opposite amount of the row it
    reverses, and that row's kind in ``reversed_kind``.
    """

    # client and patient are copies of the charge line's (for scoping and account
    # queries): no database constraint or index of their own, the charge line's serves.
    client = models.ForeignKey(
        "clients.Client",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    patient = models.ForeignKey(
        "patients.Patient",
        on_delete=models.PROTECT,
        related_name="ledger_entries",
        db_index=False,  # the (patient, party) index serves
        db_constraint=False,
    )
    charge_line = models.ForeignKey(
        "claims.ChargeLine", on_delete=models.PROTECT, related_name="ledger_entries"
    )
    claim = models.ForeignKey(
        "claims.Claim",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # rows are read by charge line, ERA claim or patient
    )
    era_claim = models.ForeignKey(
        EraClaim, on_delete=models.PROTECT, null=True, blank=True, related_name="ledger_entries"
    )
    party = models.CharField(max_length=8, choices=Party.choices)
    kind = models.CharField(max_length=20, choices=EntryKind.choices)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    group_code = models.CharField(max_length=2, blank=True)
    reason_code = models.CharField(max_length=5, blank=True)
    reverses = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversals",
        db_index=False,  # the partial unique constraint below indexes it
    )
    reversed_kind = models.CharField(max_length=20, choices=EntryKind.choices, blank=True)
    note = models.CharField(max_length=255, blank=True)
    posted_at = models.DateTimeField(auto_now_add=True)
    posted_by = models.CharField(max_length=150)

    objects = LedgerManager("client")

    class Meta:
        ordering = ["charge_line", "pk"]
        indexes = [models.Index(fields=["patient", "party"])]
        constraints = [
            models.UniqueConstraint(
                fields=["charge_line"], condition=Q(kind="charge"), name="one_charge_per_line"
            ),
            models.UniqueConstraint(
                fields=["reverses"],
                condition=Q(reverses__isnull=False),
                name="one_reversal_per_row",
            ),
            models.CheckConstraint(
                name="reversal_names_its_row",
                condition=Q(kind="reversal", reverses__isnull=False)
                | (~Q(kind="reversal") & Q(reverses__isnull=True)),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.party} {self.amount}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise TypeError("ledger entries are append-only: post a reversing entry instead")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError("ledger entries are append-only: post a reversing entry instead")
