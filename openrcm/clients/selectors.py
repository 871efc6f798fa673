"""Reading client practices, always through ``for_user`` (client scoping)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, QuerySet

from openrcm.clients.models import Client, ClientContact, Contract, ContractStatus, Provider
from openrcm.payers.models import FeeSchedule


def client_list(*, user: Any) -> QuerySet[Client]:
    """The user's clients with counts and their contracts (current one first)."""
    clients: QuerySet[Client] = (
        Client.objects.for_user(user)
        .annotate(
            patient_count=Count("patients", distinct=True),
            provider_count=Count("providers", distinct=True),
        )
        .prefetch_related(
            Prefetch("contracts", queryset=Contract.objects.order_by("-created_at", "-pk"))
        )
        .order_by("short_name")
    )
    return clients


def contract_status_of(client: Client) -> str:
    """The status of the client's newest contract ("" when it has none).

    Reads the prefetched ``contracts`` of ``client_list`` (no query per client).
    """
    contracts = list(client.contracts.all())
    return contracts[0].status if contracts else ""


@dataclass(frozen=True)
class ClientRecord:
    client: Client
    contracts: list[Contract]
    providers: list[Provider]
    contacts: list[ClientContact]
    fee_schedules: Sequence[FeeSchedule]
    active_contract: Contract | None
    rate_payers: list[Any]  # columns of the rate table: payers of the schedules in force
    rate_table: list[tuple[str, list[Any]]]  # (code[-modifier], allowed per schedule column)


def client_record(*, client: Client) -> ClientRecord:
    """Everything the client page shows; ``client`` must come from ``for_user``."""
    contracts = list(client.contracts.prefetch_related("history").order_by("-created_at", "-pk"))
    schedules = list(
        client.fee_schedules.select_related("payer")
        .annotate(rate_count=Count("rates"))
        .prefetch_related("rates")
        .order_by("payer__name", "-effective_from")
    )
    in_force = [s for s in schedules if s.effective_to is None]
    codes = sorted(
        {(r.procedure_code, r.modifier) for s in in_force for r in s.rates.all()},
    )
    by_schedule = [
        {(r.procedure_code, r.modifier): r.allowed_amount for r in s.rates.all()} for s in in_force
    ]
    rate_table = [
        (f"{code}-{mod}" if mod else code, [rates.get((code, mod)) for rates in by_schedule])
        for code, mod in codes
    ]
    return ClientRecord(
        client=client,
        contracts=contracts,
        providers=list(client.providers.order_by("last_name", "first_name")),
        contacts=list(client.contacts.order_by("name")),
        fee_schedules=schedules,
        active_contract=next((c for c in contracts if c.status == ContractStatus.ACTIVE), None),
        rate_payers=[s.payer for s in in_force],
        rate_table=rate_table,
    )
