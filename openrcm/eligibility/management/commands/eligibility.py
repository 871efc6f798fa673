"""``openrcm eligibility check`` and ``openrcm eligibility status-inquiries``.

Both are safe to run again at any time: a check already answered today is not asked
again (unless ``--force``), a claim answered within the waiting days is not asked again.
Exit status: 0 when everything was answered, 1 on an error that stopped the run, 3 when
the run finished but some inquiries were not answered (see the lines printed).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from rich.console import Console

from openrcm.claims.management.commands.claims import RichProgress
from openrcm.core.actor import Actor
from openrcm.core.errors import ApplicationError
from openrcm.core.inputs import parse_date_input
from openrcm.eligibility.services import (
    claim_status_after_days,
    claim_status_inquiries_run,
    eligibility_check_for_date,
    eligibility_check_patient,
)
from openrcm.patients.models import Patient

PARTIAL = 3


def _day(raw: str | None, default: datetime.date) -> datetime.date:
    if not raw:
        return default
    day = parse_date_input(raw)
    if day is None:
        raise CommandError(f"--date {raw!r} is not a date; give it as YYYY-MM-DD")
    return day


class Command(BaseCommand):
    help = (
        "Eligibility (270/271) and claim status (276/277) inquiries. 'check' asks the payers "
        "about every patient seen on a day (tomorrow by default) or about one patient; "
        "'status-inquiries' asks about claims with no answer after N days."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        check = sub.add_parser("check", help="check eligibility (270/271)")
        check.add_argument("--patient", type=int, metavar="ID", help="check this patient only")
        check.add_argument(
            "--date",
            metavar="YYYY-MM-DD",
            help="date of service asked about (default: tomorrow; today with --patient)",
        )
        check.add_argument("--client", type=int, metavar="ID", help="one practice only")
        check.add_argument(
            "--force", action="store_true", help="ask again even if answered earlier today"
        )
        status = sub.add_parser(
            "status-inquiries", help="ask payers about claims with no answer (276/277)"
        )
        status.add_argument(
            "--days",
            type=int,
            metavar="N",
            help="days without an answer before asking (default: the "
            "OPENRCM_CLAIM_STATUS_AFTER_DAYS setting)",
        )
        status.add_argument("--client", type=int, metavar="ID", help="one practice only")
        for child in (check, status):
            child.add_argument("--quiet", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        console = Console(file=self.stdout, highlight=False)  # type: ignore[arg-type]  # a text stream
        progress = RichProgress(console, enabled=not options["quiet"])
        actor = Actor.job(f"cli:eligibility-{options['action']}")
        try:
            if options["action"] == "check":
                self._check(console, progress, actor, options)
            else:
                self._status(console, progress, actor, options)
        except ApplicationError as exc:
            progress.finish()
            raise CommandError(exc.message) from exc

    def _check(
        self, console: Console, progress: RichProgress, actor: Actor, options: dict[str, Any]
    ) -> None:
        today = timezone.localdate()
        if options["patient"] is not None:
            patient = Patient.objects.select_related("client").filter(pk=options["patient"])
            if options["client"] is not None:
                patient = patient.filter(client_id=options["client"])
            found = patient.first()
            if found is None:
                raise CommandError(f"no patient has id {options['patient']}")
            day = _day(options["date"], today)
            checks = eligibility_check_patient(
                actor=actor, patient=found, on_date=day, force=options["force"]
            )
            for check in checks:
                console.print(check.message)
            if any(c.outcome in ("failed", "asked") for c in checks):
                raise CommandError("not every inquiry was answered", returncode=PARTIAL)
            return
        day = _day(options["date"], today + datetime.timedelta(days=1))
        run = eligibility_check_for_date(
            actor=actor,
            day=day,
            force=options["force"],
            client_id=options["client"],
            progress=progress,
        )
        progress.finish()
        console.print(run.summary())
        for check in run.checks:
            if check.work_item is not None or check.outcome in ("failed", "asked"):
                console.print(f"  {check.message}")
        for line in run.problems:
            console.print(f"  problem: {line}")
        if run.failed or run.problems:
            raise CommandError(
                f"{run.failed + len(run.problems)} check(s) were not answered; run it again "
                "later (answered checks are not asked again)",
                returncode=PARTIAL,
            )

    def _status(
        self, console: Console, progress: RichProgress, actor: Actor, options: dict[str, Any]
    ) -> None:
        days = options["days"] if options["days"] is not None else claim_status_after_days()
        run = claim_status_inquiries_run(
            actor=actor, after_days=days, client_id=options["client"], progress=progress
        )
        progress.finish()
        console.print(f"Claims with no answer for {days} day(s): {run.summary()}")
        for inquiry in run.inquiries:
            inquiry.refresh_from_db()
            if inquiry.status_codes or inquiry.problem:
                console.print(
                    f"  {inquiry.claim.patient_control_number}: "
                    f"{inquiry.status_words or inquiry.problem}"
                )
        for line in run.problems:
            console.print(f"  problem: {line}")
        if run.failed or run.problems:
            raise CommandError(
                f"{run.failed} claim status inquiry(ies) were not answered; run it again later",
                returncode=PARTIAL,
            )
