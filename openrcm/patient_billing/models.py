"""The patient side of billing: each practice's instructions, and the account's history.

What a balance *is* comes from the ledger (the remittance app); this app holds what the
billing company does about it on the practice's behalf: the practice's instructions
(statement cycle, reminder cadence, payment-plan terms, placement with an agency, the
small-balance write-off, guidance for collectors), the accounts it must never send to
collections, every contact a collector logs, and disputes, which pause collection until
they are answered.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import Q

from openrcm.core.models import TimeStamped
from openrcm.core.scoping import ScopedManager
from openrcm.rules.payment_plans import Frequency, PlanLimits
from openrcm.rules.placement import PlacementPolicy
from openrcm.rules.statements import (
    DEFAULT_CADENCE,
    CadenceStep,
    CycleKind,
    ReminderKind,
    StatementCycle,
)


def default_cadence() -> list[dict[str, Any]]:
    return [
        {"name": s.name, "day": s.day, "kind": s.kind.value, "final_notice": s.final_notice}
        for s in DEFAULT_CADENCE
    ]


def default_frequencies() -> list[str]:
    return [f.value for f in Frequency]


class ClientInstructions(TimeStamped):
    """How one practice wants its patients billed and collected (one row per practice).

    Rules among them are enforced by the pure rules they are turned into
    (``statement_cycle``, ``cadence``, ``plan_limits``, ``placement_policy``); the
    ``guidance`` is shown to collectors on every account of the practice.
    """

    client = models.OneToOneField(
        "clients.Client", on_delete=models.PROTECT, related_name="billing_instructions"
    )
    statement_cycle = models.CharField(
        max_length=16,
        choices=[(k.value, k.value.replace("_", " ")) for k in CycleKind],
        default=CycleKind.DAY_OF_MONTH.value,
    )
    statement_day = models.PositiveSmallIntegerField(default=1)
    statement_every_days = models.PositiveSmallIntegerField(default=30)
    statement_minimum = models.DecimalField(
        max_digits=12, decimal_places=2, default=Decimal("5.00")
    )
    statement_due_days = models.PositiveSmallIntegerField(default=21)
    cadence = models.JSONField(default=default_cadence)
    small_balance_write_off = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        default=Decimal("0.00"),
        help_text="Balances under this are written off instead of billed (0: never)",
    )
    places_accounts = models.BooleanField(default=False)
    agency_name = models.CharField(max_length=120, blank=True)
    placement_minimum = models.DecimalField(
        max_digits=12, decimal_places=2, default=Decimal("50.00")
    )
    placement_minimum_age_days = models.PositiveSmallIntegerField(default=120)
    final_notice_wait_days = models.PositiveSmallIntegerField(default=30)
    plan_max_instalments = models.PositiveSmallIntegerField(default=12)
    plan_min_instalment = models.DecimalField(
        max_digits=12, decimal_places=2, default=Decimal("25.00")
    )
    plan_min_down_payment_percent = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("0.00")
    )
    plan_frequencies = models.JSONField(default=default_frequencies)
    plan_max_days_to_first_due = models.PositiveSmallIntegerField(default=45)
    plan_grace_days = models.PositiveSmallIntegerField(default=10)
    plan_default_after_missed = models.PositiveSmallIntegerField(default=2)
    guidance = models.TextField(blank=True, help_text="Shown to collectors on every account")

    objects = ScopedManager("client")

    class Meta:
        verbose_name_plural = "client instructions"

    def __str__(self) -> str:
        return f"billing instructions of {self.client}"

    def statement_cycle_rule(self) -> StatementCycle:
        return StatementCycle(
            kind=CycleKind(self.statement_cycle),
            day=self.statement_day,
            every_days=self.statement_every_days,
            minimum_balance=self.statement_minimum,
            due_in_days=self.statement_due_days,
        )

    def cadence_steps(self) -> tuple[CadenceStep, ...]:
        return tuple(
            CadenceStep(
                name=str(step["name"]),
                day=int(step["day"]),
                kind=ReminderKind(step["kind"]),
                final_notice=bool(step.get("final_notice", False)),
            )
            for step in self.cadence
        )

    def plan_limits(self) -> PlanLimits:
        return PlanLimits(
            max_instalments=self.plan_max_instalments,
            min_instalment=self.plan_min_instalment,
            min_down_payment_percent=self.plan_min_down_payment_percent,
            frequencies=frozenset(Frequency(f) for f in self.plan_frequencies),
            max_days_to_first_due=self.plan_max_days_to_first_due,
        )

    def placement_policy(self) -> PlacementPolicy:
        return PlacementPolicy(
            places_accounts=self.places_accounts,
            agency=self.agency_name,
            minimum_balance=self.placement_minimum,
            minimum_age_days=self.placement_minimum_age_days,
            final_notice_wait_days=self.final_notice_wait_days,
        )


class CollectionExclusion(TimeStamped):
    """A patient account the practice asked never to send to a collection agency."""

    patient = models.OneToOneField(
        "patients.Patient", on_delete=models.PROTECT, related_name="collection_exclusion"
    )
    reason = models.CharField(max_length=255)
    recorded_by = models.CharField(max_length=150)

    objects = ScopedManager("patient__client")

    def __str__(self) -> str:
        return f"never place {self.patient}: {self.reason}"


class ContactMedium(models.TextChoices):
    VOICE = "voice", "Call"
    SMS = "sms", "Text"
    EMAIL = "email", "Email"
    LETTER = "letter", "Letter"


class ContactDirection(models.TextChoices):
    OUTBOUND = "outbound", "We contacted the patient"
    INBOUND = "inbound", "The patient contacted us"


class ContactOutcome(models.TextChoices):
    REACHED = "reached", "Reached"
    LEFT_MESSAGE = "left_message", "Left a message"
    NO_ANSWER = "no_answer", "No answer"
    PROMISE_TO_PAY = "promise_to_pay", "Promise to pay"
    DISPUTE = "dispute", "Dispute"
    HARDSHIP = "hardship", "Hardship"
    WRONG_NUMBER = "wrong_number", "Wrong number"
    ABUSIVE_CALL_ENDED = "abusive_call_ended", "Abusive call ended"


# Outcomes that mean a telephone conversation about the debt took place (Reg F's 7-day
# wait after a conversation starts from these).
CONVERSATION_OUTCOMES = frozenset(
    {
        ContactOutcome.REACHED,
        ContactOutcome.PROMISE_TO_PAY,
        ContactOutcome.DISPUTE,
        ContactOutcome.HARDSHIP,
        ContactOutcome.ABUSIVE_CALL_ENDED,
    }
)
# Outcomes of a call that did not connect to the dialed number: never counted in 7-in-7.
UNCONNECTED_OUTCOMES = frozenset({ContactOutcome.NO_ANSWER})


class AccountContact(models.Model):
    """One contact about a patient's balance, as the collector logged it. Append-only."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="billing_contacts"
    )
    at = models.DateTimeField()
    medium = models.CharField(max_length=8, choices=ContactMedium.choices)
    direction = models.CharField(max_length=8, choices=ContactDirection.choices)
    outcome = models.CharField(max_length=24, choices=ContactOutcome.choices)
    with_prior_consent = models.BooleanField(
        default=False, help_text="The patient asked for this call in the 7 days before"
    )
    promise_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    promise_date = models.DateField(null=True, blank=True)
    note = models.TextField(blank=True)
    recorded_by = models.CharField(max_length=150)
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager("patient__client")

    class Meta:
        ordering = ["patient", "at", "pk"]
        indexes = [models.Index(fields=["patient", "at"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(outcome="promise_to_pay")
                | (Q(promise_amount__gt=0) & Q(promise_date__isnull=False)),
                name="contact_promise_has_amount_and_date",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_medium_display()} {self.at:%Y-%m-%d %H:%M}: {self.get_outcome_display()}"

    @property
    def conversation(self) -> bool:
        return self.medium == ContactMedium.VOICE and self.outcome in CONVERSATION_OUTCOMES

    @property
    def connected(self) -> bool:
        return self.outcome not in UNCONNECTED_OUTCOMES


class Dispute(TimeStamped):
    """The patient disputes the balance: collection pauses until it is answered."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="billing_disputes"
    )
    opened_at = models.DateTimeField()
    reason = models.TextField()
    opened_by = models.CharField(max_length=150)
    contact = models.OneToOneField(
        AccountContact, on_delete=models.PROTECT, null=True, blank=True, related_name="dispute"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.TextField(blank=True)
    resolved_by = models.CharField(max_length=150, blank=True)

    objects = ScopedManager("patient__client")

    class Meta:
        ordering = ["patient", "opened_at", "pk"]

    def __str__(self) -> str:
        state = "resolved" if self.resolved_at else "open"
        return f"{state} dispute of {self.patient} since {self.opened_at:%Y-%m-%d}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None
