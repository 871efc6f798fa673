"""What a rule decides: allowed or not, with every reason, and when to try again.

Shared by the communications policy gate (``messaging``) and the Regulation F guardrails
(``collections``). A rule never stops at the first problem: a refusal lists every rule the
contact breaks, so the person or job that asked can fix all of them at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum


class Channel(StrEnum):
    """The medium a message or contact attempt travels over."""

    SMS = "sms"  # text message (SMS, MMS or RCS to a phone number)
    VOICE = "voice"  # telephone call, live or prerecorded
    EMAIL = "email"  # email


@dataclass(frozen=True, slots=True)
class Refusal:
    """One rule the contact breaks.

    ``code`` is stable (for programs, filters and tests); ``message`` says in words what is
    wrong; ``source`` names the law, carrier rule or company policy behind it; ``timing`` is
    true when the refusal only concerns *when* (quiet hours, frequency caps, waiting
    periods), so that waiting would cure it.
    """

    code: str
    message: str
    source: str = ""
    timing: bool = False


@dataclass(frozen=True, slots=True)
class Decision:
    """The answer of a rule: ``allowed`` exactly when there are no ``reasons``.

    ``next_allowed_at`` is set only when every reason is a timing reason and a later time
    is known at which all of them are cured at once (with the facts given); otherwise it is
    ``None`` and waiting alone will not help.
    """

    allowed: bool
    reasons: tuple[Refusal, ...] = ()
    next_allowed_at: datetime | None = None

    def __post_init__(self) -> None:
        if self.allowed == bool(self.reasons):
            raise ValueError("a decision is allowed exactly when it has no reasons")
        if self.next_allowed_at is not None:
            if self.allowed:
                raise ValueError("an allowed decision has no next_allowed_at")
            if not all(reason.timing for reason in self.reasons):
                raise ValueError("next_allowed_at only when every reason is about timing")
            if self.next_allowed_at.tzinfo is None:
                raise ValueError("next_allowed_at must be an aware datetime")

    @classmethod
    def allow(cls) -> Decision:
        return cls(allowed=True)

    @classmethod
    def from_refusals(
        cls, refusals: tuple[Refusal, ...] | list[Refusal], next_allowed_at: datetime | None = None
    ) -> Decision:
        """Allowed when ``refusals`` is empty; ``next_allowed_at`` is dropped unless every
        refusal is a timing one."""
        reasons = tuple(refusals)
        if not reasons:
            return cls(allowed=True)
        if not all(reason.timing for reason in reasons):
            next_allowed_at = None
        return cls(allowed=False, reasons=reasons, next_allowed_at=next_allowed_at)

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(reason.code for reason in self.reasons)

    def explain(self) -> str:
        """The reasons in words, one a line (empty when allowed)."""
        return "\n".join(f"{reason.code}: {reason.message}" for reason in self.reasons)


def require_aware(value: datetime, name: str = "now") -> None:
    """Rules compare instants across time zones; a naive datetime is a programming error."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime (with a time zone)")


def as_utc(value: datetime, name: str = "now") -> datetime:
    """``value`` in UTC. Rules do their arithmetic in UTC: Python adds and compares two
    datetimes that share a ``ZoneInfo`` by wall clock, which is off by an hour across DST."""
    require_aware(value, name)
    return value.astimezone(UTC)
