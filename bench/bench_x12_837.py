"""837P writer benchmark, and pyx12 vs openrcm reading the same file.

1. Write a large 837P (20,000 claims, 1-4 lines each, a third for dependents, a tenth
   secondary with 2320/2330/2430 loops) with ``openrcm.x12.write`` and print claims/s, MB/s.
2. Validate a 2,000-claim slice with pyx12 4.0.0 (it is too slow for the whole file in a
   benchmark run) in a temporary folder, normalised to MB/s.
3. Read the whole file back with openrcm's own reader (``openrcm.x12.documents.validate``
   when present, else the generic envelope reader) and print the MB/s ratio to pyx12.

Runs alone (``.venv/bin/python bench/bench_x12_837.py``) or from ``make bench``. No
assertions on time: numbers are printed, never checked.
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import logging
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from openrcm.x12.write import (
    Address,
    Adjustment,
    BillingProvider,
    Claim837P,
    ClaimBatch837P,
    Contact,
    InterchangeSettings,
    LineAdjudication,
    OrganizationName,
    OtherPayer,
    Patient,
    Payer,
    PersonName,
    Provider,
    Receiver,
    ServiceLine,
    Submitter,
    Subscriber,
    is_valid_npi,
    write_837p,
)

PROCEDURES = ("99213", "99214", "87880", "81002", "97110", "J3301", "90471", "36415")
DIAGNOSES = ("J02.9", "E11.9", "I10", "M54.50", "Z00.00", "R05.9", "S83.241A", "F41.1")


def npi(base: int) -> str:
    stem = f"{base:09d}"
    return next(stem + str(d) for d in range(10) if is_valid_npi(stem + str(d)))


def build_batch(claim_count: int) -> ClaimBatch837P:
    providers = [
        BillingProvider(
            name=OrganizationName(f"SYNTHETIC CLINIC {n}"),
            npi=npi(123400000 + n),
            address=Address(f"{n} MAIN ST", "SEASIDE", "OR", "971381234"),
            tax_id=f"91000000{n}",
            taxonomy="207Q00000X",
        )
        for n in range(5)
    ]
    primary = Payer("GREAT CEDAR HEALTH PLAN", "GCHP1")
    secondary = Payer("PINEWOOD MUTUAL INSURANCE", "PWMI2")
    rendering = Provider(PersonName("VANCE", "PETRA"), npi(198765432), "207Q00000X")
    home = Address("42 DRIFTWOOD LN", "SEASIDE", "OR", "97138")
    claims = []
    for number in range(claim_count):
        subscriber = Subscriber(
            name=PersonName(f"SUBSCRIBER{number % 4000}", "PAT"),
            member_id=f"GCH9{number % 4000:08d}",
            address=home,
            birth_date=date(1950, 1, 1) + timedelta(days=number % 15000),
            sex="F" if number % 2 else "M",
        )
        patient = None
        if number % 3 == 0:
            patient = Patient(
                PersonName("DEPENDENT", f"KID{number % 7}"), "19", home, date(2012, 5, 5), "U"
            )
        service = date(2025, 1, 1) + timedelta(days=number % 300)
        lines = tuple(
            ServiceLine(
                procedure_code=PROCEDURES[(number + n) % len(PROCEDURES)],
                charge=Decimal(50 + (number * 7 + n * 13) % 400) + Decimal("0.25"),
                service_date=service,
                diagnosis_pointers=(1, 2) if n % 2 else (1,),
                modifiers=("25",) if n == 0 and number % 5 == 0 else (),
                line_item_control_number=f"C{number}L{n + 1}",
            )
            for n in range(1 + number % 4)
        )
        other_payers: tuple[OtherPayer, ...] = ()
        payer = primary
        if number % 10 == 9:  # a secondary claim: the primary paid 80 % of each line
            payer = secondary
            subscriber = dataclasses.replace(subscriber, payer_responsibility="S")
            adjudicated = []
            for line in lines:
                paid = (line.charge * Decimal("0.8")).quantize(Decimal("0.01"))
                adjudicated.append(
                    dataclasses.replace(
                        line,
                        prior_payer_adjudications=(
                            LineAdjudication(
                                "GCHP1",
                                paid,
                                service + timedelta(days=20),
                                (Adjustment("PR", "2", line.charge - paid),),
                            ),
                        ),
                    )
                )
            lines = tuple(adjudicated)
            other_payers = (
                OtherPayer(
                    payer=primary,
                    subscriber_name=subscriber.name,
                    subscriber_member_id=subscriber.member_id,
                    relationship="18" if patient is None else "19",
                    paid_amount=sum(
                        (line.prior_payer_adjudications[0].paid_amount for line in lines),
                        Decimal(0),
                    ),
                ),
            )
        claims.append(
            Claim837P(
                billing_provider=providers[number % len(providers)],
                subscriber=subscriber,
                payer=payer,
                patient=patient,
                patient_control_number=f"PCN{number:08d}",
                total_charge=sum((line.charge for line in lines), Decimal(0)),
                place_of_service="11",
                diagnosis_codes=(DIAGNOSES[number % 8], DIAGNOSES[(number + 3) % 8]),
                lines=lines,
                rendering_provider=rendering if number % 2 else None,
                other_payers=other_payers,
            )
        )
    return ClaimBatch837P(
        submitter=Submitter(
            OrganizationName("OPENRCM BENCH"), "BENCH01", Contact("BENCH", "5035550100")
        ),
        receiver=Receiver("SANDBOX CLEARINGHOUSE", "SANDBOX01"),
        reference="BENCH0001",
        claims=tuple(claims),
    )


def interchange() -> InterchangeSettings:
    return InterchangeSettings(
        sender_id="OPENRCMBENCH",
        receiver_id="SANDBOXCH",
        interchange_control_number=1,
        group_control_number=1,
        transaction_set_control_number=1,
        created_at=datetime(2025, 3, 14, 9, 26),  # noqa: DTZ001 - X12 times carry no zone
    )


def pyx12_validate(data: bytes) -> tuple[bool, float]:
    import pyx12.params
    import pyx12.x12n_document

    logging.getLogger("pyx12").setLevel(logging.CRITICAL)
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "bench.837"
        source.write_bytes(data)
        started = time.perf_counter()
        ok = pyx12.x12n_document.x12n_document(
            param=pyx12.params.params(),
            src_file=str(source),
            fd_997=io.StringIO(),
            fd_html=None,
        )
        return bool(ok), time.perf_counter() - started


def openrcm_read(data: bytes) -> tuple[str, int, float]:
    started = time.perf_counter()
    try:
        from openrcm.x12.documents import validate
    except ImportError:
        from openrcm.x12.reader import iter_transaction_sets

        segments = sum(len(t.segments) for t in iter_transaction_sets(data))
        return "openrcm.x12.reader.iter_transaction_sets", segments, time.perf_counter() - started
    problems = validate(data)
    return "openrcm.x12.documents.validate", len(problems), time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=20_000)
    parser.add_argument("--pyx12-claims", type=int, default=2_000)
    args = parser.parse_args(argv)

    started = time.perf_counter()
    batch = build_batch(args.claims)
    built = time.perf_counter() - started
    started = time.perf_counter()
    data = write_837p(interchange(), batch)
    wrote = time.perf_counter() - started
    mb = len(data) / 1e6
    print(
        f"837P write: {args.claims} claims, {mb:.2f} MB in {wrote:.3f} s "
        f"({args.claims / wrote:,.0f} claims/s, {mb / wrote:.1f} MB/s; "
        f"building the input took {built:.2f} s)"
    )

    which, result, read_s = openrcm_read(data)
    ours = mb / read_s
    print(
        f"openrcm read-back ({which}): {mb:.2f} MB in {read_s:.3f} s ({ours:.1f} MB/s), "
        f"result {result}"
    )

    try:
        import pyx12  # noqa: F401
    except ImportError:
        print("pyx12 not installed: peer comparison skipped")
        return 0
    sliced = dataclasses.replace(batch, claims=batch.claims[: args.pyx12_claims])
    slice_data = write_837p(interchange(), sliced)
    ok, pyx12_s = pyx12_validate(slice_data)
    slice_mb = len(slice_data) / 1e6
    theirs = slice_mb / pyx12_s
    print(
        f"pyx12 4.0.0 validation: {len(sliced.claims)}-claim slice, {slice_mb:.2f} MB in "
        f"{pyx12_s:.2f} s ({theirs:.2f} MB/s), valid={ok}"
    )
    print(
        f"openrcm read-back vs pyx12 validation: {ours / theirs:.0f}x the MB/s "
        "(pyx12 does full IG validation; see which openrcm function was timed above)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
