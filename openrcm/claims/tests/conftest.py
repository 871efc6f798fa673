"""Fixtures for the claim cycle tests: files and the sandbox under tmp_path."""

from __future__ import annotations

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from openrcm.claims.services import ChargeInput, claims_create_for_encounter
from openrcm.core.testing import (
    TEST_ACTOR,
    make_client,
    make_coverage,
    make_encounter,
    make_patient,
    make_payer,
    make_provider,
)


@pytest.fixture(autouse=True)
def _files_under_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"
    settings.OPENRCM_SANDBOX_DIR = tmp_path / "sandbox"
    settings.OPENRCM_SANDBOX_REJECT_PERCENT = 0
    settings.OPENRCM_SANDBOX_SEED = 7
    settings.OPENRCM_CLEARINGHOUSE = "sandbox"


def make_claim(world, *, member_id=None, day=None, **encounter):
    patient = make_patient(world.client)
    coverage_fields = {"member_id": member_id} if member_id else {}
    make_coverage(patient, world.payer, **coverage_fields)
    recent = timezone.localdate() - datetime.timedelta(days=10)
    fields = {"date_of_service": day or recent, **encounter}
    found = make_encounter(patient, world.provider, **fields)
    return claims_create_for_encounter(actor=TEST_ACTOR, encounter=found)[0]


@pytest.fixture
def world(db):
    client = make_client()
    return SimpleNamespace(client=client, provider=make_provider(client), payer=make_payer())


__all__ = ["ChargeInput", "Decimal", "make_claim"]
