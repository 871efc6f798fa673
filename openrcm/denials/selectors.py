"""Reads of the denial queue, appeals, underpayments and the denial analytics; every one
starts from ``for_user`` (client scoping)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth

from openrcm.clients.models import Provider
from openrcm.denials.models import (
    AdjudicationRecord,
    Appeal,
    DenialItem,
    DenialStatus,
    UnderpaymentItem,
    UnderpaymentStatus,
)
from openrcm.rules.money import ZERO

SORTS = {
    "deadline": ("deadline", "-amount", "pk"),
    "-deadline": ("-deadline", "-amount", "pk"),
    "amount": ("amount", "deadline", "pk"),
    "-amount": ("-amount", "deadline", "pk"),
}


@dataclass(frozen=True)
class QueueFilter:
    client_id: int | None = None
    payer_id: int | None = None
    category: str = ""
    owner: str = ""  # a user id, "me" or "none"
    status: str = "active"  # "active" (open + in progress), a status, or "all"
    sort: str = "deadline"


def denial_queue(*, user: Any, filters: QueueFilter = QueueFilter()) -> QuerySet[DenialItem]:
    found = DenialItem.objects.for_user(user).select_related(
        "client", "claim", "claim__patient", "payer", "owner"
    )
    if filters.client_id:
        found = found.filter(client_id=filters.client_id)
    if filters.payer_id:
        found = found.filter(payer_id=filters.payer_id)
    if filters.category:
        found = found.filter(category=filters.category)
    if filters.owner == "me":
        found = found.filter(owner_id=getattr(user, "pk", None))
    elif filters.owner == "none":
        found = found.filter(owner__isnull=True)
    elif filters.owner.isdigit():
        found = found.filter(owner_id=int(filters.owner))
    if filters.status == "active":
        found = found.exclude(status=DenialStatus.RESOLVED)
    elif filters.status in DenialStatus.values:
        found = found.filter(status=filters.status)
    return found.order_by(*SORTS.get(filters.sort, SORTS["deadline"]))


def denial_detail(*, user: Any) -> QuerySet[DenialItem]:
    return DenialItem.objects.for_user(user).select_related(
        "client",
        "claim",
        "claim__patient",
        "claim__encounter",
        "claim_line",
        "payer",
        "owner",
        "corrected_claim",
        "write_off_requested_by",
    )


def appeal_list(*, user: Any) -> QuerySet[Appeal]:
    return Appeal.objects.for_user(user).select_related("claim", "payer")


def underpayment_list(*, user: Any, open_only: bool = True) -> QuerySet[UnderpaymentItem]:
    found = UnderpaymentItem.objects.for_user(user).select_related(
        "client", "claim", "claim__patient", "payer", "claim_line"
    )
    if open_only:
        found = found.filter(status__in=[UnderpaymentStatus.OPEN, UnderpaymentStatus.DISPUTED])
    return found


# --- analytics ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RateRow:
    key: str
    adjudicated: int  # ERA claim payments read
    denied_claims: int  # of which with at least one denial
    denials: int  # denial items
    denied_amount: Decimal

    @property
    def rate(self) -> Decimal:
        if not self.adjudicated:
            return Decimal("0.0")
        return (Decimal(100) * self.denied_claims / self.adjudicated).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class Analytics:
    by_payer: list[RateRow]
    by_client: list[RateRow]
    by_provider: list[RateRow]
    by_month: list[RateRow]
    by_category: list[RateRow]  # adjudicated/denied_claims: claims with that category
    total: RateRow


def _rows(
    records: QuerySet[AdjudicationRecord],
    items: QuerySet[DenialItem],
    rec_key: str,
    item_key: str,
    labels: dict[Any, str] | None = None,
) -> list[RateRow]:
    counts = {
        r[rec_key]: r
        for r in records.values(rec_key).annotate(
            n=Count("pk"), denied=Count("pk", filter=Q(denial_count__gt=0))
        )
    }
    sums = {
        r[item_key]: r for r in items.values(item_key).annotate(n=Count("pk"), amount=Sum("amount"))
    }
    rows = [
        RateRow(
            key=(labels or {}).get(k) or _key(k),
            adjudicated=counts.get(k, {}).get("n", 0),
            denied_claims=counts.get(k, {}).get("denied", 0),
            denials=sums.get(k, {}).get("n", 0),
            denied_amount=sums.get(k, {}).get("amount") or ZERO,
        )
        for k in {*counts, *sums}
    ]
    return sorted(rows, key=lambda r: (-r.denied_amount, r.key))


def _key(value: Any) -> str:
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m")
    if isinstance(value, datetime.date):
        return value.strftime("%Y-%m")
    return "—" if value in (None, "") else str(value)


def denial_analytics(
    *,
    user: Any,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    client_id: int | None = None,
) -> Analytics:
    records = AdjudicationRecord.objects.for_user(user)
    items = DenialItem.objects.for_user(user)
    if date_from:
        records, items = (
            records.filter(era_date__gte=date_from),
            items.filter(era_date__gte=date_from),
        )
    if date_to:
        records, items = records.filter(era_date__lte=date_to), items.filter(era_date__lte=date_to)
    if client_id:
        records, items = records.filter(client_id=client_id), items.filter(client_id=client_id)
    provider = "claim__encounter__rendering_provider"
    provider_names = {
        p.pk: f"{p.last_name}, {p.first_name} ({p.npi})"
        for p in Provider.objects.filter(pk__in=records.values_list(provider, flat=True).distinct())
    }
    by_month = _rows(
        records.annotate(month=TruncMonth("era_date")),
        items.annotate(month=TruncMonth("era_date")),
        "month",
        "month",
    )
    category_claims = {
        r["category"]: r["claims"]
        for r in items.values("category").annotate(claims=Count("record", distinct=True))
    }
    adjudicated = records.count()
    by_category = [
        RateRow(
            key=r["category"],
            adjudicated=adjudicated,
            denied_claims=category_claims.get(r["category"], 0),
            denials=r["n"],
            denied_amount=r["amount"] or ZERO,
        )
        for r in items.values("category").annotate(n=Count("pk"), amount=Sum("amount"))
    ]
    totals = items.aggregate(n=Count("pk"), amount=Sum("amount"))
    return Analytics(
        by_payer=_rows(records, items, "claim__payer__name", "payer__name"),
        by_client=_rows(records, items, "client__legal_name", "client__legal_name"),
        by_provider=_rows(records, items, provider, provider, provider_names),
        by_month=sorted(by_month, key=lambda r: r.key),
        by_category=sorted(by_category, key=lambda r: (-r.denied_amount, r.key)),
        total=RateRow(
            key="all",
            adjudicated=adjudicated,
            denied_claims=records.filter(denial_count__gt=0).count(),
            denials=totals["n"] or 0,
            denied_amount=totals["amount"] or ZERO,
        ),
    )
