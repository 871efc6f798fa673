"""A raw dump of the database shows no identifier in plain text (names stay readable).

SQLite: ``iterdump()`` of the test database (every table, every row, as SQL text).
PostgreSQL: ``pg_dump`` of the test database when it is on PATH, else every row of every
table read through a raw cursor.
"""

from __future__ import annotations

import datetime
import shutil
import subprocess

import pytest
from django.db import connection

from openrcm.core.testing import make_client, make_coverage, make_patient, make_payer

# Rows are committed (transaction=True) so pg_dump, another connection, can see them.
pytestmark = pytest.mark.django_db(transaction=True)

SECRETS = {
    "ssn": "900-47-1234",
    "ssn digits": "900471234",
    "date of birth": "1961-08-23",
    "phone": "2125550147",
    "street": "4417 Juniper Hollow Lane",
    "member id": "MBRDUMP7781",
    "subscriber id": "SUBDUMP7782",
    "email": "quillon.dumpcheck@example.test",
    "client tin": "129876543",
}


def _dump_text() -> str:
    if connection.vendor == "sqlite":
        return "\n".join(connection.connection.iterdump())
    pg_dump = shutil.which("pg_dump")
    settings = connection.settings_dict
    if pg_dump:
        argv = [pg_dump, "--data-only", "--no-owner", "-h", settings.get("HOST") or "localhost"]
        if settings.get("PORT"):
            argv += ["-p", str(settings["PORT"])]
        if settings.get("USER"):
            argv += ["-U", settings["USER"]]
        argv.append(settings["NAME"])
        done = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=120)
        if done.returncode == 0:
            return done.stdout
    texts: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            texts.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(texts)


def test_identifiers_are_not_in_a_raw_dump():
    practice = make_client(tin="12-9876543")
    patient = make_patient(
        practice,
        first_name="Quillon",
        last_name="Dumpcheck",
        ssn=SECRETS["ssn"],
        date_of_birth=datetime.date(1961, 8, 23),
        phone="212-555-0147",
        street1=SECRETS["street"],
        email=SECRETS["email"],
    )
    make_coverage(
        patient,
        make_payer(),
        member_id=SECRETS["member id"],
        subscriber_id=SECRETS["subscriber id"],
    )
    dump = _dump_text()
    assert "Dumpcheck" in dump  # the dump is real: names are stored in clear
    assert "Quillon" in dump
    shown = {what: value for what, value in SECRETS.items() if value in dump}
    assert not shown, f"identifiers in plain text in the database: {shown}"
    assert "enc1$" in dump
