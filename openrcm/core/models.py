"""Abstract bases shared by openrcm's models."""

from __future__ import annotations

from django.db import models


class TimeStamped(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class PostalAddress(models.Model):
    """A practice's or payer's address (not PHI: stored in clear)."""

    street1 = models.CharField(max_length=55, blank=True)
    street2 = models.CharField(max_length=55, blank=True)
    city = models.CharField(max_length=30, blank=True)
    state = models.CharField(max_length=2, blank=True)
    zip_code = models.CharField(max_length=10, blank=True)

    class Meta:
        abstract = True
