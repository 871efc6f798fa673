"""Channels: where a message goes once the policy gate has allowed it.

Private to ``openrcm.messaging.services``: nothing else imports this package (a test
walks the code to prove it), so a message can reach a channel only through
``message_send`` (after the gate) or the keyword replies of ``inbound_receive``.
"""

from __future__ import annotations

from openrcm.messaging.channels.base import (
    CallReceipt,
    ChannelError,
    InboundText,
    SendReceipt,
    StatusUpdate,
    WebhookRequest,
    WebhookResult,
)

__all__ = [
    "CallReceipt",
    "ChannelError",
    "InboundText",
    "SendReceipt",
    "StatusUpdate",
    "WebhookRequest",
    "WebhookResult",
]
