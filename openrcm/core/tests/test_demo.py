"""``openrcm demo`` and ``openrcm demo-otp``: a small company, deterministic, refusals."""

from __future__ import annotations

import re
import subprocess
import sys
from io import StringIO
from typing import Any

import pytest
import simple_icd_10_cm as icd
from django.core.management import call_command
from django.core.management.base import CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice

from openrcm.accounts.models import User
from openrcm.claims.models import Claim, Encounter
from openrcm.clients.models import Client, Contract, Provider
from openrcm.core.demo_catalog import DIAGNOSES, PROCEDURES, VISITS
from openrcm.patients.models import Coverage, Patient
from openrcm.payers.models import FeeSchedule, FeeScheduleRate, Payer
from openrcm.privacy.models import AuditEvent
from openrcm.rules.identifiers import npi_problem, phone_problem, ssn_problem

SMALL = ("--patients", "30", "--months", "1", "--no-serve", "--reset")


@pytest.fixture(autouse=True)
def _kept_files_under_tmp(settings, tmp_path):
    """The demo keeps the files it exchanges and runs the sandbox clearinghouse: in the
    test's own folders, never the developer's var/ (which a --reset demo wipes)."""
    settings.VAR_DIR = tmp_path  # what --reset may wipe: only folders inside VAR_DIR
    settings.MEDIA_ROOT = tmp_path / "files"
    settings.OPENRCM_SANDBOX_DIR = tmp_path / "sandbox"


def run_demo(*extra: str) -> str:
    out = StringIO()
    call_command("demo", *SMALL, *extra, stdout=out)
    return out.getvalue()


def snapshot() -> tuple[list[Any], list[Any]]:
    people = list(
        Patient.objects.order_by("account_number").values_list(
            "account_number", "first_name", "last_name"
        )
    )
    claims = list(
        Claim.objects.order_by(
            "patient__account_number", "encounter__date_of_service", "pk"
        ).values_list("patient__account_number", "encounter__date_of_service", "total_charge")
    )
    return people, claims


@pytest.mark.django_db(transaction=True)
def test_demo_builds_a_billing_company_through_the_services():
    out = run_demo("--seed", "7")

    contracts = sorted(Contract.objects.values_list("status", flat=True))
    assert contracts == ["active", "active", "active", "prospect"]
    assert Client.objects.count() == 4
    providers = list(Provider.objects.values_list("npi", "taxonomy"))
    assert len(providers) == 10
    assert all(npi_problem(npi) is None for npi, _ in providers)
    assert {t for _, t in providers} >= {"207Q00000X", "207RC0000X", "207X00000X", "363LF0000X"}
    filing = sorted(Payer.objects.values_list("timely_filing_days", flat=True))
    assert filing == [90, 120, 180, 180, 365, 365]
    assert FeeSchedule.objects.count() == 4 * 6
    rates_99213 = set(
        FeeScheduleRate.objects.filter(
            procedure_code="99213", schedule__client__short_name="riverbend-fm"
        ).values_list("allowed_amount", flat=True)
    )
    assert len(rates_99213) == 6  # every payer allows a different amount

    patients = list(Patient.objects.all())
    assert len(patients) == 30
    for patient in patients:
        assert phone_problem(patient.phone) is None
        assert re.fullmatch(r"\+1\d{3}55501\d\d", patient.phone)
        if patient.ssn:
            assert patient.ssn.startswith("9")
            assert ssn_problem(patient.ssn) is None
    assert not Patient.objects.filter(client__short_name="lakeview-peds").exists()
    assert Coverage.objects.filter(priority="P").count() == 30

    encounters = Encounter.objects.count()
    # The step "Claims from encounters" makes the primary claims; secondary claims come
    # later, from the primary's ERA.
    claims = Claim.objects.filter(coverage_level="P").count()
    assert encounters > 0
    assert claims > 0
    assert f"{claims} claims" in out
    assert AuditEvent.objects.filter(object_type="patients.patient", action="create").count() == 30

    users = {u.username: u for u in User.objects.all()}
    assert set(users) == {"admin", "biller", "compliance", "manager"}
    assert users["manager"].client is not None
    assert users["manager"].client.short_name == "riverbend-fm"
    assert users["biller"].assigned_clients.count() == 3
    devices = TOTPDevice.objects.filter(confirmed=True)
    assert sorted(devices.values_list("user__username", flat=True)) == [
        "admin",
        "biller",
        "compliance",
    ]
    for password in ("demo-admin-pass-2026", "demo-manager-pass-2026"):
        assert password in out
    assert users["admin"].check_password("demo-admin-pass-2026")
    assert "otpauth://totp/admin?secret=" in out
    assert "openrcm demo-otp USERNAME" in out
    for step in ("Patients and coverage", "Encounters", "Claims from encounters"):
        assert re.search(rf"{step}\s*│\s*\d+\.\d", out), step  # timed


@pytest.mark.django_db(transaction=True)
def test_the_same_seed_gives_the_same_people_and_claims():
    run_demo("--seed", "11")
    first = snapshot()
    run_demo("--seed", "11")
    second = snapshot()
    assert first == second
    assert first[1]  # claims were made
    run_demo("--seed", "12")
    assert snapshot()[0] != first[0]


@pytest.mark.django_db
def test_demo_refuses_to_wipe_a_production_database(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="OPENRCM_ENV=production"):
        call_command("demo", *SMALL, stdout=StringIO())


@pytest.mark.django_db
def test_demo_refuses_to_load_over_existing_clients_without_reset():
    from openrcm.core.testing import make_client

    make_client()
    with pytest.raises(CommandError, match="already holds clients"):
        call_command("demo", "--patients", "5", "--no-serve", "--no-reset", stdout=StringIO())
    assert Client.objects.count() == 1


@pytest.mark.django_db
def test_demo_otp_prints_the_code_the_authenticator_shows(settings):
    from openrcm.accounts.testing import make_user, totp_device

    settings.OPENRCM_ENV = "development"
    user = make_user("biller", username="otp-biller")
    out = StringIO()
    call_command("demo_otp", "otp-biller", stdout=out)
    code = out.getvalue().strip()
    assert re.fullmatch(r"\d{6}", code)
    assert totp_device(user).verify_token(code)


@pytest.mark.django_db
def test_demo_otp_refuses_outside_development_and_without_a_device(settings):
    from openrcm.accounts.testing import make_user

    make_user("client_manager", username="no-device", client=_client())
    settings.OPENRCM_ENV = "development"
    with pytest.raises(CommandError, match="no confirmed authenticator"):
        call_command("demo_otp", "no-device", stdout=StringIO())
    settings.OPENRCM_ENV = "production"
    with pytest.raises(CommandError, match="OPENRCM_ENV=development"):
        call_command("demo_otp", "no-device", stdout=StringIO())


def _client():
    from openrcm.core.testing import make_client

    return make_client()


def test_demo_diagnoses_are_billable_icd10cm_codes():
    used: set[str] = set()
    for kinds in VISITS.values():
        for kind in kinds:
            used.update(kind.principal)
            used.update(kind.secondary)
    used.add("Z00.129")  # the child's form of the annual physical
    assert used <= set(DIAGNOSES)
    not_billable = [c for c in DIAGNOSES if not (icd.is_valid_item(c) and icd.is_leaf(c))]
    assert not_billable == []


def test_every_demo_procedure_has_a_fee():
    codes: set[str] = set()
    for kinds in VISITS.values():
        for kind in kinds:
            codes.update(kind.em)
            codes.update(kind.em_new)
            codes.update(code for code, *_ in kind.lines)
    assert codes <= set(PROCEDURES)
    for allowed, charge in PROCEDURES.values():
        assert charge > allowed > 0


@pytest.mark.django_db
def test_serve_refuses_an_unmigrated_database(monkeypatch):
    from openrcm.core.management.commands import serve

    assert serve.unapplied_migrations() == []
    monkeypatch.setattr(serve, "unapplied_migrations", lambda: ["claims.0009_future"])
    with pytest.raises(CommandError, match="openrcm migrate") as caught:
        call_command("serve", stdout=StringIO())
    assert caught.value.returncode == 2


def test_command_line_help_lists_the_commands_and_their_options():
    from openrcm.cli import main

    assert main(["--help"]) == 0
    result = subprocess.run(
        [sys.executable, "-m", "openrcm.cli", "demo", "--help"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    for option in ("--patients", "--months", "--seed", "--no-serve", "--reset"):
        assert option in result.stdout
    otp_help = subprocess.run(
        [sys.executable, "-m", "openrcm.cli", "demo-otp", "--help"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert otp_help.returncode == 0, otp_help.stderr
    assert "OPENRCM_ENV=development" in otp_help.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "openrcm.cli", "demo", "--patients", "none"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert bad.returncode == 2
    assert "--patients" in bad.stderr
