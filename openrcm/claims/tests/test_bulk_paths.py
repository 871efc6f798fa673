"""The bulk paths of scrubbing and batch building: id filters, plain-row inserts, bulk
transitions with exact history, the shared loader and the 837P value builder."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from openrcm.claims.bulk import ids_q, ids_sql, rows_insert
from openrcm.claims.files import exchanged_file_bytes
from openrcm.claims.lifecycle import ClaimRef, claims_transition
from openrcm.claims.models import (
    Claim,
    ClaimBatchItem,
    ClaimStatus,
    ClaimStatusChange,
    ScrubFinding,
)
from openrcm.claims.scrubbing import CodeSetsScrubReference, claims_load, claims_scrub
from openrcm.claims.services import claims_create_for_encounter
from openrcm.claims.submission import Claim837PBuilder, batches_build
from openrcm.claims.tests.conftest import make_claim
from openrcm.core.actor import Actor
from openrcm.core.errors import TransitionNotAllowed
from openrcm.core.testing import (
    TEST_ACTOR,
    make_coverage,
    make_encounter,
    make_patient,
)

pytestmark = pytest.mark.django_db


def _refs(*claims: Claim) -> list[ClaimRef]:
    return [ClaimRef(c.pk, c.status, c.patient_control_number) for c in claims]


def test_ids_filters_match_plain_in(world):
    claims = [make_claim(world) for _ in range(3)]
    wanted = [claims[0].pk, claims[2].pk]
    assert sorted(Claim.objects.filter(ids_q("pk", wanted)).values_list("pk", flat=True)) == (
        sorted(wanted)
    )
    assert not Claim.objects.filter(ids_q("pk", [])).exists()
    where, params = ids_sql('"id"', wanted)
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT "id" FROM "claims_claim" WHERE {where} ORDER BY "id"', params)  # noqa: S608 - a test
        assert [r[0] for r in cursor.fetchall()] == sorted(wanted)


def test_rows_insert_writes_plain_rows_with_their_values(world):
    claim = make_claim(world)
    at = timezone.now().replace(microsecond=0)
    rows_insert(
        ScrubFinding,
        ("claim", "rule_id", "severity", "message", "hint", "line", "created_at"),
        [
            (claim.pk, "RULE-A", "error", "first", "fix it", 2, at),
            (claim.pk, "RULE-B", "warning", "second", "", None, at),
        ],
    )
    rows = list(
        ScrubFinding.objects.filter(claim=claim)
        .order_by("rule_id")
        .values_list("rule_id", "severity", "message", "hint", "line", "created_at")
    )
    assert rows == [
        ("RULE-A", "error", "first", "fix it", 2, at),
        ("RULE-B", "warning", "second", "", None, at),
    ]
    rows_insert(ScrubFinding, ("claim", "rule_id"), [])  # nothing to do, no query


def test_bulk_transition_moves_claims_and_writes_exact_history(world):
    claims = [make_claim(world) for _ in range(3)]
    actor = Actor.job("bulk-test")
    claims_transition(_refs(*claims), to=ClaimStatus.READY, actor=actor, reason="scrubbed clean")
    assert set(Claim.objects.values_list("status", flat=True)) == {ClaimStatus.READY}
    for claim in claims:
        last = claim.history.order_by("pk").last()
        assert (last.from_status, last.to_status, last.reason) == (
            "draft",
            "ready",
            "scrubbed clean",
        )
        assert last.actor == actor.label
        assert last.at is not None
        assert claim.history.count() == 2  # created, ready


def test_bulk_transition_refuses_all_when_one_may_not_move(world):
    ready, draft = make_claim(world), make_claim(world)
    claims_transition(_refs(ready), to=ClaimStatus.READY, actor=TEST_ACTOR)
    ready.refresh_from_db()
    before = ClaimStatusChange.objects.count()
    with pytest.raises(TransitionNotAllowed, match=draft.patient_control_number):
        claims_transition(_refs(ready, draft), to=ClaimStatus.BATCHED, actor=TEST_ACTOR)
    assert ClaimStatusChange.objects.count() == before
    assert Claim.objects.get(pk=ready.pk).status == ClaimStatus.READY


def test_bulk_transition_notices_a_claim_changed_meanwhile(world):
    first, second = make_claim(world), make_claim(world)
    stale = _refs(first, second)  # both read as draft
    claims_transition(_refs(second), to=ClaimStatus.HELD, actor=TEST_ACTOR)
    before = ClaimStatusChange.objects.count()
    with (
        pytest.raises(TransitionNotAllowed, match="changed status meanwhile"),
        transaction.atomic(),
    ):
        claims_transition(stale, to=ClaimStatus.READY, actor=TEST_ACTOR)
    assert ClaimStatusChange.objects.count() == before
    assert Claim.objects.get(pk=first.pk).status == ClaimStatus.DRAFT


def test_loader_reads_each_patient_once_and_filters_by_status(world):
    patient = make_patient(world.client)
    make_coverage(patient, world.payer, member_id="SHARED001")
    claims = []
    for day in (3, 4):
        encounter = make_encounter(
            patient,
            world.provider,
            date_of_service=timezone.localdate() - datetime.timedelta(days=day),
        )
        claims += claims_create_for_encounter(actor=TEST_ACTOR, encounter=encounter)
    other = make_claim(world)
    claims_transition(_refs(other), to=ClaimStatus.HELD, actor=TEST_ACTOR)
    with CaptureQueriesContext(connection) as queries:
        loaded = claims_load([c.pk for c in [*claims, other]], statuses=[ClaimStatus.DRAFT])
    assert [c.pk for c in loaded] == sorted(c.pk for c in claims)
    first, second = loaded
    assert first.patient is second.patient  # one patient, decrypted once
    assert first.coverage is second.coverage
    assert first.coverage.member_id == "SHARED001"
    assert first.patient.date_of_birth == datetime.date(1970, 5, 17)
    assert first.status == ClaimStatus.DRAFT
    assert first.diagnoses == ("E11.9", "I10")
    assert [ln.procedure_code for ln in first.lines] == ["99213", "93000"]
    assert first.lines[1].diagnosis_pointers == (2,)
    assert len(queries) <= 8


def test_builder_shares_parties_and_writes_a_dependent_patient(world):
    child = make_patient(world.client, first_name="Tim", date_of_birth=datetime.date(2015, 2, 3))
    make_coverage(
        child,
        world.payer,
        member_id="PARENT0001",
        relationship="19",
        subscriber_first_name="Ann",
        subscriber_last_name="Parent",
        subscriber_date_of_birth=datetime.date(1985, 6, 7),
        subscriber_sex="F",
        subscriber_street1="9 Oak Lane",
        subscriber_city="Albany",
        subscriber_state="NY",
        subscriber_zip_code="12207",
    )
    claims = []
    for day in (3, 4):
        encounter = make_encounter(
            child, world.provider, date_of_service=timezone.localdate() - datetime.timedelta(day)
        )
        claims += claims_create_for_encounter(actor=TEST_ACTOR, encounter=encounter)
    build = Claim837PBuilder()
    first, second = (build(c) for c in claims_load([c.pk for c in claims]))
    assert first.subscriber is second.subscriber
    assert first.billing_provider is second.billing_provider
    assert first.rendering_provider is second.rendering_provider
    assert first.patient is not None
    assert first.patient is second.patient
    assert (first.patient.relationship, first.patient.name.first) == ("19", "Tim")
    assert first.subscriber.member_id == "PARENT0001"

    claims_scrub(actor=TEST_ACTOR, claim_ids=[c.pk for c in claims])
    (batch,) = batches_build(actor=TEST_ACTOR).batches
    text = exchanged_file_bytes(batch.files.get()).decode()
    assert text.count("HL*") == 3  # billing provider, subscriber, the child: once each
    assert text.count("PAT*19~") == 1
    assert text.count("CLM*") == 2


def test_batch_build_records_items_and_one_history_row_per_claim(world):
    claims = [make_claim(world) for _ in range(3)]
    claims_scrub(actor=TEST_ACTOR)
    (batch,) = batches_build(actor=TEST_ACTOR, max_claims=5).batches
    assert sorted(
        ClaimBatchItem.objects.filter(batch=batch).values_list("claim_id", flat=True)
    ) == (sorted(c.pk for c in claims))
    moved = ClaimStatusChange.objects.filter(to_status=ClaimStatus.BATCHED)
    assert sorted(moved.values_list("claim_id", flat=True)) == sorted(c.pk for c in claims)
    assert set(moved.values_list("from_status", "reason")) == {("ready", f"in {batch.reference}")}


def test_reference_answers_are_remembered_per_code_and_date():
    reference = CodeSetsScrubReference()
    day = datetime.date(2026, 3, 2)
    first = reference.diagnosis("E11.9", on=day)
    assert reference.diagnosis("E11.9", on=day) is first
    assert reference.ptp("99213", "93000", on=day) == reference.ptp("99213", "93000", on=day)
    assert reference.place_of_service_valid("11", on=day)
    assert reference.nearest_release_finding(day) is reference.nearest_release_finding(day)


def test_batches_split_by_size_take_each_claim_once(world):
    claims = [make_claim(world) for _ in range(5)]
    claims_scrub(actor=TEST_ACTOR)
    run = batches_build(actor=TEST_ACTOR, max_claims=2)
    assert [b.claim_count for b in run.batches] == [2, 2, 1]
    assert run.claims == 5
    assert len({b.interchange_control_number for b in run.batches}) == 3
    items = list(ClaimBatchItem.objects.values_list("claim_id", flat=True))
    assert sorted(items) == sorted(c.pk for c in claims)
    assert set(Claim.objects.values_list("status", flat=True)) == {ClaimStatus.BATCHED}
    assert ClaimStatusChange.objects.filter(to_status=ClaimStatus.BATCHED).count() == 5
    assert batches_build(actor=TEST_ACTOR).batches == []
