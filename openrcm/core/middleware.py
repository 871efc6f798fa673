"""Request middleware for the HIPAA safeguards every page inherits.

- ``RequestActorMiddleware``: gives each request an id and ``request.actor`` (the
  ``Actor`` services and the audit trail take: user, IP, user agent, request id).
- ``IdleLogoffMiddleware``: automatic logoff (164.312(a)(2)(iii)) enforced on the server
  from a timestamp in the session, not only by the cookie's age.
- ``MFARequiredMiddleware``: a signed-in user whose session has not passed the second
  factor may only reach the MFA pages and logout; staff without a device are sent to
  enrolment.
- ``ContentSecurityPolicyMiddleware``: a Content-Security-Policy header on every response.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.http import urlencode

from openrcm.core.actor import Actor

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
LAST_ACTIVITY_SESSION_KEY = "openrcm_last_activity"

GetResponse = Callable[[HttpRequest], HttpResponse]


def client_ip(request: HttpRequest) -> str | None:
    """The peer address; behind a proxy, the address the trusted proxy saw.

    ``OPENRCM_TRUSTED_PROXY_COUNT`` (default 0) says how many proxies in front of the app
    append to X-Forwarded-For; only then is that header believed.
    """
    proxies = int(getattr(settings, "OPENRCM_TRUSTED_PROXY_COUNT", 0))
    if proxies > 0:
        forwarded = [
            p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies] or None
    return request.META.get("REMOTE_ADDR") or None


def request_actor(request: HttpRequest, user: Any = None) -> Actor:
    """The ``Actor`` for this request; ``user`` overrides ``request.user`` (e.g. at login)."""
    if user is None:
        user = getattr(request, "user", None)
    details: dict[str, Any] = {
        "ip": client_ip(request),
        "user_agent": request.META.get("HTTP_USER_AGENT", "")[:255],
        "request_id": getattr(request, "request_id", None),
    }
    if user is not None and getattr(user, "is_authenticated", False):
        return Actor.for_user(user, **details)
    return Actor(label="anonymous", **details)


class RequestActorMiddleware:
    """Sets ``request.request_id`` (first) and ``request.actor`` (just before the view).

    Place it first in MIDDLEWARE. ``request.actor`` is built in ``process_view``, after
    authentication, idle logoff and the MFA gate have settled ``request.user``. A view
    that signs a user in or out builds its actor with ``request_actor(request, user)``.
    """

    def __init__(self, get_response: GetResponse):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if _REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]  # ours, on every request
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        return response

    def process_view(
        self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any
    ) -> None:
        request.actor = request_actor(request)  # type: ignore[attr-defined]  # ours


class IdleLogoffMiddleware:
    """Ends a session idle for more than ``OPENRCM_IDLE_LOGOFF_SECONDS`` (server-side).

    Must come after AuthenticationMiddleware. The request then continues as anonymous, so
    ``@login_required`` pages redirect to the login page and API routes answer 401.
    """

    def __init__(self, get_response: GetResponse):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = timezone.now().timestamp()
            idle_limit = int(getattr(settings, "OPENRCM_IDLE_LOGOFF_SECONDS", 15 * 60))
            last = request.session.get(LAST_ACTIVITY_SESSION_KEY)
            if isinstance(last, (int, float)) and now - last > idle_limit:
                from openrcm.privacy.models import AuditAction
                from openrcm.privacy.services import audit_record

                audit_record(
                    actor=request_actor(request),
                    action=AuditAction.LOGOUT,
                    detail=f"automatic logoff after {idle_limit} s idle",
                    client_id=getattr(user, "client_id", None),
                )
                logout(request)
                request.user = AnonymousUser()
            else:
                request.session[LAST_ACTIVITY_SESSION_KEY] = now
        return self.get_response(request)


# Views a signed-in user may reach before passing the second factor.
MFA_EXEMPT_URL_NAMES = frozenset(
    {
        "accounts:login",
        "accounts:logout",
        "accounts:mfa_verify",
        "accounts:mfa_enroll",
    }
)


def session_mfa_verified(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and getattr(user, "is_verified", lambda: False)())


class MFARequiredMiddleware:
    """Staff must pass TOTP; a user with a device must use it. Needs OTPMiddleware first."""

    def __init__(self, get_response: GetResponse):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        blocked = self._redirect_if_blocked(request)
        if blocked is not None:
            return blocked
        return self.get_response(request)

    def _redirect_if_blocked(self, request: HttpRequest) -> HttpResponse | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or session_mfa_verified(request):
            return None
        static_prefix = "/" + (settings.STATIC_URL or "static/").lstrip("/")
        if request.path.startswith(static_prefix):
            return None
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return None
        if match.view_name in MFA_EXEMPT_URL_NAMES:
            return None
        from openrcm.accounts.services import user_has_confirmed_mfa

        if user_has_confirmed_mfa(user):
            target = reverse("accounts:mfa_verify")
        elif getattr(user, "mfa_required", True):
            target = reverse("accounts:mfa_enroll")
        else:
            return None  # a client user who has not enrolled: MFA is offered, not forced
        if request.path.startswith("/api/"):
            return JsonResponse(
                {"detail": "Finish signing in with your second factor first."}, status=401
            )
        return HttpResponseRedirect(f"{target}?{urlencode({'next': request.get_full_path()})}")


DEFAULT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


class ContentSecurityPolicyMiddleware:
    """Adds ``Content-Security-Policy`` (``settings.OPENRCM_CSP``) unless a view set one."""

    def __init__(self, get_response: GetResponse):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = getattr(settings, "OPENRCM_CSP", DEFAULT_CSP)
        if policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy
        return response
