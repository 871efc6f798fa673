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
    """A queryset that knows the path from its model to the owning client.

    The path is the model's ``client_scope`` ("" for Client itself), set by the
    ``ScopedManager`` the model declares.
    """

    @property
    def client_path(self) -> str:
        path: str | None = getattr(self.model, "client_scope", None)
        if path is None:
            raise TypeError(f"{self.model.__name__} declares no client_scope")
        return path

    def for_user(self, user: Any) -> ScopedQuerySet[_M]:
        ids = visible_client_ids(user)
        if ids is None:
            return self.all()
        lookup = f"{self.client_path}__in" if self.client_path else "pk__in"
        return self.filter(**{lookup: ids})

    def for_client(self, client_id: int) -> ScopedQuerySet[_M]:
        lookup = f"{self.client_path}__pk" if self.client_path else "pk"
        return self.filter(**{lookup: client_id})


class ScopedManager(models.Manager[_M]):
    """``objects = ScopedManager("patient__client")`` on a client-owned model.

    The argument is the lookup path from the model to its Client ("" on Client).
    """

    def __init__(self, client_path: str | None = None) -> None:
        # Related managers subclass this one and call __init__() with no argument; the
        # path they need is already on the model (client_scope).
        super().__init__()
        self.client_path = client_path

    def deconstruct(self) -> Any:
        return super().deconstruct()

    def contribute_to_class(self, cls: type[_M], name: str) -> None:  # type: ignore[override]
        super().contribute_to_class(cls, name)
        if self.client_path is not None:
            cls.client_scope = self.client_path  # type: ignore[attr-defined]

    def get_queryset(self) -> ScopedQuerySet[_M]:
        return ScopedQuerySet(self.model, using=self._db)

    def for_user(self, user: Any) -> ScopedQuerySet[_M]:
        return self.get_queryset().for_user(user)

    def for_client(self, client_id: int) -> ScopedQuerySet[_M]:
        return self.get_queryset().for_client(client_id)
