"""``openrcm demo-otp USERNAME``: the current sign-in code of a demo user (development only)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = (
        "Print the current 6-digit TOTP code of a demo user's authenticator, so the demo can "
        "be used without a phone. Refuses unless OPENRCM_ENV=development."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="the demo user (e.g. admin, biller, compliance)")

    def handle(self, *args: Any, **options: Any) -> None:
        from django_otp.oath import totp
        from django_otp.plugins.otp_totp.models import TOTPDevice

        if getattr(settings, "OPENRCM_ENV", "") != "development":
            raise CommandError(
                "demo-otp works only with OPENRCM_ENV=development: it reads a second factor "
                "that must stay on the user's own device",
                returncode=2,
            )
        username = options["username"]
        device = (
            TOTPDevice.objects.filter(user__username=username, confirmed=True)
            .order_by("-pk")
            .first()
        )
        if device is None:
            raise CommandError(
                f"{username!r} has no confirmed authenticator; the demo logins with one are "
                "printed by `openrcm demo`",
                returncode=1,
            )
        code = totp(
            device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift
        )
        self.stdout.write(f"{code:0{device.digits}d}")
