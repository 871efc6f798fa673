"""``openrcm messaging``: templates, settings, delivery status, and sends through the gate."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from openrcm.core.actor import Actor
from openrcm.core.errors import ApplicationError, ValidationFailed
from openrcm.messaging import services
from openrcm.messaging.conf import messaging_config
from openrcm.messaging.models import MessageTemplate, Party


class Command(BaseCommand):
    help = (
        "Communications. 'templates' lists the message templates with a preview; 'settings' "
        "shows the deployment's messaging settings and what is missing; 'refresh-status' "
        "asks the provider how sent texts fared; 'send' sends a template to a party through "
        "the policy gate (a refusal prints every reason)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        templates = sub.add_parser("templates", help="list templates, variables and a preview")
        templates.add_argument(
            "--install-defaults",
            action="store_true",
            help="first put back any built-in template that is missing",
        )
        sub.add_parser("settings", help="show the messaging settings and their problems")
        sub.add_parser("refresh-status", help="ask the provider for delivery statuses")
        send = sub.add_parser("send", help="send a template to a party through the gate")
        send.add_argument("--party", type=int, required=True, help="the party's id")
        send.add_argument("--template", required=True, help="the template's key")
        send.add_argument(
            "--var", action="append", default=[], metavar="NAME=VALUE", help="a template value"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "templates":
            if options["install_defaults"]:
                installed = services.templates_install_defaults()
                self.stdout.write(f"{installed} built-in template(s) installed")
            for template in MessageTemplate.objects.order_by("key"):
                names = ", ".join(services.template_variables(template.body))
                state = "" if template.active else " (off)"
                self.stdout.write(f"{template.key}{state} [{template.purpose}] {{{names}}}")
                self.stdout.write(f"  {services.template_preview(template)}")
            return
        if action == "settings":
            config = messaging_config()
            self.stdout.write(f"company:   {config.company_name}")
            self.stdout.write(f"channel:   {config.channel}")
            self.stdout.write(f"from:      {config.from_number or '-'}")
            self.stdout.write(f"help:      {config.help_phone} {config.help_email}".rstrip())
            self.stdout.write(f"notices:   {config.frequency_text}. {config.rates_text}.")
            self.stdout.write(f"marketing: {'on' if config.marketing_enabled else 'off'}")
            try:
                config.policy()
            except ValueError as exc:
                self.stdout.write(f"problem:   {exc}")
            for problem in config.problems():
                self.stdout.write(f"problem:   {problem}")
            return
        if action == "refresh-status":
            moved = services.message_statuses_refresh()
            self.stdout.write(f"{moved} message(s) changed status")
            return
        self._send(options)

    def _send(self, options: dict[str, Any]) -> None:
        party = Party.objects.filter(pk=options["party"]).first()
        template = MessageTemplate.objects.filter(key=options["template"]).first()
        if party is None or template is None:
            raise CommandError("no such party or template (see 'openrcm messaging templates')")
        values = {}
        for item in options["var"]:
            name, sep, value = item.partition("=")
            if not sep:
                raise CommandError(f"--var {item!r}: write NAME=VALUE")
            values[name] = value
        try:
            outcome = services.message_send_template(
                actor=Actor.job("cli:messaging-send"), party=party, template=template, values=values
            )
        except ValidationFailed as exc:
            raise CommandError("; ".join(m for _, m in exc.problems)) from exc
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        if outcome.refusal is not None:
            self.stdout.write("refused by the policy gate:")
            for reason in outcome.refusal.reasons:
                self.stdout.write(f"  {reason['code']}: {reason['message']}")
            if outcome.refusal.next_allowed_at:
                self.stdout.write(f"  may go from {outcome.refusal.next_allowed_at.isoformat()}")
            return
        if outcome.message is not None:
            message = outcome.message
            self.stdout.write(f"sent: message {message.pk} ({message.status})")
