"""837P batches: build them from READY claims, and hand each to its clearinghouse once.

``batches_build`` groups READY claims by clearinghouse, payer and practice into 837P files
(one ``ClaimBatch`` each, its file kept as an ``ExchangedFile``) and moves the claims to
batched. ``batch_submit`` sends one built batch. A batch is sent exactly once: its status
is checked under a row lock, and before sending, the clearinghouse is asked whether a
file of the batch's unique submission key is already there (a previous attempt that sent
it and then crashed before committing) — then the batch is only marked submitted.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connections, router, transaction
from django.utils import timezone

from openrcm.accounts.permissions import permission_check
from openrcm.claims.bulk import column_of, ids_sql
from openrcm.claims.files import exchanged_file_bytes, exchanged_file_store
from openrcm.claims.lifecycle import claim_transition, claims_lock, claims_transition
from openrcm.claims.models import (
    BatchStatus,
    Claim,
    ClaimBatch,
    ClaimBatchItem,
    ClaimFrequency,
    ClaimStatus,
    ControlNumberCounter,
    FileDirection,
    FileKind,
    ScrubFinding,
)
from openrcm.claims.scrubbing import ClaimFacts, claims_load, subscriber_address
from openrcm.clearinghouse.base import (
    Clearinghouse,
    clearinghouse_default_name,
    clearinghouse_get,
)
from openrcm.clients.models import Client
from openrcm.clients.models import Provider as ProviderRow
from openrcm.core.actor import Actor
from openrcm.core.errors import ApplicationError, TransitionNotAllowed
from openrcm.payers.models import Payer as PayerRow
from openrcm.privacy.models import AuditAction
from openrcm.privacy.services import audit_record
from openrcm.rules.scrubber import PostalAddress
from openrcm.x12 import X12WriteError
from openrcm.x12.write import (
    Address,
    BillingProvider,
    Claim837P,
    ClaimBatch837P,
    Contact,
    InterchangeSettings,
    OrganizationName,
    Patient,
    Payer,
    PersonName,
    Provider,
    Receiver,
    ServiceLine,
    Submitter,
    Subscriber,
    write_837p,
)

if TYPE_CHECKING:
    from openrcm.remittance.selectors import PriorPayers

DEFAULT_MAX_CLAIMS = 5000
BATCH_TRANSITIONS: dict[str, frozenset[str]] = {
    BatchStatus.BUILT: frozenset({BatchStatus.SUBMITTED}),
    BatchStatus.SUBMITTED: frozenset({BatchStatus.ACKNOWLEDGED}),
    BatchStatus.ACKNOWLEDGED: frozenset(),
}
_DIGITS = re.compile(r"\D")


def batch_transition(batch: ClaimBatch, *, to: str, **fields: Any) -> None:
    """The one place a batch's status changes (with the fields that go with it)."""
    if to not in BATCH_TRANSITIONS.get(batch.status, frozenset()):
        raise TransitionNotAllowed(
            f"batch {batch.reference} is {batch.status} and cannot become {to}", field="status"
        )
    batch.status = to
    for name, value in fields.items():
        setattr(batch, name, value)
    batch.save(update_fields=["status", "updated_at", *fields])


def control_number_next(name: str) -> int:
    """The next number of counter ``name`` (1 .. 999,999,999), under a row lock."""
    ControlNumberCounter.objects.get_or_create(name=name)
    counter = ControlNumberCounter.objects.select_for_update().get(name=name)
    counter.last_value = counter.last_value % 999_999_999 + 1
    counter.save(update_fields=["last_value"])
    return counter.last_value


# --- loaded claims -> 837P values ----------------------------------------------------------


def _postal(address: PostalAddress | None) -> Address | None:
    if address is None:
        return None
    return Address(
        line1=address.street1,
        line2=address.street2,
        city=address.city,
        state=address.state,
        postal_code=_DIGITS.sub("", address.zip_code),
    )


def submitter_837p() -> Submitter:
    return Submitter(
        name=OrganizationName(str(settings.OPENRCM_COMPANY_NAME)[:60]),
        submitter_id=str(getattr(settings, "OPENRCM_SUBMITTER_ID", "OPENRCM")),
        contact=Contact(
            name=str(getattr(settings, "OPENRCM_SUBMITTER_CONTACT", "EDI DESK")),
            phone=str(getattr(settings, "OPENRCM_SUBMITTER_PHONE", "8005550100")),
        ),
    )


class Claim837PBuilder:
    """Turns loaded claims into the writer's ``Claim837P`` values.

    The parties a batch's claims share (billing provider, payer, rendering provider,
    subscriber, dependent patient) are built once and the same object is reused, which
    also lets the writer group claims under one 2000A/2000B/2000C loop by identity.
    """

    def __init__(self) -> None:
        self._billing: dict[int, BillingProvider] = {}
        self._payers: dict[int, Payer] = {}
        self._rendering: dict[int, Provider] = {}
        self._subscribers: dict[tuple[int, int, str, int], Subscriber] = {}
        self._patients: dict[tuple[int, int], Patient | None] = {}

    def billing_provider(self, client: Client) -> BillingProvider:
        found = self._billing.get(client.pk)
        if found is None:
            address = _postal(
                PostalAddress(
                    street1=client.street1,
                    street2=client.street2,
                    city=client.city,
                    state=client.state,
                    zip_code=client.zip_code,
                )
            )
            assert address is not None  # noqa: S101 - built just above
            found = self._billing[client.pk] = BillingProvider(
                name=OrganizationName(client.legal_name),
                npi=client.group_npi,
                address=address,
                tax_id=_DIGITS.sub("", client.tin),
                taxonomy=client.taxonomy or None,
            )
        return found

    def payer(self, payer: PayerRow) -> Payer:
        found = self._payers.get(payer.pk)
        if found is None:
            found = self._payers[payer.pk] = Payer(name=payer.name, payer_id=payer.payer_id)
        return found

    def rendering_provider(self, provider: ProviderRow) -> Provider:
        found = self._rendering.get(provider.pk)
        if found is None:
            found = self._rendering[provider.pk] = Provider(
                name=PersonName(provider.last_name, provider.first_name),
                npi=provider.npi,
                taxonomy=provider.taxonomy or None,
            )
        return found

    def subscriber(self, claim: ClaimFacts) -> Subscriber:
        coverage = claim.coverage
        key = (coverage.pk, claim.patient.pk, claim.coverage_level, claim.payer.pk)
        found = self._subscribers.get(key)
        if found is None:
            found = self._subscribers[key] = Subscriber(
                name=PersonName(coverage.subscriber_last_name, coverage.subscriber_first_name),
                member_id=coverage.subscriber_id or coverage.member_id,
                payer_responsibility=claim.coverage_level,
                claim_filing_indicator=claim.payer.claim_filing_indicator,
                group_number=coverage.group_number,
                address=_postal(subscriber_address(claim)),
                birth_date=coverage.subscriber_date_of_birth,
                sex=coverage.subscriber_sex,  # type: ignore[arg-type]  # F, M or U by choices
            )
        return found

    def patient(self, claim: ClaimFacts) -> Patient | None:
        """2000C: the patient when not the subscriber (None when the patient is)."""
        patient, coverage = claim.patient, claim.coverage
        key = (patient.pk, coverage.pk)
        if key in self._patients:
            return self._patients[key]
        found: Patient | None = None
        if coverage.relationship != "18":
            address = _postal(
                PostalAddress(
                    street1=patient.street1,
                    street2=patient.street2,
                    city=patient.city,
                    state=patient.state,
                    zip_code=patient.zip_code,
                )
            )
            assert address is not None  # noqa: S101 - built just above
            found = Patient(
                name=PersonName(patient.last_name, patient.first_name, patient.middle_name),
                relationship=coverage.relationship,
                address=address,
                birth_date=patient.date_of_birth,
                sex=patient.sex,  # type: ignore[arg-type]  # F, M or U by the model's choices
            )
        self._patients[key] = found
        return found

    def prior_payers(self, claim: ClaimFacts) -> PriorPayers:
        """A secondary or tertiary claim's other-payer loops (2320/2330/2430), from the
        earlier payers' posted ERAs; none for a primary claim (no query then)."""
        from openrcm.remittance.selectors import PriorPayers, prior_payers_for

        if claim.coverage_level == "P":
            return PriorPayers((), {})
        return prior_payers_for(Claim.objects.get(pk=claim.pk))

    def __call__(self, claim: ClaimFacts) -> Claim837P:
        dos = claim.date_of_service
        prior = self.prior_payers(claim)
        corrects = claim.frequency_code in (ClaimFrequency.REPLACEMENT, ClaimFrequency.VOID)
        return Claim837P(
            billing_provider=self.billing_provider(claim.client),
            subscriber=self.subscriber(claim),
            payer=self.payer(claim.payer),
            patient_control_number=claim.patient_control_number,
            total_charge=claim.total_charge,
            place_of_service=claim.place_of_service,
            diagnosis_codes=claim.diagnoses,
            lines=tuple(
                ServiceLine(
                    procedure_code=line.procedure_code,
                    charge=line.charge_amount,
                    service_date=dos,
                    diagnosis_pointers=line.diagnosis_pointers,
                    units=line.units,
                    modifiers=line.modifiers,
                    line_item_control_number=line.line_item_control_number,
                    prior_payer_adjudications=prior.line_adjudications.get(number, ()),
                )
                for number, line in enumerate(claim.lines, start=1)
            ),
            other_payers=prior.other_payers,
            patient=self.patient(claim),
            frequency_code=claim.frequency_code,  # type: ignore[arg-type]  # 1, 7 or 8 by choices
            payer_claim_control_number=(claim.original_payer_claim_number or None)
            if corrects
            else None,
            prior_authorization=claim.prior_authorization or None,
            referring_provider=Provider(
                name=PersonName(claim.referring_last_name, claim.referring_first_name),
                npi=claim.referring_npi,
            )
            if claim.referring_npi
            else None,
            rendering_provider=self.rendering_provider(claim.rendering_provider),
        )


def claim_837p_from(claim: ClaimFacts) -> Claim837P:
    """The writer's ``Claim837P`` of a claim loaded by ``claims_load``."""
    return Claim837PBuilder()(claim)


# --- building --------------------------------------------------------------------------------


@dataclass
class BuildRun:
    batches: list[ClaimBatch] = field(default_factory=list)
    claims: int = 0
    held: list[str] = field(default_factory=list)  # claims the 837P writer refused, and why

    def summary(self) -> str:
        text = f"{len(self.batches)} batch(es) built with {self.claims} claims"
        return text + (f"; {len(self.held)} claim(s) held by the 837P writer" if self.held else "")


def batches_build(
    *, actor: Actor, max_claims: int | None = None, progress: object = None
) -> BuildRun:
    """837P files for every READY claim, one batch per clearinghouse, payer and practice
    (split every ``max_claims``). Each batch is built in its own transaction."""
    permission_check(actor, "claim.submit")
    limit = max_claims or int(getattr(settings, "OPENRCM_BATCH_MAX_CLAIMS", DEFAULT_MAX_CLAIMS))
    rows = (
        Claim.objects.filter(status=ClaimStatus.READY)
        .order_by("pk")
        .values_list("pk", "payer_id", "client_id", "payer__claim_rules__clearinghouse")
    )
    default_clearinghouse = clearinghouse_default_name()
    groups: dict[tuple[str, int, int], list[int]] = defaultdict(list)
    for pk, payer_id, client_id, chosen in rows:
        groups[(chosen or default_clearinghouse, payer_id, client_id)].append(pk)
    run = BuildRun()
    start = getattr(progress, "start", None)
    if callable(start):
        start("Build 837P batches", sum(len(ids) for ids in groups.values()))
    advance = getattr(progress, "advance", None)
    for (clearinghouse, payer_id, client_id), ids in sorted(groups.items()):
        for offset in range(0, len(ids), limit):
            chunk = ids[offset : offset + limit]
            batch, held = _batch_build(actor, clearinghouse, payer_id, client_id, chunk)
            run.held += held
            if batch is not None:
                run.batches.append(batch)
                run.claims += batch.claim_count
            if callable(advance):
                advance(len(chunk))
    return run


def _hold(actor: Actor, claims: Sequence[ClaimFacts], message: str) -> list[str]:
    """Hold claims the 837P writer refused (with a finding saying why); their lines for
    ``BuildRun.held``."""
    ScrubFinding.objects.bulk_create(
        ScrubFinding(
            claim_id=c.pk,
            rule_id="X12-WRITE",
            severity="error",
            message=message[:500],
            hint="Correct the data named in the message, then scrub the claim again.",
        )
        for c in claims
    )
    claims_transition(
        [c.ref() for c in claims], to=ClaimStatus.HELD, actor=actor, reason=message[:255]
    )
    return [f"{c.patient_control_number}: {message}" for c in claims]


def _batch_items_add(batch: ClaimBatch, claim_ids: list[int]) -> None:
    """The batch's ``ClaimBatchItem`` rows, written by one INSERT ... SELECT."""
    connection = connections[router.db_for_write(ClaimBatchItem)]
    name = connection.ops.quote_name
    claim_id = name(column_of(Claim, "id"))
    columns = (
        f"{name(column_of(ClaimBatchItem, 'batch'))}, {name(column_of(ClaimBatchItem, 'claim'))}"
    )
    where, params = ids_sql(claim_id, claim_ids, database=connection.alias)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {name(ClaimBatchItem._meta.db_table)} ({columns}) "  # noqa: S608 - names from the models
            f"SELECT %s, {claim_id} FROM {name(Claim._meta.db_table)} WHERE {where} "
            f"ORDER BY {claim_id}",
            [batch.pk, *params],
        )


def _batch_build(
    actor: Actor,
    clearinghouse: str,
    payer_id: int,
    client_id: int,
    ids: list[int],
) -> tuple[ClaimBatch | None, list[str]]:
    """One batch in one transaction: the batch (None when no claim was left to write)
    and the claims the 837P writer held, with why."""
    held: list[str] = []
    with transaction.atomic():
        loaded = claims_load(ids, statuses=[ClaimStatus.READY], lock=True)
        if not loaded:
            return None, held
        build = Claim837PBuilder()
        values = {c.pk: build(c) for c in loaded}
        icn = control_number_next("isa")
        gcn = control_number_next("gs")
        reference = f"B{icn:09d}"
        now = timezone.localtime()
        interchange = InterchangeSettings(
            sender_id=str(getattr(settings, "OPENRCM_SUBMITTER_ID", "OPENRCM")),
            receiver_id=str(getattr(settings, "OPENRCM_RECEIVER_ID", "OPENRCMSANDBOX")),
            interchange_control_number=icn,
            group_control_number=gcn,
            transaction_set_control_number=1,
            created_at=now.replace(tzinfo=None),
            usage_indicator="P" if getattr(settings, "PRODUCTION", False) else "T",
        )
        submitter = submitter_837p()
        receiver = Receiver(name=clearinghouse.upper()[:60], receiver_id=interchange.receiver_id)
        while True:
            try:
                data = write_837p(
                    interchange,
                    ClaimBatch837P(
                        submitter=submitter,
                        receiver=receiver,
                        reference=reference,
                        claims=tuple(values[c.pk] for c in loaded),
                    ),
                )
                break
            except X12WriteError as exc:
                message = str(exc)
                culprits = [
                    c for c in loaded if message.startswith(f"claim {c.patient_control_number}:")
                ] or list(loaded)
                held += _hold(actor, culprits, message)
                gone = {c.pk for c in culprits}
                loaded = [c for c in loaded if c.pk not in gone]
                if not loaded:
                    return None, held
        total = sum((c.total_charge for c in loaded), Decimal("0.00"))
        key = f"OPENRCM-{reference}.837"
        stored = exchanged_file_store(
            direction=FileDirection.SENT,
            kind=FileKind.CLAIM_837P,
            name=key,
            data=data,
            clearinghouse=clearinghouse,
            client_id=client_id,
        )
        batch = ClaimBatch.objects.create(
            client_id=client_id,
            payer_id=payer_id,
            clearinghouse=clearinghouse,
            reference=reference,
            interchange_control_number=icn,
            group_control_number=gcn,
            submission_key=key,
            file_sha256=stored.sha256,
            claim_count=len(loaded),
            total_charge=total,
        )
        stored.batch = batch
        stored.save(update_fields=["batch"])
        _batch_items_add(batch, [c.pk for c in loaded])
        claims_transition(
            [c.ref() for c in loaded], to=ClaimStatus.BATCHED, actor=actor, reason=f"in {reference}"
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=batch,
            detail=f"837P {key}: {len(loaded)} claims, {total}",
        )
    return batch, held


# --- submitting ------------------------------------------------------------------------------


@dataclass
class BatchSubmission:
    batch: ClaimBatch
    sent: bool
    message: str


def batch_submit(
    *, actor: Actor, batch: ClaimBatch, clearinghouse: Clearinghouse | None = None
) -> BatchSubmission:
    """Hand a built batch's 837P to its clearinghouse, exactly once (see the module
    docstring); its claims become submitted."""
    permission_check(actor, "claim.submit")
    with transaction.atomic():
        locked = ClaimBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.status != BatchStatus.BUILT:
            when = timezone.localtime(locked.submitted_at) if locked.submitted_at else None
            return BatchSubmission(
                locked,
                False,
                f"{locked.reference} was already submitted"
                + (f" on {when:%Y-%m-%d %H:%M}" if when else "")
                + "; nothing was sent again",
            )
        adapter = clearinghouse or clearinghouse_get(locked.clearinghouse)
        file = locked.files.get(direction=FileDirection.SENT, kind=FileKind.CLAIM_837P)
        existing = adapter.find_submission(locked.submission_key)
        if existing is not None:
            submission_id, sent = existing, False
            message = (
                f"{locked.reference} was already at {locked.clearinghouse} (an earlier attempt "
                "sent it and stopped before recording it); recorded, not sent again"
            )
        else:
            submission_id = adapter.submit(locked.submission_key, exchanged_file_bytes(file))
            sent = True
            message = f"{locked.reference} sent to {locked.clearinghouse} as {submission_id}"
        now = timezone.now()
        batch_transition(
            locked, to=BatchStatus.SUBMITTED, submission_id=submission_id[:100], submitted_at=now
        )
        claim_ids = list(locked.items.values_list("claim_id", flat=True))
        claims = claims_lock(claim_ids, statuses=[ClaimStatus.BATCHED])
        claim_transition(
            claims,
            to=ClaimStatus.SUBMITTED,
            actor=actor,
            reason=f"{locked.reference} to {locked.clearinghouse}",
        )
        audit_record(actor=actor, action=AuditAction.EXPORT, obj=locked, detail=message[:255])
    return BatchSubmission(locked, sent, message)


def batches_submit(*, actor: Actor, clearinghouse: str | None = None) -> list[BatchSubmission]:
    """Submit every built batch (of one clearinghouse, or all), each on its own."""
    permission_check(actor, "claim.submit")
    query = ClaimBatch.objects.filter(status=BatchStatus.BUILT).order_by("pk")
    if clearinghouse:
        query = query.filter(clearinghouse=clearinghouse)
    adapters: dict[str, Clearinghouse] = {}
    results = []
    for batch in query:
        adapter = adapters.get(batch.clearinghouse)
        if adapter is None:
            adapter = adapters[batch.clearinghouse] = clearinghouse_get(batch.clearinghouse)
        results.append(batch_submit(actor=actor, batch=batch, clearinghouse=adapter))
    return results


def submission_problem(exc: Exception) -> str:
    """A person's words for an error raised while submitting."""
    return exc.message if isinstance(exc, ApplicationError) else f"{type(exc).__name__}: {exc}"


__all__ = [
    "BATCH_TRANSITIONS",
    "BatchSubmission",
    "BuildRun",
    "Claim837PBuilder",
    "batch_submit",
    "batch_transition",
    "batches_build",
    "batches_submit",
    "claim_837p_from",
    "control_number_next",
]
