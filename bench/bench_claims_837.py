"""837P batch building from the database: claims per second, end to end.

Creates N READY claims (synthetic: made-up names, NPIs that pass the check digit, 1-4
lines each, see ``_claimsdb.py``) in a new database, then times ``batches_build``: lock
and load the claims with their patients, coverage, payers, providers, diagnoses and
lines, write the 837P files (5,000 claims each), store them, record the batches and move
every claim to batched (with its history row). Prints claims/s against the target of
3,000 claims/s on PostgreSQL (issue 5: 100,000 claims); nothing asserts on time.

    .venv/bin/python bench/bench_claims_837.py          # 100,000 claims on PostgreSQL
    .venv/bin/python bench/bench_claims_837.py --claims 20000 \\
        --database-url postgres://postgres@localhost:5432/openrcm_bench837

Without ``--database-url`` (or ``OPENRCM_BENCH_DATABASE_URL``) it creates and afterwards
drops a database on the PostgreSQL server at localhost:5432, or falls back to a SQLite
file (20,000 claims) when none answers. A database given must be new or empty.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _claimsdb import claims_database, claims_populate

TARGET_PER_SECOND = 3_000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=None, help="default 100,000 (PostgreSQL)")
    parser.add_argument("--database-url", default=None, help="default: a new database")
    parser.add_argument("--seed", type=int, default=837)
    args = parser.parse_args(argv)
    with claims_database(args.database_url, name="bench837") as engine:
        from openrcm.claims.models import ClaimStatus
        from openrcm.claims.submission import batches_build
        from openrcm.core.actor import Actor

        count = args.claims or (100_000 if engine == "postgresql" else 20_000)
        started = time.perf_counter()
        claims_populate(count, seed=args.seed, status=ClaimStatus.READY)
        print(f"set up {count:,} ready claims on {engine} in {time.perf_counter() - started:.1f}s")
        started, cpu = time.perf_counter(), time.process_time()
        run = batches_build(actor=Actor.job("bench"))
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        rate = run.claims / seconds if seconds else float("inf")
        if engine != "postgresql":
            verdict = "the target is for PostgreSQL"
        else:
            verdict = "PASS" if rate >= TARGET_PER_SECOND and run.claims >= 100_000 else "FAIL"
            if run.claims < 100_000:
                verdict += " (the target is for 100,000 claims)"
        print(
            f"{run.claims:,} claims in {len(run.batches)} 837P files in {seconds:.1f}s on "
            f"{engine} ({cpu:.1f}s of it this process's CPU, the rest the database and "
            f"waiting): {rate:,.0f} claims/s; target {TARGET_PER_SECOND:,}/s: {verdict}"
        )
        if run.held:
            print(f"{len(run.held)} claims held by the writer, first: {run.held[0]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
