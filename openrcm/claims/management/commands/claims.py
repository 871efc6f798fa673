"""``openrcm claims scrub`` and ``openrcm claims submit``: safe to run again at any time."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from openrcm.claims.scrubbing import claims_scrub
from openrcm.claims.submission import batches_build, batches_submit, submission_problem
from openrcm.core.actor import Actor
from openrcm.core.errors import ApplicationError


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
        "Scrub claims and submit 837P batches. 'scrub' checks every draft and held claim "
        "(or the given ones) and moves it to ready or held; 'submit' builds 837P batches "
        "from ready claims and sends every built batch to its clearinghouse exactly once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        scrub = sub.add_parser("scrub", help="scrub draft and held claims")
        scrub.add_argument(
            "--claim", type=int, action="append", dest="claims", metavar="ID",
            help="scrub only this claim (repeatable; a rejected claim may be named too)",
        )  # fmt: skip
        submit = sub.add_parser("submit", help="build 837P batches and send them")
        submit.add_argument(
            "--build-only", action="store_true", help="build the batches, do not send them"
        )
        for child in (scrub, submit):
            child.add_argument("--quiet", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        console = Console(file=self.stdout, highlight=False)  # type: ignore[arg-type]  # a text stream
        progress = RichProgress(console, enabled=not options["quiet"])
        actor = Actor.job(f"cli:claims-{options['action']}")
        try:
            if options["action"] == "scrub":
                run = claims_scrub(actor=actor, claim_ids=options["claims"], progress=progress)
                progress.finish()
                console.print(run.summary())
                for line in run.skipped:
                    console.print(f"  skipped: {line}")
                return
            built = batches_build(actor=actor, progress=progress)
            progress.finish()
            console.print(built.summary())
            for line in built.held:
                console.print(f"  held: {line}")
            if options["build_only"]:
                return
            for result in batches_submit(actor=actor):
                console.print(result.message)
        except ApplicationError as exc:
            progress.finish()
            raise CommandError(submission_problem(exc)) from exc
