"""``openrcm clearinghouse poll``: fetch and import 999, 277CA and 835 responses (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console

from openrcm.claims.acknowledgements import clearinghouse_poll
from openrcm.core.actor import Actor
from openrcm.core.errors import ApplicationError


class Command(BaseCommand):
    help = (
        "Talk to clearinghouses. 'poll' fetches every waiting response (999, 277CA, 835) "
        "and imports it (ERAs are posted); a file already imported changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        poll = sub.add_parser("poll", help="fetch and import acknowledgements and ERAs")
        poll.add_argument(
            "--clearinghouse", default="", help="only this one (default: every one used)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        console = Console(file=self.stdout, highlight=False)  # type: ignore[arg-type]  # a text stream
        try:
            with console.status("Polling the clearinghouse(s)..."):
                run = clearinghouse_poll(
                    actor=Actor.job("cli:clearinghouse-poll"),
                    clearinghouse=options["clearinghouse"] or None,
                )
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        for imported in run.imported:
            console.print(imported.message)
            for note in imported.notes:
                console.print(f"  note: {note}")
        for era in run.eras:
            console.print(era.message)
        for problem in run.problems:
            console.print(f"[red]problem:[/red] {problem}")
        console.print(run.summary())
