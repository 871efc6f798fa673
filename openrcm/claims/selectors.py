"""Reading claims, always through ``for_user`` (client scoping)."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from openrcm.claims.models import (
    Claim,
    ClaimBatch,
    ClaimResponse,
    ClaimStatus,
    ExchangedFile,
    ScrubFinding,
)
from openrcm.clients.models import Client, Provider
from openrcm.core.errors import ValidationFailed
from openrcm.core.inputs import date_problem, parse_date_input, parse_positive_int
from openrcm.payers.models import Payer
from openrcm.rules.money import to_money

# Age buckets: days from the date of service (or from the claim's creation) to today.
AGE_BUCKETS: dict[str, tuple[int, int | None]] = {
    "0-30": (0, 30),
    "31-60": (31, 60),
    "61-90": (61, 90),
    "91-120": (91, 120),
    "121+": (121, None),
}
AGE_BASES = {"service": "date of service", "created": "claim created"}
YES = frozenset({"yes", "1", "true", "on"})
NO = frozenset({"no", "0", "false", "off"})


@dataclass(frozen=True)
class ClaimFilters:
    """Claim list filters; dates are dates of service, both ends included.

    ``age`` is a key of ``AGE_BUCKETS``, counted from the date of service or, with
    ``age_by="created"``, from the day the claim was made. ``scrub_errors`` keeps the
    claims whose last scrub found errors (True) or none (False).
    """

    status: str = ""
    client_id: int | None = None
    payer_id: int | None = None
    provider_id: int | None = None
    service_from: datetime.date | None = None
    service_to: datetime.date | None = None
    text: str = ""
    age: str = ""
    age_by: str = "service"
    scrub_errors: bool | None = None

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
            "age": self.age,
            "age_by": self.age_by if self.age and self.age_by != "service" else "",
            "errors": {True: "yes", False: "no", None: ""}[self.scrub_errors],
        }
        return {k: str(v) for k, v in pairs.items() if v}


def yes_no(raw: str) -> bool | None:
    """True for yes/1/true/on, False for no/0/false/off, None for empty; ValueError else."""
    text = raw.strip().lower()
    if not text:
        return None
    if text in YES:
        return True
    if text in NO:
        return False
    raise ValueError(raw)


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
    age = str(params.get("age") or "").strip()
    if age and age not in AGE_BUCKETS:
        problems.append(("age", f"{age!r} is not an age bucket ({', '.join(AGE_BUCKETS)} days)"))
    age_by = str(params.get("age_by") or "").strip() or "service"
    if age_by not in AGE_BASES:
        problems.append(("age_by", f"{age_by!r}: count the age from 'service' or 'created'"))
    raw_errors = str(params.get("errors") or "")
    try:
        scrub_errors = yes_no(raw_errors)
    except ValueError:
        problems.append(("errors", f"{raw_errors!r}: say yes (scrub errors) or no (none)"))
        scrub_errors = None
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
        age=age,
        age_by=age_by,
        scrub_errors=scrub_errors,
    )


def age_bounds(
    bucket: str, today: datetime.date
) -> tuple[datetime.date | None, datetime.date | None]:
    """The first and last day (either may be open) of an age bucket counted back from today."""
    low, high = AGE_BUCKETS[bucket]
    latest = today - datetime.timedelta(days=low)
    earliest = today - datetime.timedelta(days=high) if high is not None else None
    return earliest, latest


def _day_start(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=timezone.get_current_timezone())


def _error_findings() -> QuerySet[ScrubFinding]:
    return ScrubFinding.objects.filter(claim=OuterRef("pk"), severity="error")


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
    if filters.age:
        earliest, latest = age_bounds(filters.age, timezone.localdate())
        if filters.age_by == "created":
            assert latest is not None  # noqa: S101 - every bucket has an upper day
            claims = claims.filter(created_at__lt=_day_start(latest + datetime.timedelta(days=1)))
            if earliest is not None:
                claims = claims.filter(created_at__gte=_day_start(earliest))
        else:
            claims = claims.filter(encounter__date_of_service__lte=latest)
            if earliest is not None:
                claims = claims.filter(encounter__date_of_service__gte=earliest)
    if filters.scrub_errors is not None:
        has_errors = Exists(_error_findings())
        claims = claims.filter(has_errors if filters.scrub_errors else ~has_errors)
    return claims.select_related(
        "client", "patient", "payer", "encounter", "encounter__rendering_provider"
    ).order_by("-encounter__date_of_service", "-pk")


def with_finding_counts(claims: QuerySet[Claim]) -> QuerySet[Claim]:
    """``error_count`` and ``warning_count`` of each claim's last scrub (subqueries, so the
    rows are not multiplied)."""

    def count_of(severity: str) -> Coalesce:
        counted = (
            ScrubFinding.objects.filter(claim=OuterRef("pk"), severity=severity)
            .order_by()
            .values("claim")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return Coalesce(Subquery(counted, output_field=IntegerField()), 0)

    return claims.annotate(error_count=count_of("error"), warning_count=count_of("warning"))


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
class BucketCount:
    bucket: str
    count: int


def claim_age_counts(*, user: Any, filters: ClaimFilters) -> list[BucketCount]:
    """How many claims fall in each age bucket under every other filter (one query)."""
    claims = claim_list(user=user, filters=replace(filters, age=""))
    today = timezone.localdate()
    aggregates = {}
    for bucket in AGE_BUCKETS:
        earliest, latest = age_bounds(bucket, today)
        if filters.age_by == "created":
            assert latest is not None  # noqa: S101 - every bucket has an upper day
            condition = Q(created_at__lt=_day_start(latest + datetime.timedelta(days=1)))
            if earliest is not None:
                condition &= Q(created_at__gte=_day_start(earliest))
        else:
            condition = Q(encounter__date_of_service__lte=latest)
            if earliest is not None:
                condition &= Q(encounter__date_of_service__gte=earliest)
        aggregates[bucket] = Count("pk", filter=condition)
    found = claims.order_by().aggregate(**aggregates)
    return [BucketCount(bucket, found[bucket] or 0) for bucket in AGE_BUCKETS]


def claim_error_count(*, user: Any, filters: ClaimFilters) -> int:
    """How many claims under the filters (but the scrub one) have scrub errors."""
    return claim_list(user=user, filters=replace(filters, scrub_errors=True)).count()


@dataclass(frozen=True)
class ClaimFilterChoices:
    clients: list[Client]
    payers: list[Payer]
    providers: list[Provider]
    statuses: list[tuple[str, str]]
    ages: list[str]


def claim_filter_choices(*, user: Any) -> ClaimFilterChoices:
    """What the filter drop-downs offer: only the user's clients and their providers."""
    return ClaimFilterChoices(
        clients=list(Client.objects.for_user(user).order_by("short_name")),
        payers=list(Payer.objects.order_by("name")),
        providers=list(
            Provider.objects.for_user(user).select_related("client").order_by("last_name")
        ),
        statuses=list(ClaimStatus.choices),
        ages=list(AGE_BUCKETS),
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
            "original_claim",
        )
        .prefetch_related("lines", "history", "encounter__diagnoses")
    )
    return claims


@dataclass(frozen=True)
class ClaimRecord:
    """Everything the claim page and the API's claim detail show about one claim."""

    claim: Claim
    findings: list[ScrubFinding]
    batches: list[ClaimBatch]
    files: list[ExchangedFile]
    responses: list[ClaimResponse]
    corrections: list[Claim]

    @property
    def error_count(self) -> int:
        return sum(1 for f in self.findings if f.severity == "error")


def claim_record(*, user: Any, claim: Claim) -> ClaimRecord:
    """The claim's scrub findings, batches, files (those the user may see) and answers.

    ``claim`` must come from ``claims_with_detail(user=...)``: it is already scoped.
    """
    batches = list(
        ClaimBatch.objects.for_user(user)
        .filter(items__claim=claim)
        .select_related("payer")
        .order_by("pk")
    )
    files = list(
        ExchangedFile.objects.for_user(user)
        .filter(Q(batch__items__claim=claim) | Q(claim_responses__claim=claim))
        .distinct()
        .order_by("at", "pk")
    )
    responses = list(
        ClaimResponse.objects.filter(claim=claim)
        .select_related("exchanged_file")
        .order_by("received_at", "pk")
    )
    visible_files = {f.pk for f in files}
    for response in responses:  # a response's file link only where the user may open it
        response.file_visible = response.exchanged_file_id in visible_files  # type: ignore[attr-defined]
    return ClaimRecord(
        claim=claim,
        findings=list(ScrubFinding.objects.filter(claim=claim).order_by("pk")),
        batches=batches,
        files=files,
        responses=responses,
        corrections=list(Claim.objects.for_user(user).filter(original_claim=claim).order_by("pk")),
    )
