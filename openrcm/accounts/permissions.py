"""What each role may do: the one table every view, API route and admin page asks.

Read it as a table: a role's row lists the actions it may take. Which *rows* (which
practices) a user may act on is the other half, decided by client scoping
(``openrcm.core.scoping``): a permission here never widens a user's practices.

Views use ``@permission_required("patient.view")`` (or ``PermissionRequiredMixin``); API
routes call ``api_require(request, "claim.submit")``; services may call
``permission_check(actor, "user.manage")``. A refusal is written to the audit trail.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpRequest

from openrcm.accounts.models import Role
from openrcm.core.errors import PermissionDenied

# Every action, with what it allows. Add an action here and to the roles that get it.
ACTIONS: dict[str, str] = {
    "patient.view": "open a patient's record (demographics, coverage, balances)",
    "patient.change": "create and edit patients and their coverage",
    "patient.export": "export or print patient records (CSV, PDF)",
    "eligibility.check": "ask payers whether a patient is covered (270/271 eligibility)",
    "workitem.work": "see the front-desk work list and mark work items done",
    "claim.view": "see encounters, charges, claims and their history",
    "claim.change": "enter encounters and charges, code them, correct claims",
    "claim.submit": "scrub claims and send batches to the clearinghouse",
    "remittance.view": "see ERAs, payments and the ledger",
    "remittance.post": "import and post ERAs, post and reverse payments",
    "denial.work": "work the denial queue, write appeals",
    "denial.approve": "approve another user's large write-off of a denial",
    "collection.work": "work patient balances: statements, calls, plans, placements",
    "collection.instruct": "record a practice's billing and collection instructions",
    "client.view": "see the practice's profile, providers and contracts",
    "client.change": "edit practices, providers and contracts",
    "credentialing.manage": "provider credentialing and payer enrollment",
    "payer.view": "see payers and fee schedules",
    "payer.change": "edit payers and fee schedules",
    "payer.rules": "change what the claim scrubber asks of a payer (rules off, requirements)",
    "report.view": "see dashboards and reports",
    "lead.view": "see sales leads and prospects",
    "lead.change": "create and work sales leads",
    "message.view": "see conversations, consent records, refused sends and call tasks",
    "message.send": "send texts, record consent, log calls (always through the policy gate)",
    "message.templates": "create and edit message templates",
    "audit.view": "search the audit trail",
    "audit.export": "export the audit trail",
    "disclosure.manage": "record disclosures, answer access and amendment requests",
    "user.manage": "create users, assign roles and practices, reset MFA, unlock accounts",
}

A = frozenset  # brevity in the table below

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    # ---- billing-company staff -------------------------------------------------------
    Role.ADMINISTRATOR: A(ACTIONS),  # runs the deployment: everything
    Role.BILLER: A(
        {
            "patient.view",
            "eligibility.check",
            "workitem.work",
            "patient.change",
            "claim.view",
            "claim.change",
            "claim.submit",
            "remittance.view",
            "remittance.post",
            "denial.work",
            "client.view",
            "payer.view",
            "payer.rules",
            "report.view",
            "message.view",
            "message.send",
        }
    ),
    Role.CODER: A(
        {
            "patient.view",
            "claim.view",
            "claim.change",
            "client.view",
            "payer.view",
        }
    ),
    Role.COLLECTOR: A(
        {
            "patient.view",
            "patient.change",
            "claim.view",
            "remittance.view",
            "collection.work",
            "client.view",
            "payer.view",
            "message.view",
            "message.send",
        }
    ),
    Role.CREDENTIALING: A(
        {  # providers and enrollments; no patient data
            "client.view",
            "client.change",
            "credentialing.manage",
            "payer.view",
            "payer.change",
            "message.view",
            "message.send",
        }
    ),
    Role.COMPLIANCE: A(
        {  # reviews everything, changes nothing but privacy records
            "patient.view",
            "patient.export",
            "claim.view",
            "remittance.view",
            "client.view",
            "payer.view",
            "report.view",
            "audit.view",
            "audit.export",
            "disclosure.manage",
            "message.view",
        }
    ),
    Role.SALES: A(
        {  # leads and prospects; no patient data
            "lead.view",
            "lead.change",
            "report.view",
        }
    ),
    # ---- users at a client practice (their own practice only) -------------------------
    Role.CLIENT_PHYSICIAN: A(
        {
            "patient.view",
            "claim.view",
            "remittance.view",
            "client.view",
            "report.view",
        }
    ),
    Role.CLIENT_MANAGER: A(
        {
            "patient.view",
            "eligibility.check",
            "workitem.work",
            "patient.change",
            "patient.export",
            "claim.view",
            "remittance.view",
            "client.view",
            "report.view",
        }
    ),
    Role.CLIENT_FRONT_DESK: A(
        {
            "patient.view",
            "eligibility.check",
            "workitem.work",
            "patient.change",
            "client.view",
        }
    ),
}


def _check_table() -> None:
    unknown = {a for actions in ROLE_PERMISSIONS.values() for a in actions} - set(ACTIONS)
    missing = set(Role.values) - {str(r) for r in ROLE_PERMISSIONS}
    if unknown or missing:  # pragma: no cover - a typo in the table fails at import
        raise RuntimeError(f"permission table: unknown actions {unknown}, roles {missing}")


_check_table()


def has_permission(user: Any, action: str) -> bool:
    """May ``user`` take ``action``? Inactive and anonymous users may do nothing."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}: declare it in ACTIONS first")
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return action in ROLE_PERMISSIONS.get(getattr(user, "role", ""), frozenset())


def actions_for(user: Any) -> frozenset[str]:
    """Every action ``user`` may take (for menus: ``{% if "audit.view" in perms_openrcm %}``)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    return ROLE_PERMISSIONS.get(getattr(user, "role", ""), frozenset())


def _audit_denial(actor: Any, action: str, detail: str = "") -> None:
    from openrcm.privacy.models import AuditAction
    from openrcm.privacy.services import audit_record

    audit_record(
        actor=actor,
        action=AuditAction.PERMISSION_DENIED,
        detail=(f"{action}: {detail}" if detail else action)[:255],
        client_id=getattr(getattr(actor, "user", None), "client_id", None),
    )


def permission_check(actor: Any, action: str) -> None:
    """Raise ``PermissionDenied`` (and audit it) unless ``actor`` may take ``action``.

    Jobs (an actor without a user) run with the system's authority and pass.
    """
    user = getattr(actor, "user", None)
    if user is None:
        return
    if not has_permission(user, action):
        _audit_denial(actor, action)
        raise PermissionDenied(
            f"Your role may not {ACTIONS[action]}. Ask an administrator if you need it.",
            code="permission_denied",
        )


def request_denied(request: HttpRequest, action: str) -> bool:
    """True (and audited) when the signed-in user of ``request`` may not take ``action``."""
    if has_permission(getattr(request, "user", None), action):
        return False
    from openrcm.core.middleware import request_actor

    _audit_denial(request_actor(request), action, detail=request.path[:200])
    return True


_V = TypeVar("_V", bound=Callable[..., Any])


def permission_required(action: str) -> Callable[[_V], _V]:
    """View decorator: sign-in required, then 403 (audited) unless the role has ``action``.

    Use with scoped selectors: the role check says *what*, ``for_user`` says *which rows*.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")

    def decorate(view: _V) -> _V:
        from django.contrib.auth.views import redirect_to_login

        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if request_denied(request, action):
                raise DjangoPermissionDenied(f"Your role may not {ACTIONS[action]}.")
            return view(request, *args, **kwargs)

        return wrapped  # type: ignore[return-value]  # same signature as the view

    return decorate


class PermissionRequiredMixin:
    """Class-based views: ``permission_action = "patient.view"``."""

    permission_action: str = ""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        from django.contrib.auth.views import redirect_to_login

        if not self.permission_action:
            raise ValueError(f"{type(self).__name__} must set permission_action")
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if request_denied(request, self.permission_action):
            raise DjangoPermissionDenied(f"Your role may not {ACTIONS[self.permission_action]}.")
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]  # mixin


def api_require(request: HttpRequest, action: str) -> None:
    """For django-ninja handlers: 401 if not signed in, 403 (audited) without ``action``."""
    from ninja.errors import HttpError

    if not getattr(request, "user", None) or not request.user.is_authenticated:
        raise HttpError(401, "Sign in first.")
    if request_denied(request, action):
        raise HttpError(403, f"Your role may not {ACTIONS[action]}.")
