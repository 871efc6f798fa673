"""Every change to denial items, appeals and underpayments goes through here.

The entry point for posting is ``denials_record_from_adjudication``: it takes plain values
(claim id, payer id, the ERA date, the adjustments with their line numbers, each line's
paid and allowed amounts), decides with ``openrcm.rules.denials`` which lines are denied
and which paid lines are underpaid, and records each once per ERA claim payment.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from openrcm.accounts.models import Role, User
from openrcm.accounts.permissions import has_permission, permission_check
from openrcm.claims.models import Claim, ClaimLine
from openrcm.codesets.guidance import CARC_GUIDANCE
from openrcm.core.actor import Actor
from openrcm.core.errors import NotFound, PermissionDenied, TransitionNotAllowed, ValidationFailed
from openrcm.denials.models import (
    AdjudicationRecord,
    Appeal,
    AppealOutcome,
    DenialItem,
    DenialResolution,
    DenialStatus,
    DenialStatusChange,
    UnderpaymentItem,
    UnderpaymentStatus,
)
from openrcm.payers.models import FeeScheduleRate, Payer
from openrcm.privacy.models import AuditAction
from openrcm.privacy.services import audit_record
from openrcm.rules import denials as rules
from openrcm.rules.money import ZERO, to_money

S = DenialStatus

# from -> every status a denial item may move to next.
DENIAL_TRANSITIONS: dict[str, frozenset[str]] = {
    S.OPEN: frozenset({S.IN_PROGRESS, S.RESOLVED}),  # worked, or settled at once
    S.IN_PROGRESS: frozenset({S.RESOLVED, S.OPEN}),  # settled; or put back (appeal lost)
    S.RESOLVED: frozenset({S.IN_PROGRESS}),  # reopened (e.g. the corrected claim denied too)
}


# --- settings -----------------------------------------------------------------------------


def write_off_approval_over() -> Decimal:
    """Write-offs above this amount need an approval (OPENRCM_WRITE_OFF_APPROVAL_OVER)."""
    return to_money(str(getattr(settings, "OPENRCM_WRITE_OFF_APPROVAL_OVER", "500.00")))


def underpayment_tolerance() -> rules.Tolerance:
    return rules.Tolerance(
        absolute=to_money(str(getattr(settings, "OPENRCM_UNDERPAYMENT_TOLERANCE_AMOUNT", "1.00"))),
        percent=Decimal(str(getattr(settings, "OPENRCM_UNDERPAYMENT_TOLERANCE_PERCENT", "2"))),
    )


# --- recording from an ERA ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LineAmounts:
    """What the ERA paid on one of our claim lines (split SVCs summed by the caller)."""

    paid: Decimal
    allowed: Decimal | None = None
    remark_codes: tuple[str, ...] = ()
    units: Decimal | None = None  # paid units (SVC05) when sent; else the billed units


@dataclass
class RecordResult:
    record: AdjudicationRecord
    already_recorded: bool
    denials: list[DenialItem] = field(default_factory=list)
    underpayments: list[UnderpaymentItem] = field(default_factory=list)

    @property
    def message(self) -> str:
        if self.already_recorded:
            return f"{self.record.source_reference} was already recorded; nothing changed"
        return (
            f"{len(self.denials)} denial item(s) and {len(self.underpayments)} underpayment(s) "
            f"recorded from {self.record.source_reference}"
        )


def _plain_adjustments(adjustments: Iterable[Any]) -> list[rules.Adjustment]:
    """Accept ``rules.Adjustment`` or mappings with group, code (or carc), amount, line."""
    found: list[rules.Adjustment] = []
    problems: list[tuple[str, str]] = []
    for n, a in enumerate(adjustments, start=1):
        if isinstance(a, rules.Adjustment):
            found.append(a)
            continue
        code = str(a.get("code") or a.get("carc") or "").strip() if hasattr(a, "get") else ""
        if not code:
            problems.append((f"adjustments[{n}]", "the reason code (CARC) is missing"))
            continue
        try:
            found.append(
                rules.Adjustment(
                    str(a["group"]).strip().upper(),
                    str(a.get("code") or a.get("carc") or "").strip().upper(),
                    to_money(a["amount"]),
                    int(a["line"]) if a.get("line") not in (None, "", 0) else None,
                )
            )
        except (KeyError, TypeError, ValueError) as exc:
            problems.append((f"adjustments[{n}]", f"needs group, code, amount and line: {exc}"))
    if problems:
        raise ValidationFailed(problems)
    return found


class _OwnerPicker:
    """Chooses the owner of new denial items: the staff user assigned to the practice who
    may work denials and has the fewest unresolved items (ties: the lowest id); None when
    nobody is assigned. Counts what it hands out, so a batch spreads the work."""

    def __init__(self) -> None:
        self._load: dict[int, dict[int, int]] = {}
        self._users: dict[int, User] = {}

    def _workers(self, client_id: int) -> dict[int, int]:
        if client_id not in self._load:
            users = User.objects.filter(assigned_clients=client_id, is_active=True).annotate(
                open_items=Count("denial_items", filter=~Q(denial_items__status=S.RESOLVED))
            )
            load = {}
            for u in users:
                if has_permission(u, "denial.work"):
                    self._users[u.pk] = u
                    load[u.pk] = u.open_items
            self._load[client_id] = load
        return self._load[client_id]

    def pick(self, client_id: int) -> User | None:
        load = self._workers(client_id)
        if not load:
            return None
        chosen = min(load, key=lambda pk: (load[pk], pk))
        for other in self._load.values():  # the same user may serve several practices
            if chosen in other:
                other[chosen] += 1
        return self._users[chosen]


class _RateBook:
    """The contracted rates of some (practice, payer) pairs, read in one query."""

    def __init__(self, pairs: Iterable[tuple[int, int]]) -> None:
        wanted = set(pairs)
        self._rates: dict[tuple[int, int], list[tuple[Any, ...]]] = {}
        if not wanted:
            return
        query = Q()
        for client_id, payer_id in wanted:
            query |= Q(schedule__client_id=client_id, schedule__payer_id=payer_id)
        rows = FeeScheduleRate.objects.filter(query).values_list(
            "schedule__client_id",
            "schedule__payer_id",
            "schedule__effective_from",
            "schedule__effective_to",
            "procedure_code",
            "modifier",
            "allowed_amount",
        )
        for client_id, payer_id, start, end, code, modifier, amount in rows:
            self._rates.setdefault((client_id, payer_id), []).append(
                (start, end, code, modifier, amount)
            )

    def rate(
        self, client_id: int, payer_id: int, day: datetime.date, line: ClaimLine
    ) -> Decimal | None:
        """The line's procedure with its first modifier, else without one, in the schedule
        in force on the date of service."""
        modifier = line.modifiers[0] if line.modifiers else ""
        found: dict[str, Decimal] = {}
        for start, end, code, mod, amount in self._rates.get((client_id, payer_id), ()):
            if code == line.procedure_code and start <= day and (end is None or end >= day):
                found[mod] = amount
        return found.get(modifier, found.get(""))


@dataclass
class _Planned:
    record: AdjudicationRecord
    denials: list[DenialItem]
    underpayments: list[UnderpaymentItem]


def _plan(
    *,
    claim: Claim,
    payer_id: int,
    appeal_days: int,
    era_date: datetime.date,
    claim_lines: Mapping[int, ClaimLine],
    lines: Mapping[int, LineAmounts],
    adjudications: Sequence[rules.LineAdjudication],
    claim_remarks: Sequence[str],
    source_reference: str,
    era_claim_id: int | None,
    label: str,
    owners: _OwnerPicker,
    rates: _RateBook,
    tolerance: rules.Tolerance,
) -> _Planned:
    """The unsaved rows for one ERA claim payment (decisions from ``rules.denials``)."""
    record = AdjudicationRecord(
        source_reference=source_reference[:80],
        client_id=claim.client_id,
        claim=claim,
        era_claim_id=era_claim_id,
        era_date=era_date,
        recorded_by=label[:150],
    )
    deadline = rules.appeal_deadline(era_date, appeal_days)
    planned = _Planned(record, [], [])
    owner: User | None = None
    for finding in rules.claim_denials(adjudications, CARC_GUIDANCE):
        owner = owner or owners.pick(claim.client_id)
        rec = finding.recommendation
        remarks = lines[finding.line].remark_codes if finding.line is not None else claim_remarks
        planned.denials.append(
            DenialItem(
                client_id=claim.client_id,
                claim=claim,
                claim_line=claim_lines.get(finding.line) if finding.line else None,
                payer_id=payer_id,
                era_claim_id=era_claim_id,
                line_number=finding.line or 0,
                group_code=finding.group,
                carc=finding.carc,
                carcs=list(finding.carcs),
                rarcs=list(remarks),
                amount=finding.amount,
                fully_denied=finding.fully_denied,
                category=rec.category.value,
                recommended_action=rec.action.value,
                recommendation=rec.reason[:255],
                patient_billable=rec.patient_billable,
                owner=owner,
                era_date=era_date,
                deadline=deadline,
            )
        )
    day = claim.encounter.date_of_service
    for adj in adjudications:
        if adj.line is None or adj.paid <= 0 or rules.line_denial(adj, CARC_GUIDANCE) is not None:
            continue  # only paid lines without a denial (denials are worked in the queue)
        line = claim_lines[adj.line]
        rate = rates.rate(claim.client_id, payer_id, day, line)
        if rate is None:
            continue
        units = lines[adj.line].units or line.units or Decimal(1)
        allowed = rules.allowed_of_line(
            allowed=adj.allowed, paid=adj.paid, adjustments=adj.adjustments
        )
        short = rules.underpayment(
            allowed=allowed, expected=rules.expected_amount(rate, units), tolerance=tolerance
        )
        if short is None:
            continue
        planned.underpayments.append(
            UnderpaymentItem(
                client_id=claim.client_id,
                claim=claim,
                claim_line=line,
                payer_id=payer_id,
                procedure_code=line.procedure_code,
                modifier=(line.modifiers[0] if line.modifiers else "")[:2],
                expected=short.expected,
                allowed=short.allowed,
                paid=to_money(adj.paid),
                shortfall=short.shortfall,
                tolerance=short.tolerance,
            )
        )
    record.denial_count = len(planned.denials)
    record.underpayment_count = len(planned.underpayments)
    return planned


def _save(planned: Sequence[_Planned], *, actor: Actor) -> None:
    """Write planned rows in a few statements (records, then items and their first
    history rows); one audit row per practice."""
    AdjudicationRecord.objects.bulk_create([p.record for p in planned])
    denials: list[DenialItem] = []
    unders: list[UnderpaymentItem] = []
    for p in planned:
        for item in p.denials:
            item.record = p.record
            denials.append(item)
        for under in p.underpayments:
            under.record = p.record
            unders.append(under)
    DenialItem.objects.bulk_create(denials)
    UnderpaymentItem.objects.bulk_create(unders)
    DenialStatusChange.objects.bulk_create(
        DenialStatusChange(
            item=item, to_status=S.OPEN, actor=actor.label[:150], reason="from the ERA"
        )
        for item in denials
    )
    by_client: dict[int, list[int]] = {}
    for p in planned:
        counts = by_client.setdefault(p.record.client_id, [0, 0, 0])
        counts[0] += 1
        counts[1] += len(p.denials)
        counts[2] += len(p.underpayments)
    for client_id, (claims, n_denials, n_unders) in sorted(by_client.items()):
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=planned[0].record if len(planned) == 1 else None,
            client_id=client_id,
            detail=(
                f"denials recorded from {claims} ERA claim payment(s): {n_denials} denial(s), "
                f"{n_unders} underpayment(s)"
            ),
        )


def denials_record_from_adjudication(
    *,
    actor: Actor,
    claim_id: int,
    payer_id: int,
    era_date: datetime.date,
    adjustments: Sequence[Any],
    lines: Mapping[int, LineAmounts],
    source_reference: str,
    era_claim_id: int | None = None,
    claim_remark_codes: Sequence[str] = (),
) -> RecordResult:
    """Record the denials and underpayments of one ERA claim payment, once.

    ``lines`` maps our claim line numbers to what was paid; ``adjustments`` are CAS
    triplets (``rules.Adjustment`` or dicts with group, code, amount and line, line None
    for the claim level). ``source_reference`` identifies the ERA claim payment (e.g.
    ``"era-claim:<EraClaim id>"``): a second call with it changes nothing. Runs inside the
    caller's transaction when there is one (posting is all-or-nothing).
    """
    permission_check(actor, "denial.work")
    if not source_reference.strip():
        raise ValidationFailed([("source_reference", "name the ERA claim payment")])
    plain = _plain_adjustments(adjustments)
    found = AdjudicationRecord.objects.filter(source_reference=source_reference[:80]).first()
    if found is not None:
        return RecordResult(found, already_recorded=True)
    claim = Claim.objects.select_related("encounter").filter(pk=claim_id).first()
    if claim is None:
        raise NotFound(f"claim {claim_id} does not exist", field="claim_id")
    payer = Payer.objects.filter(pk=payer_id).first()
    if payer is None:
        raise NotFound(f"payer {payer_id} does not exist", field="payer_id")
    claim_lines = {cl.line_number: cl for cl in claim.lines.all()}
    unknown = sorted(set(lines) - set(claim_lines))
    if unknown:
        raise ValidationFailed(
            [("lines", f"claim {claim.patient_control_number} has no line {n}") for n in unknown]
        )
    try:
        adjudications = rules.group_by_line(
            plain,
            {n: a.paid for n, a in lines.items()},
            {n: a.allowed for n, a in lines.items()},
        )
    except ValueError as exc:
        raise ValidationFailed([("adjustments", str(exc))]) from exc
    planned = _plan(
        claim=claim,
        payer_id=payer.pk,
        appeal_days=payer.appeal_days,
        era_date=era_date,
        claim_lines=claim_lines,
        lines=lines,
        adjudications=adjudications,
        claim_remarks=tuple(claim_remark_codes),
        source_reference=source_reference,
        era_claim_id=era_claim_id,
        label=actor.label,
        owners=_OwnerPicker(),
        rates=_RateBook([(claim.client_id, payer.pk)]),
        tolerance=underpayment_tolerance(),
    )
    try:
        with transaction.atomic():
            _save([planned], actor=actor)
    except IntegrityError:
        # A concurrent call recorded the same payment first: that one stands.
        found = AdjudicationRecord.objects.filter(source_reference=source_reference[:80]).first()
        if found is None:
            raise
        return RecordResult(found, already_recorded=True)
    return RecordResult(
        planned.record, False, denials=planned.denials, underpayments=planned.underpayments
    )


ERA_CLAIM_REFERENCE = "era-claim:{}"
SKIPPED_OUTCOMES = frozenset({"reversal", "unposted"})


@dataclass
class PaymentRecordResult:
    claims: int = 0  # ERA claim payments recorded now
    already: int = 0  # recorded before
    denials: int = 0
    underpayments: int = 0

    @property
    def message(self) -> str:
        return (
            f"{self.denials} denial(s) and {self.underpayments} underpayment(s) from "
            f"{self.claims} claim payment(s)"
            + (f"; {self.already} recorded before" if self.already else "")
        )


def denials_record_from_era_payment(
    *, actor: Actor, payment_id: int, era_claim_ids: Sequence[int] | None = None
) -> PaymentRecordResult:
    """Record the denials and underpayments of every posted claim of one ERA payment
    (``remittance.EraPayment``), reading the rows posting stored (CLP, SVC, CAS), in a
    few queries for the whole payment. Reversals and unposted claims are skipped; each
    claim payment is recorded once (``era-claim:<id>``), so calling it again changes
    nothing. Call it inside the posting transaction, after the claims are posted; posting,
    which stores a large payment in chunks, names each chunk's claim payments
    (``era_claim_ids``) so that no chunk reads the ones before it again."""
    from openrcm.remittance.models import EraAdjustment, EraClaim, EraPayment, EraServiceLine

    permission_check(actor, "denial.work")
    payment = EraPayment.objects.filter(pk=payment_id).first()
    if payment is None:
        raise NotFound(f"ERA payment {payment_id} does not exist", field="payment_id")
    era_date = payment.payment_date or timezone.localdate(payment.posted_at)
    chosen = EraClaim.objects.filter(payment_id=payment_id, claim__isnull=False)
    if era_claim_ids is not None:
        chosen = chosen.filter(pk__in=list(era_claim_ids))
    era_claims = list(
        chosen.exclude(outcome__in=SKIPPED_OUTCOMES)
        .select_related("claim", "claim__encounter")
        .only(
            *("id", "claim_id", "outcome", "remark_codes", "payment_id"),
            *("claim__id", "claim__client_id", "claim__payer_id", "claim__encounter_id"),
            *("claim__patient_control_number", "claim__status", "claim__coverage_level"),
            *("claim__encounter__id", "claim__encounter__date_of_service"),
        )
        .order_by("pk")
    )
    done = set(
        AdjudicationRecord.objects.filter(
            source_reference__in=[ERA_CLAIM_REFERENCE.format(c.pk) for c in era_claims]
        ).values_list("source_reference", flat=True)
    )
    result = PaymentRecordResult()
    todo = [c for c in era_claims if ERA_CLAIM_REFERENCE.format(c.pk) not in done]
    result.already = len(era_claims) - len(todo)
    claims = {c.pk: c.claim for c in todo if c.claim is not None}
    if not todo:
        return result
    ids = [c.pk for c in todo]
    claim_lines: dict[int, dict[int, ClaimLine]] = {}
    line_by_id: dict[int, ClaimLine] = {}
    claim_line_rows = ClaimLine.objects.filter(claim_id__in={c.claim_id for c in todo}).only(
        "id", "claim_id", "line_number", "procedure_code", "modifiers", "units", "charge_amount"
    )
    for cl in claim_line_rows:
        claim_lines.setdefault(cl.claim_id, {})[cl.line_number] = cl
        line_by_id[cl.pk] = cl
    svc_line: dict[int, int] = {}  # EraServiceLine id -> our line number
    amounts: dict[int, dict[int, dict[str, Any]]] = {}
    # Plain rows, not model instances: a large ERA has tens of thousands of each.
    service_rows = EraServiceLine.objects.filter(
        era_claim_id__in=ids, claim_line__isnull=False
    ).values_list("pk", "era_claim_id", "claim_line_id", "paid", "allowed_amount", "remark_codes")
    for svc_id, era_claim_id, claim_line_id, paid, allowed, remark_codes in service_rows:
        number = line_by_id[claim_line_id].line_number
        svc_line[svc_id] = number
        slot = amounts.setdefault(era_claim_id, {}).setdefault(
            number, {"paid": ZERO, "allowed": ZERO, "has_allowed": True, "remarks": []}
        )
        slot["paid"] += paid
        if allowed is None:
            slot["has_allowed"] = False
        else:
            slot["allowed"] += allowed
        slot["remarks"] += [r for r in remark_codes or [] if r not in slot["remarks"]]
    adjustments: dict[int, list[rules.Adjustment]] = {}
    adjustment_rows = (
        EraAdjustment.objects.filter(era_claim_id__in=ids)
        .order_by("pk")
        .values_list("era_claim_id", "service_line_id", "group_code", "reason_code", "amount")
    )
    for era_claim_id, service_line_id, group_code, reason_code, amount in adjustment_rows:
        line = svc_line.get(service_line_id) if service_line_id else None
        if service_line_id and line is None:
            continue  # an SVC not matched to our lines: the claim would be unposted
        adjustments.setdefault(era_claim_id, []).append(
            rules.Adjustment(group_code, reason_code, amount, line)
        )
    appeal_days = {
        p.pk: p.appeal_days
        for p in Payer.objects.filter(pk__in={c.payer_id for c in claims.values()})
    }
    owners = _OwnerPicker()
    rates = _RateBook({(c.client_id, c.payer_id) for c in claims.values()})
    tolerance = underpayment_tolerance()
    planned: list[_Planned] = []
    for era_claim in todo:
        claim = claims[era_claim.pk]
        lines = {
            n: LineAmounts(
                paid=v["paid"],
                allowed=v["allowed"] if v["has_allowed"] else None,
                remark_codes=tuple(v["remarks"]),
            )
            for n, v in amounts.get(era_claim.pk, {}).items()
        }
        adjudications = rules.group_by_line(
            adjustments.get(era_claim.pk, []),
            {n: a.paid for n, a in lines.items()},
            {n: a.allowed for n, a in lines.items()},
        )
        planned.append(
            _plan(
                claim=claim,
                payer_id=claim.payer_id,
                appeal_days=appeal_days[claim.payer_id],
                era_date=era_date,
                claim_lines=claim_lines.get(claim.pk, {}),
                lines=lines,
                adjudications=adjudications,
                claim_remarks=tuple(era_claim.remark_codes or ()),
                source_reference=ERA_CLAIM_REFERENCE.format(era_claim.pk),
                era_claim_id=era_claim.pk,
                label=actor.label,
                owners=owners,
                rates=rates,
                tolerance=tolerance,
            )
        )
    with transaction.atomic():
        _save(planned, actor=actor)
    result.claims = len(planned)
    result.denials = sum(len(p.denials) for p in planned)
    result.underpayments = sum(len(p.underpayments) for p in planned)
    return result


# --- the state machine --------------------------------------------------------------------


def _label(status: str) -> str:
    try:
        return str(DenialStatus(status).label).lower()
    except ValueError:
        return repr(status)


def denial_transition(
    item: DenialItem,
    *,
    to: str,
    actor: Actor,
    reason: str,
    resolution: str = "",
    extra_fields: Sequence[str] = (),
) -> DenialItem:
    """Move a denial item to ``to`` and record it; refuse a move the table does not allow.
    The one function that assigns ``DenialItem.status``."""
    allowed = DENIAL_TRANSITIONS.get(item.status, frozenset())
    if to not in allowed:
        raise TransitionNotAllowed(
            f"denial {item.pk} is {_label(item.status)} and cannot become {_label(to)}"
            + (" (reopen it first)" if item.status == S.RESOLVED else ""),
            field="status",
        )
    if to == S.RESOLVED and not resolution:
        raise ValidationFailed([("resolution", "say how the denial was resolved")])
    previous = item.status
    item.status = to
    item.resolution = resolution if to == S.RESOLVED else ""
    item.resolved_at = timezone.now() if to == S.RESOLVED else None
    if to == S.RESOLVED:
        item.resolution_note = reason[:500]
    item.save(
        update_fields=[
            "status",
            "resolution",
            "resolved_at",
            "resolution_note",
            "updated_at",
            *extra_fields,
        ]
    )
    DenialStatusChange.objects.create(
        item=item, from_status=previous, to_status=to, actor=actor.label[:150], reason=reason[:500]
    )
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=item,
        client_id=item.client_id,
        changes={"status": [previous, to], "resolution": resolution},
        detail=f"denial {previous} -> {to}: {reason}"[:255],
    )
    return item


def _locked(item: DenialItem) -> DenialItem:
    return DenialItem.objects.select_for_update().select_related("claim", "payer").get(pk=item.pk)


def _lock_many(ids: Iterable[int]) -> list[DenialItem]:
    return list(
        DenialItem.objects.select_for_update()
        .select_related("claim", "payer")
        .filter(pk__in=sorted(set(ids)))
        .order_by("pk")
    )


def _reason(reason: str, field_name: str = "reason") -> str:
    text = reason.strip()
    if not text:
        raise ValidationFailed([(field_name, "say why (it is kept with the denial's history)")])
    return text


def _refuse_resolved(item: DenialItem, doing: str) -> None:
    if item.status == S.RESOLVED:
        raise TransitionNotAllowed(
            f"denial {item.pk} is already resolved ({item.get_resolution_display()}); "
            f"reopen it before you {doing}",
            field="status",
        )


def denial_start(*, actor: Actor, item: DenialItem, reason: str = "work started") -> DenialItem:
    permission_check(actor, "denial.work")
    with transaction.atomic():
        locked = _locked(item)
        return denial_transition(locked, to=S.IN_PROGRESS, actor=actor, reason=reason)


def denial_reopen(*, actor: Actor, item: DenialItem, reason: str) -> DenialItem:
    permission_check(actor, "denial.work")
    text = _reason(reason)
    with transaction.atomic():
        locked = _locked(item)
        if locked.status != S.RESOLVED:
            raise TransitionNotAllowed(
                f"denial {locked.pk} is {_label(locked.status)}: only a resolved denial can be "
                "reopened",
                field="status",
            )
        return denial_transition(locked, to=S.IN_PROGRESS, actor=actor, reason=text)


# --- owner --------------------------------------------------------------------------------


def _owner_problem(owner: User | None, client_id: int) -> str | None:
    if owner is None:
        return None
    if not owner.is_active or not has_permission(owner, "denial.work"):
        return f"{owner.get_username()} may not work denials"
    from openrcm.core.scoping import visible_client_ids

    ids = visible_client_ids(owner)
    if ids is not None and client_id not in ids:
        return f"{owner.get_username()} is not assigned to this practice"
    return None


def denials_assign(*, actor: Actor, items: Sequence[DenialItem], owner: User | None) -> int:
    """Give denial items to ``owner`` (None: nobody). Refuses all if any cannot go to
    that owner, naming which. Returns how many changed."""
    permission_check(actor, "denial.work")
    with transaction.atomic():
        locked = _lock_many(i.pk for i in items)
        problems = [
            (f"denial {i.pk}", problem)
            for i in locked
            if (problem := _owner_problem(owner, i.client_id)) is not None
        ]
        if problems:
            raise ValidationFailed(problems)
        changed = 0
        for i in locked:
            if i.owner_id == (owner.pk if owner else None):
                continue
            i.owner = owner
            i.save(update_fields=["owner", "updated_at"])
            audit_record(
                actor=actor,
                action=AuditAction.UPDATE,
                obj=i,
                client_id=i.client_id,
                detail=f"denial assigned to {owner.get_username() if owner else 'nobody'}",
            )
            changed += 1
    return changed


# --- actions ------------------------------------------------------------------------------


def denial_correct_and_resubmit(
    *, actor: Actor, item: DenialItem, reason: str, payer_claim_number: str = ""
) -> Claim:
    """A replacement claim (frequency 7) through the claims actions; every open denial of
    the same claim is resolved by it. Returns the replacement claim (a draft to scrub).
    ``payer_claim_number`` (CLP07) is needed when the claim does not carry it yet; the
    ERA claim payment's is used when the item came from one."""
    from openrcm.claims.actions import claim_correct_action

    permission_check(actor, "denial.work")
    text = _reason(reason)
    _refuse_resolved(item, "correct the claim")
    with transaction.atomic():
        number = payer_claim_number.strip() or item.claim.payer_claim_number
        if not number and item.era_claim_id is not None:
            number = item.era_claim.payer_claim_number  # type: ignore[union-attr]  # id set
        result = claim_correct_action(
            actor=actor, claim=item.claim, reason=text, payer_claim_number=number
        )
        replacement = result.new_claim
        if replacement is None:  # pragma: no cover - the claims action always makes one
            raise TransitionNotAllowed(result.message)
        siblings = _lock_many(
            DenialItem.objects.filter(claim_id=item.claim_id)
            .exclude(status=S.RESOLVED)
            .values_list("pk", flat=True)
        )
        for sibling in siblings:
            sibling.corrected_claim = replacement
            denial_transition(
                sibling,
                to=S.RESOLVED,
                actor=actor,
                reason=f"replacement claim {replacement.patient_control_number}: {text}",
                resolution=DenialResolution.RESUBMITTED,
                extra_fields=["corrected_claim"],
            )
    return replacement


def _payer_party(claim: Claim) -> str:
    return claim.coverage_level or "P"


def _ledger_move(*, actor: Actor, item: DenialItem, kind: str, to_patient: bool, note: str) -> str:
    """Take the denied amount off the payer's balance of the item's line(s): a write-off
    row, or a transfer (two rows) to the patient. Returns "" when it wrote rows, or why
    none were needed: posting already took these codes' amount off the payer's balance
    (a partly denied line's adjustment, a PR amount moved at posting). Refused when the
    payer's balance is smaller than the amount (it was settled some other way)."""
    from openrcm.remittance.models import LedgerEntry

    party = _payer_party(item.claim)
    if item.claim_line_id:
        charge_lines = [item.claim_line.charge_line_id]  # type: ignore[union-attr]  # set above
    else:
        charge_lines = list(
            item.claim.lines.order_by("line_number").values_list("charge_line_id", flat=True)
        )
    if item.era_claim_id is not None:
        codes = Q()
        for code in item.carcs or [f"{item.group_code}-{item.carc}"]:
            group, _, carc = code.partition("-")
            codes |= Q(group_code=group, reason_code=carc)
        posted = LedgerEntry.objects.filter(
            codes, era_claim_id=item.era_claim_id, charge_line_id__in=charge_lines, party=party
        ).aggregate(total=Sum("amount"))["total"]
        if posted is not None and -posted >= item.amount:
            return "posting already took this amount off the payer's balance"
    balances = dict(
        LedgerEntry.objects.filter(charge_line_id__in=charge_lines, party=party)
        .values("charge_line_id")
        .annotate(balance=Sum("amount"))
        .values_list("charge_line_id", "balance")
    )
    available = sum((balances.get(c) or ZERO for c in charge_lines), ZERO)
    if available < item.amount:
        raise TransitionNotAllowed(
            f"the payer's balance on this {'line' if item.claim_line_id else 'claim'} is "
            f"{to_money(available)}, less than the denied {item.amount}: check the claim "
            "ledger before writing off or transferring",
            field="amount",
        )
    left = item.amount
    rows = []
    for charge_line_id in charge_lines:
        take = min(left, balances.get(charge_line_id) or ZERO)
        if take <= 0:
            continue
        left -= take
        common = {
            "client_id": item.client_id,
            "patient_id": item.claim.patient_id,
            "charge_line_id": charge_line_id,
            "claim_id": item.claim_id,
            "era_claim_id": item.era_claim_id,
            "kind": kind,
            "group_code": item.group_code,
            "reason_code": item.carc,
            "note": note[:255],
            "posted_by": actor.label[:150],
        }
        rows.append(LedgerEntry(party=party, amount=-take, **common))
        if to_patient:
            rows.append(LedgerEntry(party="patient", amount=take, **common))
        if left <= 0:
            break
    LedgerEntry.objects.bulk_create(rows)
    return ""


def _write_off_now(*, actor: Actor, item: DenialItem, reason: str, approved_by: str) -> None:
    already = _ledger_move(actor=actor, item=item, kind="write_off", to_patient=False, note=reason)
    item.write_off_reason = reason[:255]
    item.write_off_approved_by = approved_by[:150]
    denial_transition(
        item,
        to=S.RESOLVED,
        actor=actor,
        reason=f"written off: {reason}" + (f" ({already})" if already else ""),
        resolution=DenialResolution.WRITTEN_OFF,
        extra_fields=["write_off_reason", "write_off_approved_by"],
    )


def _is_administrator(actor: Actor) -> bool:
    return getattr(actor.user, "role", None) == Role.ADMINISTRATOR


def denial_write_off(*, actor: Actor, item: DenialItem, reason: str) -> DenialItem:
    """Write the denied amount off. Up to OPENRCM_WRITE_OFF_APPROVAL_OVER it is done at
    once; above it the write-off waits for an approval (``denial_write_off_approve``) by
    an administrator or another user with ``denial.approve``, unless the actor is an
    administrator."""
    permission_check(actor, "denial.work")
    text = _reason(reason)
    with transaction.atomic():
        locked = _locked(item)
        _refuse_resolved(locked, "write it off")
        if locked.write_off_pending:
            raise TransitionNotAllowed(
                f"denial {locked.pk} already waits for approval of a write-off", field="status"
            )
        if locked.amount <= write_off_approval_over() or _is_administrator(actor):
            _write_off_now(actor=actor, item=locked, reason=text, approved_by=actor.label)
            return locked
        locked.write_off_reason = text[:255]
        locked.write_off_requested_by = actor.user
        locked.write_off_requested_at = timezone.now()
        fields = ["write_off_reason", "write_off_requested_by", "write_off_requested_at"]
        if locked.status == S.OPEN:
            denial_transition(
                locked,
                to=S.IN_PROGRESS,
                actor=actor,
                reason=f"write-off of {locked.amount} asked (needs approval): {text}",
                extra_fields=fields,
            )
        else:
            locked.save(update_fields=[*fields, "updated_at"])
            DenialStatusChange.objects.create(
                item=locked,
                from_status=locked.status,
                to_status=locked.status,
                actor=actor.label[:150],
                reason=f"write-off of {locked.amount} asked (needs approval): {text}"[:500],
            )
        return locked


def denial_write_off_approve(*, actor: Actor, item: DenialItem) -> DenialItem:
    """Approve a pending write-off: an administrator, or a user with ``denial.approve``
    who is not the one who asked."""
    permission_check(actor, "denial.approve")
    with transaction.atomic():
        locked = _locked(item)
        if not locked.write_off_pending:
            raise TransitionNotAllowed(
                f"denial {locked.pk} has no write-off waiting for approval", field="status"
            )
        if locked.write_off_requested_by_id == actor.user_id and not _is_administrator(actor):
            raise PermissionDenied(
                "a write-off above the approval amount needs a second person: ask another "
                "user with approval rights"
            )
        _write_off_now(
            actor=actor, item=locked, reason=locked.write_off_reason, approved_by=actor.label
        )
        return locked


def denial_write_off_refuse(*, actor: Actor, item: DenialItem, reason: str) -> DenialItem:
    permission_check(actor, "denial.approve")
    text = _reason(reason)
    with transaction.atomic():
        locked = _locked(item)
        if not locked.write_off_pending:
            raise TransitionNotAllowed(
                f"denial {locked.pk} has no write-off waiting for approval", field="status"
            )
        locked.write_off_requested_at = None
        locked.write_off_requested_by = None
        locked.save(
            update_fields=["write_off_requested_at", "write_off_requested_by", "updated_at"]
        )
        DenialStatusChange.objects.create(
            item=locked,
            from_status=locked.status,
            to_status=locked.status,
            actor=actor.label[:150],
            reason=f"write-off refused: {text}"[:500],
        )
        return locked


def denials_bulk_write_off(
    *, actor: Actor, items: Sequence[DenialItem], reason: str
) -> list[DenialItem]:
    """Write off many denials at once: only those at or below the approval amount; if any
    is above it or already resolved, none is written off and each is named."""
    permission_check(actor, "denial.work")
    text = _reason(reason)
    limit = write_off_approval_over()
    with transaction.atomic():
        locked = _lock_many(i.pk for i in items)
        problems = [
            (f"denial {i.pk}", f"{i.amount} is above {limit}: write it off on its own")
            for i in locked
            if i.amount > limit
        ] + [(f"denial {i.pk}", "already resolved") for i in locked if i.status == S.RESOLVED]
        if problems:
            raise ValidationFailed(problems)
        for i in locked:
            _write_off_now(actor=actor, item=i, reason=text, approved_by=actor.label)
    return locked


def denial_transfer_to_patient(*, actor: Actor, item: DenialItem, reason: str) -> DenialItem:
    """Move the denied amount to the patient: only when the payer's codes put it on the
    patient (group PR)."""
    permission_check(actor, "denial.work")
    text = _reason(reason)
    with transaction.atomic():
        locked = _locked(item)
        _refuse_resolved(locked, "transfer it")
        codes = [c.split("-", 1) for c in locked.carcs] or [[locked.group_code, locked.carc]]
        refusals = [
            p
            for g, c in codes
            if (p := rules.action_allowed("transfer_to_patient", g, c, CARC_GUIDANCE))
        ]
        if refusals:
            raise TransitionNotAllowed(refusals[0], field="group_code")
        already = _ledger_move(
            actor=actor, item=locked, kind="other_patient", to_patient=True, note=text
        )
        return denial_transition(
            locked,
            to=S.RESOLVED,
            actor=actor,
            reason=f"transferred to the patient: {text}" + (f" ({already})" if already else ""),
            resolution=DenialResolution.TRANSFERRED_TO_PATIENT,
        )


def denial_close(*, actor: Actor, item: DenialItem, reason: str) -> DenialItem:
    """Resolve without a ledger change (e.g. the payer paid on a later remittance)."""
    permission_check(actor, "denial.work")
    text = _reason(reason)
    with transaction.atomic():
        locked = _locked(item)
        return denial_transition(
            locked, to=S.RESOLVED, actor=actor, reason=text, resolution=DenialResolution.CLOSED
        )


# --- appeals ------------------------------------------------------------------------------


def denial_appeal(
    *,
    actor: Actor,
    items: Sequence[DenialItem],
    reason: str,
    sent_on: datetime.date | None = None,
    decision_days: int = 60,
) -> Appeal:
    """An appeal of one claim's denials, with its letter (PDF). The level is one more than
    the highest earlier appeal of these items; the items move to in progress."""
    from openrcm.denials.letters import appeal_letter_pdf

    permission_check(actor, "denial.work")
    text = _reason(reason)
    if not items:
        raise ValidationFailed([("items", "choose at least one denial to appeal")])
    with transaction.atomic():
        locked = _lock_many(i.pk for i in items)
        claims = {i.claim_id for i in locked}
        if len(claims) != 1:
            raise ValidationFailed([("items", "one appeal covers the denials of one claim")])
        for i in locked:
            _refuse_resolved(i, "appeal it")
        first = locked[0]
        earlier = Appeal.objects.filter(items__in=locked).order_by("-level").first()
        level = earlier.level + 1 if earlier is not None else 1
        if earlier is not None and earlier.outcome == AppealOutcome.PENDING:
            raise TransitionNotAllowed(
                f"the level {earlier.level} appeal of these denials is still waiting for the "
                "payer; record its decision first",
                field="items",
            )
        due = min(i.deadline for i in locked)
        appeal = Appeal(
            client_id=first.client_id,
            claim=first.claim,
            payer=first.payer,
            level=level,
            reason=text,
            sent_on=sent_on,
            due_on=due,
            decision_due_on=(sent_on + datetime.timedelta(days=decision_days)) if sent_on else None,
            created_by=actor.label[:150],
            letter_name=f"appeal-{first.claim.patient_control_number}-level{level}.pdf",
        )
        appeal.letter_pdf = appeal_letter_pdf(appeal=appeal, items=locked)
        appeal.save()
        appeal.items.set(locked)
        for i in locked:
            if i.status == S.OPEN:
                denial_transition(
                    i, to=S.IN_PROGRESS, actor=actor, reason=f"level {level} appeal: {text}"
                )
            else:
                DenialStatusChange.objects.create(
                    item=i,
                    from_status=i.status,
                    to_status=i.status,
                    actor=actor.label[:150],
                    reason=f"level {level} appeal: {text}"[:500],
                )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=appeal,
            client_id=appeal.client_id,
            detail=f"level {level} appeal of {len(locked)} denial(s)",
        )
    return appeal


def appeal_mark_sent(*, actor: Actor, appeal: Appeal, sent_on: datetime.date) -> Appeal:
    permission_check(actor, "denial.work")
    with transaction.atomic():
        locked = Appeal.objects.select_for_update().get(pk=appeal.pk)
        if locked.outcome != AppealOutcome.PENDING:
            raise TransitionNotAllowed(f"appeal {locked.pk} is already decided", field="sent_on")
        locked.sent_on = sent_on
        locked.decision_due_on = locked.decision_due_on or sent_on + datetime.timedelta(days=60)
        locked.save(update_fields=["sent_on", "decision_due_on"])
        audit_record(
            actor=actor, action=AuditAction.UPDATE, obj=locked, detail=f"appeal sent {sent_on}"
        )
    return locked


def appeal_record_decision(
    *,
    actor: Actor,
    appeal: Appeal,
    outcome: str,
    decided_on: datetime.date,
    note: str = "",
) -> Appeal:
    """The payer's decision. Overturned: the denials are resolved (the payment comes on a
    later ERA). Upheld, partly overturned or withdrawn: they stay in progress, to appeal
    at the next level, write off or transfer."""
    permission_check(actor, "denial.work")
    if outcome not in AppealOutcome.values or outcome == AppealOutcome.PENDING:
        choices = [v for v in AppealOutcome.values if v != AppealOutcome.PENDING]
        raise ValidationFailed([("outcome", f"{outcome!r} is not one of {choices}")])
    with transaction.atomic():
        locked = Appeal.objects.select_for_update().get(pk=appeal.pk)
        if locked.outcome != AppealOutcome.PENDING:
            raise TransitionNotAllowed(
                f"appeal {locked.pk} was already decided ({locked.get_outcome_display()})",
                field="outcome",
            )
        locked.outcome = outcome
        locked.decided_on = decided_on
        locked.outcome_note = note[:500]
        locked.save(update_fields=["outcome", "decided_on", "outcome_note"])
        for i in _lock_many(locked.items.values_list("pk", flat=True)):
            if outcome == AppealOutcome.OVERTURNED and i.status != S.RESOLVED:
                denial_transition(
                    i,
                    to=S.RESOLVED,
                    actor=actor,
                    reason=f"level {locked.level} appeal overturned {note}".strip(),
                    resolution=DenialResolution.APPEAL_WON,
                )
            else:
                DenialStatusChange.objects.create(
                    item=i,
                    from_status=i.status,
                    to_status=i.status,
                    actor=actor.label[:150],
                    reason=f"level {locked.level} appeal {outcome} {note}".strip()[:500],
                )
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=locked,
            detail=f"appeal decided: {outcome}",
        )
    return locked


# --- underpayments ------------------------------------------------------------------------


def underpayment_set_status(
    *, actor: Actor, item: UnderpaymentItem, status: str, note: str = ""
) -> UnderpaymentItem:
    permission_check(actor, "denial.work")
    if status not in UnderpaymentStatus.values:
        raise ValidationFailed(
            [("status", f"{status!r} is not one of {list(UnderpaymentStatus.values)}")]
        )
    with transaction.atomic():
        locked = UnderpaymentItem.objects.select_for_update().get(pk=item.pk)
        closed = {UnderpaymentStatus.RECOVERED, UnderpaymentStatus.ACCEPTED}
        if locked.status in closed:
            raise TransitionNotAllowed(
                f"underpayment {locked.pk} is already {locked.get_status_display().lower()}",
                field="status",
            )
        if status in closed and not note.strip():
            raise ValidationFailed([("note", "say what was recovered or why it is accepted")])
        previous = locked.status
        locked.status = status
        locked.note = note[:500]
        locked.save(update_fields=["status", "note", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=locked,
            changes={"status": [previous, status]},
            detail=f"underpayment {previous} -> {status}",
        )
    return locked
