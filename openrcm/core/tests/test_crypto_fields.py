"""Field encryption: round trip, key ids, tamper detection, search hashes."""

from __future__ import annotations

import datetime
import os

import pytest
from django.db import connection

from openrcm.core.crypto import DecryptionError, FieldCipher
from openrcm.core.fields import search_hash_for
from openrcm.core.testing import make_client, make_patient
from openrcm.patients.models import Patient


def cipher(*kids: str) -> FieldCipher:
    return FieldCipher({k: os.urandom(32) for k in kids}, os.urandom(32))


def test_round_trip_and_key_id():
    c = cipher("k1")
    stored = c.encrypt("900-12-3456", context="patients_patient.ssn")
    assert "900-12-3456" not in stored
    assert FieldCipher.key_id_of(stored) == "k1"
    assert c.decrypt(stored, context="patients_patient.ssn") == "900-12-3456"


def test_same_value_encrypts_differently_each_time():
    c = cipher("k1")
    assert c.encrypt("x", context="t.c") != c.encrypt("x", context="t.c")


def test_value_moved_to_another_column_does_not_decrypt():
    c = cipher("k1")
    stored = c.encrypt("1970-05-17", context="patients_patient.date_of_birth")
    with pytest.raises(DecryptionError):
        c.decrypt(stored, context="patients_patient.ssn")


def test_tampered_value_and_unknown_key_are_refused():
    c = cipher("k1")
    stored = c.encrypt("secret", context="t.c")
    flipped = stored[:-4] + ("AAAA" if stored[-4:] != "AAAA" else "BBBB")
    with pytest.raises(DecryptionError, match="does not verify"):
        c.decrypt(flipped, context="t.c")
    other = cipher("k9")
    with pytest.raises(DecryptionError, match="no key with id 'k1'"):
        other.decrypt(stored, context="t.c")


def test_old_key_still_decrypts_after_a_new_current_key():
    old = cipher("old")
    stored = old.encrypt("value", context="t.c")
    both = FieldCipher({"new": os.urandom(32), **old.keys}, old.search_key)
    assert both.current_kid == "new"
    assert both.decrypt(stored, context="t.c") == "value"


@pytest.mark.django_db
def test_patient_identifiers_are_ciphertext_in_the_database_and_plain_in_python():
    patient = make_patient(make_client(), ssn="912-34-5678", phone="518-555-0142")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ssn, date_of_birth, phone, street1, first_name FROM patients_patient "
            "WHERE id = %s",
            [patient.pk],
        )
        ssn, dob, phone, street, first_name = cursor.fetchone()
    assert ssn.startswith("enc1$")
    assert "912-34-5678" not in ssn
    assert dob.startswith("enc1$")
    assert "1970" not in dob
    assert phone.startswith("enc1$")
    assert "5550142" not in phone
    assert street.startswith("enc1$")
    assert first_name == "Nora"
    fresh = Patient.objects.get(pk=patient.pk)
    assert fresh.ssn == "912-34-5678"
    assert fresh.date_of_birth == datetime.date(1970, 5, 17)
    assert fresh.phone == "+15185550142"


@pytest.mark.django_db
def test_exact_search_through_keyed_hashes():
    client = make_client()
    wanted = make_patient(client, date_of_birth=datetime.date(1981, 2, 3), phone="518-555-0177")
    make_patient(client, date_of_birth=datetime.date(1990, 1, 1), phone="518-555-0178")
    by_dob = Patient.objects.filter(
        date_of_birth_hash=search_hash_for(Patient, "date_of_birth_hash", "1981-02-03")
    )
    assert list(by_dob) == [wanted]
    by_phone = Patient.objects.filter(
        phone_hash=search_hash_for(Patient, "phone_hash", "(518) 555-0177")
    )
    assert list(by_phone) == [wanted]
