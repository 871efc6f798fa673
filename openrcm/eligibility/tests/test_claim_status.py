"""Claim status inquiries (276/277) for claims with no answer after N days."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from openrcm.accounts.testing import make_user, sign_in
from openrcm.claims.cycle import claims_cycle_run
from openrcm.claims.models import ClaimResponse, ClaimStatus, ClaimStatusChange, ExchangedFile
from openrcm.claims.scrubbing import claims_scrub
from openrcm.claims.submission import batches_build, batches_submit
from openrcm.claims.tests.conftest import make_claim
from openrcm.core.testing import TEST_ACTOR
from openrcm.eligibility.models import ClaimStatusInquiry
from openrcm.eligibility.services import claim_status_inquiries_run, claims_awaiting_status

pytestmark = pytest.mark.django_db


def age(claims, days: int) -> None:
    """Make the claims' last status change ``days`` days old."""
    when = timezone.now() - datetime.timedelta(days=days)
    ClaimStatusChange.objects.filter(claim__in=claims).update(at=when)


def test_accepted_claims_without_an_answer_are_asked_about_once(world, settings):
    claims = [make_claim(world) for _ in range(2)]
    claims_cycle_run(actor=TEST_ACTOR)
    fresh = make_claim(world)  # a draft: not at the payer, never asked about
    assert claim_status_inquiries_run(actor=TEST_ACTOR).asked == 0  # answered recently
    age(claims, 31)
    age([fresh], 31)
    assert set(claims_awaiting_status(after_days=30)) == set(claims)
    run = claim_status_inquiries_run(actor=TEST_ACTOR)
    assert (run.asked, run.answered, run.failed, run.accepted, run.rejected) == (2, 2, 0, 0, 0)
    for claim in claims:
        claim.refresh_from_db()
        assert claim.status == ClaimStatus.ACCEPTED  # pending at the payer: no change
        answer = ClaimStatusInquiry.objects.get(claim=claim)
        assert answer.status == "answered"
        assert answer.status_codes == "P1:20"
        assert "pending: in process" in answer.status_words
        assert answer.payer_claim_number == claim.payer_claim_number
        assert (answer.claim_status_before, answer.claim_status_after) == ("accepted", "accepted")
        response = ClaimResponse.objects.get(claim=claim, kind="277")
        assert response.accepted is True
        assert response.status_codes == "P1:20"
    assert sorted(ExchangedFile.objects.filter(kind__in=["276", "277"]).values_list(
        "kind", flat=True)) == ["276", "277"]  # fmt: skip
    # Run again: answered within the 30 days, nothing is asked.
    again = claim_status_inquiries_run(actor=TEST_ACTOR)
    assert again.asked == 0
    assert ClaimStatusInquiry.objects.count() == 2
    # The answers are shown: on the claim status list and on the patient's page.
    biller = sign_in(HttpClient(), make_user("biller", assigned_clients=[world.client]))
    listed = biller.get(reverse("eligibility:claim_status")).content.decode()
    assert claims[0].patient_control_number in listed
    assert "pending: in process (P1)" in listed
    patient_page = biller.get(reverse("patients:detail", args=[claims[0].patient_id]))
    assert 'data-testid="claim-status-answers"' in patient_page.content.decode()
    # The waiting time is a setting.
    settings.OPENRCM_CLAIM_STATUS_AFTER_DAYS = 0
    assert claim_status_inquiries_run(actor=TEST_ACTOR).asked == 2


def test_a_submitted_claim_the_payer_has_becomes_accepted(world):
    claim = make_claim(world)
    claims_scrub(actor=TEST_ACTOR)
    batches_build(actor=TEST_ACTOR)
    batches_submit(actor=TEST_ACTOR)  # no poll: no 999/277CA imported yet
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUBMITTED
    age([claim], 40)
    run = claim_status_inquiries_run(actor=TEST_ACTOR, after_days=30)
    assert (run.answered, run.accepted) == (1, 1)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.ACCEPTED
    assert claim.payer_claim_number.startswith("SBX")
    last = claim.history.order_by("-pk").first()
    assert last.reason.startswith("277 pending: in process (P1)")


def test_a_claim_the_payer_never_received_is_rejected_with_the_reason(world, settings):
    claim = make_claim(world)
    claims_scrub(actor=TEST_ACTOR)
    batches_build(actor=TEST_ACTOR)
    batches_submit(actor=TEST_ACTOR)
    for sent in (Path(settings.OPENRCM_SANDBOX_DIR) / "received").iterdir():
        sent.unlink()  # lost on the way
    age([claim], 40)
    run = claim_status_inquiries_run(actor=TEST_ACTOR)
    assert (run.answered, run.rejected) == (1, 1)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.REJECTED
    answer = ClaimStatusInquiry.objects.get(claim=claim)
    assert answer.status_codes == "A4:35"
    assert "no record of the claim" in answer.status_words
    assert ClaimResponse.objects.get(claim=claim, kind="277").accepted is False


def test_an_unreachable_clearinghouse_leaves_claims_as_they_are(world, settings):
    claim = make_claim(world)
    claims_cycle_run(actor=TEST_ACTOR)
    age([claim], 40)
    settings.OPENRCM_SFTP_HOST = "127.0.0.1"
    settings.OPENRCM_SFTP_USER = "openrcm"
    settings.OPENRCM_SFTP_PASSWORD = "not-used"  # never connects
    settings.OPENRCM_SFTP_HOST_KEY = "SHA256:abc"
    run = claim_status_inquiries_run(actor=TEST_ACTOR, clearinghouse="sftp")
    assert (run.asked, run.failed) == (1, 1)
    assert "does not answer real-time" in run.problems[0]
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.ACCEPTED
    assert ClaimStatusInquiry.objects.get().status == "failed"
    # Failed inquiries do not count as answers: the next run asks again.
    assert claim_status_inquiries_run(actor=TEST_ACTOR).answered == 1
