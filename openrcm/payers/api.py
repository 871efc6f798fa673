"""Payers API: the payers, and what the claim scrubber asks of each (get and set)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema

from openrcm.accounts.permissions import api_require
from openrcm.core.middleware import request_actor
from openrcm.payers.models import Payer, PayerClaimRules
from openrcm.payers.selectors import payer_list, payer_rules_of, payer_rules_view
from openrcm.payers.services import payer_claim_rules_set

router = Router(tags=["payers"])


class PayerOut(Schema):
    id: int
    name: str
    payer_id: str
    payer_type: str
    claim_filing_indicator: str
    timely_filing_days: int
    active: bool
    rules_off: int
    clearinghouse: str  # "" = the default


class RuleSettingOut(Schema):
    rule_id: str
    severity: str
    title: str
    payer_may_disable: bool
    on: bool
    off_reason: str


class PayerClaimRulesOut(Schema):
    payer_id: int
    disabled_rules: dict[str, str]
    referring_required_for_pos: list[str]
    referring_required_for_codes: list[str]
    prior_auth_codes: list[str]
    unit_overrides: dict[str, int]
    clearinghouse: str
    rules: list[RuleSettingOut]


class PayerClaimRulesIn(Schema):
    """Leave a field out (or null) to keep it as it is."""

    disabled_rules: dict[str, str] | None = None  # {rule ID: why it is off}; the whole set
    referring_required_for_pos: list[str] | None = None
    referring_required_for_codes: list[str] | None = None
    prior_auth_codes: list[str] | None = None
    unit_overrides: dict[str, int] | None = None
    clearinghouse: str | None = None


def _payer_out(payer: Payer) -> PayerOut:
    rules = payer_rules_of(payer)
    return PayerOut(
        id=payer.pk,
        name=payer.name,
        payer_id=payer.payer_id,
        payer_type=payer.payer_type,
        claim_filing_indicator=payer.claim_filing_indicator,
        timely_filing_days=payer.timely_filing_days,
        active=payer.active,
        rules_off=len(rules.disabled_rules) if rules else 0,
        clearinghouse=rules.clearinghouse if rules else "",
    )


def _rules_out(payer: Payer) -> PayerClaimRulesOut:
    view = payer_rules_view(payer)
    rules: PayerClaimRules = view.rules
    return PayerClaimRulesOut(
        payer_id=payer.pk,
        disabled_rules=dict(rules.disabled_rules or {}),
        referring_required_for_pos=list(rules.referring_required_for_pos or []),
        referring_required_for_codes=list(rules.referring_required_for_codes or []),
        prior_auth_codes=list(rules.prior_auth_codes or []),
        unit_overrides={k: int(v) for k, v in (rules.unit_overrides or {}).items()},
        clearinghouse=rules.clearinghouse,
        rules=[
            RuleSettingOut(
                rule_id=s.rule.id,
                severity=str(s.rule.severity),
                title=s.rule.title,
                payer_may_disable=s.rule.payer_may_disable,
                on=s.is_on,
                off_reason=s.off_reason,
            )
            for s in view.settings
        ],
    )


@router.get("/", response=list[PayerOut], summary="Every payer with its rule summary")
def payer_list_route(request: HttpRequest) -> list[PayerOut]:
    api_require(request, "payer.view")
    return [_payer_out(p) for p in payer_list()]


@router.get(
    "/{payer_id}/claim-rules",
    response=PayerClaimRulesOut,
    summary="What the claim scrubber asks of this payer",
    url_name="payer_claim_rules_route",
)
def payer_claim_rules_route(request: HttpRequest, payer_id: int) -> PayerClaimRulesOut:
    api_require(request, "payer.view")
    return _rules_out(get_object_or_404(Payer.objects.all(), pk=payer_id))


@router.put(
    "/{payer_id}/claim-rules",
    response=PayerClaimRulesOut,
    summary="Change what the claim scrubber asks of this payer (fields left out stay)",
    url_name="payer_claim_rules_route",
)
def payer_claim_rules_set_route(
    request: HttpRequest, payer_id: int, data: PayerClaimRulesIn
) -> PayerClaimRulesOut:
    api_require(request, "payer.rules")
    payer = get_object_or_404(Payer.objects.all(), pk=payer_id)
    changes: dict[str, Any] = {k: v for k, v in data.dict().items() if v is not None}
    payer_claim_rules_set(actor=request_actor(request), payer=payer, **changes)
    return _rules_out(payer)
