"""Payers (insurers) and the fee schedules a client has contracted with them."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from openrcm.core.models import PostalAddress, TimeStamped
from openrcm.core.scoping import ScopedManager


class PayerType(models.TextChoices):
    MEDICARE = "medicare", "Medicare"
    MEDICAID = "medicaid", "Medicaid"
    COMMERCIAL = "commercial", "Commercial"
    BCBS = "bcbs", "Blue Cross Blue Shield"
    WORKERS_COMP = "workers_comp", "Workers' compensation"
    SELF_PAY = "self_pay", "Self-pay"


class ClaimFilingIndicator(models.TextChoices):
    """SBR09 claim filing indicator codes used on professional claims."""

    MEDICARE_PART_B = "MB", "MB Medicare Part B"
    MEDICAID = "MC", "MC Medicaid"
    COMMERCIAL = "CI", "CI Commercial insurance"
    BLUE_CROSS = "BL", "BL Blue Cross Blue Shield"
    HMO = "HM", "HM Health maintenance organization"
    PPO = "12", "12 Preferred provider organization"
    POS = "13", "13 Point of service"
    WORKERS_COMP = "WC", "WC Workers' compensation"
    SELF_PAY = "09", "09 Self-pay"
    MEDICARE_ADVANTAGE = "16", "16 Medicare Advantage HMO"
    TRICARE = "CH", "CH TRICARE"
    OTHER = "ZZ", "ZZ Mutually defined"


class Payer(TimeStamped, PostalAddress):
    name = models.CharField(max_length=60, unique=True)
    payer_id = models.CharField(
        "clearinghouse payer ID", max_length=80, unique=True, help_text="NM109 of loop 2010BB"
    )
    payer_type = models.CharField(max_length=16, choices=PayerType.choices)
    claim_filing_indicator = models.CharField(max_length=2, choices=ClaimFilingIndicator.choices)
    timely_filing_days = models.PositiveIntegerField(
        help_text="Days from date of service within which a claim must be filed."
    )
    appeal_days = models.PositiveIntegerField(
        help_text="Days from the remittance within which a first-level appeal must be filed."
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                name="payer_timely_filing_positive", condition=Q(timely_filing_days__gt=0)
            ),
            models.CheckConstraint(
                name="payer_appeal_days_positive", condition=Q(appeal_days__gt=0)
            ),
        ]

    def __str__(self) -> str:
        return self.name


class FeeSchedule(TimeStamped):
    """What a payer agreed to allow a client, by procedure and modifier, for a period."""

    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, related_name="fee_schedules"
    )
    payer = models.ForeignKey(Payer, on_delete=models.PROTECT, related_name="fee_schedules")
    name = models.CharField(max_length=80)
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True)

    objects = ScopedManager("client")

    class Meta:
        ordering = ["client", "payer", "-effective_from"]
        constraints = [
            models.CheckConstraint(
                name="fee_schedule_end_after_start",
                condition=Q(effective_to__isnull=True)
                | Q(effective_to__gte=models.F("effective_from")),
            )
        ]

    def __str__(self) -> str:
        return self.name


class FeeScheduleRate(models.Model):
    schedule = models.ForeignKey(FeeSchedule, on_delete=models.CASCADE, related_name="rates")
    procedure_code = models.CharField(max_length=5)
    modifier = models.CharField(max_length=2, blank=True, default="")
    allowed_amount = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["procedure_code", "modifier"]
        constraints = [
            models.UniqueConstraint(
                fields=["schedule", "procedure_code", "modifier"], name="one_rate_per_code"
            ),
            models.CheckConstraint(name="rate_not_negative", condition=Q(allowed_amount__gte=0)),
        ]

    def __str__(self) -> str:
        mod = f"-{self.modifier}" if self.modifier else ""
        return f"{self.procedure_code}{mod} {self.allowed_amount}"


class PayerClaimRules(TimeStamped):
    """What one payer asks of a claim beyond the common scrubber rules: data, not code.

    Read by the scrubber adapter as a ``PayerRules``; changed only through
    ``payer_claim_rules_set`` (which refuses rule IDs that do not exist or may not be
    turned off).
    """

    payer = models.OneToOneField(Payer, on_delete=models.CASCADE, related_name="claim_rules")
    disabled_rules = models.JSONField(
        default=dict, blank=True, help_text="{rule_id: why it is off for this payer}"
    )
    referring_required_for_pos = models.JSONField(default=list, blank=True)
    referring_required_for_codes = models.JSONField(default=list, blank=True)
    prior_auth_codes = models.JSONField(default=list, blank=True)
    unit_overrides = models.JSONField(
        default=dict, blank=True, help_text="{procedure code: max units per date of service}"
    )
    clearinghouse = models.CharField(
        max_length=32, blank=True, help_text="Send this payer's claims through (blank: default)"
    )

    class Meta:
        verbose_name_plural = "payer claim rules"

    def __str__(self) -> str:
        return f"claim rules of {self.payer}"
