"""People who sign in: the billing company's staff and the staff of client practices."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q


class Role(models.TextChoices):
    # Billing-company staff
    ADMINISTRATOR = "administrator", "Administrator"  # runs the deployment; sees every client
    BILLER = "biller", "Biller"  # claims, remittances, denials for assigned clients
    CODER = "coder", "Coder"  # encounters, diagnoses, procedure codes
    COLLECTOR = "collector", "Collector"  # patient balances, calls, plans, placements
    CREDENTIALING = "credentialing", "Credentialing specialist"  # providers, enrollments
    COMPLIANCE = "compliance", "Compliance officer"  # audit trail, disclosures; sees all
    SALES = "sales", "Sales"  # leads, prospects, contracts; no patient data
    # Users at a client practice (see only their own practice)
    CLIENT_PHYSICIAN = "client_physician", "Physician (client)"
    CLIENT_MANAGER = "client_manager", "Practice manager (client)"
    CLIENT_FRONT_DESK = "client_front_desk", "Front desk (client)"


CLIENT_ROLES = frozenset({Role.CLIENT_PHYSICIAN, Role.CLIENT_MANAGER, Role.CLIENT_FRONT_DESK})
STAFF_ROLES = frozenset(set(Role) - CLIENT_ROLES)
# Sorted so the constraint (and its migration) does not change with the hash seed.
_CLIENT_ROLE_VALUES = sorted(r.value for r in CLIENT_ROLES)


class OpenrcmUserManager(UserManager["User"]):
    def create_superuser(
        self, username: str, email: str | None = None, password: str | None = None, **extra: Any
    ) -> User:
        """``openrcm createsuperuser`` makes an administrator (who must enrol MFA)."""
        extra.setdefault("role", Role.ADMINISTRATOR)
        return super().create_superuser(username, email, password, **extra)


class User(AbstractUser):
    role = models.CharField(max_length=32, choices=Role.choices, default=Role.BILLER)
    client = models.ForeignKey(
        "clients.Client",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        help_text="The practice a client user belongs to (empty for billing-company staff).",
    )
    assigned_clients = models.ManyToManyField(
        "clients.Client",
        blank=True,
        related_name="assigned_staff",
        help_text="Practices a staff member works for.",
    )
    # Lockout after repeated failed sign-ins (see openrcm.accounts.services.login_*).
    failed_login_count = models.PositiveIntegerField(default=0)
    failed_login_window_start = models.DateTimeField(null=True, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)

    objects = OpenrcmUserManager()  # type: ignore[misc]  # stubs declare it a ClassVar

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="client_user_has_client",
                condition=(
                    Q(role__in=_CLIENT_ROLE_VALUES, client__isnull=False)
                    | (~Q(role__in=_CLIENT_ROLE_VALUES) & Q(client__isnull=True))
                ),
            )
        ]

    @property
    def is_client_user(self) -> bool:
        return self.role in CLIENT_ROLES

    @property
    def mfa_required(self) -> bool:
        """Billing-company staff must use a second factor; client users may."""
        return self.role not in CLIENT_ROLES
