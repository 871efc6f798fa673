"""A practice with a payer, a fee schedule, a biller and an administrator, and helpers
that record an ERA's adjudication of a claim the payer accepted."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal
from types import SimpleNamespace

import pytest

from openrcm.accounts.testing import make_user
from openrcm.claims.lifecycle import claim_transition
from openrcm.claims.models import ClaimStatus
from openrcm.claims.services import claims_create_for_encounter
from openrcm.core.testing import (
    TEST_ACTOR,
    make_client,
    make_coverage,
    make_encounter,
    make_patient,
    make_payer,
    make_provider,
)
from openrcm.denials.services import LineAmounts, denials_record_from_adjudication
from openrcm.payers.services import fee_schedule_create
from openrcm.remittance.services import ledger_charges_post

ERA_DATE = datetime.date(2026, 4, 1)
_serial = itertools.count(1)


def weasyprint_problem() -> str | None:
    from openrcm.denials.letters import weasyprint_missing

    return weasyprint_missing()


needs_weasyprint = pytest.mark.skipif(
    weasyprint_problem() is not None,
    reason=f"appeal letters need WeasyPrint and its system libraries: {weasyprint_problem()}",
)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db):
    client = make_client()
    payer = make_payer(appeal_days=90)
    fee_schedule_create(
        actor=TEST_ACTOR,
        client=client,
        payer=payer,
        name="Contract 2026",
        effective_from=datetime.date(2026, 1, 1),
        rates={("99213", ""): Decimal("100.00"), ("93000", ""): Decimal("40.00")},
    )
    return SimpleNamespace(
        client=client,
        provider=make_provider(client),
        payer=payer,
        biller=make_user("biller", assigned_clients=[client]),
        admin=make_user("administrator"),
    )


def accepted_claim(world):
    """A claim (99213 $125, 93000 $45 on 2026-03-02) the payer accepted, with its charge
    rows on the ledger."""
    patient = make_patient(world.client, last_name=f"Denialtest{next(_serial)}")
    make_coverage(patient, world.payer)
    encounter = make_encounter(patient, world.provider)
    claim = claims_create_for_encounter(actor=TEST_ACTOR, encounter=encounter)[0]
    for status in (ClaimStatus.READY, ClaimStatus.BATCHED, ClaimStatus.SUBMITTED):
        claim_transition(claim, to=status, actor=TEST_ACTOR, reason="test")
        claim.refresh_from_db()
    claim_transition(claim, to=ClaimStatus.ACCEPTED, actor=TEST_ACTOR, reason="test")
    claim.refresh_from_db()
    ledger_charges_post(actor=TEST_ACTOR, claim=claim)
    return claim


def record(world, claim, adjustments, paid, *, ref=None, allowed=None, remarks=None):
    return denials_record_from_adjudication(
        actor=TEST_ACTOR,
        claim_id=claim.pk,
        payer_id=world.payer.pk,
        era_date=ERA_DATE,
        adjustments=[{"group": g, "code": c, "amount": a, "line": n} for g, c, a, n in adjustments],
        lines={
            n: LineAmounts(
                Decimal(p),
                allowed=(allowed or {}).get(n),
                remark_codes=tuple((remarks or {}).get(n, ())),
            )
            for n, p in paid.items()
        },
        source_reference=ref or f"test-{claim.pk}-{next(_serial)}",
    )
