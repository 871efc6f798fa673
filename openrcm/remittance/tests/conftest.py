"""Fixtures for the remittance tests: files and the sandbox under tmp_path, a practice
with a payer and its fee schedule, and claims the sandbox accepted."""

from __future__ import annotations

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

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


@pytest.fixture(autouse=True)
def _files_under_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"
    settings.OPENRCM_SANDBOX_DIR = tmp_path / "sandbox"
    settings.OPENRCM_SANDBOX_REJECT_PERCENT = 0
    settings.OPENRCM_SANDBOX_SEED = 7
    settings.OPENRCM_CLEARINGHOUSE = "sandbox"


@pytest.fixture
def world(db):
    client = make_client()
    return SimpleNamespace(client=client, provider=make_provider(client), payer=make_payer())


def make_claim(world, *, secondary_payer=None, day=None, charges=None, **encounter):
    """A draft primary claim (and the patient's secondary coverage when asked)."""
    patient = make_patient(world.client)
    make_coverage(patient, world.payer)
    if secondary_payer is not None:
        make_coverage(patient, secondary_payer, priority="S")
    fields = {"date_of_service": day or timezone.localdate() - datetime.timedelta(days=10)}
    if charges is not None:
        fields["charges"] = charges
    found = make_encounter(patient, world.provider, **fields, **encounter)
    return claims_create_for_encounter(actor=TEST_ACTOR, encounter=found)[0]


__all__ = ["Decimal", "make_claim"]
