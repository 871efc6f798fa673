"""Who does a thing: a person through a request, or a background job."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Actor:
    """The acting party passed to every service.

    ``user`` is the logged-in user (None for jobs); ``label`` is how the audit trail names
    the actor ("alice@example.test", "job:era-import"). Request details come along so the
    audit row can say where an action came from.
    """

    label: str
    user: Any = None
    ip: str | None = None
    user_agent: str | None = None
    request_id: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def user_id(self) -> int | None:
        return getattr(self.user, "pk", None)

    @classmethod
    def job(cls, name: str) -> Actor:
        return cls(label=f"job:{name}")

    @classmethod
    def for_user(cls, user: Any, **details: Any) -> Actor:
        return cls(label=user.get_username(), user=user, **details)
