"""Sign-in (password, then second factor), sign-out and MFA enrolment pages.

A password alone never makes a full session for a user with an authenticator: the user id
waits in the session (``PENDING_SESSION_KEY``) until the code is checked, and only then
does ``django.contrib.auth.login`` run. Staff without an authenticator are signed in but
``MFARequiredMiddleware`` lets them reach nothing but enrolment and logout.
"""

from __future__ import annotations

from typing import Any

import django_otp
import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render, resolve_url
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from django_otp.plugins.otp_totp.models import TOTPDevice

from openrcm.accounts import services
from openrcm.accounts.models import User
from openrcm.core.errors import ApplicationError
from openrcm.core.middleware import request_actor, session_mfa_verified
from openrcm.privacy.models import AuditAction
from openrcm.privacy.services import audit_record

PENDING_SESSION_KEY = "openrcm_mfa_pending"
ENROL_SESSION_KEY = "openrcm_mfa_enrol_device"
PENDING_SECONDS = 5 * 60
AUTH_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _next_url(request: HttpRequest, fallback: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _home() -> str:
    try:
        return resolve_url(settings.LOGIN_REDIRECT_URL)
    except NoReverseMatch:
        return "/"


def _page(request: HttpRequest, template: str, title: str, **context: Any) -> HttpResponse:
    status = context.pop("status", 200)
    return render(
        request,
        template,
        {"title": title, "breadcrumbs": [(title, None)], **context},
        status=status,
    )


@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    next_url = _next_url(request, _home())
    if request.method == "GET":
        if request.user.is_authenticated and session_mfa_verified(request):
            return HttpResponseRedirect(next_url)
        return _page(request, "accounts/login.html", "Sign in", next=next_url)
    username = request.POST.get("username", "")
    try:
        user = services.login_password_check(
            actor=request_actor(request),
            username=username,
            password=request.POST.get("password", ""),
        )
    except ApplicationError as exc:
        return _page(
            request,
            "accounts/login.html",
            "Sign in",
            next=next_url,
            username=username,
            error=exc.message,
            status=200,
        )
    if services.user_has_confirmed_mfa(user):
        request.session.cycle_key()
        request.session[PENDING_SESSION_KEY] = {
            "user_id": user.pk,
            "at": timezone.now().timestamp(),
            "next": next_url,
        }
        return HttpResponseRedirect(reverse("accounts:mfa_verify"))
    login(request, user, backend=AUTH_BACKEND)
    services.login_succeeded(actor=request_actor(request, user), user=user)
    if user.mfa_required:
        return HttpResponseRedirect(
            f"{reverse('accounts:mfa_enroll')}?{urlencode({'next': next_url})}"
        )
    return HttpResponseRedirect(next_url)


def _pending_user(request: HttpRequest) -> tuple[User | None, str]:
    pending = request.session.get(PENDING_SESSION_KEY)
    if not isinstance(pending, dict):
        return None, _home()
    if timezone.now().timestamp() - float(pending.get("at", 0)) > PENDING_SECONDS:
        request.session.pop(PENDING_SESSION_KEY, None)
        return None, _home()
    user_id = pending.get("user_id")
    if not isinstance(user_id, int):
        return None, _home()
    user = User.objects.filter(pk=user_id, is_active=True).first()
    return user, str(pending.get("next") or _home())


@never_cache
@require_http_methods(["GET", "POST"])
def mfa_verify_view(request: HttpRequest) -> HttpResponse:
    """Second step: the 6-digit code (or a recovery code)."""
    if request.user.is_authenticated:
        if session_mfa_verified(request):
            return HttpResponseRedirect(_next_url(request, _home()))
        user: User | None = request.user
        next_url = _next_url(request, _home())
        signed_in = True
    else:
        user, next_url = _pending_user(request)
        signed_in = False
    if user is None:
        return HttpResponseRedirect(reverse("accounts:login"))
    if request.method == "GET":
        return _page(request, "accounts/mfa_verify.html", "Second step", next=next_url)
    actor = request_actor(request, user)
    try:
        result = services.mfa_verify(actor=actor, user=user, token=request.POST.get("token", ""))
    except ApplicationError as exc:
        if isinstance(exc, services.AccountLocked):
            request.session.pop(PENDING_SESSION_KEY, None)
            if signed_in:
                logout(request)
            return _page(request, "accounts/login.html", "Sign in", error=exc.message)
        return _page(
            request, "accounts/mfa_verify.html", "Second step", next=next_url, error=exc.message
        )
    request.session.pop(PENDING_SESSION_KEY, None)
    if not signed_in:
        login(request, user, backend=AUTH_BACKEND)
    django_otp.login(request, result.device)
    services.login_succeeded(actor=actor, user=user, mfa_method=result.method)
    return HttpResponseRedirect(next_url)


def _qr_svg(data: str) -> str:
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    svg: str = image.to_string(encoding="unicode")
    return svg


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def mfa_enroll_view(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app: QR code, a confirming code, then recovery codes."""
    user: User = request.user  # type: ignore[assignment]  # login_required
    if services.user_has_confirmed_mfa(user) and not session_mfa_verified(request):
        # Replacing a device needs the current one first; a password alone is not enough.
        query = urlencode({"next": reverse("accounts:mfa_enroll")})
        return HttpResponseRedirect(f"{reverse('accounts:mfa_verify')}?{query}")
    actor = request_actor(request)
    device = TOTPDevice.objects.filter(
        pk=request.session.get(ENROL_SESSION_KEY), user=user, confirmed=False
    ).first()
    if device is None:
        device = services.mfa_totp_enroll(actor=actor, user=user, confirmed=False)
        request.session[ENROL_SESSION_KEY] = device.pk
    next_url = _next_url(request, _home())
    context: dict[str, Any] = {
        "qr_svg": _qr_svg(device.config_url),
        "secret": _base32(device),
        "next": next_url,
        "required": user.mfa_required,
    }
    if request.method == "POST":
        try:
            services.mfa_totp_confirm(
                actor=actor, device=device, token=request.POST.get("token", "")
            )
        except ApplicationError as exc:
            return _page(
                request,
                "accounts/mfa_enroll.html",
                "Set up sign-in codes",
                error=exc.message,
                **context,
            )
        request.session.pop(ENROL_SESSION_KEY, None)
        django_otp.login(request, device)
        codes = services.mfa_recovery_codes_generate(actor=actor, user=user)
        return _page(
            request, "accounts/recovery_codes.html", "Recovery codes", codes=codes, next=next_url
        )
    return _page(request, "accounts/mfa_enroll.html", "Set up sign-in codes", **context)


def _base32(device: TOTPDevice) -> str:
    import base64

    raw = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def mfa_recovery_codes_view(request: HttpRequest) -> HttpResponse:
    """Issue a fresh set of recovery codes (the old ones stop working)."""
    if request.method == "GET":
        return _page(request, "accounts/recovery_codes.html", "Recovery codes", codes=None)
    codes = services.mfa_recovery_codes_generate(
        actor=request_actor(request),
        user=request.user,  # type: ignore[arg-type]  # login_required
    )
    return _page(request, "accounts/recovery_codes.html", "Recovery codes", codes=codes)


@never_cache
@require_http_methods(["GET", "POST"])
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        if request.user.is_authenticated:
            audit_record(
                actor=request_actor(request),
                action=AuditAction.LOGOUT,
                obj=request.user,
                detail="signed out",
            )
        request.session.pop(PENDING_SESSION_KEY, None)
        logout(request)
        return HttpResponseRedirect(reverse("accounts:login"))
    return _page(request, "accounts/logout.html", "Sign out")
