"""``openrcm check-config``: would this environment start in production? Says every reason."""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from openrcm.config import production_problems


class Command(BaseCommand):
    help = (
        "Check the environment variables against what production requires (keys, "
        "PostgreSQL, allowed hosts, DEBUG off, HTTPS settings). Exit 1 with every problem."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        problems = production_problems(os.environ)
        if problems:
            raise CommandError(
                "this environment would not start with OPENRCM_ENV=production:\n  - "
                + "\n  - ".join(problems)
            )
        self.stdout.write("ready for production: every required setting is present and safe")
