"""The embedded outbox: messages stay in the database and show in the conversation view.

The default channel. Nothing leaves the machine: a message handed here is "delivered" to
the outbox at once, and staff type the other side's replies in the conversation view
(``inbound_simulate``), which is how the demo shows STOP and HELP.
"""

from __future__ import annotations

import uuid

from openrcm.messaging.channels.base import (
    CallReceipt,
    SendReceipt,
    StatusUpdate,
    WebhookRequest,
    WebhookResult,
)


class OutboxChannel:
    name = "outbox"
    places_calls = True  # a simulated call: the outcome is typed in by staff

    def send_text(
        self, *, to: str, body: str, status_callback_url: str | None = None
    ) -> SendReceipt:
        return SendReceipt(f"outbox-{uuid.uuid4().hex}", "delivered", "kept in the outbox")

    def place_call(self, *, to: str) -> CallReceipt:
        return CallReceipt(f"outbox-call-{uuid.uuid4().hex}", "simulated call")

    def message_status(self, provider_message_id: str) -> StatusUpdate | None:
        return None

    def webhook_verified(self, request: WebhookRequest) -> bool:
        return False  # the outbox has no webhooks: replies are typed in the UI

    def webhook_parse(self, request: WebhookRequest) -> WebhookResult:
        return WebhookResult()
