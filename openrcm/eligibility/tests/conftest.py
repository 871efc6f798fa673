"""Fixtures: files and the sandbox under tmp_path, a practice with a payer and a provider."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest
from django.utils import timezone

from openrcm.core.testing import make_client, make_coverage, make_patient, make_payer, make_provider


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


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def tomorrow(today):
    return today + datetime.timedelta(days=1)


def covered_patient(world, **coverage):
    """A patient with a primary coverage of ``world.payer`` (in force since 2025)."""
    patient = make_patient(world.client)
    return patient, make_coverage(patient, world.payer, **coverage)
