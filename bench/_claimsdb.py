"""A throwaway database full of synthetic claims, for the claim benchmarks.

``claims_database()`` picks the database (``--database-url``, else
``OPENRCM_BENCH_DATABASE_URL``, else a new PostgreSQL database on localhost:5432 when a
server answers there, else a SQLite file), sets Django up on it and migrates; a database
it created is dropped afterwards. ``claims_populate()`` writes claims with bulk inserts
(not through the services, which would take longer than the benchmark): made-up names,
NPIs that pass the check digit, 1-4 lines and 2 diagnoses each, four claims per patient.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import random
import socket
import tempfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

CODES = ["99213", "99214", "97110", "80053", "85025", "36415", "93000", "71046"]
DIAGNOSES = ["E11.9", "I10", "J06.9", "M54.50", "R51.9", "Z00.00"]


def _postgres_answers() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 5432), 1).close()
    except OSError:
        return False
    return True


@contextlib.contextmanager
def claims_database(url: str | None, *, name: str) -> Iterator[str]:
    """Django set up on an empty database; yields the engine name ("postgresql", ...)."""
    url = url or os.environ.get("OPENRCM_BENCH_DATABASE_URL") or None
    created: str | None = None
    with tempfile.TemporaryDirectory(prefix=f"{name}-") as tmp:
        folder = Path(tmp)
        if url is None and _postgres_answers():
            url = f"postgres://postgres@localhost:5432/openrcm_{name}_{os.getpid()}"
        if url is None:
            url = f"sqlite:///{folder / f'{name}.sqlite3'}"
        elif url.startswith("postgres"):
            import psycopg

            base, _, database = url.rpartition("/")
            with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
                found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,))
                if found.fetchone() is None:
                    conn.execute(f'CREATE DATABASE "{database}"')
                    created = database
        os.environ["DATABASE_URL"] = url
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openrcm.settings")
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command
        from django.db import connections

        settings.MEDIA_ROOT = folder / "files"
        call_command("migrate", verbosity=0)
        try:
            yield str(settings.DATABASES["default"]["ENGINE"]).rsplit(".", 1)[-1]
        finally:
            connections.close_all()
            if created is not None:
                import psycopg

                with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{created}"')


def claims_populate(count: int, *, seed: int, status: str) -> None:
    """``count`` claims in ``status`` (one practice, provider and payer)."""
    from openrcm.claims.models import (
        ChargeLine,
        Claim,
        ClaimLine,
        Encounter,
        EncounterDiagnosis,
    )
    from openrcm.core.testing import make_client, make_payer, make_provider
    from openrcm.patients.models import Coverage, Patient

    if Claim.objects.exists():
        raise SystemExit("the database already holds claims: give a new or empty database")
    rng = random.Random(seed)
    client = make_client()
    provider = make_provider(client)
    payer = make_payer()
    today = datetime.date.today()  # noqa: DTZ011 - a synthetic date of service
    patients = Patient.objects.bulk_create(
        Patient(
            client=client, account_number=f"B{n:08d}", first_name="ALEX",
            last_name=f"BENCH{n}", date_of_birth=datetime.date(1960 + n % 40, 1 + n % 12, 1),
            sex="FM"[n % 2], street1=f"{n} MAIN ST", city="ALBANY", state="NY",
            zip_code="12207",
        )
        for n in range(max(1, count // 4))
    )  # fmt: skip
    coverages = Coverage.objects.bulk_create(
        Coverage(
            patient=p, payer=payer, priority="P", member_id=f"MB{p.pk:09d}",
            subscriber_first_name=p.first_name, subscriber_last_name=p.last_name,
            subscriber_date_of_birth=p.date_of_birth, subscriber_sex=p.sex,
            subscriber_street1=p.street1, subscriber_city="ALBANY", subscriber_state="NY",
            subscriber_zip_code="12207", effective_from=datetime.date(2025, 1, 1),
        )
        for p in patients
    )  # fmt: skip
    step = 5000
    for offset in range(0, count, step):
        size = min(step, count - offset)
        picks = [rng.randrange(len(patients)) for _ in range(size)]
        encounters = Encounter.objects.bulk_create(
            Encounter(
                client=client, patient=patients[i], rendering_provider=provider,
                date_of_service=today - datetime.timedelta(days=1 + rng.randrange(30)),
                place_of_service="11",
            )
            for i in picks
        )  # fmt: skip
        EncounterDiagnosis.objects.bulk_create(
            EncounterDiagnosis(encounter=e, position=k + 1, code=code)
            for e in encounters
            for k, code in enumerate(rng.sample(DIAGNOSES, 2))
        )
        charges: list[ChargeLine] = []
        for e in encounters:
            for n, code in enumerate(rng.sample(CODES, rng.randint(1, 4)), 1):
                charges.append(
                    ChargeLine(
                        encounter=e, line_number=n, procedure_code=code,
                        charge_amount=Decimal(rng.randint(2000, 40000)) / 100,
                        diagnosis_pointers=[1, 2],
                    )
                )  # fmt: skip
        ChargeLine.objects.bulk_create(charges)
        by_encounter: dict[int, list[ChargeLine]] = {}
        for c in charges:
            by_encounter.setdefault(c.encounter_id, []).append(c)
        claims = Claim.objects.bulk_create(
            Claim(
                client=client, patient=e.patient, encounter=e, coverage=coverages[i],
                payer=payer, coverage_level="P", patient_control_number=f"E{e.pk}P",
                status=status,  # benchmark setup: the status the measured service starts from
                total_charge=sum((c.charge_amount for c in by_encounter[e.pk]), Decimal(0)),
            )
            for e, i in zip(encounters, picks, strict=True)
        )  # fmt: skip
        ClaimLine.objects.bulk_create(
            ClaimLine(
                claim=claim, charge_line=c, line_number=c.line_number,
                procedure_code=c.procedure_code, modifiers=[], units=Decimal(1),
                charge_amount=c.charge_amount, diagnosis_pointers=c.diagnosis_pointers,
                line_item_control_number=f"{claim.patient_control_number}L{c.line_number}",
            )
            for claim in claims
            for c in by_encounter[claim.encounter_id]
        )  # fmt: skip


def reference_populate(seed: int) -> str:
    """Synthetic CMS tables as loaded releases (so the scrubber's NCCI, MUE and HCPCS
    lookups find entries): 1,000 PTP pairs (two among the claims' codes), 1,000 MUE
    limits (every claim code included) and 3,000 HCPCS Level II codes. Says what it did."""
    from openrcm.coding.models import CodeSetEntry, CodeSetRelease

    rng = random.Random(seed)
    start = datetime.date(2025, 1, 1)

    def release(kind: str, entries: list[tuple[str, str, dict[str, object]]]) -> None:
        row = CodeSetRelease.objects.create(
            kind=kind, label=f"synthetic {kind}", effective_from=start,
            source_name="bench (synthetic)", sha256=f"{kind:0>64}"[-64:],
            row_count=len(entries), loaded_by="bench",
        )  # fmt: skip
        CodeSetEntry.objects.bulk_create(
            CodeSetEntry(release=row, code=c, code2=c2, attributes=a) for c, c2, a in entries
        )

    cpt = sorted({f"{rng.randrange(10_000, 99_999)}" for _ in range(2_500)} - set(CODES))
    pairs = {("99214", "36415"), ("80053", "85025")}
    while len(pairs) < 1_000:
        pairs.add((rng.choice(cpt), rng.choice(cpt)))
    release(
        "ptp",
        [(a, b, {"effective": "2018-01-01", "deleted": "", "modifier_indicator": "1"})
         for a, b in sorted(pairs) if a != b],
    )  # fmt: skip
    limits = CODES + rng.sample(cpt, 1_000 - len(CODES))
    release("mue", [(c, "", {"units": "3", "mai": "3", "rationale": "synthetic"}) for c in limits])
    hcpcs = sorted({f"{rng.choice('AEGJKLQ')}{rng.randrange(10_000):04d}" for _ in range(3_200)})
    release(
        "hcpcs",
        [(c, "", {"short": "", "long": "", "added": "2010-01-01", "terminated": "",
                  "modifier": False}) for c in hcpcs[:3_000]],
    )  # fmt: skip
    return "synthetic PTP (1,000 pairs), MUE (1,000) and HCPCS (3,000) releases"
