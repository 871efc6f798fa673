"""The one interface every channel implements, and what crosses it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


class ChannelError(Exception):
    """The provider refused the message or could not be reached."""


@dataclass(frozen=True)
class SendReceipt:
    provider_message_id: str
    status: str  # one of MessageStatus: "sent" or "delivered" (the outbox)
    detail: str = ""


@dataclass(frozen=True)
class CallReceipt:
    provider_call_id: str
    detail: str = ""


@dataclass(frozen=True)
class WebhookRequest:
    """A provider's HTTP request as the view received it (framework-free)."""

    url: str  # the full URL the provider called, as it signed it
    headers: dict[str, str]  # names lower-cased
    body: bytes
    form: dict[str, str] = field(default_factory=dict)

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")


@dataclass(frozen=True)
class InboundText:
    provider_message_id: str
    from_number: str
    to_number: str
    body: str
    received_at: datetime | None = None


@dataclass(frozen=True)
class StatusUpdate:
    provider_message_id: str
    status: str  # one of MessageStatus
    detail: str = ""


@dataclass(frozen=True)
class WebhookResult:
    """What a webhook carried; ``echo_headers`` go back in the answer (validation)."""

    inbound: tuple[InboundText, ...] = ()
    statuses: tuple[StatusUpdate, ...] = ()
    echo_headers: dict[str, str] = field(default_factory=dict)


class Channel(Protocol):
    name: str
    places_calls: bool

    def send_text(
        self, *, to: str, body: str, status_callback_url: str | None = None
    ) -> SendReceipt: ...

    def place_call(self, *, to: str) -> CallReceipt: ...

    def message_status(self, provider_message_id: str) -> StatusUpdate | None: ...

    def webhook_verified(self, request: WebhookRequest) -> bool: ...

    def webhook_parse(self, request: WebhookRequest) -> WebhookResult: ...
