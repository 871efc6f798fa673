"""Reads for the submission screens: exchanged files and the rejection work list.

Kept beside ``selectors.py`` (owned by the screens' work in progress) until they merge.
Every read starts from ``for_user``: a practice's user sees its own files and claims.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO, Any

from django.core.files.storage import default_storage
from django.db.models import Prefetch

from openrcm.accounts.permissions import permission_check
from openrcm.claims.models import Claim, ClaimResponse, ClaimStatus, ExchangedFile
from openrcm.core.actor import Actor
from openrcm.core.errors import NotFound
from openrcm.privacy.models import AuditAction
from openrcm.privacy.services import audit_record


def exchanged_file_open(user: Any, file_id: int) -> tuple[ExchangedFile, IO[bytes]]:
    """The file row and an open binary handle on its content (the caller closes it).

    Client scoped (``NotFound`` for a file of another practice, as for a missing one);
    the download is written to the audit trail as an export.
    """
    actor = Actor.for_user(user)
    permission_check(actor, "claim.view")
    found = ExchangedFile.objects.for_user(user).filter(pk=file_id).first()
    if found is None:
        raise NotFound(f"file {file_id} does not exist")
    handle = default_storage.open(found.storage_path, "rb")
    audit_record(actor=actor, action=AuditAction.EXPORT, obj=found, client_id=found.client_id)
    return found, handle


@dataclass(frozen=True)
class RejectedClaim:
    claim: Claim
    reason: str
    status_codes: str
    file_name: str
    received_at: Any


def rejection_work_list(user: Any) -> list[RejectedClaim]:
    """Rejected claims the user may see, oldest rejection first, each with the latest
    reason in words."""
    latest = ClaimResponse.objects.filter(accepted=False).select_related("exchanged_file")
    claims = (
        Claim.objects.for_user(user)
        .filter(status=ClaimStatus.REJECTED)
        .select_related("patient", "payer", "client")
        .prefetch_related(Prefetch("responses", queryset=latest, to_attr="rejections"))
        .order_by("updated_at", "pk")
    )
    rows = []
    for claim in claims:
        rejections = getattr(claim, "rejections", [])
        last = rejections[0] if rejections else None
        rows.append(
            RejectedClaim(
                claim=claim,
                reason=last.reason if last else "",
                status_codes=last.status_codes if last else "",
                file_name=last.exchanged_file.name if last else "",
                received_at=last.received_at if last else None,
            )
        )
    return rows
