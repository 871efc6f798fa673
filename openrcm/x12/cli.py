"""``x12`` command line: parse and validate X12 files (no Django; rich only if present).

    x12 parse FILE --json       the typed documents as JSON (one array)
    x12 parse FILE --summary    per transaction set: type, control number, claims,
                                charged, paid, balanced
    x12 validate FILE           envelope, syntax and balancing problems with locations

Exit codes: 0 clean, 1 problems found, 2 the file cannot be read (missing, not X12,
unsupported version).
"""

from __future__ import annotations

import argparse
import json
import sys
from decimal import Decimal
from typing import Any

from openrcm.x12.balancing import check_claim, check_stream_totals
from openrcm.x12.documents import read_documents, stream_remittance, validate
from openrcm.x12.errors import X12Error
from openrcm.x12.jsonio import to_data
from openrcm.x12.models import (
    ClaimPayment,
    ClaimStatusResponse,
    InterchangeAck,
    RemittanceHeader,
    RemittanceTrailer,
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="x12", description="Read and check X12 5010 files.")
    commands = parser.add_subparsers(dest="command", required=True)
    parse = commands.add_parser("parse", help="read a file into typed documents")
    parse.add_argument("file")
    mode = parse.add_mutually_exclusive_group()
    mode.add_argument("--json", action="store_true", help="print the documents as JSON")
    mode.add_argument("--summary", action="store_true", help="print one row per set (default)")
    parse.add_argument("--lenient", action="store_true", help="read on past problems")
    check = commands.add_parser("validate", help="report every problem with its location")
    check.add_argument("file")
    return parser


def _summary_rows(path: str, strict: bool) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    header: RemittanceHeader | None = None
    balanced = True
    problems: list[X12Error] = []
    for item in stream_remittance(path, strict=strict, problems=problems):
        if isinstance(item, RemittanceHeader):
            header, balanced = item, True
        elif isinstance(item, ClaimPayment):
            control = header.envelope.control_number if header else ""
            if any(not f.is_warning for f in check_claim(item, control)):
                balanced = False
        elif isinstance(item, RemittanceTrailer) and header is not None:
            if check_stream_totals(header, item):
                balanced = False
            rows.append(
                {
                    "type": "835",
                    "control": item.envelope.control_number,
                    "claims": str(item.claim_count),
                    "charged": str(item.total_charge),
                    "paid": str(item.total_paid),
                    "balanced": "yes" if balanced else "NO",
                }
            )
            header = None
        elif isinstance(item, InterchangeAck):
            rows.append(
                {"type": "TA1", "control": item.control_number, "claims": "", "charged": "",
                 "paid": "", "balanced": ""}
            )  # fmt: skip
        else:
            envelope = getattr(item, "envelope", None)
            claims = getattr(item, "claims", None)
            charged = paid = ""
            if isinstance(item, ClaimStatusResponse):
                charged = str(
                    sum(
                        (s.charge for c in item.claims for s in c.statuses[:1] if s.charge),
                        Decimal(0),
                    )
                )
            rows.append(
                {
                    "type": envelope.transaction_set_id if envelope else "?",
                    "control": envelope.control_number if envelope else "",
                    "claims": str(len(claims)) if claims is not None else "",
                    "charged": charged,
                    "paid": paid,
                    "balanced": "",
                }
            )
    return rows


def _print_table(rows: list[dict[str, str]], title: str) -> None:
    columns = ["type", "control", "claims", "charged", "paid", "balanced"]
    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:  # pragma: no cover - rich is a project dependency
        print(title)
        print("\t".join(columns))
        for row in rows:
            print("\t".join(row[c] for c in columns))
        return
    table = Table(title=title)
    for column in columns:
        table.add_column(
            column, justify="right" if column in ("claims", "charged", "paid") else "left"
        )
    for row in rows:
        table.add_row(*(row[c] for c in columns))
    Console(file=sys.stdout, width=120).print(table)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "validate":
            problems = validate(args.file)
            for problem in problems:
                print(f"{problem.severity}: {problem}")
            errors = sum(1 for p in problems if not p.is_warning)
            warnings = len(problems) - errors
            print(f"{args.file}: {errors} error(s), {warnings} warning(s)")
            return 1 if problems else 0
        strict = not args.lenient
        if args.json:
            documents: list[Any] = [to_data(d) for d in read_documents(args.file, strict=strict)]
            print(json.dumps(documents, indent=2, ensure_ascii=False))
            return 0
        _print_table(_summary_rows(args.file, strict), args.file)
        return 0
    except X12Error as error:
        print(f"x12: cannot read {args.file}: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
