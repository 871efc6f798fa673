"""The dashboard's numbers: what the user's clients hold, counted in a few queries."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Sum

from openrcm.claims.models import Claim, ClaimStatus, Encounter
from openrcm.clients.models import Client
from openrcm.patients.models import Patient
from openrcm.rules.money import to_money


@dataclass(frozen=True)
class ClaimStatusTotal:
    status: str
    label: str
    count: int
    total_charge: Decimal


@dataclass(frozen=True)
class ClientTotals:
    client: Client
    patients: int
    encounters: int
    claims: int


@dataclass(frozen=True)
class DashboardCounts:
    clients: int
    patients: int
    encounters: int
    claims: int
    claims_by_status: list[ClaimStatusTotal]
    by_client: list[ClientTotals]


def _counts_by_client(queryset: Any) -> dict[int, int]:
    return {
        row["client_id"]: row["n"]
        for row in queryset.order_by().values("client_id").annotate(n=Count("pk"))
    }


def dashboard_counts(*, user: Any) -> DashboardCounts:
    """Patients, encounters and claims (by status) of the clients ``user`` may see."""
    clients = list(Client.objects.for_user(user).order_by("short_name"))
    patients = _counts_by_client(Patient.objects.for_user(user))
    encounters = _counts_by_client(Encounter.objects.for_user(user))
    claims = _counts_by_client(Claim.objects.for_user(user))
    status_rows = {
        row["status"]: row
        for row in Claim.objects.for_user(user)
        .order_by()
        .values("status")
        .annotate(n=Count("pk"), total=Sum("total_charge"))
    }
    by_status = [
        ClaimStatusTotal(
            status=status.value,
            label=status.label,
            count=status_rows[status]["n"],
            total_charge=to_money(status_rows[status]["total"] or 0),
        )
        for status in ClaimStatus
        if status in status_rows
    ]
    return DashboardCounts(
        clients=len(clients),
        patients=sum(patients.values()),
        encounters=sum(encounters.values()),
        claims=sum(claims.values()),
        claims_by_status=by_status,
        by_client=[
            ClientTotals(
                client=c,
                patients=patients.get(c.pk, 0),
                encounters=encounters.get(c.pk, 0),
                claims=claims.get(c.pk, 0),
            )
            for c in clients
        ],
    )
