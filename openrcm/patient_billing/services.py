"""Every change to the patient side of billing goes through here.

Each service checks the actor's permission before it opens a transaction, validates
everything (all problems at once, nothing stored on refusal), writes, and audits.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from openrcm.accounts.permissions import permission_check
from openrcm.core.actor import Actor
from openrcm.core.validation import Problems
from openrcm.patient_billing.models import (
    AccountContact,
    ClientInstructions,
    CollectionExclusion,
    ContactDirection,
    ContactMedium,
    ContactOutcome,
    Dispute,
)
from openrcm.privacy.models import AuditAction
from openrcm.privacy.services import audit_record, changes_between
from openrcm.rules.payment_plans import Frequency
from openrcm.rules.placement import PlacementPolicy
from openrcm.rules.statements import CycleKind, ReminderKind, StatementCycle

INSTRUCTION_FIELDS = (
    "statement_cycle",
    "statement_day",
    "statement_every_days",
    "statement_minimum",
    "statement_due_days",
    "cadence",
    "small_balance_write_off",
    "places_accounts",
    "agency_name",
    "placement_minimum",
    "placement_minimum_age_days",
    "final_notice_wait_days",
    "plan_max_instalments",
    "plan_min_instalment",
    "plan_min_down_payment_percent",
    "plan_frequencies",
    "plan_max_days_to_first_due",
    "plan_grace_days",
    "plan_default_after_missed",
    "guidance",
)


def client_instructions_get(client: Any) -> ClientInstructions:
    """The practice's instructions; a practice that gave none gets the defaults (stored)."""
    instructions, _ = ClientInstructions.objects.get_or_create(client=client)
    return instructions


def _cadence_problems(problems: Problems, cadence: Any) -> None:
    if not isinstance(cadence, list) or not cadence:
        problems.add("cadence", "the reminder cadence needs at least one step")
        return
    names: set[str] = set()
    for index, step in enumerate(cadence, start=1):
        where = f"cadence step {index}"
        if not isinstance(step, dict):
            problems.add("cadence", f"{where} is not a step (name, day, kind)")
            continue
        name = str(step.get("name", "")).strip()
        if not name:
            problems.add("cadence", f"{where} has no name")
        elif name in names:
            problems.add("cadence", f"{where}: the name {name!r} is used twice")
        names.add(name)
        day = step.get("day")
        if not isinstance(day, int) or isinstance(day, bool) or day < 0:
            problems.add("cadence", f"{where}: day must be a whole number of days, 0 or more")
        if step.get("kind") not in ReminderKind.__members__.values():
            kinds = ", ".join(k.value for k in ReminderKind)
            problems.add("cadence", f"{where}: kind {step.get('kind')!r} is not one of {kinds}")
    if not any(isinstance(s, dict) and s.get("final_notice") for s in cadence):
        problems.add("cadence", "the cadence needs a final notice step (placement waits on it)")


def _instruction_problems(values: dict[str, Any]) -> Problems:
    problems = Problems()
    if values["statement_cycle"] not in {k.value for k in CycleKind}:
        problems.add("statement_cycle", f"{values['statement_cycle']!r} is not a statement cycle")
    for name in (
        "statement_minimum",
        "small_balance_write_off",
        "placement_minimum",
        "plan_min_instalment",
        "plan_min_down_payment_percent",
    ):
        problems.money(name, values[name])
    try:
        StatementCycle(
            kind=CycleKind.ROLLING,
            day=int(values["statement_day"]),
            every_days=int(values["statement_every_days"]),
            minimum_balance=Decimal(values["statement_minimum"]),
        )
    except (ValueError, ArithmeticError) as exc:
        problems.add("statement_day", str(exc))
    _cadence_problems(problems, values["cadence"])
    if values["places_accounts"] and not str(values["agency_name"]).strip():
        problems.add("agency_name", "name the agency accounts are placed with")
    try:
        PlacementPolicy(
            places_accounts=bool(values["places_accounts"]),
            agency=str(values["agency_name"]),
            minimum_balance=Decimal(values["placement_minimum"]),
            minimum_age_days=int(values["placement_minimum_age_days"]),
            final_notice_wait_days=int(values["final_notice_wait_days"]),
        )
    except (ValueError, ArithmeticError) as exc:
        problems.add("final_notice_wait_days", str(exc))
    frequencies = values["plan_frequencies"]
    known = {f.value for f in Frequency}
    if not isinstance(frequencies, list) or not frequencies or not set(frequencies) <= known:
        problems.add("plan_frequencies", f"choose one or more of {', '.join(sorted(known))}")
    if int(values["plan_max_instalments"]) < 1:
        problems.add("plan_max_instalments", "allow at least one instalment")
    if int(values["plan_default_after_missed"]) < 1:
        problems.add("plan_default_after_missed", "a plan defaults after at least one miss")
    return problems


def client_instructions_set(*, actor: Actor, client: Any, **changes: Any) -> ClientInstructions:
    """Record the practice's instructions; every problem is reported, nothing half-saved."""
    permission_check(actor, "collection.instruct")
    unknown = set(changes) - set(INSTRUCTION_FIELDS)
    if unknown:
        raise TypeError(f"client_instructions_set got unknown fields: {sorted(unknown)}")
    with transaction.atomic():
        instructions = client_instructions_get(client)
        before = {name: getattr(instructions, name) for name in INSTRUCTION_FIELDS}
        after = {**before, **changes}
        _instruction_problems(after).raise_if_any()
        diff = changes_between(before, after)
        if diff:
            for name, value in changes.items():
                setattr(instructions, name, value)
            instructions.save()
            audit_record(
                actor=actor,
                action=AuditAction.UPDATE,
                obj=instructions,
                changes=diff,
                client_id=client.pk,
            )
    return instructions


def collection_exclusion_set(*, actor: Actor, patient: Any, reason: str) -> CollectionExclusion:
    """The practice asked never to send this account to collections."""
    permission_check(actor, "collection.work")
    problems = Problems()
    problems.require("reason", reason, "the practice's reason")
    problems.max_length("reason", reason.strip(), 255)
    problems.raise_if_any()
    with transaction.atomic():
        exclusion, created = CollectionExclusion.objects.update_or_create(
            patient=patient, defaults={"reason": reason.strip(), "recorded_by": actor.label[:150]}
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE if created else AuditAction.UPDATE,
            obj=exclusion,
            client_id=patient.client_id,
            detail="never send to collections",
        )
    return exclusion


def collection_exclusion_clear(*, actor: Actor, patient: Any) -> None:
    permission_check(actor, "collection.work")
    with transaction.atomic():
        exclusion = CollectionExclusion.objects.filter(patient=patient).first()
        if exclusion is None:
            return
        audit_record(
            actor=actor,
            action=AuditAction.DELETE,
            obj=exclusion,
            client_id=patient.client_id,
            detail=f"exclusion from collections lifted (was: {exclusion.reason})"[:255],
        )
        exclusion.delete()


def account_contact_log(
    *,
    actor: Actor,
    patient: Any,
    medium: str,
    direction: str,
    outcome: str,
    at: datetime.datetime | None = None,
    note: str = "",
    promise_amount: Decimal | str | None = None,
    promise_date: datetime.date | None = None,
    with_prior_consent: bool = False,
    dispute_reason: str = "",
) -> AccountContact:
    """Log one contact about the patient's balance and what came of it.

    A promise to pay needs an amount and a date not in the past (the follow-up is due
    the day after it); a dispute opens a ``Dispute`` with its reason, which pauses
    statements, reminders and placement until it is resolved.
    """
    permission_check(actor, "collection.work")
    now = timezone.now()
    at = at or now
    problems = Problems()
    if medium not in ContactMedium.values:
        problems.add("medium", f"{medium!r} is not one of {', '.join(ContactMedium.values)}")
    if direction not in ContactDirection.values:
        problems.add("direction", f"{direction!r} is not inbound or outbound")
    if outcome not in ContactOutcome.values:
        problems.add("outcome", f"{outcome!r} is not one of {', '.join(ContactOutcome.values)}")
    if at > now + datetime.timedelta(minutes=5):
        problems.add("at", f"{at:%Y-%m-%d %H:%M} is in the future: log contacts that happened")
    amount: Decimal | None = None
    if outcome == ContactOutcome.PROMISE_TO_PAY:
        if problems.require("promise_amount", promise_amount, "the promised amount"):
            amount = problems.money("promise_amount", promise_amount, positive=True)
        promised = problems.require("promise_date", promise_date, "the promised date")
        if promised and promise_date is not None and promise_date < timezone.localdate(at):
            problems.add("promise_date", f"{promise_date} is before the call")
    elif promise_amount not in (None, "") or promise_date is not None:
        problems.add("promise_amount", "an amount and date belong only to a promise to pay")
    if outcome == ContactOutcome.DISPUTE:
        problems.require("dispute_reason", dispute_reason, "what the patient disputes")
    problems.raise_if_any()
    with transaction.atomic():
        contact = AccountContact.objects.create(
            patient=patient,
            at=at,
            medium=medium,
            direction=direction,
            outcome=outcome,
            with_prior_consent=with_prior_consent,
            promise_amount=amount,
            promise_date=promise_date if outcome == ContactOutcome.PROMISE_TO_PAY else None,
            note=note.strip(),
            recorded_by=actor.label[:150],
        )
        audit_record(
            actor=actor, action=AuditAction.CREATE, obj=contact, client_id=patient.client_id
        )
        if outcome == ContactOutcome.DISPUTE:
            dispute = Dispute.objects.create(
                patient=patient,
                opened_at=at,
                reason=dispute_reason.strip(),
                opened_by=actor.label[:150],
                contact=contact,
            )
            audit_record(
                actor=actor, action=AuditAction.CREATE, obj=dispute, client_id=patient.client_id
            )
    return contact


def dispute_open(*, actor: Actor, patient: Any, reason: str) -> Dispute:
    """A dispute that did not come by a logged contact (a letter, the portal)."""
    permission_check(actor, "collection.work")
    problems = Problems()
    problems.require("reason", reason, "what the patient disputes")
    problems.raise_if_any()
    with transaction.atomic():
        dispute = Dispute.objects.create(
            patient=patient,
            opened_at=timezone.now(),
            reason=reason.strip(),
            opened_by=actor.label[:150],
        )
        audit_record(
            actor=actor, action=AuditAction.CREATE, obj=dispute, client_id=patient.client_id
        )
    return dispute


def dispute_resolve(*, actor: Actor, dispute: Dispute, resolution: str) -> Dispute:
    """Answer a dispute; collection resumes when no other dispute is open."""
    permission_check(actor, "collection.work")
    problems = Problems()
    problems.require("resolution", resolution, "how the dispute was answered")
    problems.raise_if_any()
    with transaction.atomic():
        locked = Dispute.objects.select_for_update().get(pk=dispute.pk)
        if not locked.is_open:
            refused = Problems()
            refused.add(
                "resolution",
                f"this dispute was resolved on {locked.resolved_at:%Y-%m-%d} by "
                f"{locked.resolved_by}",
            )
            refused.raise_if_any()
        locked.resolved_at = timezone.now()
        locked.resolution = resolution.strip()
        locked.resolved_by = actor.label[:150]
        locked.save(update_fields=["resolved_at", "resolution", "resolved_by", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=locked,
            client_id=locked.patient.client_id,
            changes={"resolved": [False, True]},
        )
    return locked
