"""The whole cycle on synthetic data: scrub, build, submit to the sandbox, import."""

from __future__ import annotations

import pytest

from openrcm.claims.cycle import claims_cycle_run
from openrcm.claims.models import (
    ClaimBatch,
    ClaimStatus,
    ExchangedFile,
)
from openrcm.claims.tests.conftest import make_claim
from openrcm.core.testing import TEST_ACTOR

pytestmark = pytest.mark.django_db


def test_cycle_runs_end_to_end_and_again_changes_nothing(world):
    claims = [make_claim(world) for _ in range(3)]
    summary = claims_cycle_run(actor=TEST_ACTOR)
    assert summary["scrubbed"] == 3
    assert summary["ready"] == 3, summary
    assert summary["batches"] == 1
    assert summary["submitted_batches"] == 1
    assert summary["acknowledgements"] == 2
    assert summary["accepted"] == 3
    for claim in claims:
        claim.refresh_from_db()
        assert claim.status == ClaimStatus.ACCEPTED
        assert claim.payer_claim_number.startswith("SBX")
    batch = ClaimBatch.objects.get()
    assert batch.status == "acknowledged"
    assert batch.accepted is True
    assert sorted(ExchangedFile.objects.values_list("kind", flat=True)) == ["277CA", "837P", "999"]
    again = claims_cycle_run(actor=TEST_ACTOR)
    assert (again["scrubbed"], again["batches"], again["acknowledgements"]) == (0, 0, 0)
