"""The audit trail: append-only rows chained by hash so an edit or deletion shows."""

from __future__ import annotations

from typing import Any

from django.db import models


class AuditAction(models.TextChoices):
    READ = "read", "Read"
    CREATE = "create", "Create"
    UPDATE = "update", "Update"
    DELETE = "delete", "Delete"
    EXPORT = "export", "Export"
    DISCLOSE = "disclose", "Disclosure"
    LOGIN = "login", "Login"
    LOGIN_FAILED = "login_failed", "Failed login"
    LOGOUT = "logout", "Logout"
    PERMISSION_DENIED = "permission_denied", "Permission denied"
    MFA = "mfa", "MFA event"
    KEYS_ROTATED = "keys_rotated", "Keys rotated"


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    """Refuses bulk changes: audit rows are only ever appended (``audit_record``)."""

    def update(self, **kwargs: Any) -> int:
        raise RuntimeError("audit rows are append-only; they are never changed")

    def delete(self) -> Any:
        raise RuntimeError("audit rows are append-only; they are never deleted")


class AuditEvent(models.Model):
    """One thing someone did or tried. Never updated, never deleted.

    ``row_hash`` = SHA-256 over ``prev_hash`` and this row's content, so changing or
    removing any row breaks the chain from that row on (``openrcm audit verify``).
    """

    sequence = models.PositiveBigIntegerField(unique=True)
    at = models.DateTimeField(db_index=True)
    actor = models.CharField(max_length=150, db_index=True)
    user_id = models.BigIntegerField(null=True, blank=True)
    role = models.CharField(max_length=32, blank=True)
    client_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    action = models.CharField(max_length=24, choices=AuditAction.choices, db_index=True)
    object_type = models.CharField(max_length=64, blank=True, db_index=True)
    object_id = models.CharField(max_length=64, blank=True, db_index=True)
    changes = models.JSONField(default=dict, blank=True)
    detail = models.CharField(max_length=255, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=255, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    prev_hash = models.CharField(max_length=64)
    row_hash = models.CharField(max_length=64)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["sequence"]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.actor} {self.action} {self.object_type} {self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise RuntimeError("audit rows are append-only; they are never changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("audit rows are append-only; they are never deleted")


class AuditChainHead(models.Model):
    """A single row holding the last sequence and hash; locked to append in order."""

    last_sequence = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"audit chain head at {self.last_sequence}"
