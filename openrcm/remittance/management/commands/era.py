"""``openrcm era import FILE...``: import and post 835 ERAs (safe to run again).

Exit codes: 0 every file imported (or already imported), 1 at least one file could not be
imported (it is named with the segment and line at fault; the others still import),
2 usage errors (no such file).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from openrcm.core.errors import ApplicationError
from openrcm.privacy.services import cli_actor
from openrcm.remittance.models import EraSource
from openrcm.remittance.services import era_import


class RichProgress:
    """The ``start / advance / finish`` progress sink over a rich progress bar."""

    def __init__(self, console: Console, enabled: bool = True) -> None:
        self.progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            console=console, disable=not enabled, transient=True,
        )  # fmt: skip
        self.task: Any = None

    def start(self, name: str, total: int) -> None:
        if self.task is None:
            self.progress.start()
        else:
            self.progress.remove_task(self.task)
        self.task = self.progress.add_task(name, total=total)

    def advance(self, amount: int = 1) -> None:
        if self.task is not None:
            self.progress.advance(self.task, amount)

    def finish(self) -> None:
        if self.task is not None:
            self.progress.stop()
            self.task = None


class Command(BaseCommand):
    help = (
        "Work with 835 ERAs. 'import FILE...' imports and posts each file: every payment "
        "once (a payment already imported changes nothing), each in one transaction. "
        "'sandbox-release' lets the sandbox payer send its next ERAs (then run "
        "'openrcm clearinghouse poll')."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        imp = sub.add_parser("import", help="import and post 835 files")
        imp.add_argument("files", nargs="+", metavar="FILE")
        imp.add_argument("--quiet", action="store_true", help="no progress bar")
        sub.add_parser("sandbox-release", help="the sandbox payer releases its next ERAs")

    def handle(self, *args: Any, **options: Any) -> None:
        console = Console(file=self.stdout, highlight=False)  # type: ignore[arg-type]  # a text stream
        if options["action"] == "sandbox-release":
            from openrcm.clearinghouse.base import clearinghouse_get
            from openrcm.clearinghouse.sandbox import SandboxClearinghouse
            from openrcm.clearinghouse.sandbox_payer import sandbox_release_eras

            adapter = clearinghouse_get("sandbox")
            assert isinstance(adapter, SandboxClearinghouse)  # noqa: S101 - registered so
            moved = sandbox_release_eras(adapter)
            console.print(f"{len(moved)} ERA(s) released to the sandbox outbox")
            return
        paths = [Path(p) for p in options["files"]]
        missing = [str(p) for p in paths if not p.is_file()]
        if missing:
            raise CommandError(f"no such file: {', '.join(missing)}", returncode=2)
        actor = cli_actor("era-import")
        progress = RichProgress(console, enabled=not options["quiet"])
        failed = 0
        for path in paths:
            try:
                result = era_import(
                    actor=actor,
                    name=path.name,
                    data=path.read_bytes(),
                    source=EraSource.COMMAND,
                    progress=progress,
                )
            except ApplicationError as exc:
                progress.finish()
                failed += 1
                console.print(f"[red]error:[/red] {path}: {exc.message}")
                continue
            progress.finish()
            console.print(result.message)
            for payment in result.payments:
                console.print(f"  {payment.message}")
                for line in payment.balancing:
                    console.print(f"  [yellow]does not balance:[/yellow] {line}")
                for note in payment.notes:
                    console.print(f"  note: {note}")
        if failed:
            console.print(f"{failed} of {len(paths)} file(s) not imported")
            sys.exit(1)
