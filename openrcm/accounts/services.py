"""Users, sign-in and the second factor: every change goes through here and is audited."""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_otp import match_token
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from openrcm.accounts.models import CLIENT_ROLES, Role, User
from openrcm.accounts.permissions import permission_check
from openrcm.core.actor import Actor
from openrcm.core.errors import ApplicationError, ValidationFailed
from openrcm.privacy.models import AuditAction
from openrcm.privacy.services import audit_record

RECOVERY_CODE_COUNT = 10
TOTP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def login_max_failures() -> int:
    return _setting("OPENRCM_LOGIN_MAX_FAILURES", 5)


def login_failure_window() -> datetime.timedelta:
    return datetime.timedelta(seconds=_setting("OPENRCM_LOGIN_FAILURE_WINDOW_SECONDS", 15 * 60))


def login_lockout_duration() -> datetime.timedelta:
    return datetime.timedelta(seconds=_setting("OPENRCM_LOGIN_LOCKOUT_SECONDS", 15 * 60))


class SignInRefused(ApplicationError):
    """Wrong user name or password (never says which)."""

    code = "sign_in_refused"


class AccountLocked(ApplicationError):
    code = "account_locked"


# ---- users ------------------------------------------------------------------------------


def _role_problems(
    role: str, client: Any, assigned_clients: Iterable[Any]
) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    if role not in Role.values:
        problems.append(("role", f"{role!r} is not a role; choose one of {', '.join(Role.values)}"))
    elif role in CLIENT_ROLES:
        if client is None:
            problems.append(("client", "a user of a client practice must belong to a practice"))
        if list(assigned_clients):
            problems.append(
                ("assigned_clients", "client users see their own practice only; assign none")
            )
    elif client is not None:
        problems.append(
            ("client", "billing-company staff do not belong to a practice; assign it instead")
        )
    return problems


def user_create(
    *,
    actor: Actor,
    username: str,
    password: str,
    role: str,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    client: Any = None,
    assigned_clients: Iterable[Any] = (),
) -> User:
    """A new person who signs in. Staff must enrol MFA at first sign-in."""
    permission_check(actor, "user.manage")  # before the transaction: the denial is kept
    with transaction.atomic():
        return _user_create(
            actor=actor,
            username=username,
            password=password,
            role=role,
            email=email,
            first_name=first_name,
            last_name=last_name,
            client=client,
            assigned_clients=assigned_clients,
        )


def _user_create(
    *,
    actor: Actor,
    username: str,
    password: str,
    role: str,
    email: str,
    first_name: str,
    last_name: str,
    client: Any,
    assigned_clients: Iterable[Any],
) -> User:
    assigned = list(assigned_clients)
    username = username.strip()
    problems = _role_problems(role, client, assigned)
    if not username:
        problems.append(("username", "enter a user name"))
    elif User.objects.filter(username__iexact=username).exists():
        problems.append(("username", f"the user name {username!r} is taken; choose another"))
    candidate = User(username=username, email=email, first_name=first_name, last_name=last_name)
    try:
        password_validation.validate_password(password, user=candidate)
    except ValidationError as exc:
        problems.extend(("password", message) for message in exc.messages)
    if problems:
        raise ValidationFailed(problems)
    user = User(
        username=username,
        email=email.strip(),
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        role=role,
        client=client,
        is_staff=role not in CLIENT_ROLES,  # Django admin (scoped) for staff only
    )
    user.set_password(password)
    user.save()
    if assigned:
        user.assigned_clients.set(assigned)
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=user,
        changes={
            "username": [None, user.username],
            "role": [None, user.role],
            "client": [None, user.client_id],
            "assigned_clients": [None, sorted(c.pk for c in assigned)],
        },
    )
    return user


def user_set_role(
    *,
    actor: Actor,
    user: User,
    role: str,
    client: Any = None,
    assigned_clients: Iterable[Any] = (),
) -> User:
    """Change what a user is and which practices they work on."""
    permission_check(actor, "user.manage")
    assigned = list(assigned_clients)
    problems = _role_problems(role, client, assigned)
    if problems:
        raise ValidationFailed(problems)
    with transaction.atomic():
        return _user_set_role(actor=actor, user=user, role=role, client=client, assigned=assigned)


def _user_set_role(
    *, actor: Actor, user: User, role: str, client: Any, assigned: list[Any]
) -> User:
    before = {
        "role": user.role,
        "client": user.client_id,
        "assigned_clients": sorted(user.assigned_clients.values_list("pk", flat=True)),
    }
    user.role = role
    user.client = client
    user.is_staff = role not in CLIENT_ROLES
    user.save(update_fields=["role", "client", "is_staff"])
    user.assigned_clients.set(assigned)
    after = {
        "role": role,
        "client": user.client_id,
        "assigned_clients": sorted(c.pk for c in assigned),
    }
    changes = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
    audit_record(actor=actor, action=AuditAction.UPDATE, obj=user, changes=changes)
    return user


def user_deactivate(*, actor: Actor, user: User) -> User:
    """The person leaves: they can no longer sign in (the row stays for the audit trail)."""
    permission_check(actor, "user.manage")
    with transaction.atomic():
        return _user_deactivate(actor=actor, user=user)


def _user_deactivate(*, actor: Actor, user: User) -> User:
    if user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
        audit_record(
            actor=actor, action=AuditAction.UPDATE, obj=user, changes={"is_active": [True, False]}
        )
    return user


# ---- sign-in and lockout ----------------------------------------------------------------


def user_is_locked(user: User, *, now: datetime.datetime | None = None) -> bool:
    now = now or timezone.now()
    return user.locked_until is not None and user.locked_until > now


def _actor_as(actor: Actor, user: User | None, username: str) -> Actor:
    """The request's actor, named after the account being signed in to."""
    return Actor(
        label=(user.get_username() if user else username)[:150] or "anonymous",
        user=user,
        ip=actor.ip,
        user_agent=actor.user_agent,
        request_id=actor.request_id,
    )


def login_password_check(*, actor: Actor, username: str, password: str) -> User:
    """First factor. Returns the user, or raises ``SignInRefused``/``AccountLocked``.

    Every failure is audited; ``login_max_failures()`` failures within
    ``login_failure_window()`` lock the account for ``login_lockout_duration()``. A locked
    account is refused even with the right password. The failure count and its audit rows
    are committed before the error is raised (a raise inside the transaction would roll
    them back).
    """
    now = timezone.now()
    with transaction.atomic():
        user, outcome = _password_outcome(actor, username, password, now)
    if outcome == "ok" and user is not None:
        return user
    if outcome == "locked" and user is not None:
        raise _locked_error(user)
    raise SignInRefused("The user name or password is not right. Try again.")


def _password_outcome(
    actor: Actor, username: str, password: str, now: datetime.datetime
) -> tuple[User | None, str]:
    name = username.strip()
    user = User.objects.select_for_update().filter(username__iexact=name).first() if name else None
    if user is None:
        # Same work as a real check, so timing does not tell which user names exist.
        User().set_password(password)
        audit_record(
            actor=_actor_as(actor, None, name),
            action=AuditAction.LOGIN_FAILED,
            detail=f"unknown user name {name[:60]!r}",
        )
        return None, "refused"
    if user_is_locked(user, now=now):
        audit_record(
            actor=_actor_as(actor, user, name),
            action=AuditAction.LOGIN_FAILED,
            obj=user,
            detail="account is locked",
        )
        return user, "locked"
    if not user.is_active or not user.check_password(password):
        login_failure_record(actor=actor, user=user, reason="wrong password", now=now)
        return user, "locked" if user_is_locked(user, now=now) else "refused"
    return user, "ok"


def _locked_error(user: User) -> AccountLocked:
    until = timezone.localtime(user.locked_until).strftime("%H:%M") if user.locked_until else ""
    return AccountLocked(
        f"This account is locked after repeated failed sign-ins until {until}. "
        "Wait, or ask an administrator to unlock it."
    )


def login_failure_record(
    *, actor: Actor, user: User, reason: str, now: datetime.datetime | None = None
) -> None:
    """Count one failed attempt (password or second factor); lock at the limit."""
    now = now or timezone.now()
    window = login_failure_window()
    start = user.failed_login_window_start
    if start is None or now - start > window:
        user.failed_login_window_start = now
        user.failed_login_count = 1
    else:
        user.failed_login_count += 1
    locking = user.failed_login_count >= login_max_failures()
    if locking:
        user.locked_until = now + login_lockout_duration()
    user.save(update_fields=["failed_login_count", "failed_login_window_start", "locked_until"])
    as_user = _actor_as(actor, user, user.get_username())
    audit_record(
        actor=as_user,
        action=AuditAction.LOGIN_FAILED,
        obj=user,
        detail=f"{reason} (failure {user.failed_login_count} of {login_max_failures()})",
    )
    if locking and user.locked_until is not None:
        audit_record(
            actor=as_user,
            action=AuditAction.UPDATE,
            obj=user,
            changes={"locked_until": [None, user.locked_until.isoformat()]},
            detail="account locked after repeated failed sign-ins",
        )


@transaction.atomic
def login_succeeded(*, actor: Actor, user: User, mfa_method: str = "") -> None:
    """Both factors passed: clear the failure count and audit the sign-in."""
    if user.failed_login_count or user.failed_login_window_start or user.locked_until:
        user.failed_login_count = 0
        user.failed_login_window_start = None
        user.locked_until = None
        user.save(update_fields=["failed_login_count", "failed_login_window_start", "locked_until"])
    audit_record(
        actor=_actor_as(actor, user, user.get_username()),
        action=AuditAction.LOGIN,
        obj=user,
        detail=f"signed in with password and {mfa_method}" if mfa_method else "signed in",
    )


def user_unlock(*, actor: Actor, user: User) -> User:
    permission_check(actor, "user.manage")
    with transaction.atomic():
        return _user_unlock(actor=actor, user=user)


def _user_unlock(*, actor: Actor, user: User) -> User:
    was = user.locked_until
    user.failed_login_count = 0
    user.failed_login_window_start = None
    user.locked_until = None
    user.save(update_fields=["failed_login_count", "failed_login_window_start", "locked_until"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=user,
        changes={"locked_until": [was.isoformat() if was else None, None]},
        detail="account unlocked",
    )
    return user


# ---- second factor ----------------------------------------------------------------------


def user_has_confirmed_mfa(user: Any) -> bool:
    """Has ``user`` a confirmed authenticator (TOTP) device?"""
    if user is None or not getattr(user, "is_authenticated", False) or user.pk is None:
        return False
    found: bool = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    return found


def mfa_totp_enroll(*, actor: Actor, user: User, confirmed: bool = True) -> TOTPDevice:
    """A new authenticator-app secret for ``user``.

    The web enrolment page calls it with ``confirmed=False`` and confirms the device with
    ``mfa_totp_confirm`` once the person types a code; the demo and tests pass
    ``confirmed=True``. Unconfirmed devices from earlier attempts are removed. The
    device's ``config_url`` (otpauth://...) is what the QR code encodes.
    """
    _self_or_manager(actor, user)
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=confirmed)
        audit_record(
            actor=actor,
            action=AuditAction.MFA,
            obj=user,
            detail="authenticator enrolled" if confirmed else "authenticator enrolment started",
        )
    return device


class WrongCode(ApplicationError):
    code = "wrong_code"


def mfa_totp_confirm(*, actor: Actor, device: TOTPDevice, token: str) -> TOTPDevice:
    """Confirm a new authenticator with a code from it; older ones are then removed."""
    _self_or_manager(actor, device.user)
    if not device.verify_token(_clean_token(token)):
        raise WrongCode(
            "That code does not match. Check the phone's clock and type the current 6 digits.",
            field="token",
        )
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
        audit_record(
            actor=actor, action=AuditAction.MFA, obj=device.user, detail="authenticator confirmed"
        )
    return device


def mfa_recovery_codes_generate(
    *, actor: Actor, user: User, count: int = RECOVERY_CODE_COUNT
) -> list[str]:
    """New one-time recovery codes (old ones stop working). Show them once; never stored
    in the clear elsewhere."""
    _self_or_manager(actor, user)
    codes = [_recovery_code() for _ in range(count)]
    with transaction.atomic():
        device, _ = StaticDevice.objects.get_or_create(
            user=user, name=RECOVERY_DEVICE_NAME, defaults={"confirmed": True}
        )
        device.token_set.all().delete()
        StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
        audit_record(
            actor=actor, action=AuditAction.MFA, obj=user, detail=f"{count} recovery codes issued"
        )
    return codes


def _recovery_code() -> str:
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"  # no look-alikes (0/o, 1/l/i)
    raw = "".join(secrets.choice(alphabet) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def _clean_token(token: str) -> str:
    return "".join(token.split())


@dataclass(frozen=True)
class MfaResult:
    device: Device
    method: str  # "authenticator" or "recovery code"


def mfa_verify(*, actor: Actor, user: User, token: str) -> MfaResult:
    """Second factor: an authenticator code or a recovery code (used once).

    A wrong code counts toward the lockout like a wrong password (committed before the
    error is raised).
    """
    now = timezone.now()
    with transaction.atomic():
        locked_user = User.objects.select_for_update().get(pk=user.pk)
        if user_is_locked(locked_user, now=now):
            outcome: MfaResult | str = "locked"
        else:
            cleaned = _clean_token(token)
            device = match_token(locked_user, cleaned) if cleaned else None
            if device is None:
                login_failure_record(
                    actor=actor, user=locked_user, reason="wrong second-factor code", now=now
                )
                outcome = "locked" if user_is_locked(locked_user, now=now) else "wrong"
            else:
                method = "recovery code" if isinstance(device, StaticDevice) else "authenticator"
                if method == "recovery code":
                    audit_record(
                        actor=_actor_as(actor, locked_user, ""),
                        action=AuditAction.MFA,
                        obj=locked_user,
                        detail="recovery code used",
                    )
                outcome = MfaResult(device=device, method=method)
    if isinstance(outcome, MfaResult):
        return outcome
    if outcome == "locked":
        raise _locked_error(locked_user)
    raise WrongCode("That code is not right. Type the current code from your app.", field="token")


def mfa_reset(*, actor: Actor, user: User) -> None:
    """Remove every second factor (lost phone): the user enrols again at next sign-in."""
    permission_check(actor, "user.manage")
    with transaction.atomic():
        _mfa_reset(actor=actor, user=user)


def _mfa_reset(*, actor: Actor, user: User) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    audit_record(actor=actor, action=AuditAction.MFA, obj=user, detail="second factors removed")


def _self_or_manager(actor: Actor, user: User) -> None:
    if actor.user is not None and actor.user_id != user.pk:
        permission_check(actor, "user.manage")
