"""Reads for the submission screens: batches, exchanged files and the rejection work list.

Every read starts from ``for_user``: a practice's user sees its own batches, files and
claims; a file that cannot be tied to one practice is seen only by all-client roles.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import IO, Any

from django.core.files.storage import default_storage
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Sum

from openrcm.accounts.permissions import permission_check
from openrcm.claims.models import (
    BatchStatus,
    Claim,
    ClaimBatch,
    ClaimResponse,
    ClaimStatus,
    ExchangedFile,
    FileKind,
)
from openrcm.core.actor import Actor
from openrcm.core.errors import ApplicationError, NotFound, ValidationFailed
from openrcm.core.inputs import parse_positive_int
from openrcm.privacy.models import AuditAction
from openrcm.privacy.services import audit_record
from openrcm.rules.money import to_money

# --- files -----------------------------------------------------------------------------------


def exchanged_file_open(
    user: Any, file_id: int, *, actor: Actor | None = None
) -> tuple[ExchangedFile, IO[bytes]]:
    """The file row and an open binary handle on its content (the caller closes it).

    Client scoped (``NotFound`` for a file of another practice, as for a missing one);
    the download is written to the audit trail as an export. ``actor`` (the request's,
    with its address) defaults to the user.
    """
    actor = actor or Actor.for_user(user)
    permission_check(actor, "claim.view")
    found = ExchangedFile.objects.for_user(user).filter(pk=file_id).first()
    if found is None:
        raise NotFound(f"file {file_id} does not exist")
    try:
        handle = default_storage.open(found.storage_path, "rb")
    except OSError as exc:
        raise ApplicationError(
            f"the stored copy of {found.name} is missing from the file storage "
            f"({found.storage_path}); restore it from the backup of the storage",
            code="file_missing",
        ) from exc
    audit_record(
        actor=actor,
        action=AuditAction.EXPORT,
        obj=found,
        client_id=found.client_id,
        detail=f"download {found.kind} {found.name}"[:255],
    )
    return found, handle


# --- batches ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchFilters:
    status: str = ""
    clearinghouse: str = ""
    payer_id: int | None = None
    client_id: int | None = None
    text: str = ""  # batch reference (BHT03) or submission id

    def as_query(self) -> dict[str, str]:
        pairs = {
            "status": self.status,
            "clearinghouse": self.clearinghouse,
            "payer": self.payer_id,
            "client": self.client_id,
            "q": self.text,
        }
        return {k: str(v) for k, v in pairs.items() if v}


def batch_filters(params: Mapping[str, Any]) -> BatchFilters:
    """Batch list filters from query parameters; every bad value in one ValidationFailed."""
    problems: list[tuple[str, str]] = []
    status = str(params.get("status") or "").strip()
    if status and status not in BatchStatus.values:
        problems.append(
            ("status", f"{status!r} is not a batch status ({', '.join(BatchStatus.values)})")
        )
    ids: dict[str, int | None] = {}
    for name in ("client", "payer"):
        raw = str(params.get(name) or "").strip()
        ids[name] = parse_positive_int(raw)
        if raw and ids[name] is None:
            problems.append((name, f"{raw!r} is not a {name} id"))
    if problems:
        raise ValidationFailed(problems)
    return BatchFilters(
        status=status,
        clearinghouse=str(params.get("clearinghouse") or "").strip()[:32],
        payer_id=ids["payer"],
        client_id=ids["client"],
        text=str(params.get("q") or "").strip()[:100],
    )


def batch_list(*, user: Any, filters: BatchFilters) -> QuerySet[ClaimBatch]:
    """The user's batches matching the filters, newest first."""
    batches: QuerySet[ClaimBatch] = ClaimBatch.objects.for_user(user)
    if filters.status:
        batches = batches.filter(status=filters.status)
    if filters.clearinghouse:
        batches = batches.filter(clearinghouse=filters.clearinghouse)
    if filters.payer_id:
        batches = batches.filter(payer_id=filters.payer_id)
    if filters.client_id:
        batches = batches.filter(client_id=filters.client_id)
    if filters.text:
        batches = batches.filter(Q(reference__iexact=filters.text) | Q(submission_id=filters.text))
    return batches.select_related("client", "payer").order_by("-pk")


@dataclass(frozen=True)
class BatchStatusCount:
    status: str
    label: str
    count: int
    claim_count: int
    total_charge: Any


def batch_status_counts(*, user: Any, filters: BatchFilters) -> list[BatchStatusCount]:
    """Batches, claims and charges per batch status under the other filters."""
    rows = {
        row["status"]: row
        for row in batch_list(user=user, filters=replace(filters, status=""))
        .order_by()
        .values("status")
        .annotate(count=Count("pk"), claims=Sum("claim_count"), total=Sum("total_charge"))
    }
    return [
        BatchStatusCount(
            s.value,
            s.label,
            rows[s]["count"],
            rows[s]["claims"] or 0,
            to_money(rows[s]["total"] or 0),
        )
        for s in BatchStatus
        if s in rows
    ]


def batch_clearinghouses(*, user: Any) -> list[str]:
    """The clearinghouses the user's batches went through (for the filter)."""
    return sorted(
        set(ClaimBatch.objects.for_user(user).values_list("clearinghouse", flat=True).distinct())
    )


def batches_with_detail(*, user: Any) -> QuerySet[ClaimBatch]:
    """The user's batches with their claims (and patients) and every file of the batch."""
    claims = Claim.objects.select_related("patient").order_by("pk")
    return (
        ClaimBatch.objects.for_user(user)
        .select_related("client", "payer")
        .prefetch_related(
            Prefetch("items__claim", queryset=claims),
            Prefetch("files", queryset=ExchangedFile.objects.order_by("at", "pk")),
        )
    )


def batch_files(*, user: Any, batch: ClaimBatch) -> list[ExchangedFile]:
    """Every file of the batch the user may open: the 837P sent and each response."""
    return list(ExchangedFile.objects.for_user(user).filter(batch=batch).order_by("at", "pk"))


# --- rejections ------------------------------------------------------------------------------

REJECTION_SOURCES = {FileKind.ACK_999: "999 (whole file)", FileKind.ACK_277CA: "277CA (claim)"}


@dataclass(frozen=True)
class RejectionFilters:
    client_id: int | None = None
    payer_id: int | None = None
    source: str = ""  # "999" or "277CA": which acknowledgement rejected the claim
    text: str = ""  # claim number

    def as_query(self) -> dict[str, str]:
        pairs = {
            "client": self.client_id,
            "payer": self.payer_id,
            "source": self.source,
            "q": self.text,
        }
        return {k: str(v) for k, v in pairs.items() if v}


def rejection_filters(params: Mapping[str, Any]) -> RejectionFilters:
    problems: list[tuple[str, str]] = []
    ids: dict[str, int | None] = {}
    for name in ("client", "payer"):
        raw = str(params.get(name) or "").strip()
        ids[name] = parse_positive_int(raw)
        if raw and ids[name] is None:
            problems.append((name, f"{raw!r} is not a {name} id"))
    source = str(params.get("source") or "").strip().upper()
    if source and source not in REJECTION_SOURCES:
        problems.append(("source", f"{source!r}: choose 999 or 277CA"))
    if problems:
        raise ValidationFailed(problems)
    return RejectionFilters(
        client_id=ids["client"],
        payer_id=ids["payer"],
        source=source,
        text=str(params.get("q") or "").strip()[:40],
    )


@dataclass(frozen=True)
class RejectedClaim:
    claim: Claim
    reason: str
    status_codes: str
    file_name: str
    received_at: Any
    source: str = ""  # the kind of file that rejected it: 999 or 277CA


def rejection_claims(*, user: Any, filters: RejectionFilters | None = None) -> QuerySet[Claim]:
    """The user's rejected claims, oldest rejection first (the longest waiting on top)."""
    filters = filters or RejectionFilters()
    claims: QuerySet[Claim] = Claim.objects.for_user(user).filter(status=ClaimStatus.REJECTED)
    if filters.client_id:
        claims = claims.filter(client_id=filters.client_id)
    if filters.payer_id:
        claims = claims.filter(payer_id=filters.payer_id)
    if filters.text:
        claims = claims.filter(patient_control_number__iexact=filters.text)
    if filters.source:
        claims = claims.filter(
            Exists(
                ClaimResponse.objects.filter(
                    claim=OuterRef("pk"), accepted=False, kind=filters.source
                )
            )
        )
    return claims.select_related("patient", "payer", "client", "encounter").order_by(
        "updated_at", "pk"
    )


def rejection_rows(claims: Iterable[Claim]) -> list[RejectedClaim]:
    """Each claim with its latest rejection's reason in words (one query for all)."""
    claims = list(claims)
    latest: dict[int, ClaimResponse] = {}
    responses = (
        ClaimResponse.objects.filter(claim__in=[c.pk for c in claims], accepted=False)
        .select_related("exchanged_file")
        .order_by("claim", "-received_at", "-pk")
    )
    for response in responses:
        latest.setdefault(response.claim_id, response)
    rows = []
    for claim in claims:
        last = latest.get(claim.pk)
        rows.append(
            RejectedClaim(
                claim=claim,
                reason=last.reason if last else "",
                status_codes=last.status_codes if last else "",
                file_name=last.exchanged_file.name if last else "",
                received_at=last.received_at if last else None,
                source=last.kind if last else "",
            )
        )
    return rows


def rejection_work_list(user: Any, filters: RejectionFilters | None = None) -> list[RejectedClaim]:
    """Rejected claims the user may see, oldest rejection first, each with the latest
    reason in words."""
    return rejection_rows(rejection_claims(user=user, filters=filters))
