"""The claim state machine: every transition allowed or refused, and one writer."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from openrcm.claims.lifecycle import (
    CLAIM_TRANSITIONS,
    claim_correct,
    claim_transition,
    claim_void,
)
from openrcm.claims.models import Claim, ClaimStatus, ClaimStatusChange
from openrcm.claims.tests.conftest import make_claim
from openrcm.core.errors import TransitionNotAllowed, ValidationFailed
from openrcm.core.testing import TEST_ACTOR

pytestmark = pytest.mark.django_db
PAIRS = [(a, b) for a in ClaimStatus.values for b in ClaimStatus.values if a != b]


def _force(claim: Claim, status: str) -> None:
    # Test setup only: put a claim in a starting status without walking the path.
    Claim.objects.filter(pk=claim.pk).update(status=status)
    claim.refresh_from_db()


def test_every_status_has_a_row():
    assert set(CLAIM_TRANSITIONS) == set(ClaimStatus.values)


@pytest.mark.parametrize(("start", "to"), PAIRS)
def test_each_transition_is_allowed_or_refused_per_table(world, start, to):
    claim = make_claim(world)
    _force(claim, start)
    if to in CLAIM_TRANSITIONS[start]:
        claim_transition(claim, to=to, actor=TEST_ACTOR, reason="test")
        claim.refresh_from_db()
        assert claim.status == to
        change = ClaimStatusChange.objects.filter(claim=claim).latest("pk")
        assert (change.from_status, change.to_status, change.reason) == (start, to, "test")
        assert change.actor == TEST_ACTOR.label
    else:
        with pytest.raises(TransitionNotAllowed) as caught:
            claim_transition(claim, to=to, actor=TEST_ACTOR, reason="test")
        assert claim.patient_control_number in caught.value.message
        assert "cannot" in caught.value.message
        claim.refresh_from_db()
        assert claim.status == start


def test_many_claims_move_together_or_not_at_all(world):
    a, b = make_claim(world), make_claim(world)
    _force(b, ClaimStatus.SUBMITTED)
    with pytest.raises(TransitionNotAllowed):
        claim_transition([a, b], to=ClaimStatus.READY, actor=TEST_ACTOR)
    assert set(Claim.objects.values_list("status", flat=True)) == {"draft", "submitted"}


def test_nothing_but_the_lifecycle_assigns_claim_status():
    root = Path(__file__).resolve().parents[2]
    assignment = re.compile(
        r"\b(claim\w*|c)\.status\s*=(?!=)"
        r"|Claim\.objects.*\.(update|create|bulk_create)\([^)]*\bstatus="
    )
    offenders = []
    for path in root.rglob("*.py"):
        relative = path.relative_to(root).as_posix()
        if "/tests/" in relative or "/migrations/" in relative:
            continue
        if relative in {"claims/lifecycle.py"}:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if assignment.search(line):
                offenders.append(f"{relative}:{number}: {line.strip()}")
    # the loaders copy the status of rows locked a moment earlier onto fresh instances
    allowed = ("claim.status = status_of[claim.pk]",)
    offenders = [o for o in offenders if not o.endswith(allowed)]
    assert offenders == []


def test_correction_needs_the_payer_claim_number_and_voids_the_original(world):
    claim = make_claim(world)
    _force(claim, ClaimStatus.ACCEPTED)
    with pytest.raises(ValidationFailed, match="payer claim number"):
        claim_correct(actor=TEST_ACTOR, claim=claim, reason="wrong modifier")
    replacement = claim_correct(
        actor=TEST_ACTOR, claim=claim, reason="wrong modifier", payer_claim_number="ICN123"
    )
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.VOID
    assert claim.payer_claim_number == "ICN123"
    assert replacement.frequency_code == "7"
    assert replacement.original_claim == claim
    assert replacement.status == ClaimStatus.DRAFT
    assert replacement.patient_control_number != claim.patient_control_number
    assert replacement.lines.count() == 2


def test_void_of_an_unsent_claim_just_cancels_it(world):
    claim = make_claim(world)
    assert claim_void(actor=TEST_ACTOR, claim=claim, reason="duplicate entry") is None
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.VOID


def test_void_of_a_claim_at_the_payer_makes_a_frequency_8_claim(world):
    claim = make_claim(world)
    _force(claim, ClaimStatus.ADJUDICATED)
    void = claim_void(
        actor=TEST_ACTOR, claim=claim, reason="wrong patient", payer_claim_number="X9"
    )
    assert void is not None
    assert (void.frequency_code, void.original_claim_id) == ("8", claim.pk)
    with pytest.raises(TransitionNotAllowed):
        claim_correct(actor=TEST_ACTOR, claim=claim, reason="again")
