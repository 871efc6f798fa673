"""837P batch building from the database: claims per second, end to end.

Creates N READY claims (synthetic: made-up names, NPIs that pass the check digit, 1-4
lines each) in a fresh database, then times ``batches_build``: lock the claims, load
them with their patients, coverage, payers, providers, diagnoses and lines, write the
837P files (5,000 claims each), store them, record the batches and move every claim to
batched. Prints claims/s against the target of 3,000 claims/s on PostgreSQL; nothing
asserts on time.

    .venv/bin/python bench/bench_claims_837.py                      # 20,000 on SQLite
    .venv/bin/python bench/bench_claims_837.py --claims 100000 \\
        --database-url postgres://postgres@localhost:5432/openrcm_bench837
The database must be new or empty (a PostgreSQL database is created when missing).
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TARGET_PER_SECOND = 3_000
CODES = ["99213", "99214", "97110", "80053", "85025", "36415", "93000", "71046"]
DIAGNOSES = ["E11.9", "I10", "J06.9", "M54.50", "R51.9", "Z00.00"]


def _prepare_database(url: str | None, folder: Path) -> str:
    if url is None:
        return f"sqlite:///{folder / 'bench_claims_837.sqlite3'}"
    if url.startswith("postgres"):
        import psycopg

        base, _, name = url.rpartition("/")
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if exists.fetchone() is None:
                conn.execute(f'CREATE DATABASE "{name}"')
    return url


def _populate(count: int, seed: int) -> None:
    from openrcm.claims.models import (
        ChargeLine,
        Claim,
        ClaimLine,
        ClaimStatus,
        Encounter,
        EncounterDiagnosis,
    )
    from openrcm.core.testing import make_client, make_payer, make_provider
    from openrcm.patients.models import Coverage, Patient

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
                status=ClaimStatus.READY,  # benchmark setup: claims that passed the scrubber
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=20_000)
    parser.add_argument("--database-url", default=None, help="default: a new SQLite file")
    parser.add_argument("--seed", type=int, default=837)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench837-") as tmp:
        folder = Path(tmp)
        os.environ["DATABASE_URL"] = _prepare_database(args.database_url, folder)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openrcm.settings")
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command

        settings.MEDIA_ROOT = folder / "files"
        call_command("migrate", verbosity=0)
        from openrcm.claims.models import Claim
        from openrcm.claims.submission import batches_build
        from openrcm.core.actor import Actor

        if Claim.objects.exists():
            print("the database already holds claims: give a new or empty database")
            return 2
        started = time.perf_counter()
        _populate(args.claims, args.seed)
        print(f"set up {args.claims:,} ready claims in {time.perf_counter() - started:.1f}s")
        started = time.perf_counter()
        run = batches_build(actor=Actor.job("bench"))
        seconds = time.perf_counter() - started
        rate = run.claims / seconds if seconds else float("inf")
        engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
        verdict = "PASS" if rate >= TARGET_PER_SECOND else "below target"
        print(
            f"{run.claims:,} claims in {len(run.batches)} 837P files in {seconds:.1f}s on "
            f"{engine}: {rate:,.0f} claims/s (target {TARGET_PER_SECOND:,}/s on PostgreSQL: "
            f"{verdict})"
        )
        if run.held:
            print(f"{len(run.held)} claims held by the writer, first: {run.held[0]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
