"""Claim scrubber benchmark: claims per second with every rule on.

1. The rules alone (``scrub_claim`` over plain values): builds 50,000 synthetic
   professional claims (1-6 lines each) and a realistic ``StaticScrubReference`` (3,000
   HCPCS Level II codes, 1,000 NCCI PTP pairs, 1,000 MUE entries, 500 ICD-10-CM codes,
   modifiers, places of service, taxonomies), a payer with timely filing, referral,
   prior-authorization and unit limits, and a duplicate index of 20,000 earlier claims.
   About one claim in five carries a PTP pair, one in six an MUE problem, a few other
   mistakes; the rest are clean.
2. The service ``claims_scrub`` on the database: N draft claims (see ``_claimsdb.py``;
   default 20,000 on PostgreSQL, 5,000 on SQLite) scrubbed end to end: lock and load the
   claims, ask the loaded code sets (the ICD-10-CM index under ``var/codesets`` when
   built, synthetic PTP/MUE/HCPCS releases), find duplicates among the patients' billed
   claims, store the findings, move each claim to held or ready with its history row.

Prints claims/s for each against the target of 5,000 claims/s (PASS/FAIL); nothing
asserts on time. Runs alone (``.venv/bin/python bench/bench_scrubber.py``; ``--db-claims
0`` skips the database part) or from ``make bench``. The database is chosen as in
``bench_claims_837.py`` (``--database-url``, else a new PostgreSQL database, dropped
afterwards, else SQLite).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import random
import sys
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from openrcm.rules.identifiers import npi_with_check_digit
from openrcm.rules.scrubber import (
    RULES,
    DiagnosisEntry,
    DuplicateIndex,
    HcpcsValidity,
    MueLimit,
    PayerRules,
    PostalAddress,
    PtpEdit,
    ScrubClaim,
    ScrubLine,
    StaticScrubReference,
    scrub_claim,
)

TARGET_PER_SECOND = 5_000
TODAY = datetime.date(2026, 5, 15)
MODIFIERS = (
    "24", "25", "26", "50", "51", "57", "58", "59", "76", "77", "78", "79", "91",
    "XE", "XS", "XP", "XU", "LT", "RT", "GA", "GY", "GZ", "TC", "KX", "QW", "GP",
    "E1", "E2", "E3", "E4", "FA", "F1", "F2", "TA", "T1", "T2", "LC", "LD", "RC",
)  # fmt: skip
PLACES = ("02", "10", "11", "12", "19", "20", "21", "22", "23", "31", "32", "49", "81")
TAXONOMIES = tuple(f"20{n:02d}{s}0000X" for n in range(7, 9) for s in "ABCDEFGHJKLMNPQRSTVWX")


def build_reference(rng: random.Random) -> tuple[StaticScrubReference, dict[str, list[str]]]:
    letters = "AEGJKLQ"
    hcpcs: dict[str, HcpcsValidity] = {}
    while len(hcpcs) < 3_000:
        code = f"{rng.choice(letters)}{rng.randrange(10_000):04d}"
        ended = datetime.date(2025, 12, 31) if rng.random() < 0.03 else None
        hcpcs[code] = HcpcsValidity(added=datetime.date(2010, 1, 1), terminated=ended)
    cpt = sorted({f"{rng.randrange(10_000, 99_999)}" for _ in range(2_500)})
    all_codes = cpt + sorted(hcpcs)
    mue: dict[str, MueLimit] = {}
    for code in rng.sample(all_codes, 1_000):
        mue[code] = MueLimit(rng.choice((1, 1, 2, 3, 4, 6, 10)), rng.choice((1, 2, 2, 3, 3, 3)))
    pairs: set[tuple[str, str]] = set()
    while len(pairs) < 1_000:
        a, b = rng.sample(cpt, 2)
        pairs.add((a, b))
    ptp = [
        PtpEdit(a, b, rng.choice((0, 1, 1, 1, 9)), datetime.date(2018, 1, 1))
        for a, b in sorted(pairs)
    ]
    column2_by_column1: dict[str, list[str]] = {}
    for a, b in sorted(pairs):
        column2_by_column1.setdefault(a, []).append(b)
    diagnoses = []
    for i in range(500):
        letter = "ABCDEFGHIJKLMNRSTZ"[i % 18]
        code = f"{letter}{i % 100:02d}.{i % 10}"
        diagnoses.append(
            DiagnosisEntry(
                code,
                billable=i % 100 != 0,
                sex="F" if i % 100 == 3 else ("M" if i % 100 == 7 else None),
                max_age=17 if i % 100 == 9 else None,
            )
        )
    reference = StaticScrubReference(
        diagnoses=diagnoses,
        hcpcs=hcpcs,
        modifiers=MODIFIERS,
        places_of_service=PLACES,
        taxonomies=TAXONOMIES,
        mue=mue,
        ptp=ptp,
    )
    pools = {
        "cpt": cpt,
        "hcpcs": sorted(hcpcs),
        "dx": [d.code for d in diagnoses],
        "ptp1": sorted(column2_by_column1),
    }
    pools.update({f"ptp2:{a}": bs for a, bs in column2_by_column1.items()})
    return reference, pools


def build_claims(
    rng: random.Random, pools: dict[str, list[str]], count: int, prefix: str = "PCN"
) -> list[ScrubClaim]:
    npis = [npi_with_check_digit(f"1{n:08d}") for n in range(1, 201)]
    billing = PostalAddress(
        street1="100 Main St", city="Springfield", state="IL", zip_code="62701-1234"
    )
    home = PostalAddress(street1="5 Oak Ave", city="Springfield", state="IL", zip_code="62702")
    claims = []
    for n in range(count):
        dos = TODAY - datetime.timedelta(days=rng.randrange(0, 150))
        diagnoses = tuple(rng.sample(pools["dx"], rng.randint(1, 6)))
        codes = [
            rng.choice(pools["cpt"]) if rng.random() < 0.75 else rng.choice(pools["hcpcs"])
            for _ in range(rng.randint(1, 6))
        ]
        if rng.random() < 0.2 and len(codes) >= 2:
            column1 = rng.choice(pools["ptp1"])
            codes[0], codes[1] = column1, rng.choice(pools[f"ptp2:{column1}"])
        lines = []
        for code in codes:
            pointers = tuple(rng.sample(range(1, len(diagnoses) + 1), min(len(diagnoses), 2)))
            lines.append(
                ScrubLine(
                    procedure_code=code,
                    modifiers=tuple(rng.sample(MODIFIERS, rng.choice((0, 0, 0, 1, 1, 2)))),
                    units=Decimal(rng.choice((1, 1, 1, 1, 2, 3, 4, 8))),
                    charge=Decimal(rng.randrange(1_000, 90_000)).scaleb(-2),
                    diagnosis_pointers=pointers,
                )
            )
        total = sum((ln.charge for ln in lines), Decimal(0))
        if rng.random() < 0.02:
            total += Decimal("1.00")
        referred = rng.random() < 0.3
        claims.append(
            ScrubClaim(
                patient_control_number=f"{prefix}{n:09d}",
                patient_id=f"patient-{rng.randrange(20_000)}",
                billing_npi=npis[0],
                billing_tin="12-3456789",
                billing_taxonomy=rng.choice(TAXONOMIES),
                billing_address=billing,
                rendering_npi=rng.choice(npis),
                rendering_taxonomy=rng.choice(TAXONOMIES),
                referring_npi=rng.choice(npis) if referred else "",
                referring_name="Smith" if referred else "",
                patient_sex=rng.choice("FMU"),
                patient_birth_date=datetime.date(rng.randrange(1930, 2024), 6, 15),
                subscriber_member_id=f"M{rng.randrange(10**9):09d}",
                subscriber_birth_date=datetime.date(rng.randrange(1930, 2005), 3, 1),
                subscriber_address=home,
                relationship=rng.choice(("18", "18", "01", "19")),
                payer_id="ACME1",
                payer_type="commercial",
                claim_filing_indicator=rng.choice(("CI", "12", "HM")),
                coverage_effective_from=datetime.date(2025, 1, 1),
                coverage_effective_to=None if rng.random() < 0.97 else datetime.date(2025, 12, 1),
                date_of_service=dos,
                place_of_service=rng.choice(PLACES),
                prior_authorization="AUTH1" if rng.random() < 0.5 else "",
                frequency_code="1",
                diagnoses=diagnoses,
                lines=tuple(lines),
                total_charge=total,
                today=TODAY,
            )
        )
    return claims


def database_scrub(count: int | None, url: str | None, seed: int) -> None:
    """Part 2: ``claims_scrub`` over draft claims in a new database."""
    from _claimsdb import claims_database, claims_populate, reference_populate

    with claims_database(url, name="benchscrub") as engine:
        from django.conf import settings

        from openrcm.claims.models import ClaimStatus
        from openrcm.claims.scrubbing import claims_scrub
        from openrcm.codesets.icd10cm import INDEX_FILE_NAME
        from openrcm.core.actor import Actor

        count = count or (20_000 if engine == "postgresql" else 5_000)
        started = time.perf_counter()
        claims_populate(count, seed=seed, status=ClaimStatus.DRAFT)
        loaded = reference_populate(seed)
        icd = settings.OPENRCM_CODESETS_DIR / INDEX_FILE_NAME
        print(
            f"set up {count:,} draft claims on {engine} in {time.perf_counter() - started:.1f}s;"
            f" {loaded}; ICD-10-CM index: {icd if icd.exists() else 'not built (every code'}"
            f"{'' if icd.exists() else ' unknown: run openrcm codesets build-icd10)'}"
        )
        started, cpu = time.perf_counter(), time.process_time()
        run = claims_scrub(actor=Actor.job("bench"))
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        rate = run.scrubbed / seconds
        by_rule = Counter(f.rule_id for r in run.results.values() for f in r.findings)
        print(
            f"database path: scrubbed {run.scrubbed:,} claims in {seconds:.2f} s on {engine} "
            f"({cpu:.1f} s of it this process's CPU): {rate:,.0f} claims/s; {run.summary()}"
        )
        print("findings by rule:", ", ".join(f"{r} {n:,}" for r, n in by_rule.most_common()))
        verdict = "PASS" if rate >= TARGET_PER_SECOND else "FAIL"
        print(
            f"{verdict} (database path): {rate:,.0f} claims/s against a target of "
            f"{TARGET_PER_SECOND:,} claims/s"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=20260515)
    parser.add_argument(
        "--db-claims", type=int, default=None, help="database part: 20,000 (0 skips it)"
    )
    parser.add_argument("--database-url", default=None, help="default: a new database")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)

    started = time.perf_counter()
    reference, pools = build_reference(rng)
    claims = build_claims(rng, pools, args.claims)
    # 20,000 earlier claims: 19,000 others and 1,000 copies of claims in this run (2 %).
    earlier = build_claims(rng, pools, 19_000, prefix="OLD")
    earlier += [
        dataclasses.replace(c, patient_control_number=f"COPY{i}")
        for i, c in enumerate(rng.sample(claims, min(len(claims), 1_000)))
    ]
    duplicates = DuplicateIndex.from_claims(earlier)
    payer = PayerRules(
        name="Acme Health",
        timely_filing_days=180,
        requires_referring_for_pos=frozenset({"22"}),
        requires_referring_for_codes=frozenset(rng.sample(pools["cpt"], 50)),
        requires_prior_auth_for_codes=frozenset(rng.sample(pools["hcpcs"], 100)),
        max_units=dict.fromkeys(rng.sample(pools["cpt"], 30), 2),
    )
    lines = sum(len(c.lines) for c in claims)
    print(
        f"built {len(claims):,} claims ({lines:,} lines), reference, {len(duplicates):,} "
        f"duplicate keys in {time.perf_counter() - started:.1f} s; {len(RULES)} rules on"
    )

    started = time.perf_counter()
    held = 0
    by_rule: Counter[str] = Counter()
    for claim in claims:
        result = scrub_claim(claim, reference=reference, payer_rules=payer, duplicates=duplicates)
        held += result.holds
        by_rule.update(f.rule_id for f in result.findings)
    elapsed = time.perf_counter() - started
    rate = len(claims) / elapsed
    print(
        f"rules alone: scrubbed {len(claims):,} claims in {elapsed:.2f} s: {rate:,.0f} claims/s "
        f"({lines / elapsed:,.0f} lines/s); {held:,} held ({held / len(claims):.0%})"
    )
    print("findings by rule:", ", ".join(f"{r} {n:,}" for r, n in by_rule.most_common()))
    verdict = "PASS" if rate >= TARGET_PER_SECOND else "FAIL"
    print(
        f"{verdict} (rules alone): {rate:,.0f} claims/s against a target of "
        f"{TARGET_PER_SECOND:,} claims/s"
    )
    if args.db_claims != 0:
        print()
        database_scrub(args.db_claims, args.database_url, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
