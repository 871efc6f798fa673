"""``scrub_claim``: run every rule of the registry over one claim, in registry order."""

from __future__ import annotations

from openrcm.rules.scrubber.checks import CHECKS, Check, ClaimFacts
from openrcm.rules.scrubber.model import (
    DuplicateIndex,
    Finding,
    PayerRules,
    ScrubClaim,
    ScrubResult,
    SkippedRule,
)
from openrcm.rules.scrubber.reference import ScrubReference
from openrcm.rules.scrubber.registry import RULES, Rule, Severity

if set(CHECKS) != {rule.id for rule in RULES}:  # pragma: no cover - caught on first import
    raise RuntimeError(
        f"scrubber rules and checks differ: {sorted(set(CHECKS) ^ {rule.id for rule in RULES})}"
    )

_PLAN: tuple[tuple[Rule, Check], ...] = tuple((rule, CHECKS[rule.id]) for rule in RULES)


def scrub_claim(
    claim: ScrubClaim,
    *,
    reference: ScrubReference,
    payer_rules: PayerRules,
    duplicates: DuplicateIndex,
) -> ScrubResult:
    """Every problem of ``claim`` for this payer; ``holds`` when any is an error.

    Never stops at the first problem and never raises for bad claim data: every rule runs
    (except those the payer turned off, which are listed with the payer's reason).
    """
    facts = ClaimFacts(claim, reference, payer_rules, duplicates)
    disabled = payer_rules.disabled_rules
    findings: list[Finding] = []
    skipped: list[SkippedRule] = []
    for rule, run in _PLAN:
        if disabled:
            reason = disabled.get(rule.id)
            if reason is not None:
                skipped.append(SkippedRule(rule.id, reason))
                findings.append(
                    Finding(
                        rule.id,
                        Severity.SKIPPED,
                        f"{rule.id} was not checked: turned off for {facts.payer_label} ({reason})",
                        "Turn the rule back on in the payer's scrubber settings if the "
                        "reason no longer holds.",
                    )
                )
                continue
        for message, line, hint in run(facts):
            findings.append(Finding(rule.id, rule.severity, message, hint or rule.hint, line))
    return ScrubResult(tuple(findings), tuple(skipped))
