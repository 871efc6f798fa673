"""The deployment's messaging settings, from Django settings or the environment.

Every value can be set as a Django setting of the same name or as an environment
variable (the setting wins; tests override settings). Nothing here is cached, so a
change of setting (marketing switched on, say) takes effect on the next message.

=====================================  ===================================================
``OPENRCM_COMPANY_NAME``               the brand the company's messages go out under
``OPENRCM_MESSAGING_HELP_PHONE``       the number HELP replies give (required for texts)
``OPENRCM_MESSAGING_HELP_EMAIL``       an address HELP replies give (optional)
``OPENRCM_MESSAGING_PROGRAM``          what the messages are ("account, billing and ...")
``OPENRCM_MESSAGING_FREQUENCY``        "Msg frequency varies" or "Up to 4 msgs/mo"
``OPENRCM_MESSAGING_RATES``            "Msg & data rates may apply"
``OPENRCM_MESSAGING_MARKETING``        promotional messages on (default off)
``OPENRCM_MESSAGING_CHANNEL``          outbox (default), twilio or ringcentral
``OPENRCM_MESSAGING_FROM_NUMBER``      the company's texting number (E.164)
``OPENRCM_MESSAGING_PUBLIC_URL``       https://host the providers call back (webhooks)
``OPENRCM_TWILIO_ACCOUNT_SID``         Twilio account
``OPENRCM_TWILIO_AUTH_TOKEN``          Twilio auth token (signs webhooks too)
``OPENRCM_TWILIO_API_BASE_URL``        https://api.twilio.com (tests: a local server)
``OPENRCM_RINGCENTRAL_SERVER_URL``     https://platform.ringcentral.com
``OPENRCM_RINGCENTRAL_CLIENT_ID``      RingCentral app client id
``OPENRCM_RINGCENTRAL_CLIENT_SECRET``  RingCentral app client secret
``OPENRCM_RINGCENTRAL_JWT``            RingCentral JWT credential of the sending extension
``OPENRCM_RINGCENTRAL_VERIFICATION_TOKEN``  the webhook subscription's verification token
``OPENRCM_RINGCENTRAL_RINGOUT_FROM``   the staff phone RingOut rings first (click-to-call)
=====================================  ===================================================
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from openrcm.config import ConfigurationError, env_flag
from openrcm.rules.messaging import PolicySettings

CHANNEL_NAMES = ("outbox", "twilio", "ringcentral")
DEFAULT_HELP_PHONE = "+12125550100"  # a 555-01xx number: fine for the demo, not production


def _value(name: str, default: str = "") -> str:
    configured: Any = getattr(settings, name, None)
    if configured is None:
        configured = os.environ.get(name, default)
    return str(configured)


def _flag(name: str, default: bool) -> bool:
    configured: Any = getattr(settings, name, None)
    if isinstance(configured, bool):
        return configured
    if configured is not None:
        return env_flag({name: str(configured)}, name, default)
    return env_flag(os.environ, name, default)


@dataclass(frozen=True)
class MessagingConfig:
    company_name: str
    help_phone: str
    help_email: str
    program: str
    frequency_text: str
    rates_text: str
    marketing_enabled: bool
    channel: str
    from_number: str
    public_url: str
    twilio_account_sid: str
    twilio_auth_token: str
    twilio_api_base_url: str
    ringcentral_server_url: str
    ringcentral_client_id: str
    ringcentral_client_secret: str
    ringcentral_jwt: str
    ringcentral_verification_token: str
    ringcentral_ringout_from: str

    def policy(self) -> PolicySettings:
        """The pure gate's settings for this deployment."""
        return PolicySettings(
            company_name=self.company_name,
            help_phone=self.help_phone,
            help_email=self.help_email or None,
            program_description=self.program,
            frequency_text=self.frequency_text,
            rates_text=self.rates_text,
            promotional_messages_enabled=self.marketing_enabled,
        )

    def problems(self) -> list[str]:
        """What is missing for the chosen channel, in words (empty when complete)."""
        problems: list[str] = []
        if self.channel not in CHANNEL_NAMES:
            problems.append(
                f"OPENRCM_MESSAGING_CHANNEL={self.channel!r} is not one of "
                f"{', '.join(CHANNEL_NAMES)}"
            )
        needed: dict[str, tuple[tuple[str, str], ...]] = {
            "twilio": (
                ("OPENRCM_TWILIO_ACCOUNT_SID", self.twilio_account_sid),
                ("OPENRCM_TWILIO_AUTH_TOKEN", self.twilio_auth_token),
                ("OPENRCM_MESSAGING_FROM_NUMBER", self.from_number),
            ),
            "ringcentral": (
                ("OPENRCM_RINGCENTRAL_CLIENT_ID", self.ringcentral_client_id),
                ("OPENRCM_RINGCENTRAL_CLIENT_SECRET", self.ringcentral_client_secret),
                ("OPENRCM_RINGCENTRAL_JWT", self.ringcentral_jwt),
                ("OPENRCM_RINGCENTRAL_VERIFICATION_TOKEN", self.ringcentral_verification_token),
                ("OPENRCM_MESSAGING_FROM_NUMBER", self.from_number),
            ),
        }
        for name, value in needed.get(self.channel, ()):
            if not value.strip():
                problems.append(f"{name} is not set (needed by the {self.channel} channel)")
        return problems


def messaging_config() -> MessagingConfig:
    """The current settings (read anew on every call)."""
    try:
        marketing = _flag("OPENRCM_MESSAGING_MARKETING", False)
    except ConfigurationError:
        marketing = False  # an unreadable switch is off: the conservative reading
    return MessagingConfig(
        company_name=_value("OPENRCM_COMPANY_NAME", "Demo Billing Company"),
        help_phone=_value("OPENRCM_MESSAGING_HELP_PHONE", DEFAULT_HELP_PHONE),
        help_email=_value("OPENRCM_MESSAGING_HELP_EMAIL"),
        program=_value("OPENRCM_MESSAGING_PROGRAM", "account, billing and appointment messages"),
        frequency_text=_value("OPENRCM_MESSAGING_FREQUENCY", "Msg frequency varies"),
        rates_text=_value("OPENRCM_MESSAGING_RATES", "Msg & data rates may apply"),
        marketing_enabled=marketing,
        channel=_value("OPENRCM_MESSAGING_CHANNEL", "outbox").strip().lower(),
        from_number=_value("OPENRCM_MESSAGING_FROM_NUMBER"),
        public_url=_value("OPENRCM_MESSAGING_PUBLIC_URL").rstrip("/"),
        twilio_account_sid=_value("OPENRCM_TWILIO_ACCOUNT_SID"),
        twilio_auth_token=_value("OPENRCM_TWILIO_AUTH_TOKEN"),
        twilio_api_base_url=_value("OPENRCM_TWILIO_API_BASE_URL", "https://api.twilio.com"),
        ringcentral_server_url=_value(
            "OPENRCM_RINGCENTRAL_SERVER_URL", "https://platform.ringcentral.com"
        ),
        ringcentral_client_id=_value("OPENRCM_RINGCENTRAL_CLIENT_ID"),
        ringcentral_client_secret=_value("OPENRCM_RINGCENTRAL_CLIENT_SECRET"),
        ringcentral_jwt=_value("OPENRCM_RINGCENTRAL_JWT"),
        ringcentral_verification_token=_value("OPENRCM_RINGCENTRAL_VERIFICATION_TOKEN"),
        ringcentral_ringout_from=_value("OPENRCM_RINGCENTRAL_RINGOUT_FROM"),
    )
