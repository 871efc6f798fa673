"""Reading claims, always through ``for_user`` (client scoping)."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from django.db.models import Count, QuerySet, Sum

from openrcm.claims.models import Claim, ClaimStatus
from openrcm.clients.models import Client, Provider
from openrcm.core.errors import ValidationFailed
from openrcm.core.inputs import date_problem, parse_date_input, parse_positive_int
from openrcm.payers.models import Payer
from openrcm.rules.money import to_money


@dataclass(frozen=True)
class ClaimFilters:
    """Claim list filters; dates are dates of service, both ends included."""

    status: str = ""
    client_id: int | None = None
    payer_id: int | None = None
    provider_id: int | None = None
    service_from: datetime.date | None = None
    service_to: datetime.date | None = None
    text: str = ""

    def as_query(self) -> dict[str, str]:
        """The filters as query parameters (for pagination links)."""
        pairs = {
            "status": self.status,
            "client": self.client_id,
            "payer": self.payer_id,
            "provider": self.provider_id,
            "from": self.service_from.isoformat() if self.service_from else "",
            "to": self.service_to.isoformat() if self.service_to else "",
            "q": self.text,
        }
        return {k: str(v) for k, v in pairs.items() if v}


def claim_filters(params: Mapping[str, Any]) -> ClaimFilters:
    """Filters from query parameters; every bad value is named in one ValidationFailed."""
    problems: list[tuple[str, str]] = []
    status = str(params.get("status") or "").strip()
    if status and status not in ClaimStatus.values:
        problems.append(
            ("status", f"{status!r} is not a claim status ({', '.join(ClaimStatus.values)})")
        )
    ids: dict[str, int | None] = {}
    for name in ("client", "payer", "provider"):
        raw = str(params.get(name) or "").strip()
        ids[name] = parse_positive_int(raw)
        if raw and ids[name] is None:
            problems.append((name, f"{raw!r} is not a {name} id"))
    dates: dict[str, datetime.date | None] = {}
    for name, what in (("from", "Service date from"), ("to", "Service date to")):
        raw = str(params.get(name) or "").strip()
        dates[name] = parse_date_input(raw) if raw else None
        if raw and dates[name] is None:
            problems.append((name, date_problem(raw, what)))
    start, end = dates["from"], dates["to"]
    if start and end and end < start:
        problems.append(("to", f"the range ends ({end}) before it starts ({start})"))
    if problems:
        raise ValidationFailed(problems)
    return ClaimFilters(
        status=status,
        client_id=ids["client"],
        payer_id=ids["payer"],
        provider_id=ids["provider"],
        service_from=start,
        service_to=end,
        text=str(params.get("q") or "").strip()[:40],
    )


def claim_list(*, user: Any, filters: ClaimFilters) -> QuerySet[Claim]:
    """The user's claims matching the filters, newest service date first."""
    claims: QuerySet[Claim] = Claim.objects.for_user(user)
    if filters.status:
        claims = claims.filter(status=filters.status)
    if filters.client_id:
        claims = claims.filter(client_id=filters.client_id)
    if filters.payer_id:
        claims = claims.filter(payer_id=filters.payer_id)
    if filters.provider_id:
        claims = claims.filter(encounter__rendering_provider_id=filters.provider_id)
    if filters.service_from:
        claims = claims.filter(encounter__date_of_service__gte=filters.service_from)
    if filters.service_to:
        claims = claims.filter(encounter__date_of_service__lte=filters.service_to)
    if filters.text:
        claims = claims.filter(patient_control_number__iexact=filters.text)
    return claims.select_related(
        "client", "patient", "payer", "encounter", "encounter__rendering_provider"
    ).order_by("-encounter__date_of_service", "-pk")


@dataclass(frozen=True)
class StatusCount:
    status: str
    label: str
    count: int
    total_charge: Any


def claim_status_counts(*, user: Any, filters: ClaimFilters) -> list[StatusCount]:
    """Count and charges per status under every filter but the status itself.

    In lifecycle order; statuses with no claims are left out.
    """
    claims = claim_list(user=user, filters=replace(filters, status=""))
    rows = {
        row["status"]: row
        for row in claims.order_by()
        .values("status")
        .annotate(count=Count("pk"), total=Sum("total_charge"))
    }
    return [
        StatusCount(
            status.value, status.label, rows[status]["count"], to_money(rows[status]["total"] or 0)
        )
        for status in ClaimStatus
        if status in rows
    ]


@dataclass(frozen=True)
class ClaimFilterChoices:
    clients: list[Client]
    payers: list[Payer]
    providers: list[Provider]
    statuses: list[tuple[str, str]]


def claim_filter_choices(*, user: Any) -> ClaimFilterChoices:
    """What the filter drop-downs offer: only the user's clients and their providers."""
    return ClaimFilterChoices(
        clients=list(Client.objects.for_user(user).order_by("short_name")),
        payers=list(Payer.objects.order_by("name")),
        providers=list(
            Provider.objects.for_user(user).select_related("client").order_by("last_name")
        ),
        statuses=list(ClaimStatus.choices),
    )


def claims_with_detail(*, user: Any) -> QuerySet[Claim]:
    """The user's claims with what the detail page shows: lines, history, diagnoses."""
    claims: QuerySet[Claim] = (
        Claim.objects.for_user(user)
        .select_related(
            "client",
            "patient",
            "payer",
            "coverage",
            "encounter",
            "encounter__rendering_provider",
        )
        .prefetch_related("lines", "history", "encounter__diagnoses")
    )
    return claims
