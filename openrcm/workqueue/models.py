"""Work items: things a person must do, on one list per team (front desk first).

A ``WorkItem`` belongs to one practice (and may name a patient and a claim); it is open
until someone marks it done. Any area of the business may open items: eligibility opens
them for inactive, missing or unknown coverage. ``key`` makes opening idempotent: while an
item with a key is open, opening the same key again returns it instead of a second one.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from openrcm.core.models import TimeStamped
from openrcm.core.scoping import ScopedManager


class WorkItemKind(models.TextChoices):
    COVERAGE_INACTIVE = "coverage_inactive", "Coverage inactive"  # the payer says not covered
    COVERAGE_MISSING = "coverage_missing", "No coverage on file"  # nothing to ask a payer
    SUBSCRIBER_NOT_FOUND = "subscriber_not_found", "Payer cannot find member"  # AAA 75 etc.
    OTHER = "other", "Other"  # anything else a person must do


class WorkItemStatus(models.TextChoices):
    OPEN = "open", "Open"  # someone must act
    DONE = "done", "Done"  # closed, with who and when


class WorkItem(TimeStamped):
    client = models.ForeignKey("clients.Client", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    claim = models.ForeignKey(
        "claims.Claim", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=32, choices=WorkItemKind.choices)
    title = models.CharField(max_length=200)
    details = models.TextField(blank=True)
    status = models.CharField(
        max_length=8, choices=WorkItemStatus.choices, default=WorkItemStatus.OPEN
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    due_date = models.DateField(null=True, blank=True)
    key = models.CharField(
        max_length=120, blank=True, help_text="Opening the same key again while open is a no-op"
    )
    opened_by = models.CharField(max_length=150)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.CharField(max_length=150, blank=True)
    resolution = models.CharField(max_length=500, blank=True)

    objects = ScopedManager("client")

    class Meta:
        ordering = ["due_date", "pk"]
        indexes = [
            models.Index(fields=["client", "status", "kind"]),
            models.Index(fields=["patient", "status"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["key"],
                condition=Q(status="open") & ~Q(key=""),
                name="workitem_one_open_per_key",
            ),
            models.CheckConstraint(
                name="workitem_done_has_closed_at",
                condition=Q(status="open") | Q(closed_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title}"
