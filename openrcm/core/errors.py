"""Errors a user can cause: a stable code and a message a person can act on."""

from __future__ import annotations


class ApplicationError(Exception):
    """Base of every error a user or an input file can cause.

    ``code`` is stable (for the API and tests); ``message`` says what is wrong and what to
    do; ``field`` names the input field when there is one.
    """

    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class ValidationFailed(ApplicationError):
    """Input broke one or more rules; ``problems`` lists every one (field, message)."""

    code = "validation_failed"

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        text = "; ".join(f"{f}: {m}" if f else m for f, m in problems)
        super().__init__(text)


class NotFound(ApplicationError):
    """The row does not exist or the actor may not see it (never say which)."""

    code = "not_found"


class PermissionDenied(ApplicationError):
    code = "permission_denied"


class TransitionNotAllowed(ApplicationError):
    code = "transition_not_allowed"
