"""``openrcm keys status | rotate | new``: field-encryption keys (see docs/security.md)."""

from __future__ import annotations

import sys
from collections import Counter
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from openrcm.config import new_field_key_entry
from openrcm.core.crypto import DecryptionError, field_cipher
from openrcm.privacy.key_rotation import PLAINTEXT, field_keys_rotate, field_keys_status
from openrcm.privacy.services import cli_actor


class Command(BaseCommand):
    help = "Show which key encrypted the stored identifiers, re-encrypt them, or make a key."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        status = sub.add_parser("status", help="values per key id, per encrypted column")
        status.add_argument(
            "--check",
            action="store_true",
            help="exit 1 if any value is not under the current key (after a rotation)",
        )
        rotate = sub.add_parser(
            "rotate", help="re-encrypt every value under the current (first) key"
        )
        rotate.add_argument("--batch-size", type=int, default=500)
        new = sub.add_parser("new", help="print a new key entry for OPENRCM_FIELD_KEYS")
        new.add_argument("--id", required=True, help="the key id, e.g. 2026-11 or k2")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, options["subcommand"])(options)

    def new(self, options: dict[str, Any]) -> None:
        kid = options["id"].strip()
        if not kid or any(c in kid for c in ",:$ "):
            raise CommandError("a key id must be non-empty, without ',', ':', '$' or spaces")
        self.stdout.write(new_field_key_entry(kid))
        self.stderr.write(
            "Put this entry FIRST in OPENRCM_FIELD_KEYS (comma-separated, keep the old keys "
            "after it), restart, then run: openrcm keys rotate"
        )

    def status(self, options: dict[str, Any]) -> None:
        cipher = field_cipher()
        self.stdout.write(
            f"configured keys: {', '.join(cipher.keys)} (current: {cipher.current_kid})"
        )
        totals: Counter[str] = Counter()
        for label, counts in field_keys_status().items():
            totals.update(counts)
            shown = ", ".join(f"{k}={n}" for k, n in sorted(counts.items())) or "empty"
            self.stdout.write(f"  {label}: {shown}")
        self.stdout.write(
            "total: " + (", ".join(f"{k}={n}" for k, n in sorted(totals.items())) or "no values")
        )
        unknown = set(totals) - set(cipher.keys) - {PLAINTEXT}
        if unknown:
            self.stderr.write(
                f"values under key ids that are not configured: {', '.join(sorted(unknown))}; "
                "they cannot be read until that key is put back in OPENRCM_FIELD_KEYS"
            )
        stale = set(totals) - {cipher.current_kid}
        if options["check"] and stale:
            self.stderr.write(f"not all values are under the current key: {sorted(stale)}")
            sys.exit(1)

    def rotate(self, options: dict[str, Any]) -> None:
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1")
        try:
            report = field_keys_rotate(
                actor=cli_actor("keys-rotate"), batch_size=options["batch_size"]
            )
        except DecryptionError as exc:
            raise CommandError(
                f"{exc}. Put every old key back in OPENRCM_FIELD_KEYS (after the new one) "
                "and run the rotation again; values already rotated stay rotated."
            ) from exc
        for label, count in sorted(report.reencrypted.items()):
            self.stdout.write(f"  {label}: {count} re-encrypted")
        self.stdout.write(
            f"re-encrypted {report.total} values under key {report.current_key!r}; "
            f"{report.already_current} were already current"
            + (
                f"; {report.changed_meanwhile} changed meanwhile"
                if report.changed_meanwhile
                else ""
            )
        )
