"""One turn of the remittance cycle, for the demo and for a scheduled job: let the sandbox
payer release its ERAs (when the sandbox is in use), poll the clearinghouse(s), and import
and post every 835 fetched. Two rounds by default: the sandbox pays (and pends) first,
then pays what it pended."""

from __future__ import annotations

from collections import Counter
from typing import Any

from openrcm.claims.acknowledgements import clearinghouse_poll
from openrcm.claims.models import ClaimBatch
from openrcm.clearinghouse.base import clearinghouse_get, clearinghouse_names
from openrcm.clearinghouse.sandbox import SandboxClearinghouse
from openrcm.clearinghouse.sandbox_payer import sandbox_release_eras
from openrcm.core.actor import Actor


def remittance_cycle_run(*, actor: Actor, rounds: int = 2) -> dict[str, Any]:
    """Release, poll, import and post; returns counts for a summary line."""
    used = set(ClaimBatch.objects.values_list("clearinghouse", flat=True).distinct())
    outcomes: Counter[str] = Counter()
    totals = Counter({"files": 0, "payments": 0, "duplicates": 0, "exceptions": 0})
    secondary: list[str] = []
    problems: list[str] = []
    for _ in range(rounds):
        for name in sorted(used & set(clearinghouse_names())):
            adapter = clearinghouse_get(name)
            if isinstance(adapter, SandboxClearinghouse):
                sandbox_release_eras(adapter)
        run = clearinghouse_poll(actor=actor)
        problems += run.problems
        for imported in run.eras:
            totals["files"] += 1
            for payment in imported.payments:
                if payment.duplicate:
                    totals["duplicates"] += 1
                    continue
                totals["payments"] += 1
                totals["exceptions"] += payment.exceptions
                outcomes.update(payment.outcomes)
                secondary += payment.secondary_claims
    return {
        **totals,
        "paid": outcomes["paid"],
        "partially_paid": outcomes["partially_paid"],
        "denied": outcomes["denied"],
        "pended": outcomes["pended"],
        "reversals": outcomes["reversal"],
        "secondary_claims": len(secondary),
        "problems": problems,
        "summary": (
            f"{totals['payments']} payments in {totals['files']} ERAs; claims "
            f"{outcomes['paid']} paid, {outcomes['partially_paid']} partially paid, "
            f"{outcomes['denied']} denied, {outcomes['pended']} pended; "
            f"{len(secondary)} secondary claims created; "
            f"{totals['exceptions']} posting exceptions"
        ),
    }
