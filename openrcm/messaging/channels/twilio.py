"""Twilio Programmable Messaging through Twilio's official Python SDK.

Sending: ``Messages.create`` with a status callback URL, so Twilio reports delivery to
``/messaging/webhooks/twilio/``. Webhooks (inbound texts and status callbacks) are
accepted only with a valid ``X-Twilio-Signature`` (HMAC-SHA1 of the URL and the sorted
form parameters under the auth token; the SDK's ``RequestValidator`` checks it).

Twilio answers STOP, HELP and START itself unless the number's Advanced Opt-Out is
configured to leave the replies to the application; openrcm sends exactly one
confirmation itself, so switch Twilio's default replies off (README, Communications).
"""

from __future__ import annotations

from typing import Any

from twilio.base.exceptions import TwilioException
from twilio.request_validator import RequestValidator
from twilio.rest import Client as TwilioClient

from openrcm.messaging.channels.base import (
    CallReceipt,
    ChannelError,
    InboundText,
    SendReceipt,
    StatusUpdate,
    WebhookRequest,
    WebhookResult,
)

# Twilio's message statuses → ours (queued/accepted/sending: Twilio has taken it).
TWILIO_STATUS = {
    "accepted": "sent",
    "scheduled": "sent",
    "queued": "sent",
    "sending": "sent",
    "sent": "sent",
    "delivered": "delivered",
    "read": "delivered",
    "undelivered": "undelivered",
    "failed": "failed",
    "canceled": "failed",
}


class TwilioChannel:
    name = "twilio"
    places_calls = False  # click-to-call is RingCentral's RingOut

    def __init__(
        self, *, account_sid: str, auth_token: str, from_number: str, api_base_url: str
    ) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.from_number = from_number
        self.client = TwilioClient(account_sid, auth_token)
        self.client.api.base_url = api_base_url.rstrip("/")
        self.validator = RequestValidator(auth_token)

    def _account(self) -> Any:
        return self.client.api.v2010.accounts(self.account_sid)

    def send_text(
        self, *, to: str, body: str, status_callback_url: str | None = None
    ) -> SendReceipt:
        options: dict[str, Any] = {"to": to, "from_": self.from_number, "body": body}
        if status_callback_url:
            options["status_callback"] = status_callback_url
        try:
            message = self._account().messages.create(**options)
        except TwilioException as exc:
            raise ChannelError(f"Twilio refused the message: {exc}") from exc
        except OSError as exc:  # requests' connection errors are OSErrors
            raise ChannelError(f"Twilio could not be reached: {exc}") from exc
        status = TWILIO_STATUS.get(str(message.status), "sent")
        return SendReceipt(str(message.sid), status, f"twilio: {message.status}")

    def place_call(self, *, to: str) -> CallReceipt:
        raise ChannelError("click-to-call needs RingCentral RingOut; dial the number yourself")

    def message_status(self, provider_message_id: str) -> StatusUpdate | None:
        try:
            message = self._account().messages(provider_message_id).fetch()
        except (TwilioException, OSError) as exc:
            raise ChannelError(f"Twilio could not tell the status: {exc}") from exc
        status = TWILIO_STATUS.get(str(message.status))
        if status is None:
            return None
        detail = f"twilio: {message.status}"
        if message.error_code:
            detail += f" (error {message.error_code})"
        return StatusUpdate(provider_message_id, status, detail)

    def webhook_verified(self, request: WebhookRequest) -> bool:
        signature = request.header("X-Twilio-Signature")
        if not signature:
            return False
        return bool(self.validator.validate(request.url, request.form, signature))

    def webhook_parse(self, request: WebhookRequest) -> WebhookResult:
        form = request.form
        sid = form.get("MessageSid") or form.get("SmsSid") or ""
        if not sid:
            return WebhookResult()
        if "Body" in form and form.get("From"):
            inbound = InboundText(
                provider_message_id=sid,
                from_number=form["From"],
                to_number=form.get("To", ""),
                body=form["Body"],
            )
            return WebhookResult(inbound=(inbound,))
        raw = form.get("MessageStatus") or form.get("SmsStatus") or ""
        status = TWILIO_STATUS.get(raw)
        if status is None:
            return WebhookResult()
        detail = f"twilio: {raw}"
        if form.get("ErrorCode"):
            detail += f" (error {form['ErrorCode']})"
        return WebhookResult(statuses=(StatusUpdate(sid, status, detail),))
