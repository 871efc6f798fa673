"""RingCentral SMS and RingOut through RingCentral's official Python SDK.

Sending: ``POST /restapi/v1.0/account/~/extension/~/sms``; click-to-call:
``POST .../ring-out`` (RingOut rings the staff member's phone, then the other party).
Delivery status: RingCentral answers ``Queued`` and reports later states through the
message store; ``message_status`` reads ``.../message-store/{id}`` and the webhook takes
message events that carry a ``messageStatus``.

Webhooks: when a subscription is created RingCentral sends a ``Validation-Token``
header that must be echoed back; every notification after that carries the
``Verification-Token`` chosen for the subscription, compared here in constant time.
RingCentral does not sign its webhooks, so the token is the check (README).
"""

from __future__ import annotations

import hmac
import json
from typing import Any

from ringcentral import SDK
from ringcentral.http.api_exception import ApiException

from openrcm.messaging.channels.base import (
    CallReceipt,
    ChannelError,
    InboundText,
    SendReceipt,
    StatusUpdate,
    WebhookRequest,
    WebhookResult,
)

RINGCENTRAL_STATUS = {
    "Queued": "sent",
    "Sent": "sent",
    "Delivered": "delivered",
    "DeliveryFailed": "undelivered",
    "SendingFailed": "failed",
}
SMS_PATH = "/restapi/v1.0/account/~/extension/~/sms"
RINGOUT_PATH = "/restapi/v1.0/account/~/extension/~/ring-out"
MESSAGE_STORE_PATH = "/restapi/v1.0/account/~/extension/~/message-store/"


class RingCentralChannel:
    name = "ringcentral"

    def __init__(
        self,
        *,
        server_url: str,
        client_id: str,
        client_secret: str,
        jwt: str,
        from_number: str,
        verification_token: str,
        ringout_from: str = "",
    ) -> None:
        self.sdk = SDK(client_id, client_secret, server_url.rstrip("/"), name="openrcm")
        self.jwt = jwt
        self.from_number = from_number
        self.verification_token = verification_token
        self.ringout_from = ringout_from
        self.places_calls = bool(ringout_from)

    def _platform(self) -> Any:
        platform = self.sdk.platform()
        if not platform.auth().access_token_valid():
            try:
                platform.login(jwt=self.jwt)
            except ApiException as exc:
                raise ChannelError(f"RingCentral sign-in failed: {exc}") from exc
        return platform

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        platform = self._platform()
        try:
            response = platform.post(path, body)
        except ApiException as exc:
            raise ChannelError(f"RingCentral refused the request: {exc}") from exc
        data: dict[str, Any] = response.json_dict()
        return data

    def send_text(
        self, *, to: str, body: str, status_callback_url: str | None = None
    ) -> SendReceipt:
        data = self._post(
            SMS_PATH,
            {"from": {"phoneNumber": self.from_number}, "to": [{"phoneNumber": to}], "text": body},
        )
        raw = str(data.get("messageStatus", "Queued"))
        return SendReceipt(
            str(data["id"]), RINGCENTRAL_STATUS.get(raw, "sent"), f"ringcentral: {raw}"
        )

    def place_call(self, *, to: str) -> CallReceipt:
        if not self.ringout_from:
            raise ChannelError(
                "RingOut is not configured (OPENRCM_RINGCENTRAL_RINGOUT_FROM); dial yourself"
            )
        data = self._post(
            RINGOUT_PATH,
            {
                "from": {"phoneNumber": self.ringout_from},
                "to": {"phoneNumber": to},
                "callerId": {"phoneNumber": self.from_number},
                "playPrompt": False,
            },
        )
        status = data.get("status", {}).get("callStatus", "")
        return CallReceipt(str(data["id"]), f"ringout: {status}")

    def message_status(self, provider_message_id: str) -> StatusUpdate | None:
        platform = self._platform()
        try:
            data = platform.get(MESSAGE_STORE_PATH + provider_message_id).json_dict()
        except ApiException as exc:
            raise ChannelError(f"RingCentral could not tell the status: {exc}") from exc
        raw = str(data.get("messageStatus", ""))
        status = RINGCENTRAL_STATUS.get(raw)
        return StatusUpdate(provider_message_id, status, f"ringcentral: {raw}") if status else None

    def webhook_verified(self, request: WebhookRequest) -> bool:
        if request.header("Validation-Token") and not request.body.strip():
            return True  # the subscription handshake: echo the token, process nothing
        token = request.header("Verification-Token")
        return bool(self.verification_token) and hmac.compare_digest(
            token.encode(), self.verification_token.encode()
        )

    def webhook_parse(self, request: WebhookRequest) -> WebhookResult:
        validation = request.header("Validation-Token")
        if validation and not request.body.strip():
            return WebhookResult(echo_headers={"Validation-Token": validation})
        try:
            event = json.loads(request.body or b"{}")
        except ValueError:
            return WebhookResult()
        body = event.get("body") if isinstance(event, dict) else None
        if not isinstance(body, dict) or not body.get("id"):
            return WebhookResult()
        message_id = str(body["id"])
        direction = body.get("direction", "")
        raw = str(body.get("messageStatus", ""))
        if direction == "Inbound" and body.get("type", "SMS") == "SMS":
            sender = (body.get("from") or {}).get("phoneNumber", "")
            recipients = body.get("to") or [{}]
            inbound = InboundText(
                provider_message_id=message_id,
                from_number=str(sender),
                to_number=str(recipients[0].get("phoneNumber", "")),
                body=str(body.get("subject", "")),
            )
            return WebhookResult(inbound=(inbound,))
        status = RINGCENTRAL_STATUS.get(raw)
        if direction == "Outbound" and status:
            return WebhookResult(
                statuses=(StatusUpdate(message_id, status, f"ringcentral: {raw}"),)
            )
        return WebhookResult()
