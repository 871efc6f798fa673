"""Posting the public 835 samples (shared/x12-samples/835), with claims created to match
them: every claim payment is posted or lands on the exceptions queue with its reason, and
every line's ledger balances. Skipped, with the reason, where shared/ is absent."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from openrcm.claims.models import ChargeLine, Claim, ClaimLine, ClaimStatus, Encounter
from openrcm.core.testing import TEST_ACTOR, make_coverage, make_patient
from openrcm.remittance.models import EraClaim, LedgerEntry, PostingException
from openrcm.remittance.selectors import line_balances
from openrcm.remittance.services import EraUnreadable, era_import
from openrcm.x12 import Remittance, check_claim, read_file
from openrcm.x12.models import Procedure

pytestmark = [pytest.mark.django_db, pytest.mark.shared]

# Samples with a defect our reader refuses (see shared/x12-samples/README.md).
UNREADABLE = {"lfh__managed-care.835": "BPR16"}


def _claims_like(world, doc: Remittance) -> None:
    """Our claims for the sample's CLPs: same CLP01, lines with the billed codes and
    charges (set up directly: the samples' codes and dates predate our code sets)."""
    for index, era in enumerate(doc.claims):
        number = era.patient_control_number
        payer_claim_number = ""
        if Claim.objects.filter(patient_control_number=number).exists():
            continue  # an earlier sample has this claim
        if len(number) > 20:
            # A CLP01 we could not have sent (eMedNY's placeholder): our claim has its own
            # number and the payer claim number, so the fallback match finds it.
            number = f"X{Claim.objects.count()}-{index}"
            payer_claim_number = era.payer_claim_control_number
        patient = make_patient(world.client, date_of_birth=datetime.date(1940, 1, 1))
        coverage = make_coverage(patient, world.payer, effective_from=datetime.date(1990, 1, 1))
        day = next(
            (d for ln in era.lines for d in (ln.service_date, ln.service_start) if d),
            era.statement_from or datetime.date(2010, 1, 1),
        )
        encounter = Encounter.objects.create(
            client=world.client, patient=patient, date_of_service=day,
            rendering_provider=world.provider, place_of_service="11",
        )  # fmt: skip
        billed: list[tuple[Procedure | None, Decimal]] = [
            ((ln.billed_procedure or ln.procedure), ln.charge) for ln in era.lines if ln.charge > 0
        ] or [(None, era.charge)]
        claim = Claim.objects.create(
            client=world.client, patient=patient, encounter=encounter, coverage=coverage,
            payer=world.payer, coverage_level="P", patient_control_number=number,
            status=ClaimStatus.ACCEPTED, total_charge=sum((c for _, c in billed), Decimal(0)),
            payer_claim_number=payer_claim_number,
        )  # fmt: skip
        for n, (procedure, charge) in enumerate(billed, start=1):
            code = procedure.code[:5] if procedure else "99213"
            modifiers = list(procedure.modifiers) if procedure else []
            charge_line = ChargeLine.objects.create(
                encounter=encounter, line_number=n, procedure_code=code,
                modifier1=modifiers[0] if modifiers else "", charge_amount=charge,
            )  # fmt: skip
            ClaimLine.objects.create(
                claim=claim, charge_line=charge_line, line_number=n, procedure_code=code,
                modifiers=modifiers, units=1, charge_amount=charge,
                line_item_control_number=f"{number}L{n}",
            )  # fmt: skip


def test_every_835_sample_posts_or_says_why(shared_dir, world):
    files = sorted((shared_dir / "x12-samples" / "835").iterdir())
    assert files
    posted = claims = unbalanced_claims = 0
    seen: set[tuple[str, str]] = set()
    for path in files:
        data = path.read_bytes()
        if path.name in UNREADABLE:
            with pytest.raises(EraUnreadable) as caught:
                era_import(actor=TEST_ACTOR, name=path.name, data=data)
            assert UNREADABLE[path.name] in caught.value.message
            assert "line" in caught.value.message
            continue
        (doc,) = read_file(path, strict=False, problems=[])
        assert isinstance(doc, Remittance)
        _claims_like(world, doc)
        result = era_import(actor=TEST_ACTOR, name=path.name, data=data)
        for payment in result.payments:
            if payment.duplicate:  # IG examples reuse a payer's trace number
                assert (payment.payer, payment.trace_number) in seen, path.name
                continue
            seen.add((payment.payer, payment.trace_number))
            assert payment.claims == len(doc.claims), path.name
            assert payment.posted + payment.exceptions == payment.claims, path.name
            posted += payment.posted
            claims += payment.claims
        if not result.duplicate:
            unbalanced = PostingException.objects.filter(
                payment__era_file__exchanged_file__name=path.name, reason="not_balanced"
            ).count()
            expected = {claim.position for claim in doc.claims if check_claim(claim)
                        and any(not f.is_warning for f in check_claim(claim))}  # fmt: skip
            assert unbalanced == len(expected), path.name
            unbalanced_claims += unbalanced
        again = era_import(actor=TEST_ACTOR, name=path.name, data=data)
        assert again.duplicate, path.name
    assert claims >= 14
    assert posted == claims - unbalanced_claims  # every claim that balances was matched
    for exception in PostingException.objects.all():
        assert exception.message
        assert exception.reason
    for balance in line_balances(LedgerEntry.objects.all()).values():
        assert balance.balanced, balance
    # what the samples said ended up as outcomes and ledger kinds of every sort
    outcomes = set(EraClaim.objects.values_list("outcome", flat=True))
    assert {"paid", "denied"} <= outcomes
    kinds = set(LedgerEntry.objects.values_list("kind", flat=True))
    assert {"charge", "insurance_payment", "contractual"} <= kinds
