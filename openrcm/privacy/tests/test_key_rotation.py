"""``openrcm keys rotate``: re-encrypt every identifier under the new first key."""

from __future__ import annotations

import base64
import io
import os

import pytest
from django.core.management import call_command
from django.db import connection

from openrcm.core.crypto import FieldCipher
from openrcm.core.testing import make_client, make_coverage, make_patient, make_payer
from openrcm.patients.models import Coverage, Patient
from openrcm.privacy.key_rotation import encrypted_columns, field_keys_status
from openrcm.privacy.models import AuditAction, AuditEvent

pytestmark = pytest.mark.django_db

OLD = {"old1": os.urandom(32)}
NEW = {"new2": os.urandom(32)}


def _raw(table: str, column: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {connection.ops.quote_name(column)} FROM {connection.ops.quote_name(table)}"  # noqa: S608
        )
        return [r[0] for r in cursor.fetchall() if r[0]]


def test_every_identifier_column_is_known():
    labels = {c.label for c in encrypted_columns()}
    for expected in (
        "patients_patient.ssn",
        "patients_patient.date_of_birth",
        "patients_patient.phone",
        "patients_patient.street1",
        "patients_coverage.member_id",
        "patients_coverage.subscriber_id",
        "clients_client.tin",
    ):
        assert expected in labels


def test_rotation_end_to_end(settings):
    settings.OPENRCM_FIELD_KEYS = OLD
    practice = make_client()
    patients = [make_patient(practice, ssn=f"900-1{i}-200{i}") for i in range(3)]
    make_coverage(patients[0], make_payer(), member_id="MBRROT001", subscriber_id="SUBROT001")
    assert {FieldCipher.key_id_of(v) for v in _raw("patients_patient", "ssn")} == {"old1"}

    settings.OPENRCM_FIELD_KEYS = {**NEW, **OLD}  # the new key first, the old one kept
    out = io.StringIO()
    call_command("keys", "rotate", "--batch-size", "2", stdout=out)
    assert "re-encrypted" in out.getvalue()
    assert "patients_patient.ssn: 3 re-encrypted" in out.getvalue()
    for col in encrypted_columns():
        assert {FieldCipher.key_id_of(v) for v in _raw(col.table, col.column)} <= {"new2"}, (
            col.label
        )
    status = field_keys_status()
    assert status["patients_patient.ssn"] == {"new2": 3}
    row = AuditEvent.objects.get(action=AuditAction.KEYS_ROTATED)
    assert row.changes["patients_patient.ssn"] == 3
    assert row.changes["patients_coverage.member_id"] == 1

    settings.OPENRCM_FIELD_KEYS = NEW  # the old key can go: every value still reads
    assert sorted(p.ssn for p in Patient.objects.all()) == [
        "900-10-2000",
        "900-11-2001",
        "900-12-2002",
    ]
    assert Coverage.objects.get().member_id == "MBRROT001"
    check = io.StringIO()
    call_command("keys", "status", "--check", stdout=check, stderr=io.StringIO())
    assert "new2=" in check.getvalue()

    again = io.StringIO()
    call_command("keys", "rotate", stdout=again)
    assert "re-encrypted 0 values" in again.getvalue()


def test_status_check_fails_while_old_values_remain(settings):
    settings.OPENRCM_FIELD_KEYS = OLD
    make_patient(make_client())
    settings.OPENRCM_FIELD_KEYS = {**NEW, **OLD}
    with pytest.raises(SystemExit) as exc:
        call_command("keys", "status", "--check", stdout=io.StringIO(), stderr=io.StringIO())
    assert exc.value.code == 1


def test_rotation_without_the_old_key_refuses_and_says_what_to_do(settings):
    from django.core.management.base import CommandError

    settings.OPENRCM_FIELD_KEYS = OLD
    make_patient(make_client())
    settings.OPENRCM_FIELD_KEYS = NEW
    with pytest.raises(CommandError, match="Put every old key back"):
        call_command("keys", "rotate", stdout=io.StringIO())


def test_new_prints_a_usable_key_entry():
    out = io.StringIO()
    call_command("keys", "new", "--id", "k2", stdout=out, stderr=io.StringIO())
    kid, _, key = out.getvalue().strip().partition(":")
    assert kid == "k2"
    assert len(base64.b64decode(key)) == 32
