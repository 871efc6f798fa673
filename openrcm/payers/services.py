"""Every change to payers and fee schedules goes through here."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction

from openrcm.accounts.permissions import permission_check
from openrcm.core.actor import Actor
from openrcm.core.errors import ValidationFailed
from openrcm.core.validation import Problems
from openrcm.payers.models import (
    ClaimFilingIndicator,
    FeeSchedule,
    FeeScheduleRate,
    Payer,
    PayerClaimRules,
    PayerType,
)
from openrcm.privacy.models import AuditAction
from openrcm.privacy.services import audit_record
from openrcm.rules.codes import (
    modifier_problem,
    place_of_service_problem,
    procedure_code_problem,
)


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


# --- claim rules (what the scrubber asks of this payer's claims) ----------------------------

MAX_RULE_REASON = 200
MAX_UNITS = 9999
_UNSET: Any = object()


def _code_list(problems: Problems, field: str, values: Any, check: Any) -> list[str]:
    """Upper-cased, de-duplicated, sorted codes; each bad one named."""
    if isinstance(values, str):
        values = [v for v in values.replace(",", " ").split() if v]
    if not isinstance(values, (list, tuple, set, frozenset)):
        problems.add(field, "give a list of codes")
        return []
    codes: list[str] = []
    for raw in values:
        code = str(raw).strip().upper()
        if not code:
            continue
        problem = check(code)
        if problem:
            problems.add(field, problem)
        elif code not in codes:
            codes.append(code)
    return sorted(codes)


def _disabled_rules(problems: Problems, value: Any) -> dict[str, str]:
    from openrcm.rules.scrubber import RULES_BY_ID

    if not isinstance(value, dict):
        problems.add("disabled_rules", "give {rule ID: why it is off for this payer}")
        return {}
    checked: dict[str, str] = {}
    for raw_id, raw_reason in value.items():
        rule_id = str(raw_id).strip().upper()
        reason = str(raw_reason or "").strip()
        where = f"disabled_rules[{rule_id}]"
        rule = RULES_BY_ID.get(rule_id)
        if rule is None:
            problems.add(
                where, f"{rule_id!r} is not a scrubber rule; see the rule list for the IDs"
            )
            continue
        if not rule.payer_may_disable:
            problems.add(
                where,
                f"{rule_id} keeps the 837P well formed and cannot be turned off for a payer",
            )
            continue
        if not reason:
            problems.add(where, f"say why {rule_id} is turned off for this payer")
            continue
        if len(reason) > MAX_RULE_REASON:
            problems.add(where, f"keep the reason under {MAX_RULE_REASON} characters")
            continue
        checked[rule_id] = reason
    return dict(sorted(checked.items()))


def _unit_overrides(problems: Problems, value: Any) -> dict[str, int]:
    if not isinstance(value, dict):
        problems.add("unit_overrides", "give {procedure code: most units per date of service}")
        return {}
    checked: dict[str, int] = {}
    for raw_code, raw_units in value.items():
        code = str(raw_code).strip().upper()
        where = f"unit_overrides[{code}]"
        problem = procedure_code_problem(code)
        if problem:
            problems.add(where, problem)
            continue
        text = str(raw_units).strip()
        if isinstance(raw_units, bool) or not text.isdigit() or not 1 <= int(text) <= MAX_UNITS:
            problems.add(where, f"units must be a whole number from 1 to {MAX_UNITS}, not {text!r}")
            continue
        checked[code] = int(text)
    return dict(sorted(checked.items()))


def unit_overrides_from_text(text: str) -> dict[str, str]:
    """``"97110 4\n97140=2"`` → ``{"97110": "4", "97140": "2"}`` (checked by the service:
    a line without units keeps "" so the problem is named, not dropped)."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        parts = line.replace("=", " ").replace(":", " ").replace(",", " ").split()
        if parts:
            found[parts[0].upper()] = " ".join(parts[1:])
    return found


def payer_claim_rules_get(payer: Payer) -> PayerClaimRules:
    """The payer's ``PayerClaimRules`` (an unsaved empty one when it has none yet)."""
    found = PayerClaimRules.objects.filter(payer=payer).first()
    return found or PayerClaimRules(payer=payer)


def payer_claim_rules_set(
    *,
    actor: Actor,
    payer: Payer,
    disabled_rules: Any = _UNSET,
    referring_required_for_pos: Any = _UNSET,
    referring_required_for_codes: Any = _UNSET,
    prior_auth_codes: Any = _UNSET,
    unit_overrides: Any = _UNSET,
    clearinghouse: Any = _UNSET,
) -> PayerClaimRules:
    """Change what the scrubber asks of one payer's claims; an argument left out stays.

    Every value is checked before anything is stored (all problems at once): rule IDs
    must exist in the scrubber's registry, rules that keep the 837P well formed may not be
    turned off, turning one off needs a reason; place-of-service and procedure codes must
    have their form; unit limits are whole numbers; the clearinghouse must be configured.
    The change (before and after) is written to the audit trail.
    """
    from openrcm.clearinghouse.base import clearinghouse_names

    permission_check(actor, "payer.rules")
    problems = Problems()
    wanted: dict[str, Any] = {}
    if disabled_rules is not _UNSET:
        wanted["disabled_rules"] = _disabled_rules(problems, disabled_rules)
    if referring_required_for_pos is not _UNSET:
        wanted["referring_required_for_pos"] = _code_list(
            problems, "referring_required_for_pos", referring_required_for_pos,
            place_of_service_problem,
        )  # fmt: skip
    if referring_required_for_codes is not _UNSET:
        wanted["referring_required_for_codes"] = _code_list(
            problems, "referring_required_for_codes", referring_required_for_codes,
            procedure_code_problem,
        )  # fmt: skip
    if prior_auth_codes is not _UNSET:
        wanted["prior_auth_codes"] = _code_list(
            problems, "prior_auth_codes", prior_auth_codes, procedure_code_problem
        )
    if unit_overrides is not _UNSET:
        wanted["unit_overrides"] = _unit_overrides(problems, unit_overrides)
    if clearinghouse is not _UNSET:
        name = str(clearinghouse or "").strip()
        if name and name not in clearinghouse_names():
            problems.add(
                "clearinghouse",
                f"no clearinghouse is called {name!r}; known: {', '.join(clearinghouse_names())}"
                " (leave it blank for the default)",
            )
        wanted["clearinghouse"] = name
    problems.raise_if_any()
    with transaction.atomic():
        Payer.objects.select_for_update().filter(pk=payer.pk).first()  # one change at a time
        rules, created = PayerClaimRules.objects.get_or_create(payer=payer)
        changes = {
            field: [getattr(rules, field), value]
            for field, value in wanted.items()
            if getattr(rules, field) != value
        }
        if not changes and not created:
            return rules
        for field, (_before, after) in changes.items():
            setattr(rules, field, after)
        if changes:
            rules.save(update_fields=[*changes, "updated_at"])
        audit_record(
            actor=actor,
            action=AuditAction.CREATE if created else AuditAction.UPDATE,
            obj=rules,
            changes=changes,
            detail=f"claim rules of {payer.name}: {', '.join(changes) or 'created'}"[:255],
        )
    return rules


def payer_rule_turn_off(
    *, actor: Actor, payer: Payer, rule_id: str, reason: str
) -> PayerClaimRules:
    """Turn one scrubber rule off for the payer, with the reason (kept with the rule)."""
    current = dict(payer_claim_rules_get(payer).disabled_rules or {})
    current[rule_id.strip().upper()] = reason
    return payer_claim_rules_set(actor=actor, payer=payer, disabled_rules=current)


def payer_rule_turn_on(*, actor: Actor, payer: Payer, rule_id: str) -> PayerClaimRules:
    """Turn a scrubber rule back on for the payer."""
    current = dict(payer_claim_rules_get(payer).disabled_rules or {})
    key = rule_id.strip().upper()
    if key not in current:
        raise ValidationFailed([("rule_id", f"{key} is not turned off for {payer.name}")])
    del current[key]
    return payer_claim_rules_set(actor=actor, payer=payer, disabled_rules=current)
