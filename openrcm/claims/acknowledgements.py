"""Importing 999 and 277CA acknowledgements, and polling clearinghouses for them.

A 999 is matched to its batch by the acknowledged group control number (AK102 = our
GS06); a rejected file rejects every claim of the batch. A 277CA is matched to claims by
patient control number (TRN02 = our CLM01) and to its batch by the batch reference
(TRN02 of the information-receiver level = our BHT03). An accepted claim becomes
accepted; a rejected one becomes rejected with the reason in words and lands on the
rejection work list.

Importing the same file twice changes nothing: ``ExchangedFile.sha256`` is unique and the
second import says it was already imported. A claim already in the status a file asks
for is left alone, so two different files saying the same thing are harmless too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from openrcm.accounts.permissions import permission_check
from openrcm.claims.files import exchanged_file_store, sha256_of
from openrcm.claims.lifecycle import claim_transition, claims_lock, transition_problem
from openrcm.claims.models import (
    BatchStatus,
    Claim,
    ClaimBatch,
    ClaimResponse,
    ClaimStatus,
    ExchangedFile,
    FileDirection,
    FileKind,
)
from openrcm.claims.submission import batch_transition
from openrcm.clearinghouse.base import Clearinghouse, clearinghouse_get, clearinghouse_names
from openrcm.core.actor import Actor
from openrcm.core.errors import ApplicationError
from openrcm.privacy.models import AuditAction
from openrcm.privacy.services import audit_record
from openrcm.rules.acknowledgement_codes import claim_status_words, implementation_ack_words
from openrcm.x12 import ClaimStatusResponse, ImplementationAck, X12Error, read_documents


@dataclass
class AckImport:
    """What one import did. ``duplicate``: the file was imported before; nothing changed."""

    name: str
    kind: str = ""
    duplicate: bool = False
    file: ExchangedFile | None = None
    batches: list[str] = field(default_factory=list)
    accepted: int = 0
    rejected: int = 0
    unchanged: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def message(self) -> str:
        if self.duplicate:
            when = self.file.at if self.file else None
            return (
                f"{self.name} was already imported"
                + (f" on {timezone.localtime(when):%Y-%m-%d %H:%M}" if when else "")
                + "; nothing changed"
            )
        text = f"{self.name} ({self.kind}): {self.accepted} accepted, {self.rejected} rejected"
        if self.unchanged:
            text += f", {self.unchanged} already up to date"
        if self.batches:
            text += f"; batch {', '.join(self.batches)}"
        return text + (f"; {len(self.notes)} note(s)" if self.notes else "")


class AcknowledgementUnreadable(ApplicationError):
    code = "acknowledgement_unreadable"


def _kind(documents: list[object]) -> str:
    if any(isinstance(d, ImplementationAck) for d in documents):
        return FileKind.ACK_999
    if any(isinstance(d, ClaimStatusResponse) and d.is_acknowledgment for d in documents):
        return FileKind.ACK_277CA
    if any(isinstance(d, ClaimStatusResponse) for d in documents):
        return FileKind.RESPONSE_277
    return FileKind.OTHER


def acknowledgements_import(
    *, actor: Actor, name: str, data: bytes, clearinghouse: str = ""
) -> AckImport:
    """Import one 999 or 277CA file (see the module docstring)."""
    permission_check(actor, "claim.submit")
    result = AckImport(name=name)
    existing = ExchangedFile.objects.filter(sha256=sha256_of(data)).first()
    if existing is not None:
        result.duplicate, result.file, result.kind = True, existing, existing.kind
        return result
    try:
        documents: list[object] = list(read_documents(bytes(data)))
    except X12Error as exc:
        raise AcknowledgementUnreadable(
            f"{name} is not a readable X12 file ({exc}); it was not imported. Ask the "
            "clearinghouse to send it again."
        ) from exc
    result.kind = _kind(documents)
    if result.kind not in (FileKind.ACK_999, FileKind.ACK_277CA):
        raise AcknowledgementUnreadable(
            f"{name} is a {result.kind} file, not a 999 or 277CA; import it where such files "
            "are imported",
            code="acknowledgement_wrong_kind",
        )
    with transaction.atomic():
        if ExchangedFile.objects.filter(sha256=sha256_of(data)).exists():  # a race: lost it
            result.duplicate = True
            result.file = ExchangedFile.objects.get(sha256=sha256_of(data))
            return result
        stored = exchanged_file_store(
            direction=FileDirection.RECEIVED,
            kind=result.kind,
            name=name,
            data=data,
            clearinghouse=clearinghouse,
        )
        result.file = stored
        for document in documents:
            if isinstance(document, ImplementationAck):
                _import_999(actor, document, stored, result)
            elif isinstance(document, ClaimStatusResponse):
                _import_277ca(actor, document, stored, result)
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=stored,
            client_id=stored.client_id,
            detail=result.message[:255],
        )
    return result


def _link(stored: ExchangedFile, batch: ClaimBatch) -> None:
    if stored.batch_id is None:
        stored.batch = batch
        stored.client_id = batch.client_id
        stored.save(update_fields=["batch", "client"])


def _respond(
    actor: Actor,
    claims: list[Claim],
    *,
    accepted: bool,
    stored: ExchangedFile,
    codes: dict[int, str],
    reasons: dict[int, str],
    result: AckImport,
) -> None:
    """Record each claim's response and move those that are not there yet."""
    target = ClaimStatus.ACCEPTED if accepted else ClaimStatus.REJECTED
    ClaimResponse.objects.bulk_create(
        ClaimResponse(
            claim_id=c.pk,
            exchanged_file=stored,
            kind=stored.kind,
            accepted=accepted,
            status_codes=codes.get(c.pk, "")[:200],
            reason=reasons.get(c.pk, "")[:1000],
        )
        for c in claims
    )
    moving = []
    for claim in claims:
        if claim.status == target:
            result.unchanged += 1
            continue
        problem = transition_problem(claim.status, target)
        if problem is not None:
            result.notes.append(f"{claim.patient_control_number}: {problem}; left as it is")
            continue
        moving.append(claim)
    for claim in moving:  # one reason per claim: transitions one at a time
        claim_transition(
            claim,
            to=target,
            actor=actor,
            reason=(reasons.get(claim.pk) or f"{stored.kind} {stored.name}")[:255],
        )
    if accepted:
        result.accepted += len(moving)
    else:
        result.rejected += len(moving)


def _import_999(
    actor: Actor, ack: ImplementationAck, stored: ExchangedFile, result: AckImport
) -> None:
    if ack.functional_id != "HC" or not ack.group_control_number.isdigit():
        result.notes.append(
            f"999 for group {ack.functional_id} {ack.group_control_number}: not one of our "
            "837P groups"
        )
        return
    batch = (
        ClaimBatch.objects.select_for_update()
        .filter(group_control_number=int(ack.group_control_number))
        .first()
    )
    if batch is None:
        result.notes.append(f"999 for group {ack.group_control_number}: no batch has it")
        return
    _link(stored, batch)
    result.batches.append(batch.reference)
    if batch.status == BatchStatus.SUBMITTED:
        batch_transition(
            batch,
            to=BatchStatus.ACKNOWLEDGED,
            accepted=ack.accepted,
            acknowledged_at=timezone.now(),
        )
    if ack.accepted:
        return  # claim by claim acceptance comes with the 277CA
    set_errors = [code for ts in ack.transaction_sets for code in ts.error_codes]
    reason = implementation_ack_words(set_errors, ack.group_error_codes)
    claims = claims_lock(batch.items.values_list("claim_id", flat=True))
    codes = {c.pk: f"999 {ack.group_status}" for c in claims}
    reasons = {c.pk: reason for c in claims}
    _respond(
        actor, claims, accepted=False, stored=stored, codes=codes, reasons=reasons, result=result
    )


def _import_277ca(
    actor: Actor, response: ClaimStatusResponse, stored: ExchangedFile, result: AckImport
) -> None:
    for entity in response.entity_statuses:
        if entity.level_code == "21" and entity.trace_number:
            batch = ClaimBatch.objects.filter(reference=entity.trace_number).first()
            if batch is not None:
                _link(stored, batch)
                result.batches.append(batch.reference)
    by_number = {c.patient_control_number: c for c in response.claims}
    found = dict(
        Claim.objects.filter(patient_control_number__in=list(by_number)).values_list(
            "patient_control_number", "pk"
        )
    )
    for number in by_number:
        if number not in found:
            result.notes.append(f"277CA claim {number}: no claim has this control number")
    claims = claims_lock(found.values())
    if stored.client_id is None and claims and len({c.client_id for c in claims}) == 1:
        stored.client_id = claims[0].client_id
        stored.save(update_fields=["client"])
    accepted: list[Claim] = []
    rejected: list[Claim] = []
    codes: dict[int, str] = {}
    reasons: dict[int, str] = {}
    for claim in claims:
        status = by_number[claim.patient_control_number]
        composites = [code for entry in status.statuses for code in entry.codes]
        codes[claim.pk] = " ".join(
            ":".join(p for p in (c.category, c.code, c.entity) if p) for c in composites
        )
        if status.accepted is None:
            result.notes.append(
                f"277CA claim {claim.patient_control_number}: status {codes[claim.pk]} is "
                "neither an acceptance nor a rejection; left as it is"
            )
            continue
        if status.accepted:
            accepted.append(claim)
            reasons[claim.pk] = "; ".join(
                claim_status_words(c.category, c.code, c.entity) for c in composites
            )
            if status.payer_claim_number and not claim.payer_claim_number:
                claim.payer_claim_number = status.payer_claim_number[:50]
                claim.save(update_fields=["payer_claim_number", "updated_at"])
        else:
            rejected.append(claim)
            reasons[claim.pk] = "; ".join(
                claim_status_words(c.category, c.code, c.entity)
                for c in composites
                if c.category not in ("A1", "A2")
            )
    _respond(
        actor, accepted, accepted=True, stored=stored, codes=codes, reasons=reasons, result=result
    )
    _respond(
        actor, rejected, accepted=False, stored=stored, codes=codes, reasons=reasons, result=result
    )


# --- polling -----------------------------------------------------------------------------------


@dataclass
class PollRun:
    imported: list[AckImport] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    eras: list[Any] = field(default_factory=list)  # remittance.services.EraImport

    def summary(self) -> str:
        new = [i for i in self.imported if not i.duplicate]
        text = (
            f"{len(self.imported)} file(s) fetched, {len(new)} new: "
            f"{sum(i.accepted for i in new)} claims accepted, "
            f"{sum(i.rejected for i in new)} rejected"
        )
        return text + (f"; {len(self.problems)} problem(s)" if self.problems else "")


def is_835(data: bytes) -> bool:
    """Whether an X12 file holds an 835 (ST*835 with the file's element separator)."""
    separator = data[3:4] if data[:3] == b"ISA" else b"*"
    return b"ST" + separator + b"835" + separator in data


def clearinghouse_poll(
    *, actor: Actor, clearinghouse: str | Clearinghouse | None = None
) -> PollRun:
    """Fetch every waiting response from a clearinghouse (or from each one batches were
    sent through) and import it; a file is cleared at the clearinghouse only after its
    import committed, so a crash never loses one (the next poll imports it again, which
    changes nothing the second time). Files openrcm cannot import yet (835) are left."""
    permission_check(actor, "claim.submit")
    run = PollRun()
    if isinstance(clearinghouse, Clearinghouse):
        adapters = [clearinghouse]
    else:
        names = (
            [clearinghouse]
            if clearinghouse
            else sorted(
                set(ClaimBatch.objects.values_list("clearinghouse", flat=True).distinct())
                & set(clearinghouse_names())
            )
        )
        adapters = [clearinghouse_get(name) for name in names]
    for adapter in adapters:
        for name, data in adapter.fetch_responses():
            if is_835(data):  # an ERA: imported and posted by the remittance app
                from openrcm.remittance.services import era_import_fetched

                if era_import_fetched(actor, adapter.name, name, data, run):
                    adapter.remove_response(name)
                continue
            try:
                imported = acknowledgements_import(
                    actor=actor, name=name, data=data, clearinghouse=adapter.name
                )
            except ApplicationError as exc:
                run.problems.append(f"{adapter.name} {name}: {exc.message}")
                continue
            run.imported.append(imported)
            adapter.remove_response(name)
    return run
