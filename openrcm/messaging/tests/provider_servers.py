"""Local HTTP servers that answer like Twilio's and RingCentral's documented endpoints.

Only loopback; started and stopped by the tests. Each records the requests it got so a
test can check what the official SDKs sent (paths, auth, bodies).

Twilio (REST API 2010-04-01): ``POST /2010-04-01/Accounts/{AccountSid}/Messages.json``
with form fields To, From, Body, StatusCallback and HTTP basic auth (account SID, auth
token) answers 201 with the message resource (``sid`` "SM...", ``status`` "queued");
``GET .../Messages/{Sid}.json`` answers the resource with its current status.

RingCentral (REST API v1.0): ``POST /restapi/oauth/token`` (basic auth of client id and
secret, ``grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer``) answers a bearer
token; ``POST /restapi/v1.0/account/~/extension/~/sms`` answers the message record
(``id``, ``messageStatus`` "Queued"); ``.../ring-out`` answers the RingOut status;
``GET .../message-store/{id}`` answers the record with its current ``messageStatus``.
"""

from __future__ import annotations

import base64
import json
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def form(self) -> dict[str, str]:
        return dict(urllib.parse.parse_qsl(self.body.decode()))

    def json(self) -> Any:
        return json.loads(self.body or b"null")


@dataclass
class ProviderState:
    requests: list[Recorded] = field(default_factory=list)
    statuses: dict[str, str] = field(default_factory=dict)  # message id → current status
    refuse_next: bool = False
    counter: int = 0


def _basic(header: str) -> tuple[str, str] | None:
    if not header.startswith("Basic "):
        return None
    user, _, password = base64.b64decode(header[6:]).decode().partition(":")
    return user, password


class _Handler(BaseHTTPRequestHandler):
    state: ProviderState
    provider: str
    credentials: tuple[str, str]

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _answer(self, status: int, payload: Any) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _record(self) -> Recorded:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        recorded = Recorded(
            self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body
        )
        self.state.requests.append(recorded)
        return recorded

    def do_GET(self) -> None:
        self._dispatch(self._record())

    def do_POST(self) -> None:
        self._dispatch(self._record())

    def _dispatch(self, request: Recorded) -> None:
        if self.provider == "twilio":
            self._twilio(request)
        else:
            self._ringcentral(request)

    # -- Twilio ------------------------------------------------------------------------
    def _twilio(self, request: Recorded) -> None:
        sid, token = self.credentials
        if _basic(request.headers.get("authorization", "")) != (sid, token):
            self._answer(401, {"code": 20003, "message": "Authenticate", "status": 401})
            return
        base = f"/2010-04-01/Accounts/{sid}/Messages"
        if request.method == "POST" and request.path == base + ".json":
            if self.state.refuse_next:
                self.state.refuse_next = False
                self._answer(
                    400,
                    {
                        "code": 21610,
                        "message": "Attempt to send to unsubscribed recipient",
                        "status": 400,
                    },
                )
                return
            form = request.form()
            self.state.counter += 1
            message_sid = f"SM{self.state.counter:032x}"
            self.state.statuses[message_sid] = "queued"
            self._answer(201, self._twilio_message(message_sid, form))
            return
        if request.method == "GET" and request.path.startswith(base + "/"):
            message_sid = request.path[len(base) + 1 :].removesuffix(".json")
            if message_sid not in self.state.statuses:
                self._answer(404, {"code": 20404, "message": "Not found", "status": 404})
                return
            self._answer(200, self._twilio_message(message_sid, {}))
            return
        self._answer(404, {"code": 20404, "message": "Not found", "status": 404})

    def _twilio_message(self, message_sid: str, form: dict[str, str]) -> dict[str, Any]:
        sid = self.credentials[0]
        status = self.state.statuses[message_sid]
        return {
            "sid": message_sid,
            "account_sid": sid,
            "to": form.get("To", ""),
            "from": form.get("From", ""),
            "body": form.get("Body", ""),
            "status": status,
            "direction": "outbound-api",
            "error_code": 30003 if status == "undelivered" else None,
            "error_message": None,
            "num_segments": "1",
            "uri": f"/2010-04-01/Accounts/{sid}/Messages/{message_sid}.json",
        }

    # -- RingCentral -------------------------------------------------------------------
    def _ringcentral(self, request: Recorded) -> None:
        client_id, secret = self.credentials
        if request.path == "/restapi/oauth/token":
            form = request.form()
            if _basic(request.headers.get("authorization", "")) != (client_id, secret) or (
                form.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer"
            ):
                self._answer(401, {"error": "invalid_client"})
                return
            self._answer(
                200,
                {
                    "access_token": "local-access-token",
                    "token_type": "bearer",
                    "expires_in": 3600,
                    "refresh_token": "local-refresh-token",
                    "refresh_token_expires_in": 604800,
                    "scope": "SMS RingOut",
                    "owner_id": "101",
                },
            )
            return
        if request.headers.get("authorization") != "bearer local-access-token":
            self._answer(401, {"errorCode": "AGW-401", "message": "Authorization required"})
            return
        extension = "/restapi/v1.0/account/~/extension/~/"
        if request.method == "POST" and request.path == extension + "sms":
            body = request.json()
            self.state.counter += 1
            message_id = str(900000 + self.state.counter)
            self.state.statuses[message_id] = "Queued"
            self._answer(
                200,
                {
                    "id": message_id,
                    "uri": f"https://platform.example/restapi/v1.0/account/1/extension/1/message-store/{message_id}",
                    "type": "SMS",
                    "direction": "Outbound",
                    "messageStatus": "Queued",
                    "from": body["from"],
                    "to": body["to"],
                    "subject": body["text"],
                },
            )
            return
        if request.method == "POST" and request.path == extension + "ring-out":
            self.state.counter += 1
            self._answer(
                200,
                {
                    "id": f"ringout-{self.state.counter}",
                    "status": {
                        "callStatus": "InProgress",
                        "callerStatus": "InProgress",
                        "calleeStatus": "InProgress",
                    },
                },
            )
            return
        if request.method == "GET" and request.path.startswith(extension + "message-store/"):
            message_id = request.path.rsplit("/", 1)[1]
            if message_id not in self.state.statuses:
                self._answer(404, {"errorCode": "CMN-102", "message": "Resource not found"})
                return
            self._answer(
                200,
                {"id": message_id, "messageStatus": self.state.statuses[message_id]},
            )
            return
        self._answer(404, {"errorCode": "CMN-102", "message": "Resource not found"})


class ProviderServer:
    """``with ProviderServer("twilio", ("AC...", "token")) as server: server.url``."""

    def __init__(self, provider: str, credentials: tuple[str, str]):
        self.state = ProviderState()
        handler = type(
            "Handler",
            (_Handler,),
            {"state": self.state, "provider": provider, "credentials": credentials},
        )
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> ProviderServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
