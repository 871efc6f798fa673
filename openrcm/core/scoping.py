"""Client scoping: the one place that decides which practices' rows a user may see.

Every client-owned model's default manager is a ``ScopedQuerySet``; views, API routes,
exports and searches start from ``Model.objects.for_user(user)``, so a new view cannot
forget the filter. Administrators and compliance officers see every client; other staff
see the clients assigned to them; a client user sees only their own practice.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models

ALL_CLIENT_ROLES = frozenset({"administrator", "compliance"})
_M = TypeVar("_M", bound=models.Model)


def visible_client_ids(user: Any) -> set[int] | None:
    """The client ids ``user`` may see; None means every client."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    if getattr(user, "is_client_user", False):
        return {user.client_id} if user.client_id else set()
    if user.role in ALL_CLIENT_ROLES:
        return None
    return set(user.assigned_clients.values_list("pk", flat=True))


class ScopedQuerySet(models.QuerySet[_M]):
    """A queryset that knows the path from its model to the owning client."""

    client_path = "client"

    def for_user(self, user: Any) -> ScopedQuerySet[_M]:
        ids = visible_client_ids(user)
        if ids is None:
            return self.all()
        lookup = f"{self.client_path}__in" if self.client_path else "pk__in"
        return self.filter(**{lookup: ids})

    def for_client(self, client_id: int) -> ScopedQuerySet[_M]:
        lookup = f"{self.client_path}__pk" if self.client_path else "pk"
        return self.filter(**{lookup: client_id})


def scoped_manager(client_path: str) -> Any:
    """``objects = scoped_manager("patient__client")`` on a client-owned model."""
    queryset_class = type(
        f"ScopedQuerySet_{client_path or 'self'}",
        (ScopedQuerySet,),
        {"client_path": client_path, "__module__": __name__},
    )
    return queryset_class.as_manager()
