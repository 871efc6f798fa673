"""The one small interface every clearinghouse adapter implements, and the registry.

An adapter moves files, nothing else: ``submit`` hands one 837P file over and returns the
clearinghouse's submission id; ``find_submission`` says whether a file of that name was
already handed over (so a retry after a crash never sends it twice); ``fetch_responses``
returns the response files waiting (999, 277CA, later 835); ``remove_response`` clears one
after it was imported. Importing, matching and status changes live in the claims app.
"""

from __future__ import annotations

import abc
from collections.abc import Callable

from django.conf import settings

from openrcm.core.errors import ApplicationError


class ClearinghouseError(ApplicationError):
    """The clearinghouse could not be reached or refused a file."""

    code = "clearinghouse_error"


class Clearinghouse(abc.ABC):
    name: str = ""

    @abc.abstractmethod
    def submit(self, file_name: str, data: bytes) -> str:
        """Hand over one file; return the clearinghouse's submission id."""

    @abc.abstractmethod
    def find_submission(self, file_name: str) -> str | None:
        """The submission id of a file already handed over under this name, else None."""

    @abc.abstractmethod
    def fetch_responses(self) -> list[tuple[str, bytes]]:
        """Every response file waiting, as (name, content), oldest name first."""

    @abc.abstractmethod
    def remove_response(self, name: str) -> None:
        """Clear one response after it was imported (archive or delete it)."""

    def inquire(self, data: bytes) -> bytes:
        """Real-time inquiry: send one 270 (or 276) interchange, return the 271 (or 277).

        Optional: an adapter that cannot answer in real time keeps this refusal."""
        raise ClearinghouseError(
            f"the {self.name or type(self).__name__} clearinghouse does not answer real-time "
            "eligibility (270/271) or claim status (276/277) inquiries; use a clearinghouse "
            "that does (the sandbox does) for eligibility checks and claim status inquiries",
            code="clearinghouse_no_inquiry",
        )


Factory = Callable[[], Clearinghouse]
_FACTORIES: dict[str, Factory] = {}


def clearinghouse_register(name: str, factory: Factory) -> None:
    """Make an adapter available by name (``PayerClaimRules.clearinghouse``, settings)."""
    _FACTORIES[name] = factory


def clearinghouse_names() -> list[str]:
    _register_builtin()
    return sorted(_FACTORIES)


def clearinghouse_default_name() -> str:
    return str(getattr(settings, "OPENRCM_CLEARINGHOUSE", "sandbox") or "sandbox")


def clearinghouse_get(name: str = "") -> Clearinghouse:
    _register_builtin()
    name = name or clearinghouse_default_name()
    factory = _FACTORIES.get(name)
    if factory is None:
        raise ClearinghouseError(
            f"no clearinghouse is called {name!r}; known: {', '.join(sorted(_FACTORIES))}",
            code="clearinghouse_unknown",
        )
    adapter = factory()
    adapter.name = name
    return adapter


def _register_builtin() -> None:
    if "sandbox" not in _FACTORIES:
        from openrcm.clearinghouse.sandbox import sandbox_from_settings

        _FACTORIES["sandbox"] = sandbox_from_settings
    if "sftp" not in _FACTORIES:
        from openrcm.clearinghouse.sftp import sftp_from_settings

        _FACTORIES["sftp"] = sftp_from_settings
