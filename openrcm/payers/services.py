"""Every change to payers and fee schedules goes through here."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction

from openrcm.core.actor import Actor
from openrcm.core.validation import Problems
from openrcm.payers.models import (
    ClaimFilingIndicator,
    FeeSchedule,
    FeeScheduleRate,
    Payer,
    PayerType,
)
from openrcm.privacy.models import AuditAction
from openrcm.privacy.services import audit_record
from openrcm.rules.codes import modifier_problem, procedure_code_problem


@transaction.atomic
def payer_create(
    *,
    actor: Actor,
    name: str,
    payer_id: str,
    payer_type: str,
    claim_filing_indicator: str,
    timely_filing_days: int,
    appeal_days: int,
    **address: Any,
) -> Payer:
    problems = Problems()
    problems.require("name", name)
    problems.require("payer_id", payer_id, "clearinghouse payer ID")
    if payer_type not in PayerType.values:
        problems.add("payer_type", f"{payer_type!r} is not a payer type")
    if claim_filing_indicator not in ClaimFilingIndicator.values:
        problems.add(
            "claim_filing_indicator", f"{claim_filing_indicator!r} is not a claim filing indicator"
        )
    for field, days in (("timely_filing_days", timely_filing_days), ("appeal_days", appeal_days)):
        if not isinstance(days, int) or days <= 0:
            problems.add(field, f"must be a whole number of days above zero (got {days!r})")
    if name and Payer.objects.filter(name=name).exists():
        problems.add("name", f"a payer called {name!r} exists already")
    if payer_id and Payer.objects.filter(payer_id=payer_id).exists():
        problems.add("payer_id", f"payer ID {payer_id} belongs to another payer")
    problems.us_address("", address.get("state", ""), address.get("zip_code", ""))
    problems.raise_if_any()
    payer = Payer.objects.create(
        name=name.strip(),
        payer_id=payer_id.strip(),
        payer_type=payer_type,
        claim_filing_indicator=claim_filing_indicator,
        timely_filing_days=timely_filing_days,
        appeal_days=appeal_days,
        **address,
    )
    audit_record(actor=actor, action=AuditAction.CREATE, obj=payer)
    return payer


@transaction.atomic
def fee_schedule_create(
    *,
    actor: Actor,
    client: Any,
    payer: Payer,
    name: str,
    effective_from: datetime.date,
    effective_to: datetime.date | None = None,
    rates: dict[tuple[str, str], Decimal | str] | None = None,
) -> FeeSchedule:
    """A contracted schedule with its rates: {(procedure code, modifier or ""): allowed}."""
    problems = Problems()
    problems.require("name", name)
    problems.date_range("effective_to", effective_from, effective_to)
    overlapping = FeeSchedule.objects.filter(client=client, payer=payer).exclude(
        effective_to__lt=effective_from
    )
    if effective_to is not None:
        overlapping = overlapping.exclude(effective_from__gt=effective_to)
    if overlapping.exists():
        problems.add(
            "effective_from",
            f"{client} already has a {payer} fee schedule in force in these dates; end it first",
        )
    checked: list[FeeScheduleRate] = []
    for (code, modifier), allowed in (rates or {}).items():
        where = f"rates[{code}{'-' + modifier if modifier else ''}]"
        problems.check(where, procedure_code_problem(code))
        if modifier:
            problems.check(where, modifier_problem(modifier))
        amount = problems.money(where, allowed)
        if amount is not None:
            checked.append(
                FeeScheduleRate(procedure_code=code, modifier=modifier, allowed_amount=amount)
            )
    problems.raise_if_any()
    schedule = FeeSchedule.objects.create(
        client=client,
        payer=payer,
        name=name.strip(),
        effective_from=effective_from,
        effective_to=effective_to,
    )
    for rate in checked:
        rate.schedule = schedule
    FeeScheduleRate.objects.bulk_create(checked)
    audit_record(
        actor=actor, action=AuditAction.CREATE, obj=schedule, detail=f"{len(checked)} rates"
    )
    return schedule
