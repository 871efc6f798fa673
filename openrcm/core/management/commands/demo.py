"""``openrcm demo``: wipe and load the demo billing company, run the cycle, serve the UI."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from openrcm.core.demo import DemoResult, DemoSize, demo_build


class RichProgress:
    """The demo's steps as rich progress bars."""

    def __init__(self, progress: Progress):
        self.progress = progress
        self.task: TaskID | None = None

    def start(self, name: str, total: int) -> None:
        self.task = self.progress.add_task(name, total=total)

    def advance(self, amount: int = 1) -> None:
        if self.task is not None:
            self.progress.advance(self.task, amount)

    def finish(self) -> None:
        self.task = None


def default_sqlite_path() -> Path:
    return (Path(settings.VAR_DIR) / "openrcm.sqlite3").resolve()


def database_is_default_sqlite() -> bool:
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.sqlite3":
        return False
    return Path(str(db["NAME"])).resolve() == default_sqlite_path()


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError(text)
    return value


class Command(BaseCommand):
    help = (
        "Wipe the database and load a deterministic, synthetic billing company (3 practices "
        "under contract and a prospect, providers, payers, fee schedules, patients with "
        "coverage, encounters, claims) through the real services; print the demo logins; "
        "then serve the web UI on http://127.0.0.1:8000 unless --no-serve."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--patients", type=positive, default=2000, help="patients (default 2000)"
        )
        parser.add_argument(
            "--months", type=positive, default=3, help="months of encounters (default 3)"
        )
        parser.add_argument(
            "--seed", type=int, default=20260101, help="random seed: same seed, same data"
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            default=None,
            help="wipe the database first (the default for var/openrcm.sqlite3)",
        )
        parser.add_argument(
            "--no-reset",
            dest="reset",
            action="store_false",
            help="load into the database as it is (it must hold no clients)",
        )
        parser.add_argument(
            "--no-serve", action="store_true", help="load and exit instead of serving the UI"
        )
        parser.add_argument(
            "--addrport", default="127.0.0.1:8000", help="where to serve (default 127.0.0.1:8000)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        console = Console(file=self.stdout, highlight=False)  # type: ignore[arg-type]  # OutputWrapper is a text stream
        if not console.is_terminal:
            console.width = max(console.width, 120)  # logs and pipes: keep the rows whole
        size = DemoSize(
            patients=options["patients"], months=options["months"], seed=options["seed"]
        )
        reset = options["reset"]
        if reset is None:
            reset = database_is_default_sqlite()
        if reset and getattr(settings, "PRODUCTION", False):
            raise CommandError(
                "refusing to wipe the database: OPENRCM_ENV=production. The demo is for "
                "development machines only.",
                returncode=2,
            )
        started = time.perf_counter()
        timings: list[tuple[str, float]] = []
        console.print(f"[bold]openrcm demo[/] — {self._database_label()}")

        t0 = time.perf_counter()
        if reset and database_is_default_sqlite():
            self._delete_sqlite_file(console)
        call_command("migrate", interactive=False, verbosity=0)
        if reset and not database_is_default_sqlite():
            call_command("flush", interactive=False, verbosity=0)
        if reset:
            self._wipe_kept_files(console)
        timings.append(
            (
                "Database " + ("wiped and migrated" if reset else "migrated"),
                time.perf_counter() - t0,
            )
        )

        self._tune_sqlite_for_bulk_loading()
        from openrcm.clients.models import Client

        if Client.objects.exists():
            raise CommandError(
                "the database already holds clients; run with --reset to wipe it (everything "
                "in it is deleted) or point DATABASE_URL at an empty database",
                returncode=2,
            )
        console.print(
            f"Building {size.patients:,} patients and {size.months} month(s) of visits "
            f"(seed {size.seed})..."
        )
        with Progress(
            TextColumn("{task.description:<26}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=False,
        ) as progress:
            result = demo_build(size=size, progress=RichProgress(progress))
        self._report(console, result, timings, time.perf_counter() - started)
        if options["no_serve"]:
            return
        console.print(f"\nServing the web UI on http://{options['addrport']}/ (Ctrl-C stops it).")
        call_command("runserver", options["addrport"], use_reloader=False)

    def _tune_sqlite_for_bulk_loading(self) -> None:
        """Savepoint journals in memory and a larger page cache (this connection only).

        Every service runs in a savepoint inside the batch's transaction; on SQLite each
        savepoint journals the pages it touches to a temporary file by default.
        """
        connection = connections["default"]
        if connection.vendor == "sqlite" and not connection.in_atomic_block:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA temp_store = MEMORY")
                cursor.execute("PRAGMA cache_size = -65536")  # KiB: 64 MiB

    def _database_label(self) -> str:
        db = settings.DATABASES["default"]
        if db["ENGINE"] == "django.db.backends.sqlite3":
            return f"SQLite {db['NAME']}"
        engine = str(db["ENGINE"]).rsplit(".", 1)[-1]
        return f"{engine} database {db.get('NAME')} on {db.get('HOST') or 'localhost'}"

    def _delete_sqlite_file(self, console: Console) -> None:
        path = default_sqlite_path()
        for connection in connections.all():
            connection.close()
        wiped = False
        for suffix in ("", "-wal", "-shm", "-journal"):
            candidate = path.with_name(path.name + suffix)
            if candidate.exists():
                candidate.unlink()
                wiped = True
        if wiped:
            console.print(f"Wiped {path}")

    def _wipe_kept_files(self, console: Console) -> None:
        """The files of the wiped database go with it: the exchanged files kept under
        MEDIA_ROOT and the sandbox clearinghouse's mailbox. Left behind, the sandbox would
        take the new demo's first batch (named like the old one's) for a retry of a file
        it already has, and never answer it. Only folders inside VAR_DIR are touched."""
        var_dir = Path(settings.VAR_DIR).resolve()
        for folder in (settings.MEDIA_ROOT, getattr(settings, "OPENRCM_SANDBOX_DIR", None)):
            if not folder:
                continue
            path = Path(folder).resolve()
            if path.is_dir() and path != var_dir and var_dir in path.parents:
                shutil.rmtree(path)
                console.print(f"Wiped {path}")

    def _report(
        self,
        console: Console,
        result: DemoResult,
        timings: list[tuple[str, float]],
        total_seconds: float,
    ) -> None:
        steps = Table(title="Steps", title_justify="left")
        steps.add_column("Step")
        steps.add_column("Seconds", justify="right")
        steps.add_column("Result")
        for name, seconds in timings:
            steps.add_row(name, f"{seconds:.1f}", "")
        for step in result.steps:
            steps.add_row(step.name, f"{step.seconds:.1f}", step.detail)
        steps.add_row("[bold]Total[/]", f"[bold]{total_seconds:.1f}[/]", "")
        console.print(steps)

        console.print("\n[bold]Demo logins[/] (demo only: fixed passwords, printed on purpose)")
        for login in result.logins:
            factor = f"TOTP secret {login.totp_secret}" if login.totp_secret else "no MFA required"
            console.print(
                f"  {login.username:<11} password {login.password:<27} {login.role:<26} "
                f"{login.practice}; {factor}",
                soft_wrap=True,
            )
        for login in result.logins:
            if login.otpauth_url:
                console.print(f"  {login.otpauth_url}", soft_wrap=True)
        console.print(
            "Sign-in code of a staff login now: [bold]openrcm demo-otp USERNAME[/] "
            "(or scan the otpauth URL / type the secret into an authenticator app)."
        )
