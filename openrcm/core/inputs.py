"""Turning what a person typed into values, with a message when it cannot be done.

Used by views and API handlers to parse query parameters before a selector runs; a bad
value becomes a (field, message) problem, never a stack trace.
"""

from __future__ import annotations

import datetime

DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%m-%d-%Y", "%m/%d/%y")


def parse_date_input(raw: str) -> datetime.date | None:
    """A date typed as YYYY-MM-DD or MM/DD/YYYY (also MM-DD-YYYY, MM/DD/YY); None if not."""
    text = raw.strip()
    for fmt in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date()  # noqa: DTZ007  # a date, no time
        except ValueError:
            continue
    return None


def date_problem(raw: str, what: str) -> str:
    return f"{what} {raw.strip()!r} is not a date; type it as MM/DD/YYYY or YYYY-MM-DD"


def parse_positive_int(raw: str | None) -> int | None:
    """An id from a query string ("12"); None for empty or anything that is not one."""
    if raw is None:
        return None
    text = str(raw).strip()
    if not text.isdigit():
        return None
    value = int(text)
    return value if value > 0 else None
