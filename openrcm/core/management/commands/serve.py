"""``openrcm serve``: check the database is migrated, then serve the web UI."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def unapplied_migrations() -> list[str]:
    """The migrations the database still needs, as "app.name" (empty when up to date)."""
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


class Command(BaseCommand):
    help = (
        "Serve the web UI with Django's development server on 127.0.0.1:8000 (no autoreload). "
        "Refuses to start while the database needs migrations."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "addrport",
            nargs="?",
            default="127.0.0.1:8000",
            help="address and port to listen on (default 127.0.0.1:8000)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        pending = unapplied_migrations()
        if pending:
            shown = ", ".join(pending[:5]) + (" ..." if len(pending) > 5 else "")
            raise CommandError(
                f"the database needs {len(pending)} migration(s) ({shown}); "
                "run `openrcm migrate` first (or `openrcm demo` to load the demo)",
                returncode=2,
            )
        call_command("runserver", options["addrport"], use_reloader=False)
