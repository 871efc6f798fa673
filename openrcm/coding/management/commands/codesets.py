"""``openrcm codesets``: load official code-set files, list releases, build ICD-10-CM."""

from __future__ import annotations

import datetime
import time
from argparse import ArgumentTypeError
from pathlib import Path
from typing import IO, Any, cast

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from openrcm.codesets.release import LOADABLE_KINDS
from openrcm.coding.selectors import release_list
from openrcm.coding.services import CodeSetLoadError, codeset_load, codesets_dir, icd10cm_build
from openrcm.core.actor import Actor
from openrcm.core.errors import ApplicationError

KIND_HELP = {
    "hcpcs": "CMS HCPCS Level II quarterly file (HCPCyyyy_MMM_ANWEB sheet saved as CSV)",
    "mue": "CMS NCCI MUE table (MCR_MUE_..._Eff_MM-DD-YYYY.csv)",
    "ptp": "CMS NCCI PTP table (ccipra-vXYZrN-f1.txt ...; give every part)",
    "pos": "CMS place-of-service codes (FHIR CodeSystem XML or code,name,description,assigned CSV)",
    "taxonomy": "NUCC health care provider taxonomy CSV (nucc_taxonomy_NNN.csv)",
    "mpfs": "CMS physician fee schedule payment amounts (PFALLyyX / PFREVyyX .txt)",
    "carc": "X12 claim adjustment reason codes (your licensed copy)",
    "rarc": "X12 remittance advice remark codes (your licensed copy)",
}


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise ArgumentTypeError(f"{value!r} is not a date (YYYY-MM-DD)") from None


class Command(BaseCommand):
    help = "Load official code-set files, list the loaded releases, build the ICD-10-CM index."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
        load = commands.add_parser(
            "load",
            help="load one release of a code set from its official file",
            description=(
                "Load one release from the publisher's file. The same file twice is a no-op; "
                "a newer release ends the one it overlaps; a file with any bad row stores "
                "nothing and the error names file, line and field. Kinds: "
                + "; ".join(f"{k}: {text}" for k, text in KIND_HELP.items())
            ),
        )
        load.add_argument(
            "kind",
            choices=[k.value for k in LOADABLE_KINDS],
            metavar="KIND",
            help="one of " + ", ".join(k.value for k in LOADABLE_KINDS),
        )
        load.add_argument(
            "files",
            nargs="+",
            type=Path,
            metavar="FILE",
            help="the file (PTP: every part of one release)",
        )
        load.add_argument(
            "--effective-from",
            type=_date,
            metavar="YYYY-MM-DD",
            help="first day in force, when the file does not say",
        )
        load.add_argument(
            "--effective-to",
            type=_date,
            metavar="YYYY-MM-DD",
            help="last day in force (default: the publisher's cycle)",
        )
        commands.add_parser(
            "list",
            help="list loaded releases with their dates and row counts",
            description="List every loaded release, newest first within each code set.",
        )
        build = commands.add_parser(
            "build-icd10",
            help="build openrcm's ICD-10-CM index from the simple-icd-10-cm package",
            description=(
                "Build the compact ICD-10-CM index (a few seconds, ~200 MB while it runs) into "
                "OPENRCM_CODESETS_DIR, so that web and worker processes load only the index."
            ),
        )
        build.add_argument("--directory", type=Path, help="write here instead")

    def handle(self, *args: Any, **options: Any) -> None:
        out = cast("IO[str]", self.stdout)  # Django's OutputWrapper is a text stream
        self.console = Console(file=out, highlight=False)
        if not self.console.is_terminal:
            self.console = Console(file=out, highlight=False, width=200)
        actor = Actor.job("codesets-command")
        subcommand = options["subcommand"]
        try:
            if subcommand == "load":
                self._load(actor, options)
            elif subcommand == "list":
                self._list()
            else:
                started = time.perf_counter()
                outcome = icd10cm_build(actor=actor, directory=options.get("directory"))
                elapsed = time.perf_counter() - started
                self.console.print(f"{outcome.message} ({elapsed:.1f} s)")
        except CodeSetLoadError as exc:
            shown = "\n".join(f"  {p}" for p in exc.problems[:50]) or f"  {exc.message}"
            more = len(exc.problems) - 50
            tail = f"\n  ... and {more} more" if more > 0 else ""
            raise CommandError(f"nothing was loaded:\n{shown}{tail}") from exc
        except ApplicationError as exc:
            raise CommandError(str(exc)) from exc

    def _load(self, actor: Actor, options: dict[str, Any]) -> None:
        files: list[Path] = options["files"]
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            TimeElapsedColumn(),
            console=self.console,
            transient=True,
            disable=not self.console.is_terminal,
        ) as bar:
            task = bar.add_task(f"loading {files[0].name}", total=None)

            def progress(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            outcome = codeset_load(
                actor=actor,
                kind=options["kind"],
                paths=files,
                effective_from=options.get("effective_from"),
                effective_to=options.get("effective_to"),
                progress=progress,
            )
        self.console.print(outcome.message)

    def _list(self) -> None:
        rows = release_list()
        if not rows:
            self.console.print(
                f"no code sets loaded (openrcm uses its shipped demo codes); the ICD-10-CM "
                f"index lives in {codesets_dir()}"
            )
            return
        table = Table(title="Loaded code-set releases")
        for name in ("kind", "variant", "label", "from", "to", "rows", "file", "loaded"):
            table.add_column(name, justify="right" if name == "rows" else "left")
        for row in rows:
            superseded = row.effective_to is not None and row.effective_to < row.effective_from
            table.add_row(
                row.kind,
                row.variant,
                row.label,
                str(row.effective_from),
                "superseded" if superseded else str(row.effective_to or "open"),
                f"{row.row_count:,}",
                row.source_name,
                f"{row.loaded_at:%Y-%m-%d %H:%M} {row.loaded_by}",
            )
        self.console.print(table)
