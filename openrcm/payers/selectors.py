"""Reading payers and what the scrubber asks of each (reference data: not client scoped)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from openrcm.payers.models import Payer, PayerClaimRules
from openrcm.payers.services import payer_claim_rules_get
from openrcm.rules.scrubber import RULES, Rule


def payer_list() -> QuerySet[Payer]:
    """Every payer, by name, with its claim rules (one query)."""
    return Payer.objects.select_related("claim_rules").order_by("name")


def payer_rules_of(payer: Payer) -> PayerClaimRules | None:
    try:
        return payer.claim_rules
    except PayerClaimRules.DoesNotExist:
        return None


@dataclass(frozen=True)
class RuleSetting:
    """One scrubber rule as it stands for one payer."""

    rule: Rule
    off_reason: str  # "" while the rule is on

    @property
    def is_on(self) -> bool:
        return not self.off_reason


@dataclass(frozen=True)
class PayerRulesView:
    payer: Payer
    rules: PayerClaimRules  # unsaved and empty when the payer has none yet
    settings: list[RuleSetting]
    unknown_disabled: dict[str, str]  # IDs turned off that the registry no longer has

    @property
    def off_count(self) -> int:
        return sum(1 for s in self.settings if not s.is_on)


def payer_rules_view(payer: Payer) -> PayerRulesView:
    """Every scrubber rule of the registry, on or off (with the reason) for this payer."""
    rules = payer_claim_rules_get(payer)
    disabled = dict(rules.disabled_rules or {})
    known = {rule.id for rule in RULES}
    return PayerRulesView(
        payer=payer,
        rules=rules,
        settings=[RuleSetting(rule, str(disabled.get(rule.id, ""))) for rule in RULES],
        unknown_disabled={k: v for k, v in disabled.items() if k not in known},
    )
