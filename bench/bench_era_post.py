"""ERA import and posting: claims per second for one 20,000-claim 835, end to end.

Creates N accepted claims (synthetic, see ``_claimsdb.py``; 1-4 lines each), writes one
835 paying them all (one payment: contractual CO-45 and coinsurance PR-2 on each line,
every 20th claim denied CO-16, REF*6R on every line, an interest PLB), then times
``era_import``: read and balance-check the file, keep it, match every claim and line,
write the ERA rows, the ledger (charges, payments, adjustments, patient-responsibility
transfers), the claims' new statuses and their history, in one transaction for the
payment. Runs on SQLite and on PostgreSQL (each in its own process) and prints claims/s
against the target of 1,000 claims/s (issue 6) with PASS or FAIL; nothing asserts on
time.

    .venv/bin/python bench/bench_era_post.py                # both databases
    .venv/bin/python bench/bench_era_post.py --engine sqlite --claims 5000
    .venv/bin/python bench/bench_era_post.py --engine postgresql \\
        --database-url postgres://postgres@localhost:5432/openrcm_benchera

Without ``--database-url`` the PostgreSQL run creates and afterwards drops a database on
the server at localhost:5432 (skipped, and said so, when none answers).
"""

from __future__ import annotations

import argparse
import datetime
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

TARGET_PER_SECOND = 1_000


def _era_for_all_claims() -> bytes:
    from openrcm.claims.models import Claim, ClaimLine
    from openrcm.x12.write import InterchangeSettings
    from openrcm.x12.write.remit835 import (
        RemitAdjustment,
        RemitClaim,
        RemitLine,
        RemitProviderAdjustment,
        Remittance835,
        write_835,
    )

    lines: dict[int, list[ClaimLine]] = {}
    for line in ClaimLine.objects.order_by("claim_id", "line_number"):
        lines.setdefault(line.claim_id, []).append(line)
    claims = []
    day = datetime.date.today()  # noqa: DTZ011 - a synthetic service date
    cents = Decimal("0.01")
    for n, (pk, number) in enumerate(
        Claim.objects.order_by("pk").values_list("pk", "patient_control_number")
    ):
        remit_lines = []
        for line in lines[pk]:
            charge = line.charge_amount
            if n % 20 == 0:
                adjustments = (RemitAdjustment("CO", "16", charge),)
            else:
                allowed = (charge * Decimal("0.8")).quantize(cents)
                adjustments = (
                    RemitAdjustment("CO", "45", charge - allowed),
                    RemitAdjustment("PR", "2", (allowed * Decimal("0.2")).quantize(cents)),
                )
            remit_lines.append(
                RemitLine(line.procedure_code, charge, day, adjustments,
                          line_item_control_number=line.line_item_control_number)
            )  # fmt: skip
        claims.append(
            RemitClaim(number, "1", "BENCH", "ALEX", f"MB{n:09d}", f"ICN{n:012d}",
                       lines=tuple(remit_lines))
        )  # fmt: skip
    from openrcm.clients.models import Client
    from openrcm.payers.models import Payer

    client = Client.objects.get()
    payer = Payer.objects.get()
    remittance = Remittance835(
        payer.name, payer.payer_id, "123456789", client.legal_name[:60], client.group_npi,
        "BENCHTRACE1", day, tuple(claims), (RemitProviderAdjustment("L6", "INT", Decimal("-5")),),
    )  # fmt: skip
    settings = InterchangeSettings(
        "PAYER",
        "OPENRCM",
        1,
        1,
        1,
        datetime.datetime.combine(datetime.date(2026, 3, 20), datetime.time(9)),
    )
    return write_835(settings, remittance)


def run_one(engine: str, count: int, url: str | None) -> int:
    from _claimsdb import _postgres_answers, claims_database, claims_populate

    if engine == "postgresql" and url is None and not _postgres_answers():
        print("postgresql: no server answers on localhost:5432; skipped")
        return 0
    folder = tempfile.TemporaryDirectory(prefix="benchera-")
    if engine == "sqlite" and url is None:
        url = f"sqlite:///{Path(folder.name) / 'benchera.sqlite3'}"
    with folder, claims_database(url, name="benchera") as found:
        from openrcm.claims.models import ClaimStatus
        from openrcm.core.actor import Actor
        from openrcm.remittance.models import LedgerEntry
        from openrcm.remittance.services import era_import

        started = time.perf_counter()
        claims_populate(count, seed=835, status=ClaimStatus.ACCEPTED)
        data = _era_for_all_claims()
        print(
            f"set up {count:,} accepted claims and a {len(data) / 1e6:.1f} MB 835 on {found} "
            f"in {time.perf_counter() - started:.1f}s"
        )
        started, cpu = time.perf_counter(), time.process_time()
        result = era_import(actor=Actor.job("bench"), name="bench.835", data=data)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        (payment,) = result.payments
        rate = payment.posted / seconds if seconds else float("inf")
        verdict = "PASS" if rate >= TARGET_PER_SECOND and payment.posted == count else "FAIL"
        print(
            f"{payment.posted:,} of {payment.claims:,} claims posted ({dict(payment.outcomes)}), "
            f"{LedgerEntry.objects.count():,} ledger rows, {payment.exceptions} exceptions, in "
            f"{seconds:.1f}s on {found} ({cpu:.1f}s of it this process's CPU): "
            f"{rate:,.0f} claims/s; target {TARGET_PER_SECOND:,}/s in one transaction for the "
            f"payment: {verdict}"
        )
        again = time.perf_counter()
        duplicate = era_import(actor=Actor.job("bench"), name="bench.835", data=data)
        print(f"importing it again: {duplicate.message} ({time.perf_counter() - again:.1f}s)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=20_000)
    parser.add_argument("--engine", choices=["sqlite", "postgresql"], default=None)
    parser.add_argument("--database-url", default=None, help="for --engine postgresql")
    args = parser.parse_args(argv)
    if args.engine is not None:
        return run_one(args.engine, args.claims, args.database_url)
    status = 0
    for engine in ("sqlite", "postgresql"):
        print(f"--- {engine}", flush=True)
        command = [sys.executable, __file__, "--engine", engine, "--claims", str(args.claims)]
        status |= subprocess.run(command, check=False).returncode
    return status


if __name__ == "__main__":
    raise SystemExit(main())
