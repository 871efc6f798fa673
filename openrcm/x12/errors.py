"""Errors raised and reported by the X12 codec.

Every problem found in X12 input is an :class:`X12Error` (or a subclass) that says where it
is (segment position, segment ID, element) and what was expected, so a biller can find it
in the file. Nothing else (IndexError, KeyError, ValueError) may escape from the codec.
"""

from __future__ import annotations


class X12Error(Exception):
    """A problem in X12 data, located as precisely as the codec knows it."""

    def __init__(
        self,
        message: str,
        *,
        segment_position: int | None = None,
        segment_id: str | None = None,
        element: int | None = None,
        expected: str | None = None,
        found: str | None = None,
        source: str | None = None,
        severity: str = "error",
    ) -> None:
        self.message = message
        self.severity = severity
        self.segment_position = segment_position
        self.segment_id = segment_id
        self.element = element
        self.expected = expected
        self.found = found
        self.source = source
        super().__init__(self.describe())

    @property
    def is_warning(self) -> bool:
        """A warning is reported by validation but never stops a strict read."""
        return self.severity == "warning"

    def location(self) -> str:
        parts: list[str] = []
        if self.source:
            parts.append(self.source)
        if self.segment_position is not None:
            parts.append(f"segment {self.segment_position}")
        if self.segment_id:
            where = self.segment_id
            if self.element is not None:
                where += f"{self.element:02d}"
            parts.append(where)
        return ", ".join(parts)

    def describe(self) -> str:
        text = self.message
        if self.expected is not None:
            text += f" (expected {self.expected}"
            text += f", found {self.found!r})" if self.found is not None else ")"
        where = self.location()
        return f"{where}: {text}" if where else text


class X12SyntaxError(X12Error):
    """The bytes are not well-formed X12 (delimiters, segment layout, element formats)."""


class X12EnvelopeError(X12Error):
    """ISA/IEA, GS/GE or ST/SE do not agree (control numbers, counts)."""


class X12VersionError(X12Error):
    """The file is of a version or transaction set openrcm does not read (e.g. 4010)."""


class X12StructureError(X12Error):
    """A segment is missing, repeated or out of place for the transaction set."""


class X12BalanceError(X12Error):
    """Amounts that must balance (835 service line, claim, transaction) do not."""


class X12WriteError(X12Error):
    """Data handed to a writer cannot be expressed as a valid transaction."""
