"""The claim state machine: the table of allowed transitions and the one function that
moves a claim (or many at once) from one status to another and records it.

Nothing else assigns ``Claim.status`` (a test reads the source to keep it so). Corrected
(frequency 7) and void (frequency 8) claims are new claims that point at the original.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import NamedTuple

from django.db import connections, router, transaction
from django.utils import timezone

from openrcm.accounts.permissions import permission_check
from openrcm.claims.bulk import column_of, ids_q, ids_sql
from openrcm.claims.models import (
    Claim,
    ClaimFrequency,
    ClaimLine,
    ClaimStatus,
    ClaimStatusChange,
)
from openrcm.core.actor import Actor
from openrcm.core.errors import NotFound, TransitionNotAllowed, ValidationFailed
from openrcm.privacy.models import AuditAction
from openrcm.privacy.services import audit_record

S = ClaimStatus

# from -> every status a claim may move to next.
CLAIM_TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.HELD, S.READY, S.VOID}),  # scrubbed; or cancelled before sending
    S.HELD: frozenset({S.READY, S.VOID}),  # fixed and scrubbed clean; or cancelled
    S.READY: frozenset({S.BATCHED, S.HELD}),  # written into an 837P; or held again
    S.BATCHED: frozenset({S.SUBMITTED}),  # its file went to the clearinghouse
    S.SUBMITTED: frozenset({S.ACCEPTED, S.REJECTED}),  # the 999 / 277CA answered
    S.ACCEPTED: frozenset({S.ADJUDICATED, S.REJECTED, S.VOID}),  # payer's 277CA may still
    # reject after the clearinghouse accepted; VOID: replaced by a frequency 7 or 8 claim
    S.REJECTED: frozenset({S.HELD, S.READY, S.VOID}),  # corrected and re-scrubbed; or given up
    S.ADJUDICATED: frozenset({S.CLOSED, S.VOID}),  # the ERA answered (next issue)
    S.CLOSED: frozenset({S.VOID}),  # replaced or cancelled after payment
    S.VOID: frozenset(),
}

# ERA outcomes (issue 6): an 835 may answer a claim the 277CA has not accepted yet
# (SUBMITTED), a pended claim is answered again later, and a later ERA (a reversal and its
# correction, an appeal decided) may change an outcome. A reversal (CLP02 22) takes the
# claim back to ACCEPTED: the payer has it and no adjudication stands.
ERA_OUTCOMES = frozenset({S.PAID, S.PARTIALLY_PAID, S.DENIED, S.PENDED})
for _answered in (S.SUBMITTED, S.ACCEPTED, S.ADJUDICATED):
    CLAIM_TRANSITIONS[_answered] = CLAIM_TRANSITIONS[_answered] | ERA_OUTCOMES
for _outcome in ERA_OUTCOMES:
    CLAIM_TRANSITIONS[_outcome] = (ERA_OUTCOMES - {_outcome}) | {S.ACCEPTED, S.CLOSED, S.VOID}

# Statuses in which the payer has the claim (a correction or void must go to the payer).
AT_PAYER = frozenset({S.ACCEPTED, S.ADJUDICATED, S.CLOSED} | ERA_OUTCOMES)
# Statuses in which the claim never reached the payer (a void just cancels it here).
NOT_SENT = frozenset({S.DRAFT, S.HELD, S.READY, S.REJECTED})


def _label(status: str) -> str:
    try:
        return str(ClaimStatus(status).label).lower()
    except ValueError:
        return repr(status)


# The reason a biller's hold is recorded with. A claim held by hand stays held when the
# scrubber runs over every draft and held claim; only a release (a scrub of that claim
# by name) moves it on.
MANUAL_HOLD_PREFIX = "held: "


def transition_problem(from_status: str, to: str) -> str | None:
    """Why a claim in ``from_status`` may not move to ``to``, or None."""
    if to not in ClaimStatus.values:
        return f"{to!r} is not a claim status"
    allowed = CLAIM_TRANSITIONS.get(from_status, frozenset())
    if to in allowed:
        return None
    if not allowed:
        return f"a {_label(from_status)} claim cannot change any more"
    nexts = ", ".join(sorted(_label(s) for s in allowed))
    return f"a {_label(from_status)} claim cannot become {_label(to)}; it can become: {nexts}"


def claim_transition(
    claim: Claim | Sequence[Claim], *, to: str, actor: Actor, reason: str = ""
) -> None:
    """Move one claim, or many, to ``to``; record a ``ClaimStatusChange`` for each.

    The whole call is refused (``TransitionNotAllowed``, nothing changed) when any claim
    may not make the move. Many claims are moved with one UPDATE per previous status,
    guarded by that status, so a claim changed meanwhile by another worker is noticed.
    Callers lock the rows first (``claims_lock``) and pass the locked instances.
    """
    claims = [claim] if isinstance(claim, Claim) else list(claim)
    if not claims:
        return
    refused = [
        f"{c.patient_control_number}: {problem}"
        for c in claims
        if (problem := transition_problem(c.status, to)) is not None
    ]
    if refused:
        more = f" (and {len(refused) - 3} more)" if len(refused) > 3 else ""
        raise TransitionNotAllowed("; ".join(refused[:3]) + more, field="status")
    now = timezone.now()
    by_status: dict[str, list[Claim]] = defaultdict(list)
    for c in claims:
        by_status[c.status].append(c)
    with transaction.atomic():
        for previous, group in by_status.items():
            ids = [c.pk for c in group]
            changed = Claim.objects.filter(pk__in=ids, status=previous).update(
                status=to, updated_at=now
            )
            if changed != len(ids):
                raise TransitionNotAllowed(
                    f"{len(ids) - changed} claim(s) changed status meanwhile; reload and retry",
                    field="status",
                )
        ClaimStatusChange.objects.bulk_create(
            ClaimStatusChange(
                claim_id=c.pk,
                from_status=c.status,
                to_status=to,
                actor=actor.label[:150],
                reason=reason[:255],
            )
            for c in claims
        )
    for c in claims:
        c.status = to
        c.updated_at = now


class ClaimRef(NamedTuple):
    """A claim as a bulk transition needs it (no model instance): the caller locked it
    and read its status in the same transaction."""

    pk: int
    status: str
    patient_control_number: str


def claims_transition(
    claims: Sequence[ClaimRef], *, to: str, actor: Actor, reason: str = ""
) -> None:
    """``claim_transition`` for many claims at once (scrubbing, batch building), without
    a model instance per claim: the same checks (all refused when one may not move), one
    UPDATE per previous status guarded by it, and the history rows written by one
    INSERT ... SELECT per previous status. The caller has locked the claims."""
    if not claims:
        return
    by_status: dict[str, list[int]] = defaultdict(list)
    for c in claims:
        by_status[c.status].append(c.pk)
    problems = {s: transition_problem(s, to) for s in by_status}  # once per status
    refused = [
        f"{c.patient_control_number}: {problems[c.status]}"
        for c in claims
        if problems[c.status] is not None
    ]
    if refused:
        more = f" (and {len(refused) - 3} more)" if len(refused) > 3 else ""
        raise TransitionNotAllowed("; ".join(refused[:3]) + more, field="status")
    now = timezone.now()
    database = router.db_for_write(ClaimStatusChange)
    connection = connections[database]
    name = connection.ops.quote_name
    history = ClaimStatusChange._meta
    columns = ", ".join(
        name(column_of(ClaimStatusChange, f))
        for f in ("claim", "from_status", "to_status", "at", "actor", "reason")
    )
    at = ClaimStatusChange._meta.get_field("at").get_db_prep_save(now, connection)
    claim_id = name(column_of(Claim, "id"))
    with transaction.atomic(using=database):
        for previous, ids in by_status.items():
            changed = (
                Claim.objects.using(database)
                .filter(ids_q("pk", ids, database=database), status=previous)
                .update(status=to, updated_at=now)
            )
            if changed != len(ids):
                raise TransitionNotAllowed(
                    f"{len(ids) - changed} claim(s) changed status meanwhile; reload and retry",
                    field="status",
                )
            where, params = ids_sql(claim_id, ids, database=database)
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {name(history.db_table)} ({columns}) "  # noqa: S608 - names from the models
                    f"SELECT {claim_id}, %s, %s, %s, %s, %s FROM {name(Claim._meta.db_table)} "
                    f"WHERE {where} ORDER BY {claim_id}",
                    [previous, to, at, actor.label[:150], reason[:255], *params],
                )


def claims_lock(ids: Iterable[int], *, statuses: Iterable[str] | None = None) -> list[Claim]:
    """Lock claims by primary key, in pk order (so concurrent workers never deadlock).

    Call inside a transaction. ``statuses`` keeps only claims (still) in those statuses.
    """
    query = Claim.objects.select_for_update().filter(pk__in=list(ids))
    if statuses is not None:
        query = query.filter(status__in=list(statuses))
    return list(query.order_by("pk"))


def _claim_locked(claim: Claim) -> Claim:
    found = claims_lock([claim.pk])
    if not found:
        raise NotFound(f"claim {claim.patient_control_number} no longer exists")
    return found[0]


def _new_control_number(original: Claim, kind: str) -> str:
    count = Claim.objects.filter(original_claim=original, frequency_code__in=["7", "8"]).count()
    base = original.original_claim.patient_control_number if original.original_claim else None
    stem = base or original.patient_control_number
    while True:
        count += 1
        candidate = f"{stem}{kind}{count}"[:20]
        if not Claim.objects.filter(patient_control_number=candidate).exists():
            return candidate


def _payer_claim_number(original: Claim, given: str) -> str:
    number = (given or original.payer_claim_number).strip()
    if not number:
        raise ValidationFailed(
            [
                (
                    "payer_claim_number",
                    f"claim {original.patient_control_number} has no payer claim number; "
                    "give the number from the ERA (CLP07) or the 277CA (REF*1K): the payer "
                    "needs it (REF*F8) to find the claim being replaced or voided",
                )
            ]
        )
    return number


def _copy_claim(
    *, actor: Actor, original: Claim, frequency: str, control_number: str, from_encounter: bool
) -> Claim:
    if from_encounter:
        charges = list(original.encounter.charges.all())
        rows = [
            (c, c.line_number, c.procedure_code, c.modifiers, c.units, c.charge_amount,
             c.diagnosis_pointers)
            for c in charges
        ]  # fmt: skip
    else:
        rows = [
            (ln.charge_line, ln.line_number, ln.procedure_code, ln.modifiers, ln.units,
             ln.charge_amount, ln.diagnosis_pointers)
            for ln in original.lines.select_related("charge_line")
        ]  # fmt: skip
    total = sum((r[5] for r in rows), Decimal("0.00"))
    claim = Claim.objects.create(
        client_id=original.client_id,
        patient_id=original.patient_id,
        encounter_id=original.encounter_id,
        coverage_id=original.coverage_id,
        payer_id=original.payer_id,
        coverage_level=original.coverage_level,
        patient_control_number=control_number,
        frequency_code=frequency,
        original_claim=original,
        total_charge=total,
    )
    ClaimLine.objects.bulk_create(
        ClaimLine(
            claim=claim,
            charge_line=charge,
            line_number=number,
            procedure_code=code,
            modifiers=modifiers,
            units=units,
            charge_amount=amount,
            diagnosis_pointers=pointers,
            line_item_control_number=f"{control_number}L{number}",
        )
        for charge, number, code, modifiers, units, amount, pointers in rows
    )
    ClaimStatusChange.objects.create(
        claim=claim,
        from_status="",
        to_status=ClaimStatus.DRAFT,
        actor=actor.label[:150],
        reason=f"{ClaimFrequency(frequency).label} of {original.patient_control_number}",
    )
    return claim


def claim_correct(
    *, actor: Actor, claim: Claim, reason: str, payer_claim_number: str = ""
) -> Claim:
    """A replacement claim (frequency 7) for a claim the payer has, from the encounter's
    current charges; the original becomes void. The new claim starts as a draft and is
    scrubbed and sent like any other."""
    permission_check(actor, "claim.change")
    if not reason.strip():
        raise ValidationFailed([("reason", "say why the claim is corrected")])
    with transaction.atomic():
        original = _claim_locked(claim)
        if original.status not in AT_PAYER:
            raise TransitionNotAllowed(
                f"claim {original.patient_control_number} is {_label(original.status)}: only "
                "a claim the payer accepted can be replaced; fix and re-scrub it instead",
                field="status",
            )
        number = _payer_claim_number(original, payer_claim_number)
        if number != original.payer_claim_number:
            original.payer_claim_number = number
            original.save(update_fields=["payer_claim_number", "updated_at"])
        replacement = _copy_claim(
            actor=actor,
            original=original,
            frequency=ClaimFrequency.REPLACEMENT,
            control_number=_new_control_number(original, "R"),
            from_encounter=True,
        )
        claim_transition(
            original,
            to=ClaimStatus.VOID,
            actor=actor,
            reason=f"replaced by {replacement.patient_control_number}: {reason}",
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=replacement,
            detail=f"replacement of {original.patient_control_number}: {reason}"[:255],
        )
    claim.refresh_from_db()
    return replacement


def claim_void(
    *, actor: Actor, claim: Claim, reason: str, payer_claim_number: str = ""
) -> Claim | None:
    """Cancel a claim. One that never reached the payer is simply made void (returns
    None); one the payer has gets a void claim (frequency 8, REF*F8) to send, returned."""
    permission_check(actor, "claim.change")
    if not reason.strip():
        raise ValidationFailed([("reason", "say why the claim is voided")])
    with transaction.atomic():
        original = _claim_locked(claim)
        void_claim: Claim | None = None
        if original.status in AT_PAYER:
            number = _payer_claim_number(original, payer_claim_number)
            if number != original.payer_claim_number:
                original.payer_claim_number = number
                original.save(update_fields=["payer_claim_number", "updated_at"])
            void_claim = _copy_claim(
                actor=actor,
                original=original,
                frequency=ClaimFrequency.VOID,
                control_number=_new_control_number(original, "V"),
                from_encounter=False,
            )
        claim_transition(
            original,
            to=ClaimStatus.VOID,
            actor=actor,
            reason=(
                f"voided by {void_claim.patient_control_number}: {reason}" if void_claim else reason
            ),
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE if void_claim else AuditAction.UPDATE,
            obj=void_claim or original,
            detail=f"void of {original.patient_control_number}: {reason}"[:255],
        )
    claim.refresh_from_db()
    return void_claim
