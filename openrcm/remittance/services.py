"""ERA import and posting: every change to remittances and the ledger goes through here.

``era_import`` keeps the 835 file unchanged (an ``ExchangedFile`` with its SHA-256), then
imports each payment (BPR/TRN) in its own transaction: the payment, its claims, lines,
adjustments, PLBs, the ledger rows, the claims' new statuses, the secondary claims and
the posting exceptions commit together or not at all. A payment already imported (same
payer and trace number) is skipped and reported; a file whose import crashed part way can
be imported again and only the payments still missing are imported.

Matching: CLP01 to our patient control number; else the payer claim number (CLP07);
else the patient's member id, the service dates and the charge. No match, or more than
one, is a posting exception (the claim payment is kept, nothing is posted for it). Lines
match by REF*6R, else by procedure, modifiers and charge (``rules.match_service_line``).
What each adjustment posts is decided in ``rules``.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple, Protocol

from django.db import connections, models, router, transaction
from django.db.models import Sum
from django.utils import timezone

from openrcm.accounts.permissions import permission_check
from openrcm.claims.files import exchanged_file_store, sha256_of
from openrcm.claims.lifecycle import ClaimRef, claims_transition, transition_problem
from openrcm.claims.models import (
    ChargeLine,
    Claim,
    ClaimFrequency,
    ClaimLine,
    ClaimStatus,
    ExchangedFile,
    FileDirection,
    FileKind,
)
from openrcm.clients.models import Client
from openrcm.core.actor import Actor
from openrcm.core.errors import ApplicationError, ValidationFailed
from openrcm.core.fields import EncryptedTextField, search_hash_for
from openrcm.patients.models import Coverage
from openrcm.payers.models import Payer
from openrcm.privacy.models import AuditAction
from openrcm.privacy.services import audit_record
from openrcm.remittance import rules
from openrcm.remittance.models import (
    EntryKind,
    EraAdjustment,
    EraClaim,
    EraClaimOutcome,
    EraFile,
    EraPayment,
    EraServiceLine,
    EraSource,
    ExceptionReason,
    LedgerEntry,
    Party,
    PostingException,
    ProviderAdjustment,
)
from openrcm.x12 import (
    ClaimPayment,
    Remittance,
    X12Error,
    check_remittance,
    read_documents,
)
from openrcm.x12.models import Adjustment

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
CHUNK = 1000
OUTCOME_STATUS = {
    EraClaimOutcome.PAID: ClaimStatus.PAID,
    EraClaimOutcome.PARTIALLY_PAID: ClaimStatus.PARTIALLY_PAID,
    EraClaimOutcome.DENIED: ClaimStatus.DENIED,
    EraClaimOutcome.PENDED: ClaimStatus.PENDED,
    EraClaimOutcome.REVERSAL: ClaimStatus.ACCEPTED,
}
NEXT_LEVEL = {"P": "S", "S": "T", "T": None}


class Progress(Protocol):
    def start(self, name: str, total: int) -> None: ...
    def advance(self, amount: int = 1) -> None: ...
    def finish(self) -> None: ...


class EraUnreadable(ApplicationError):
    code = "era_unreadable"


@dataclass
class PaymentImport:
    """What importing one payment did (``duplicate``: it was imported before)."""

    trace_number: str
    payer: str
    amount: Decimal
    duplicate: bool = False
    payment: EraPayment | None = None
    claims: int = 0
    posted: int = 0
    exceptions: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    secondary_claims: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    balancing: list[str] = field(default_factory=list)

    @property
    def message(self) -> str:
        if self.duplicate:
            when = self.payment.posted_at if self.payment else None
            return (
                f"payment {self.trace_number} from {self.payer} ({self.amount}) was already "
                "imported"
                + (f" on {timezone.localtime(when):%Y-%m-%d %H:%M}" if when else "")
                + "; nothing changed"
            )
        counts = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in sorted(self.outcomes.items()))
        text = (
            f"payment {self.trace_number} from {self.payer} ({self.amount}): {self.claims} "
            f"claims, {self.posted} posted ({counts or 'none'}), {self.exceptions} exception(s)"
        )
        if self.secondary_claims:
            text += f", {len(self.secondary_claims)} secondary claim(s) created"
        return text


@dataclass
class EraImport:
    name: str
    file: EraFile | None = None
    payments: list[PaymentImport] = field(default_factory=list)

    @property
    def duplicate(self) -> bool:
        return bool(self.payments) and all(p.duplicate for p in self.payments)

    @property
    def new_payments(self) -> list[PaymentImport]:
        return [p for p in self.payments if not p.duplicate]

    def count(self, name: str) -> int:
        return sum(p.outcomes.get(name, 0) for p in self.new_payments)

    @property
    def message(self) -> str:
        if self.duplicate:
            return f"{self.name} was already imported; nothing changed"
        new = self.new_payments
        text = (
            f"{self.name}: {len(new)} payment(s) imported, "
            f"{sum(p.posted for p in new)} claims posted, "
            f"{sum(p.exceptions for p in new)} exception(s)"
        )
        skipped = len(self.payments) - len(new)
        return text + (f"; {skipped} payment(s) already imported" if skipped else "")


# --- reading ------------------------------------------------------------------------------------


def _line_of(data: bytes, position: int | None) -> int | None:
    """The line of the file where segment ``position`` (1 = ISA) starts."""
    if position is None or len(data) < 106:
        return None
    terminator = data[105:106]
    offset = 0
    for _ in range(position - 1):
        found = data.find(terminator, offset)
        if found < 0:
            return None
        offset = found + 1
    return data.count(b"\n", 0, offset) + 1


def era_read(name: str, data: bytes) -> list[Remittance]:
    """The 835s of a file, or ``EraUnreadable`` naming the file, segment and line."""
    try:
        documents = list(read_documents(bytes(data)))
    except X12Error as exc:
        line = _line_of(bytes(data), exc.segment_position)
        where = f"{name}" + (f", line {line}" if line else "")
        raise EraUnreadable(
            f"{where}: {exc.describe()}. The file was not imported; fix it or ask the payer "
            "or clearinghouse to send it again."
        ) from exc
    remittances = [d for d in documents if isinstance(d, Remittance)]
    if not remittances:
        kinds = sorted({getattr(getattr(d, "envelope", None), "transaction_set_id", "?")
                        for d in documents})  # fmt: skip
        raise EraUnreadable(
            f"{name} holds no 835 (it holds {', '.join(kinds) or 'nothing'}); import "
            "acknowledgements with 'openrcm clearinghouse poll'",
            code="era_wrong_kind",
        )
    return remittances


def _payment_key(doc: Remittance, sha: str) -> tuple[str, str]:
    trace = doc.trace
    originator = (trace.originator if trace else "") or (doc.payer.id if doc.payer else "")
    number = trace.number if trace and trace.number else ""
    if not number:
        number = f"NOTRN-{sha[:16]}-{doc.envelope.control_number}"
    return originator[:50], number[:50]


# --- the import ---------------------------------------------------------------------------------


def era_import(
    *,
    actor: Actor,
    name: str,
    data: bytes,
    source: str = EraSource.UPLOAD,
    clearinghouse: str = "",
    progress: Progress | None = None,
) -> EraImport:
    """Import and post one 835 file (see the module docstring)."""
    permission_check(actor, "remittance.post")
    if source not in EraSource.values:
        raise ValidationFailed([("source", f"{source!r} is not one of {EraSource.values}")])
    result = EraImport(name=name)
    remittances = era_read(name, data)
    sha = sha256_of(data)
    with transaction.atomic():
        stored = ExchangedFile.objects.filter(sha256=sha).first()
        if stored is None:
            stored = exchanged_file_store(
                direction=FileDirection.RECEIVED,
                kind=FileKind.ERA_835,
                name=name,
                data=data,
                clearinghouse=clearinghouse,
            )
        era_file = EraFile.objects.filter(exchanged_file=stored).first()
        if era_file is None:
            era_file = EraFile.objects.create(
                exchanged_file=stored, source=source, received_by=actor.label[:150]
            )
            audit_record(
                actor=actor,
                action=AuditAction.CREATE,
                obj=era_file,
                detail=f"835 {name} received ({len(remittances)} payment(s))"[:255],
            )
    result.file = era_file
    for doc in remittances:
        payer_key, trace_number = _payment_key(doc, sha)
        item = PaymentImport(
            trace_number=trace_number,
            payer=doc.payer.name if doc.payer else payer_key,
            amount=doc.payment.amount,
        )
        result.payments.append(item)
        existing = EraPayment.objects.filter(
            payer_identifier=payer_key, trace_number=trace_number
        ).first()
        if existing is not None:
            item.duplicate, item.payment = True, existing
            continue
        with transaction.atomic():
            _payment_post(actor, era_file, doc, payer_key, trace_number, item, progress)
    clients = set(EraPayment.objects.filter(era_file=era_file).values_list("client_id", flat=True))
    if len(clients) == 1 and era_file.client_id is None and None not in clients:
        era_file.client_id = clients.pop()
        era_file.save(update_fields=["client"])
        if stored.client_id is None:
            stored.client_id = era_file.client_id
            stored.save(update_fields=["client"])
    return result


def era_import_fetched(actor: Actor, clearinghouse: str, name: str, data: bytes, run: Any) -> bool:
    """Import an 835 the clearinghouse poll fetched; True when it may be cleared there
    (imported now or before). A problem is added to ``run.problems`` and the file stays at
    the clearinghouse, to be imported by a later poll once fixed."""
    try:
        imported = era_import(
            actor=actor,
            name=name,
            data=data,
            source=EraSource.CLEARINGHOUSE,
            clearinghouse=clearinghouse,
        )
    except ApplicationError as exc:
        run.problems.append(f"{clearinghouse} {name}: {exc.message}")
        return False
    run.eras.append(imported)
    return True


def _payer_of(doc: Remittance) -> Payer | None:
    ids: list[str] = []
    if doc.payer is not None:
        if doc.payer.id:
            ids.append(doc.payer.id)
        ids += [r.value for r in doc.payer.references if r.qualifier in ("2U", "EO", "NF")]
    for reference in doc.references:
        if reference.qualifier == "2U":
            ids.append(reference.value)
    if ids:
        found = Payer.objects.filter(payer_id__in=ids).first()
        if found is not None:
            return found
    if doc.payer is not None and doc.payer.name:
        return Payer.objects.filter(name__iexact=doc.payer.name).first()
    return None


def _payee_client(doc: Remittance) -> Client | None:
    payee = doc.payee
    if payee is None or not payee.id:
        return None
    if payee.id_qualifier == "XX":
        return Client.objects.filter(group_npi=payee.id).first()
    return None


def _payment_post(
    actor: Actor,
    era_file: EraFile,
    doc: Remittance,
    payer_key: str,
    trace_number: str,
    item: PaymentImport,
    progress: Progress | None,
) -> None:
    payer = _payer_of(doc)
    client = _payee_client(doc)
    findings = check_remittance(doc)
    errors = [f for f in findings if not f.is_warning]
    unbalanced: dict[int, str] = {}
    claim_positions = sorted(c.position for c in doc.claims)
    for finding in errors:
        if finding.segment_id == "BPR":
            item.balancing.append(finding.describe())
            continue
        # A line or claim finding: the claim is the last CLP at or before its position.
        position = finding.segment_position or 0
        owner = max((p for p in claim_positions if p <= position), default=None)
        if owner is not None:
            unbalanced.setdefault(owner, finding.describe())
    payment = EraPayment.objects.create(
        era_file=era_file,
        client=client,
        payer=payer,
        payer_identifier=payer_key,
        trace_number=trace_number,
        transaction_control_number=doc.envelope.control_number[:9],
        handling_code=doc.payment.handling_code[:2],
        amount=doc.payment.amount,
        credit_debit=doc.payment.credit_debit[:1],
        method=doc.payment.method[:3],
        payment_date=doc.payment.payment_date,
        payer_name=(doc.payer.name if doc.payer else "")[:60],
        payee_name=(doc.payee.name if doc.payee else "")[:60],
        payee_identifier=(doc.payee.id if doc.payee else "")[:80],
        claim_count=len(doc.claims),
        total_charge=sum((c.charge for c in doc.claims), ZERO),
        total_paid=sum((c.paid for c in doc.claims), ZERO),
        balancing_problems=item.balancing,
        posted_by=actor.label[:150],
    )
    item.payment = payment
    ProviderAdjustment.objects.bulk_create(
        ProviderAdjustment(
            payment=payment,
            provider_identifier=plb.provider_id[:50],
            fiscal_period_date=plb.fiscal_period_date,
            reason_code=plb.reason[:2],
            reference=plb.reference[:50],
            amount=plb.amount,
        )
        for plb in doc.provider_adjustments
    )
    poster = _PaymentPoster(actor, payment, item, unbalanced)
    if progress is not None:
        progress.start(f"Post {trace_number}", len(doc.claims))
    batch: list[ClaimPayment] = []
    seen: set[str] = set()
    for claim in doc.claims:
        if claim.patient_control_number in seen or len(batch) >= CHUNK:
            poster.post(batch)
            if progress is not None:
                progress.advance(len(batch))
            batch, seen = [], set()
        batch.append(claim)
        seen.add(claim.patient_control_number)
    if batch:
        poster.post(batch)
        if progress is not None:
            progress.advance(len(batch))
    if progress is not None:
        progress.finish()
    payment.claim_count = item.claims
    payment.posted_claims = item.posted
    payment.exception_count = item.exceptions
    if payment.client_id is None and len(poster.clients) == 1:
        payment.client_id = next(iter(poster.clients))
    payment.save(update_fields=["claim_count", "posted_claims", "exception_count", "client"])
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=payment,
        client_id=payment.client_id,
        detail=item.message[:255],
    )


# --- posting one batch of claim payments ---------------------------------------------------------


ERA_CLAIM_COLUMNS = (
    "payment", "client", "claim", "position", "patient_control_number", "status_code",
    "charge", "paid", "patient_responsibility", "filing_indicator", "payer_claim_number",
    "frequency", "patient_identity", "remark_codes", "outcome",
)  # fmt: skip
ERA_LINE_COLUMNS = (
    "era_claim", "claim_line", "line_number", "procedure_code", "modifiers",
    "billed_procedure_code", "billed_modifiers", "charge", "paid", "units_paid",
    "service_date", "line_item_control_number", "allowed_amount", "remark_codes", "matched_by",
)  # fmt: skip
ERA_ADJUSTMENT_COLUMNS = (
    "era_claim", "service_line", "group_code", "reason_code", "amount", "quantity",
)  # fmt: skip
LEDGER_COLUMNS = (
    "client", "patient", "charge_line", "claim", "era_claim", "party", "kind", "amount",
    "group_code", "reason_code", "reverses", "reversed_kind", "note", "posted_at", "posted_by",
)  # fmt: skip
_PREPARED = (models.JSONField, models.DateField, models.DateTimeField, EncryptedTextField)


class RowWriter:
    """Inserts many rows of a model as plain tuples, in the caller's transaction: COPY on
    PostgreSQL, executemany elsewhere. Values go through the field's own preparation
    where it matters (JSON, dates, encryption); ids are read back by the caller."""

    def __init__(self, model: type[models.Model]) -> None:
        self.connection = connections[router.db_for_write(model)]
        self.now = LedgerEntry._meta.get_field("posted_at").get_db_prep_save(
            timezone.now(), self.connection
        )

    def insert(
        self, model: type[models.Model], names: Sequence[str], rows: Sequence[tuple[object, ...]]
    ) -> None:
        if not rows:
            return
        connection = self.connection
        fields = [model._meta.get_field(name) for name in names]
        prepared = [
            (index, field)
            for index, field in enumerate(fields)
            if isinstance(field, _PREPARED) and field.name != "posted_at"
        ]
        if prepared:
            converted = []
            for row in rows:
                values = list(row)
                for index, field in prepared:
                    values[index] = field.get_db_prep_save(values[index], connection)
                converted.append(tuple(values))
            rows = converted
        quote = connection.ops.quote_name
        table = quote(model._meta.db_table)
        columns = ", ".join(quote(str(getattr(f, "column", f.name))) for f in fields)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                raw = cursor.cursor
                with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(fields))
                sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608 - names from the model
                cursor.executemany(sql, rows)  # type: ignore[arg-type]  # DB-ready values


def _plain(adjustments: Iterable[Adjustment]) -> tuple[rules.PlainAdjustment, ...]:
    return tuple(rules.PlainAdjustment(a.group, a.reason, a.amount) for a in adjustments)


def _identity(claim: ClaimPayment) -> str:
    parts = []
    for name in (claim.patient, claim.insured):
        if name is not None:
            person = " ".join(p for p in (name.first, name.middle, name.last_or_organization) if p)
            parts.append(f"{name.entity} {person} {name.id_qualifier} {name.id}".strip())
    return "; ".join(parts)


def _member_ids(claim: ClaimPayment) -> list[str]:
    return [n.id for n in (claim.patient, claim.insured) if n is not None and n.id]


def _dates(claim: ClaimPayment) -> set[datetime.date]:
    found = {d for line in claim.lines for d in (line.service_date, line.service_start) if d}
    if claim.statement_from:
        found.add(claim.statement_from)
    return found


class OurLine(NamedTuple):
    """One of our claim lines, as matching and posting need it."""

    pk: int
    claim_id: int
    charge_line_id: int
    line_number: int
    procedure_code: str
    modifiers: list[str]
    charge_amount: Decimal
    line_item_control_number: str


@dataclass
class _Matched:
    era: ClaimPayment
    claim: Claim | None
    reason: str = ""
    message: str = ""
    candidates: list[int] = field(default_factory=list)


class _PaymentPoster:
    """Posts claim payments in batches: a handful of queries and bulk inserts per batch."""

    def __init__(
        self, actor: Actor, payment: EraPayment, item: PaymentImport, unbalanced: dict[int, str]
    ) -> None:
        self.actor = actor
        self.payment = payment
        self.item = item
        self.unbalanced = unbalanced
        self.clients: set[int] = set()
        self.label = actor.label[:150]
        self.writer = RowWriter(LedgerEntry)

    # -- matching --

    def _match(self, batch: Sequence[ClaimPayment]) -> list[_Matched]:
        numbers = [c.patient_control_number for c in batch]
        by_number = {
            c.patient_control_number: c
            for c in Claim.objects.filter(patient_control_number__in=numbers).select_related(
                "encounter"
            )
        }
        matched = []
        for era in batch:
            claim = by_number.get(era.patient_control_number)
            if claim is not None:
                matched.append(_Matched(era, claim))
            else:
                matched.append(self._match_fallback(era))
        return matched

    def _match_fallback(self, era: ClaimPayment) -> _Matched:
        number = era.payer_claim_control_number
        if number:
            found = list(
                Claim.objects.filter(payer_claim_number=number)
                .exclude(status=ClaimStatus.VOID)
                .select_related("encounter")[:5]
            )
            if len(found) == 1:
                return _Matched(era, found[0])
            if len(found) > 1:
                return _Matched(
                    era,
                    None,
                    ExceptionReason.AMBIGUOUS,
                    f"CLP01 {era.patient_control_number!r} is none of our claims and payer "
                    f"claim number {number} belongs to {len(found)} claims",
                    [c.pk for c in found],
                )
        hashes = [search_hash_for(Coverage, "member_id_hash", m) for m in _member_ids(era)]
        dates = _dates(era)
        if hashes and dates:
            found = list(
                Claim.objects.filter(
                    coverage__member_id_hash__in=hashes,
                    encounter__date_of_service__in=dates,
                    total_charge=era.charge,
                )
                .exclude(status=ClaimStatus.VOID)
                .select_related("encounter")[:5]
            )
            if len(found) == 1:
                return _Matched(era, found[0])
            if len(found) > 1:
                return _Matched(
                    era,
                    None,
                    ExceptionReason.AMBIGUOUS,
                    f"CLP01 {era.patient_control_number!r} is none of our claims; the member "
                    f"id, dates and charge {era.charge} fit {len(found)} claims",
                    [c.pk for c in found],
                )
        return _Matched(
            era,
            None,
            ExceptionReason.UNMATCHED,
            f"CLP01 {era.patient_control_number!r} is none of our claims, and no claim has "
            f"payer claim number {number or '(none sent)'} or this member, dates and charge "
            f"{era.charge}",
        )

    # -- the batch --

    def post(self, batch: Sequence[ClaimPayment]) -> None:
        matched = self._match(batch)
        claims = {m.claim.pk: m.claim for m in matched if m.claim is not None}
        lines_of: dict[int, list[OurLine]] = defaultdict(list)
        for row in (
            ClaimLine.objects.filter(claim_id__in=list(claims))
            .order_by("claim_id", "line_number")
            .values_list(*OurLine._fields)
        ):
            ours = OurLine._make(row)
            lines_of[ours.claim_id].append(ours)
        self._charges(claims.values())
        coverages = self._later_coverages(claims.values())
        balances = self._balances([c for c in claims.values() if c.coverage_level != "P"], lines_of)
        writer = self.writer
        payment_id = self.payment.pk

        # 1. What the ERA says, kept as received (claims, lines, adjustments).
        era_rows: list[tuple[object, ...]] = []
        outcomes: list[str] = []
        keys_of: list[list[tuple[int | None, str]]] = []
        for m in matched:
            era = m.era
            problem = self.unbalanced.get(era.position)
            claim = m.claim
            line_keys: list[tuple[int | None, str]] = []
            if claim is not None and problem is None:
                line_keys, line_problem = self._match_lines(era, lines_of[claim.pk])
                if line_problem:
                    m.reason, m.message = ExceptionReason.LINE_UNMATCHED, line_problem
            elif problem is not None:
                m.reason, m.message = ExceptionReason.NOT_BALANCED, problem
            everything = [(ln.paid, _plain(ln.adjustments)) for ln in era.lines]
            if era.adjustments:
                everything.append((ZERO, _plain(era.adjustments)))
            outcome = rules.claim_outcome(era.status, era.paid, everything)
            if m.reason:
                outcome = EraClaimOutcome.UNPOSTED
            client_id = claim.client_id if claim is not None else self.payment.client_id
            if client_id is not None:
                self.clients.add(client_id)
            outcomes.append(outcome)
            keys_of.append(line_keys)
            era_rows.append(
                (
                    payment_id, client_id, claim.pk if claim is not None else None,
                    era.position, era.patient_control_number[:38], era.status[:2],
                    era.charge, era.paid, era.patient_responsibility,
                    era.filing_indicator[:2], era.payer_claim_control_number[:50],
                    era.frequency[:1], _identity(era),
                    list(era.outpatient_remarks or era.inpatient_remarks), outcome,
                )
            )  # fmt: skip
        writer.insert(EraClaim, ERA_CLAIM_COLUMNS, era_rows)
        era_ids = dict(
            EraClaim.objects.filter(
                payment_id=payment_id, position__in=[m.era.position for m in matched]
            ).values_list("position", "pk")
        )
        line_rows: list[tuple[object, ...]] = []
        for m, line_keys in zip(matched, keys_of, strict=True):
            era_id = era_ids[m.era.position]
            for number, line in enumerate(m.era.lines, start=1):
                key = line_keys[number - 1] if len(line_keys) >= number else (None, "")
                billed = line.billed_procedure
                line_rows.append(
                    (
                        era_id, key[0], number, line.procedure.code[:48],
                        list(line.procedure.modifiers), (billed.code if billed else "")[:48],
                        list(billed.modifiers) if billed else [], line.charge, line.paid,
                        line.units_paid, line.service_date or line.service_start,
                        line.line_item_control_number[:50], line.allowed_amount,
                        list(line.remark_codes), key[1][:40],
                    )
                )  # fmt: skip
        writer.insert(EraServiceLine, ERA_LINE_COLUMNS, line_rows)
        line_ids = {
            (era_claim_id, number): pk
            for pk, era_claim_id, number in EraServiceLine.objects.filter(
                era_claim_id__in=list(era_ids.values())
            ).values_list("pk", "era_claim_id", "line_number")
        }
        adjustment_rows: list[tuple[object, ...]] = []
        for m in matched:
            era_id = era_ids[m.era.position]
            for a in m.era.adjustments:
                adjustment_rows.append(
                    (era_id, None, a.group[:2], a.reason[:5], a.amount, a.quantity)
                )
            for number, line in enumerate(m.era.lines, start=1):
                line_id = line_ids[(era_id, number)]
                for a in line.adjustments:
                    adjustment_rows.append(
                        (era_id, line_id, a.group[:2], a.reason[:5], a.amount, a.quantity)
                    )
        writer.insert(EraAdjustment, ERA_ADJUSTMENT_COLUMNS, adjustment_rows)

        # 2. Posting: the ledger, exceptions, statuses, secondary claims.
        ledger: list[tuple[object, ...]] = []
        exceptions: list[PostingException] = []
        moves: dict[str, list[Claim]] = defaultdict(list)
        secondary_for: list[Claim] = []
        numbered: list[Claim] = []
        label, now = self.label, writer.now
        for m, outcome, line_keys in zip(matched, outcomes, keys_of, strict=True):
            self.item.claims += 1
            era_id = era_ids[m.era.position]
            claim = m.claim
            if m.reason or claim is None:
                exceptions.append(
                    PostingException(
                        payment=self.payment,
                        era_claim_id=era_id,
                        client_id=claim.client_id if claim is not None else self.payment.client_id,
                        reason=m.reason,
                        message=m.message[:1000],
                        candidates=m.candidates,
                    )
                )
                self.item.exceptions += 1
                continue
            if outcome == EraClaimOutcome.REVERSAL:
                entries, problem = self._reversal(era_id, m.era, claim)
                if problem:
                    EraClaim.objects.filter(pk=era_id).update(outcome=EraClaimOutcome.UNPOSTED)
                    exceptions.append(
                        PostingException(
                            payment=self.payment,
                            era_claim_id=era_id,
                            client_id=claim.client_id,
                            reason=ExceptionReason.REVERSAL_UNKNOWN,
                            message=problem[:1000],
                        )
                    )
                    self.item.exceptions += 1
                    continue
                ledger += entries
            else:
                next_party = self._next_party(claim, coverages)
                planned = rules.plan_claim_posting(
                    party=claim.coverage_level,
                    next_party=next_party,
                    lines=self._line_postings(m.era, line_keys, lines_of[claim.pk]),
                    balances=balances,
                )
                client_id, patient_id, claim_id = claim.client_id, claim.patient_id, claim.pk
                ledger += [
                    (
                        client_id, patient_id, e.key, claim_id, era_id, e.party, e.kind,
                        e.amount, e.group, e.reason, None, "", e.note, now, label,
                    )
                    for e in planned
                ]  # fmt: skip
                if (
                    next_party == Party.SECONDARY
                    and claim.coverage_level == "P"
                    and m.era.status not in rules.CROSSOVER_STATUSES
                    and any(e.party == Party.SECONDARY for e in planned)
                ):
                    secondary_for.append(claim)
            if claim.payer_claim_number == "" and m.era.payer_claim_control_number:
                claim.payer_claim_number = m.era.payer_claim_control_number[:50]
                numbered.append(claim)
            self.item.posted += 1
            self.item.outcomes[outcome] += 1
            moves[OUTCOME_STATUS[EraClaimOutcome(outcome)]].append(claim)
        writer.insert(LedgerEntry, LEDGER_COLUMNS, ledger)
        PostingException.objects.bulk_create(exceptions)
        if numbered:
            self._number(numbered)
        self._move(moves)
        # The denial work queue and the underpayment list are filled from what was just
        # stored, in the same transaction (a failed posting leaves no denial behind).
        from openrcm.denials.services import denials_record_from_era_payment

        denials_record_from_era_payment(
            actor=self.actor, payment_id=self.payment.pk, era_claim_ids=list(era_ids.values())
        )
        for claim in secondary_for:
            created = secondary_claim_create(actor=self.actor, primary=claim, coverages=coverages)
            if created is not None:
                self.item.secondary_claims.append(created.patient_control_number)

    def _number(self, claims: list[Claim]) -> None:
        """Keep the payer claim number (CLP07) on claims that had none (one statement)."""
        connection = self.writer.connection
        quote = connection.ops.quote_name
        meta = Claim._meta
        column = quote(meta.get_field("payer_claim_number").column)
        key = quote(meta.get_field("id").column)
        cases = " ".join(["WHEN %s THEN %s"] * len(claims))
        marks = ", ".join(["%s"] * len(claims))
        sql = (
            f"UPDATE {quote(meta.db_table)} SET {column} = CASE {key} {cases} END "  # noqa: S608 - names from the model
            f"WHERE {key} IN ({marks})"
        )
        params: list[int | str] = [v for c in claims for v in (c.pk, c.payer_claim_number)]
        params += [c.pk for c in claims]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)

    def _charges(self, claims: Iterable[Claim]) -> None:
        """The charge rows of the claims' encounter lines not charged yet (once each)."""
        patient_of = {c.encounter_id: (c.client_id, c.patient_id) for c in claims}
        charge_lines = list(
            ChargeLine.objects.filter(encounter_id__in=list(patient_of)).values_list(
                "pk", "encounter_id", "charge_amount"
            )
        )
        charged = set(
            LedgerEntry.objects.filter(
                charge_line_id__in=[pk for pk, _, _ in charge_lines], kind=EntryKind.CHARGE
            ).values_list("charge_line_id", flat=True)
        )
        now, label = self.writer.now, self.label
        self.writer.insert(
            LedgerEntry,
            LEDGER_COLUMNS,
            [
                (
                    *patient_of[encounter_id], pk, None, None, Party.PRIMARY, EntryKind.CHARGE,
                    amount, "", "", None, "", "charge, posted with the first ERA of the claim",
                    now, label,
                )
                for pk, encounter_id, amount in charge_lines
                if pk not in charged
            ],
        )  # fmt: skip

    # -- pieces --

    def _match_lines(
        self, era: ClaimPayment, ours: list[OurLine]
    ) -> tuple[list[tuple[int | None, str]], str]:
        billed = [
            rules.BilledLine(
                ln.pk,
                ln.procedure_code,
                tuple(ln.modifiers),
                ln.charge_amount,
                ln.line_item_control_number,
            )
            for ln in ours
        ]
        taken: set[int] = set()
        keys: list[tuple[int | None, str]] = []
        for number, line in enumerate(era.lines, start=1):
            billed_procedure = line.billed_procedure
            key, how = rules.match_service_line(
                rules.PaidLine(
                    line.procedure.code,
                    line.procedure.modifiers,
                    billed_procedure.code if billed_procedure else None,
                    billed_procedure.modifiers if billed_procedure else (),
                    line.charge,
                    line.line_item_control_number,
                ),
                billed,
                taken,
            )
            if key is None:
                return keys, f"service line {number} ({line.procedure.code}): {how}"
            taken.add(key)
            keys.append((key, how))
        return keys, ""

    def _line_postings(
        self,
        era: ClaimPayment,
        line_keys: list[tuple[int | None, str]],
        ours: list[OurLine],
    ) -> list[rules.LinePosting]:
        charge_line_of = {ln.pk: ln.charge_line_id for ln in ours}
        paid: dict[int, Decimal] = defaultdict(lambda: ZERO)
        adjustments: dict[int, list[rules.PlainAdjustment]] = defaultdict(list)
        rows = list(zip(line_keys, era.lines, strict=False))
        for (claim_line_id, _how), line in rows:
            key = charge_line_of[claim_line_id]  # type: ignore[index]  # every line matched
            paid[key] += line.paid
            adjustments[key] += _plain(line.adjustments)
        if not rows and ours:
            # No service lines: the claim's payment is spread over our lines by charge.
            weights = [ln.charge_amount for ln in ours]
            for ln, share in zip(ours, rules.allocate(era.paid, weights), strict=True):
                paid[ln.charge_line_id] += share
        if era.adjustments and ours:
            weights = [ln.charge_amount for ln in ours]
            for a in era.adjustments:
                for ln, share in zip(ours, rules.allocate(a.amount, weights), strict=True):
                    adjustments[ln.charge_line_id].append(
                        rules.PlainAdjustment(a.group, a.reason, share)
                    )
        keys = list(dict.fromkeys([*paid, *adjustments]))
        return [rules.LinePosting(k, paid.get(k, ZERO), tuple(adjustments[k])) for k in keys]

    def _later_coverages(self, claims: Iterable[Claim]) -> dict[int, list[Coverage]]:
        """Secondary and tertiary coverages of the patients, by patient."""
        patients = {c.patient_id for c in claims}
        found: dict[int, list[Coverage]] = defaultdict(list)
        for coverage in Coverage.objects.filter(
            patient_id__in=patients, priority__in=["S", "T"]
        ).only("pk", "patient_id", "payer_id", "priority", "effective_from", "effective_to"):
            found[coverage.patient_id].append(coverage)
        return found

    def _next_party(self, claim: Claim, coverages: dict[int, list[Coverage]]) -> str:
        level = NEXT_LEVEL.get(claim.coverage_level)
        day = claim.encounter.date_of_service
        while level is not None:
            if any(
                c.priority == level and c.is_active_on(day)
                for c in coverages.get(claim.patient_id, [])
            ):
                return level
            level = NEXT_LEVEL.get(level)
        return Party.PATIENT

    def _balances(
        self, claims: list[Claim], lines_of: dict[int, list[OurLine]]
    ) -> dict[tuple[int, str], Decimal]:
        keys = [ln.charge_line_id for c in claims for ln in lines_of[c.pk]]
        if not keys:
            return {}
        return {
            (row["charge_line_id"], row["party"]): Decimal(row["total"]).quantize(CENT)
            for row in LedgerEntry.objects.filter(charge_line_id__in=keys)
            .values("charge_line_id", "party")
            .annotate(total=Sum("amount"))
        }

    def _reversal(
        self, era_id: int, era: ClaimPayment, claim: Claim
    ) -> tuple[list[tuple[object, ...]], str]:
        earlier = (
            EraClaim.objects.filter(claim=claim, reversed_by__isnull=True)
            .exclude(pk=era_id)
            .exclude(outcome__in=[EraClaimOutcome.REVERSAL, EraClaimOutcome.UNPOSTED])
            .order_by("-pk")
        )
        number = era.payer_claim_control_number
        original = (earlier.filter(payer_claim_number=number).first() if number else None) or (
            earlier.first()
        )
        if original is None:
            return [], (
                f"claim {claim.patient_control_number}: the ERA reverses a payment "
                f"({era.paid}) that was never posted here; post the original ERA first, then "
                "import this one again"
            )
        note = f"reversal (CLP02 22) of ERA claim {original.pk}"
        entries: list[tuple[object, ...]] = [
            (
                e.client_id, e.patient_id, e.charge_line_id, e.claim_id, era_id, e.party,
                EntryKind.REVERSAL, -e.amount, e.group_code, e.reason_code, e.pk, e.kind,
                note, self.writer.now, self.label,
            )
            for e in LedgerEntry.objects.filter(era_claim=original, reversals__isnull=True)
            .exclude(kind=EntryKind.REVERSAL)
            .order_by("pk")
        ]  # fmt: skip
        EraClaim.objects.filter(pk=original.pk).update(reversed_by_id=era_id)
        return entries, ""

    def _move(self, moves: dict[str, list[Claim]]) -> None:
        for target, claims in moves.items():
            movable: dict[int, ClaimRef] = {}
            for claim in claims:
                if claim.status == target or claim.pk in movable:
                    continue
                problem = transition_problem(claim.status, target)
                if problem is not None:
                    self.item.notes.append(
                        f"{claim.patient_control_number}: {problem}; posted, status left as is"
                    )
                    continue
                movable[claim.pk] = ClaimRef(claim.pk, claim.status, claim.patient_control_number)
            if movable:
                claims_transition(
                    list(movable.values()),
                    to=target,
                    actor=self.actor,
                    reason=f"ERA {self.payment.trace_number}"[:255],
                )


# --- secondary claims ---------------------------------------------------------------------------


def secondary_claim_create(
    *, actor: Actor, primary: Claim, coverages: dict[int, list[Coverage]] | None = None
) -> Claim | None:
    """The secondary claim for ``primary``'s encounter (a draft, scrubbed and sent like any
    claim), unless it exists or the patient has no secondary coverage on the date of
    service. Called inside the posting transaction."""
    from openrcm.claims.services import _claim_create  # the claims app's one claim builder

    encounter = primary.encounter
    day = encounter.date_of_service
    if Claim.objects.filter(
        encounter=encounter, coverage_level="S", frequency_code=ClaimFrequency.ORIGINAL
    ).exists():
        return None
    candidates = (
        coverages.get(primary.patient_id, [])
        if coverages is not None
        else list(Coverage.objects.filter(patient_id=primary.patient_id, priority="S"))
    )
    active = [c for c in candidates if c.priority == "S" and c.is_active_on(day)]
    if not active:
        return None
    coverage = Coverage.objects.get(pk=active[0].pk)
    return _claim_create(actor=actor, encounter=encounter, coverage=coverage)


# --- exceptions ---------------------------------------------------------------------------------


def posting_exception_resolve(
    *, actor: Actor, exception: PostingException, resolution: str
) -> PostingException:
    """Close an exception with what was done about it (the ERA claim stays as received)."""
    permission_check(actor, "remittance.post")
    if not resolution.strip():
        raise ValidationFailed([("resolution", "say what was done about this exception")])
    with transaction.atomic():
        locked = PostingException.objects.select_for_update().get(pk=exception.pk)
        if locked.resolved_at is not None:
            raise ValidationFailed([("resolution", "this exception is already resolved")])
        locked.resolved_at = timezone.now()
        locked.resolved_by = actor.label[:150]
        locked.resolution = resolution.strip()[:500]
        locked.save(update_fields=["resolved_at", "resolved_by", "resolution"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=locked,
            client_id=locked.client_id,
            detail=f"posting exception resolved: {locked.resolution}"[:255],
        )
    return locked


def ledger_charges_post(*, actor: Actor, claim: Claim) -> int:
    """Post the charge rows of a claim's encounter lines (once: a second call adds
    nothing). ERA posting does this itself; the claims side may call it when a claim is
    created. Returns how many rows were added."""
    with transaction.atomic():
        lines = list(
            ChargeLine.objects.filter(encounter_id=claim.encounter_id).values_list(
                "pk", "charge_amount"
            )
        )
        have = set(
            LedgerEntry.objects.filter(
                charge_line_id__in=[pk for pk, _ in lines], kind=EntryKind.CHARGE
            ).values_list("charge_line_id", flat=True)
        )
        rows = [
            LedgerEntry(
                client_id=claim.client_id,
                patient_id=claim.patient_id,
                charge_line_id=pk,
                party=Party.PRIMARY,
                kind=EntryKind.CHARGE,
                amount=amount,
                posted_by=actor.label[:150],
            )
            for pk, amount in lines
            if pk not in have
        ]
        LedgerEntry.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def patient_payment_post(
    *,
    actor: Actor,
    charge_line: ChargeLine,
    amount: Decimal,
    kind: str = EntryKind.PATIENT_PAYMENT,
    note: str = "",
) -> LedgerEntry:
    """A patient payment, refund or write-off on one line (``amount`` positive)."""
    permission_check(actor, "remittance.post")
    allowed = {EntryKind.PATIENT_PAYMENT, EntryKind.REFUND, EntryKind.WRITE_OFF}
    if kind not in allowed:
        raise ValidationFailed([("kind", f"{kind!r} is not one of {sorted(allowed)}")])
    if not isinstance(amount, Decimal) or amount <= 0:
        raise ValidationFailed([("amount", f"{amount!r} must be a positive amount")])
    encounter = charge_line.encounter
    with transaction.atomic():
        entry = LedgerEntry.objects.create(
            client_id=encounter.client_id,
            patient_id=encounter.patient_id,
            charge_line=charge_line,
            party=Party.PATIENT,
            kind=kind,
            amount=amount if kind == EntryKind.REFUND else -amount,
            note=note[:255],
            posted_by=actor.label[:150],
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=entry,
            client_id=encounter.client_id,
            detail=f"{kind} {amount} on charge line {charge_line.pk}"[:255],
        )
    return entry
