"""The billing company's clients: practices, their contracts, providers and contacts."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from openrcm.core.fields import EncryptedTextField, SearchHashField
from openrcm.core.models import PostalAddress, TimeStamped
from openrcm.core.scoping import ScopedManager
from openrcm.rules.identifiers import normalize_tin


class Client(TimeStamped, PostalAddress):
    """A practice the billing company works for (the billing provider on its claims)."""

    legal_name = models.CharField(max_length=60)
    short_name = models.CharField(max_length=30, unique=True)
    specialty = models.CharField(max_length=60, blank=True)
    group_npi = models.CharField("group NPI", max_length=10, unique=True)
    tin = EncryptedTextField("TIN", help_text="Federal tax ID (EIN), stored encrypted.")
    tin_hash = SearchHashField(source="tin", purpose="tin", normalizer=normalize_tin)
    taxonomy = models.CharField(max_length=10, help_text="NUCC taxonomy code (PRV03).")
    phone = models.CharField(max_length=16, help_text="Office phone, E.164.")
    time_zone = models.CharField(max_length=40, default="America/New_York")
    # Pay-to address (2010AB) where payments go when it is not the service address.
    pay_to_street1 = models.CharField(max_length=55, blank=True)
    pay_to_city = models.CharField(max_length=30, blank=True)
    pay_to_state = models.CharField(max_length=2, blank=True)
    pay_to_zip_code = models.CharField(max_length=10, blank=True)

    objects = ScopedManager("")

    class Meta:
        ordering = ["short_name"]

    def __str__(self) -> str:
        return self.short_name


class ContractStatus(models.TextChoices):
    PROSPECT = "prospect", "Prospect"  # talking; nothing is billed, no texts
    ACTIVE = "active", "Active"  # services running
    ENDED = "ended", "Ended"  # services stopped; messages stop too


CONTRACT_TRANSITIONS: dict[str, set[str]] = {
    ContractStatus.PROSPECT: {ContractStatus.ACTIVE, ContractStatus.ENDED},
    ContractStatus.ACTIVE: {ContractStatus.ENDED},
    ContractStatus.ENDED: set(),
}


class ContractService(models.TextChoices):
    BILLING = "billing", "Billing"
    CODING = "coding", "Coding"
    CREDENTIALING = "credentialing", "Credentialing"
    FULL_RCM = "full_rcm", "Full revenue-cycle management"


class Contract(TimeStamped):
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="contracts")
    status = models.CharField(
        max_length=16, choices=ContractStatus.choices, default=ContractStatus.PROSPECT
    )
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    services = models.JSONField(default=list, help_text="Services bought (ContractService).")
    fee_percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)

    objects = ScopedManager("client")

    class Meta:
        ordering = ["client", "-start_date"]
        constraints = [
            models.CheckConstraint(
                name="contract_end_after_start",
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
            )
        ]

    def __str__(self) -> str:
        return f"{self.client} contract ({self.status})"


class ContractStatusChange(models.Model):
    """One row per transition of a contract: who, when, from, to, why."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="history")
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    at = models.DateTimeField(auto_now_add=True)
    actor = models.CharField(max_length=150)
    reason = models.CharField(max_length=255, blank=True)

    objects = ScopedManager("contract__client")

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_status or '-'} → {self.to_status}"


class Provider(TimeStamped):
    """An individual clinician who renders services for a client practice."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="providers")
    npi = models.CharField("NPI", max_length=10)
    first_name = models.CharField(max_length=35)
    last_name = models.CharField(max_length=60)
    credentials = models.CharField(max_length=20, blank=True, help_text="MD, DO, NP, PA-C...")
    taxonomy = models.CharField(max_length=10)
    active = models.BooleanField(default=True)

    objects = ScopedManager("client")

    class Meta:
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(fields=["client", "npi"], name="provider_npi_per_client")
        ]

    def __str__(self) -> str:
        suffix = f", {self.credentials}" if self.credentials else ""
        return f"{self.first_name} {self.last_name}{suffix}"


class ClientContact(TimeStamped):
    """A person at the practice the billing company talks to."""

    class Kind(models.TextChoices):
        OWNER = "owner", "Owner / physician"
        MANAGER = "manager", "Practice manager"
        BILLING = "billing", "Billing contact"
        FRONT_DESK = "front_desk", "Front desk"

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="contacts")
    name = models.CharField(max_length=80)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    phone = models.CharField(max_length=16, blank=True)
    email = models.EmailField(blank=True)

    objects = ScopedManager("client")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"
