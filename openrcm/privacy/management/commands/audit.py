"""``openrcm audit verify`` and ``openrcm audit export``."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from openrcm.core.errors import ValidationFailed
from openrcm.privacy.models import AuditEvent
from openrcm.privacy.selectors import audit_filter_from, audit_rows
from openrcm.privacy.services import audit_chain_verify, audit_export_csv, cli_actor


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain, or export it as CSV (the export is audited)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        sub.add_parser(
            "verify",
            help="walk the chain; name the first row that was changed or removed (exit 1)",
        )
        export = sub.add_parser("export", help="write audit rows as CSV")
        export.add_argument("--since", default="", help="first day, YYYY-MM-DD (inclusive)")
        export.add_argument("--until", default="", help="last day, YYYY-MM-DD (inclusive)")
        export.add_argument("--format", default="csv", choices=["csv"], help="file format")
        export.add_argument("--output", "-o", default="-", help="file to write (default stdout)")
        for name in ("user", "action", "object_type", "object_id", "client"):
            export.add_argument(f"--{name.replace('_', '-')}", dest=name, default="")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "verify":
            self.verify()
        else:
            self.export(options)

    def verify(self) -> None:
        total = AuditEvent.objects.count()
        broken = audit_chain_verify()
        if broken is None:
            self.stdout.write(f"audit trail intact: {total} rows verified")
            return
        self.stderr.write(
            f"audit trail BROKEN at row {broken.sequence}: {broken.reason}. "
            "Rows from there on cannot be trusted; keep the database as it is and tell the "
            "compliance officer."
        )
        sys.exit(1)

    def export(self, options: dict[str, Any]) -> None:
        params = {
            k: str(options.get(k) or "")
            for k in ("since", "until", "user", "action", "object_type", "object_id", "client")
        }
        try:
            criteria = audit_filter_from(params)
        except ValidationFailed as exc:
            raise CommandError(exc.message) from exc
        rows = audit_rows(criteria)
        description = (
            f"command line to {options['output']}, filters {criteria.as_query() or 'none'}"
        )
        if options["output"] == "-":
            count = audit_export_csv(
                actor=cli_actor("audit-export"), rows=rows, out=self.stdout, description=description
            )
        else:
            with open(options["output"], "w", newline="", encoding="utf-8") as handle:
                count = audit_export_csv(
                    actor=cli_actor("audit-export"), rows=rows, out=handle, description=description
                )
            self.stderr.write(f"wrote {count} audit rows to {options['output']}")
