"""The ``openrcm`` command line: one console script, Django management commands behind it.

``openrcm x12 ...`` runs the pure X12 tool without starting Django; every other
subcommand is a management command (``openrcm demo``, ``openrcm codesets load ...``,
``openrcm audit verify``, ``openrcm keys rotate``, ``openrcm migrate`` ...).
"""

from __future__ import annotations

import os
import sys

OPENRCM_COMMANDS = (
    ("demo", "load the demo billing company and run the revenue cycle"),
    ("demo-otp", "print a demo staff user's current sign-in code (development only)"),
    ("serve", "serve the web UI (development server)"),
    ("codesets", "load and list code sets (ICD-10-CM, HCPCS, NCCI, POS, ...)"),
    ("claims", "scrub draft claims and build and submit 837P batches"),
    ("clearinghouse", "fetch and import 999, 277CA and 835 responses from the clearinghouse"),
    ("messaging", "message templates, settings, delivery status, sends through the gate"),
    ("eligibility", "check eligibility (270/271) and ask claim status (276/277)"),
    ("era", "import and post 835 ERAs (openrcm era import FILE...)"),
    ("x12", "parse and validate X12 files (835, 999, 277CA, 271, 277, 837P)"),
    ("audit", "verify and export the audit trail"),
    ("keys", "rotate field-encryption keys"),
    ("check-config", "check the configuration for production"),
    ("migrate", "create or upgrade the database"),
    ("createsuperuser", "create an administrator"),
)


def print_overview() -> None:
    print("usage: openrcm COMMAND [options]   (openrcm COMMAND --help for each)\n")
    print("commands:")
    for name, text in OPENRCM_COMMANDS:
        print(f"  {name:<16} {text}")
    print("\nEvery Django management command is available too (openrcm help --commands).")


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help"}:
        print_overview()
        return 0
    if args[0] == "x12":
        from openrcm.x12.cli import main as x12_main

        return x12_main(args[1:])
    if "-" in args[0] and not args[0].startswith("-"):
        # Commands are spelled with hyphens (demo-otp); their modules use underscores.
        args[0] = args[0].replace("-", "_")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openrcm.settings")
    from openrcm.config import ConfigurationError

    try:
        from django.core.management import execute_from_command_line

        execute_from_command_line(["openrcm", *args])
    except ConfigurationError as exc:
        print(f"openrcm: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
