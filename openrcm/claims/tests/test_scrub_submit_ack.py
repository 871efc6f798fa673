"""Scrub adapter and service, batch build, submit-once, sandbox round trip, ack import."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from openrcm.accounts.testing import make_user
from openrcm.claims import submission
from openrcm.claims.acknowledgements import acknowledgements_import, clearinghouse_poll
from openrcm.claims.exchange_selectors import exchanged_file_open, rejection_work_list
from openrcm.claims.files import exchanged_file_bytes
from openrcm.claims.models import (
    BatchStatus,
    Claim,
    ClaimBatch,
    ClaimStatus,
    ExchangedFile,
    ScrubFinding,
)
from openrcm.claims.scrubbing import (
    claims_load,
    claims_scrub,
    scrub_claim_from,
)
from openrcm.claims.submission import batch_submit, batches_build
from openrcm.claims.tests.conftest import make_claim
from openrcm.clearinghouse.base import Clearinghouse
from openrcm.clearinghouse.sandbox import SandboxClearinghouse, member_rejected
from openrcm.core.errors import NotFound
from openrcm.core.testing import TEST_ACTOR, make_client, make_provider
from openrcm.payers.models import PayerClaimRules
from openrcm.x12.tests.test_write_helpers import check_structure, pyx12_errors

pytestmark = pytest.mark.django_db


def test_adapter_builds_the_scrub_claim_in_a_fixed_number_of_queries(world):
    claims = [make_claim(world, member_id=f"MEMBERX{n}") for n in range(4)]
    with CaptureQueriesContext(connection) as few:
        loaded = claims_load([claims[0].pk])
        [scrub_claim_from(c, today=timezone.localdate()) for c in loaded]
    with CaptureQueriesContext(connection) as many:
        loaded = claims_load([c.pk for c in claims])
        pure = [scrub_claim_from(c, today=timezone.localdate()) for c in loaded]
    assert len(many) == len(few)
    first = pure[0]
    assert first.patient_control_number == claims[0].patient_control_number
    assert first.billing_npi == world.client.group_npi
    assert first.rendering_npi == world.provider.npi
    assert first.subscriber_member_id == "MEMBERX0"
    assert first.diagnoses == ("E11.9", "I10")
    assert [(ln.procedure_code, ln.charge, ln.diagnosis_pointers) for ln in first.lines] == [
        ("99213", Decimal("125.00"), (1, 2)),
        ("93000", Decimal("45.00"), (2,)),
    ]
    assert first.total_charge == Decimal("170.00")
    assert first.payer_id == world.payer.payer_id
    assert first.subscriber_address is not None


def test_scrub_moves_claims_and_replaces_findings_idempotently(world):
    good = make_claim(world)
    old = make_claim(world, day=timezone.localdate() - datetime.timedelta(days=400))
    run = claims_scrub(actor=TEST_ACTOR)
    assert (run.scrubbed, run.ready, run.held) == (2, 1, 1)
    good.refresh_from_db()
    old.refresh_from_db()
    assert (good.status, old.status) == (ClaimStatus.READY, ClaimStatus.HELD)
    held_rules = set(ScrubFinding.objects.filter(claim=old).values_list("rule_id", flat=True))
    assert "TIMELY-FILING" in held_rules
    count = ScrubFinding.objects.filter(claim=old).count()
    again = claims_scrub(actor=TEST_ACTOR)
    assert (again.scrubbed, again.held) == (1, 1)
    assert ScrubFinding.objects.filter(claim=old).count() == count
    assert old.history.count() == 2  # created, held: nothing new


def test_payer_can_turn_off_a_rule_with_a_reason(world):
    old = make_claim(world, day=timezone.localdate() - datetime.timedelta(days=400))
    PayerClaimRules.objects.create(
        payer=world.payer,
        disabled_rules={
            "TIMELY-FILING": "contract allows late filing",
            "TIMELY-FILING-SOON": "same",
        },
    )
    claims_scrub(actor=TEST_ACTOR)
    old.refresh_from_db()
    assert old.status == ClaimStatus.READY
    skipped = ScrubFinding.objects.get(claim=old, rule_id="TIMELY-FILING")
    assert skipped.severity == "skipped"
    assert "contract allows late filing" in skipped.message


def test_duplicate_of_an_earlier_claim_is_held(world):
    first = make_claim(world)
    claims_scrub(actor=TEST_ACTOR)
    patient = first.patient
    from openrcm.claims.services import claims_create_for_encounter
    from openrcm.core.testing import make_encounter

    again = make_encounter(patient, world.provider, date_of_service=first.encounter.date_of_service)
    second = claims_create_for_encounter(actor=TEST_ACTOR, encounter=again)[0]
    claims_scrub(actor=TEST_ACTOR)
    second.refresh_from_db()
    assert second.status == ClaimStatus.HELD
    assert ScrubFinding.objects.filter(claim=second, rule_id="DUPLICATE-CLAIM").exists()


def _ready(world, n=2, **kwargs):
    claims = [make_claim(world, **kwargs) for _ in range(n)]
    claims_scrub(actor=TEST_ACTOR)
    return claims


def test_batch_build_writes_a_valid_837p_once(world, tmp_path):
    claims = _ready(world)
    run = batches_build(actor=TEST_ACTOR)
    (batch,) = run.batches
    assert batch.claim_count == 2
    assert batch.total_charge == Decimal("340.00")
    data = exchanged_file_bytes(batch.files.get())
    assert check_structure(data) == []
    assert pyx12_errors(data, tmp_path) == []
    text = data.decode()
    for claim in claims:
        assert f"REF*6R*{claim.patient_control_number}L1~" in text
        claim.refresh_from_db()
        assert claim.status == ClaimStatus.BATCHED
    assert f"*{batch.group_control_number}*X*005010X222A1~" in text
    assert batches_build(actor=TEST_ACTOR).batches == []


def test_batches_are_per_practice_and_payer(world):
    _ready(world)
    other = make_client()
    from types import SimpleNamespace

    _ready(SimpleNamespace(client=other, provider=make_provider(other), payer=world.payer), n=1)
    run = batches_build(actor=TEST_ACTOR)
    assert sorted(b.claim_count for b in run.batches) == [1, 2]
    icns = [b.interchange_control_number for b in run.batches]
    assert len(set(icns)) == 2


class RecordingClearinghouse(Clearinghouse):
    def __init__(self):
        self.sent: dict[str, bytes] = {}

    def submit(self, file_name, data):
        self.sent[file_name] = data
        return f"ID-{len(self.sent)}"

    def find_submission(self, file_name):
        return "ID-found" if file_name in self.sent else None

    def fetch_responses(self):
        return []

    def remove_response(self, name):
        pass


def test_submit_sends_once_and_a_retry_after_a_crash_does_not_resend(world, monkeypatch):
    claims = _ready(world)
    (batch,) = batches_build(actor=TEST_ACTOR).batches
    adapter = RecordingClearinghouse()

    def crash(*args, **kwargs):
        raise RuntimeError("power cut after the upload")

    monkeypatch.setattr(submission, "audit_record", crash)
    with pytest.raises(RuntimeError):
        batch_submit(actor=TEST_ACTOR, batch=batch, clearinghouse=adapter)
    assert len(adapter.sent) == 1  # the file went out ...
    batch.refresh_from_db()
    assert batch.status == BatchStatus.BUILT  # ... but nothing was recorded
    monkeypatch.undo()
    result = batch_submit(actor=TEST_ACTOR, batch=batch, clearinghouse=adapter)
    assert not result.sent
    assert "not sent again" in result.message
    assert len(adapter.sent) == 1
    assert result.batch.status == BatchStatus.SUBMITTED
    assert result.batch.submission_id == "ID-found"
    assert {c.status for c in Claim.objects.filter(pk__in=[c.pk for c in claims])} == {
        ClaimStatus.SUBMITTED
    }
    third = batch_submit(actor=TEST_ACTOR, batch=batch, clearinghouse=adapter)
    assert not third.sent
    assert "already submitted" in third.message
    assert len(adapter.sent) == 1


def test_sandbox_round_trip_with_a_rejected_claim_in_words(world, settings):
    settings.OPENRCM_SANDBOX_REJECT_PERCENT = 50
    payer_id = world.payer.payer_id
    bad = next(f"M{n:06d}" for n in range(500) if member_rejected(7, payer_id, f"M{n:06d}", 50))
    good = next(
        f"M{n:06d}" for n in range(500) if not member_rejected(7, payer_id, f"M{n:06d}", 50)
    )
    ok_claim = make_claim(world, member_id=good)
    bad_claim = make_claim(world, member_id=bad)
    claims_scrub(actor=TEST_ACTOR)
    (batch,) = batches_build(actor=TEST_ACTOR).batches
    assert batch_submit(actor=TEST_ACTOR, batch=batch).sent
    poll = clearinghouse_poll(actor=TEST_ACTOR)
    assert len(poll.imported) == 2
    ok_claim.refresh_from_db()
    bad_claim.refresh_from_db()
    assert ok_claim.status == ClaimStatus.ACCEPTED
    assert bad_claim.status == ClaimStatus.REJECTED
    biller = make_user("biller", assigned_clients=[world.client])
    (row,) = rejection_work_list(biller)
    assert row.claim == bad_claim
    assert row.status_codes == "A7:164:IL"
    assert "member ID" in row.reason
    assert "rejected for invalid information" in row.reason
    outsider = make_user("biller")
    assert rejection_work_list(outsider) == []
    batch.refresh_from_db()
    assert (batch.status, batch.accepted) == (BatchStatus.ACKNOWLEDGED, True)
    assert clearinghouse_poll(actor=TEST_ACTOR).imported == []


def test_ack_import_twice_changes_nothing_and_says_so(world, settings, tmp_path):
    _ready(world)
    (batch,) = batches_build(actor=TEST_ACTOR).batches
    batch_submit(actor=TEST_ACTOR, batch=batch)
    sandbox = SandboxClearinghouse(settings.OPENRCM_SANDBOX_DIR)
    files = dict(sandbox.fetch_responses())
    name = next(n for n in files if n.endswith(".277CA"))
    first = acknowledgements_import(actor=TEST_ACTOR, name=name, data=files[name])
    assert (first.accepted, first.duplicate) == (2, False)
    history = Claim.objects.get(pk=batch.items.earliest("pk").claim_id).history.count()
    second = acknowledgements_import(actor=TEST_ACTOR, name=name, data=files[name])
    assert second.duplicate
    assert "already imported" in second.message
    assert Claim.objects.get(pk=batch.items.earliest("pk").claim_id).history.count() == history
    assert ExchangedFile.objects.filter(kind="277CA").count() == 1


def test_rejected_999_rejects_every_claim_of_the_batch(world, settings):
    from openrcm.x12.write import InterchangeSettings
    from openrcm.x12.write.ack999 import Acknowledgment999, SetAcknowledgment, write_999

    claims = _ready(world)
    (batch,) = batches_build(actor=TEST_ACTOR).batches
    batch_submit(actor=TEST_ACTOR, batch=batch, clearinghouse=RecordingClearinghouse())
    data = write_999(
        InterchangeSettings(
            sender_id="CH", receiver_id="OPENRCM", interchange_control_number=9,
            group_control_number=9, transaction_set_control_number=1,
            created_at=datetime.datetime(2026, 1, 1, 9, 0),  # noqa: DTZ001
        ),
        Acknowledgment999(
            "HC", str(batch.group_control_number), "005010X222A1",
            (SetAcknowledgment("837", "0001", "R", "005010X222A1", ("5",)),), "R", 1, 1, 0,
        ),
    )  # fmt: skip
    result = acknowledgements_import(actor=TEST_ACTOR, name="x.999", data=data)
    assert result.rejected == 2
    for claim in claims:
        claim.refresh_from_db()
        assert claim.status == ClaimStatus.REJECTED
        assert "segments are in error" in claim.responses.get().reason
    batch.refresh_from_db()
    assert batch.accepted is False


def test_exchanged_file_download_is_client_scoped_and_audited(world):
    _ready(world)
    (batch,) = batches_build(actor=TEST_ACTOR).batches
    stored = batch.files.get()
    biller = make_user("biller", assigned_clients=[world.client])
    found, handle = exchanged_file_open(biller, stored.pk)
    assert found == stored
    with handle:
        assert handle.read().startswith(b"ISA*")
    with pytest.raises(NotFound):
        exchanged_file_open(make_user("biller"), stored.pk)
    with pytest.raises(NotFound):
        exchanged_file_open(make_user("client_manager", client=make_client()), stored.pk)


def test_a_held_claim_is_not_batched(world):
    make_claim(world, day=timezone.localdate() - datetime.timedelta(days=400))
    claims_scrub(actor=TEST_ACTOR)
    assert batches_build(actor=TEST_ACTOR).batches == []
    assert not ClaimBatch.objects.exists()
