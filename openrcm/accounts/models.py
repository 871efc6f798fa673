"""People who sign in: the billing company's staff and the staff of client practices."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
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

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="client_user_has_client",
                condition=(
                    Q(role__in=[r.value for r in CLIENT_ROLES], client__isnull=False)
                    | (~Q(role__in=[r.value for r in CLIENT_ROLES]) & Q(client__isnull=True))
                ),
            )
        ]

    @property
    def is_client_user(self) -> bool:
        return self.role in CLIENT_ROLES
