"""What a person may do to one claim from its page or the API, decided by the state machine.

Each action names the permission it needs and the statuses it applies to (read from
``lifecycle.CLAIM_TRANSITIONS`` and ``scrubbing.RESCRUBBABLE``, not repeated here), so the
claim page offers exactly the buttons that would work, and a refused call says why.

- *re-scrub*: a draft, held or rejected claim is scrubbed again; it becomes ready when
  clean (a rejected claim, once fixed, then goes out in the next batch) or held.
- *release*: a held claim is scrubbed again; only a clean scrub releases it, so no
  claim reaches a batch without passing the scrubber.
- *hold*: a person takes a draft, ready or rejected claim out of the way with a reason.
  The hold lasts until someone releases the claim: the scrubber's run over every draft
  and held claim (``openrcm claims scrub``) passes over claims held by hand.
- *correct* (frequency 7) and *void* (frequency 8, or a plain cancel for a claim the payer
  never had) are ``lifecycle.claim_correct`` / ``claim_void``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from openrcm.accounts.permissions import has_permission, permission_check
from openrcm.claims.lifecycle import (
    AT_PAYER,
    CLAIM_TRANSITIONS,
    MANUAL_HOLD_PREFIX,
    claim_correct,
    claim_transition,
    claim_void,
    claims_lock,
    transition_problem,
)
from openrcm.claims.models import Claim, ClaimStatus
from openrcm.claims.scrubbing import RESCRUBBABLE, claims_scrub
from openrcm.core.actor import Actor
from openrcm.core.errors import NotFound, TransitionNotAllowed, ValidationFailed
from openrcm.privacy.models import AuditAction
from openrcm.privacy.services import audit_record
from openrcm.rules.scrubber import ScrubResult


@dataclass(frozen=True)
class ClaimAction:
    name: str
    label: str
    permission: str
    help: str
    needs_reason: bool = False
    asks_payer_claim_number: bool = False


CLAIM_ACTIONS: dict[str, ClaimAction] = {
    a.name: a
    for a in (
        ClaimAction(
            "rescrub",
            "Scrub again",
            "claim.submit",
            "Run every scrubber rule again: ready when clean, held with findings if not.",
        ),
        ClaimAction(
            "release",
            "Release (scrub again)",
            "claim.submit",
            "Scrub the held claim again; it is released to the next batch only if clean.",
        ),
        ClaimAction(
            "hold",
            "Hold",
            "claim.submit",
            "Keep the claim out of the next batch; it stays held until scrubbed again.",
            needs_reason=True,
        ),
        ClaimAction(
            "correct",
            "Corrected claim (7)",
            "claim.change",
            "Make a replacement claim (frequency 7) from the encounter's current charges; "
            "this claim becomes void.",
            needs_reason=True,
            asks_payer_claim_number=True,
        ),
        ClaimAction(
            "void",
            "Void",
            "claim.change",
            "Cancel the claim: one the payer has gets a void claim (frequency 8) to send.",
            needs_reason=True,
            asks_payer_claim_number=True,
        ),
    )
}


def _label(status: str) -> str:
    try:
        return str(ClaimStatus(status).label).lower()
    except ValueError:
        return repr(status)


def claim_action_problem(claim: Claim, name: str) -> str | None:
    """Why ``name`` cannot be done to ``claim`` in its status now, or None."""
    if name not in CLAIM_ACTIONS:
        return f"{name!r} is not a claim action ({', '.join(CLAIM_ACTIONS)})"
    status = claim.status
    number = claim.patient_control_number
    if name == "rescrub" and status not in RESCRUBBABLE:
        return (
            f"claim {number} is {_label(status)}: only a draft, held or rejected claim can be "
            "scrubbed again"
        )
    if name == "release" and status != ClaimStatus.HELD:
        return f"claim {number} is {_label(status)}: only a held claim can be released"
    if name == "hold":
        if status == ClaimStatus.HELD:
            return f"claim {number} is already held"
        problem = transition_problem(status, ClaimStatus.HELD)
        if problem:
            return f"claim {number}: {problem}"
    if name == "correct" and status not in AT_PAYER:
        return (
            f"claim {number} is {_label(status)}: only a claim the payer accepted (accepted, "
            "adjudicated or closed) can be replaced; fix and scrub it again instead"
        )
    if name == "void" and ClaimStatus.VOID not in CLAIM_TRANSITIONS.get(status, frozenset()):
        return f"claim {number} is {_label(status)} and cannot be voided now" + (
            ": wait for the clearinghouse's answer"
            if status in (ClaimStatus.BATCHED, ClaimStatus.SUBMITTED)
            else ""
        )
    return None


def claim_actions_for(user: Any, claim: Claim) -> list[ClaimAction]:
    """The actions this user may take on this claim now (its status and their role).

    A held claim offers "release" and not also "scrub again": the two are the same there.
    """
    found = [
        action
        for action in CLAIM_ACTIONS.values()
        if has_permission(user, action.permission)
        and claim_action_problem(claim, action.name) is None
    ]
    if any(a.name == "release" for a in found):
        found = [a for a in found if a.name != "rescrub"]
    return found


@dataclass(frozen=True)
class ClaimActionResult:
    claim: Claim
    message: str
    new_claim: Claim | None = None  # the replacement or void claim, when one was made
    scrub: ScrubResult | None = None


def _refuse_unless_possible(claim: Claim, name: str) -> None:
    problem = claim_action_problem(claim, name)
    if problem:
        raise TransitionNotAllowed(problem, field="status")


def _scrub_one(actor: Actor, claim: Claim, name: str) -> ClaimActionResult:
    permission_check(actor, CLAIM_ACTIONS[name].permission)
    _refuse_unless_possible(claim, name)
    run = claims_scrub(actor=actor, claim_ids=[claim.pk])
    claim.refresh_from_db()
    result = run.results.get(claim.pk)
    if result is None:  # its status changed between the check and the scrub
        raise TransitionNotAllowed(
            "; ".join(run.skipped) or f"claim {claim.patient_control_number} was not scrubbed",
            field="status",
        )
    errors = sum(1 for f in result.findings if f.severity == "error")
    warnings = sum(1 for f in result.findings if f.severity == "warning")
    if claim.status == ClaimStatus.READY:
        text = f"claim {claim.patient_control_number} scrubbed clean: ready for the next batch"
    else:
        text = (
            f"claim {claim.patient_control_number} is held: {errors} error(s) to fix; "
            "see the findings"
        )
    if warnings:
        text += f" ({warnings} warning(s))"
    return ClaimActionResult(claim, text, scrub=result)


def claim_rescrub(*, actor: Actor, claim: Claim) -> ClaimActionResult:
    """Scrub a draft, held or rejected claim again (see the module docstring)."""
    return _scrub_one(actor, claim, "rescrub")


def claim_release(*, actor: Actor, claim: Claim) -> ClaimActionResult:
    """Release a held claim: scrub it again; it becomes ready only when clean."""
    return _scrub_one(actor, claim, "release")


def claim_hold(*, actor: Actor, claim: Claim, reason: str) -> ClaimActionResult:
    """Hold a draft, ready or rejected claim by hand, with the reason in its history."""
    permission_check(actor, CLAIM_ACTIONS["hold"].permission)
    reason = reason.strip()
    if not reason:
        raise ValidationFailed([("reason", "say why the claim is held")])
    with transaction.atomic():
        locked = claims_lock([claim.pk])
        if not locked:
            raise NotFound(f"claim {claim.patient_control_number} no longer exists")
        current = locked[0]
        _refuse_unless_possible(current, "hold")
        claim_transition(
            current, to=ClaimStatus.HELD, actor=actor, reason=f"{MANUAL_HOLD_PREFIX}{reason}"
        )
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=current,
            detail=f"held by hand: {reason}"[:255],
            changes={"status": [claim.status, ClaimStatus.HELD]},
        )
    claim.refresh_from_db()
    return ClaimActionResult(
        claim,
        f"claim {claim.patient_control_number} is held; release it (scrub again) when ready",
    )


def claim_correct_action(
    *, actor: Actor, claim: Claim, reason: str, payer_claim_number: str = ""
) -> ClaimActionResult:
    """A replacement claim (frequency 7); refused with the reason in the wrong state."""
    permission_check(actor, CLAIM_ACTIONS["correct"].permission)
    _refuse_unless_possible(claim, "correct")
    replacement = claim_correct(
        actor=actor, claim=claim, reason=reason, payer_claim_number=payer_claim_number
    )
    return ClaimActionResult(
        claim,
        f"replacement claim {replacement.patient_control_number} made (frequency 7, a draft "
        f"to scrub and send); {claim.patient_control_number} is void",
        new_claim=replacement,
    )


def claim_void_action(
    *, actor: Actor, claim: Claim, reason: str, payer_claim_number: str = ""
) -> ClaimActionResult:
    """Void a claim (frequency 8 when the payer has it); refused in the wrong state."""
    permission_check(actor, CLAIM_ACTIONS["void"].permission)
    _refuse_unless_possible(claim, "void")
    void_claim = claim_void(
        actor=actor, claim=claim, reason=reason, payer_claim_number=payer_claim_number
    )
    if void_claim is None:
        text = f"claim {claim.patient_control_number} is void (it never reached the payer)"
    else:
        text = (
            f"void claim {void_claim.patient_control_number} made (frequency 8, a draft to "
            f"scrub and send); {claim.patient_control_number} is void"
        )
    return ClaimActionResult(claim, text, new_claim=void_claim)


def claim_action_run(
    *, actor: Actor, claim: Claim, name: str, reason: str = "", payer_claim_number: str = ""
) -> ClaimActionResult:
    """Run one action by name (the page's and the API's single entry point)."""
    if name not in CLAIM_ACTIONS:
        raise NotFound(f"{name!r} is not a claim action ({', '.join(CLAIM_ACTIONS)})")
    if name == "rescrub":
        return claim_rescrub(actor=actor, claim=claim)
    if name == "release":
        return claim_release(actor=actor, claim=claim)
    if name == "hold":
        return claim_hold(actor=actor, claim=claim, reason=reason)
    if name == "correct":
        return claim_correct_action(
            actor=actor, claim=claim, reason=reason, payer_claim_number=payer_claim_number
        )
    return claim_void_action(
        actor=actor, claim=claim, reason=reason, payer_claim_number=payer_claim_number
    )
