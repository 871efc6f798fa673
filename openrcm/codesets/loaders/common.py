"""Reading publishers' files row by row, collecting every bad value with its place."""

from __future__ import annotations

import csv
import datetime
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Generic, TypeVar

from openrcm.codesets.errors import CodeSetFileError, FileProblem
from openrcm.codesets.release import Release

R = TypeVar("R")


class ProblemLog:
    """Problems of one file; raises them all at once when the file has been read."""

    def __init__(self, file_name: str) -> None:
        self.file_name = file_name
        self.problems: list[FileProblem] = []

    def add(self, line: int, field: str, message: str) -> None:
        self.problems.append(FileProblem(self.file_name, line, field, message))

    def for_file(self, file_name: str) -> ProblemLog:
        """A log for another file of the same release, sharing this log's problems."""
        other = ProblemLog(file_name)
        other.problems = self.problems
        return other

    def raise_if_any(self) -> None:
        if self.problems:
            raise CodeSetFileError(self.problems)


class Row:
    """One record's values by column name; each typed read logs its own problem."""

    def __init__(self, log: ProblemLog, line: int, values: Mapping[str, str]) -> None:
        self.log = log
        self.line = line
        self.values = values
        self.bad = False

    def problem(self, field: str, message: str) -> None:
        self.bad = True
        self.log.add(self.line, field, message)

    def text(self, field: str, *, required: bool = True, max_length: int | None = None) -> str:
        value = (self.values.get(field) or "").strip()
        if required and not value:
            self.problem(field, "is empty; a value is required")
        elif max_length is not None and len(value) > max_length:
            self.problem(field, f"{value[:40]!r} is longer than {max_length} characters")
        return value

    def matching(self, field: str, pattern: re.Pattern[str], what: str) -> str:
        value = self.text(field)
        if value and not pattern.fullmatch(value):
            self.problem(field, f"{value!r} is not {what}")
        return value

    def date(self, field: str, *, formats: Sequence[str], required: bool) -> datetime.date | None:
        value = self.text(field, required=required)
        if not value:
            return None
        for fmt in formats:
            try:
                parsed = datetime.datetime.strptime(value, fmt).date()  # noqa: DTZ007 - a date
            except ValueError:
                continue
            if parsed.strftime(fmt) == value:  # strptime alone takes "2026041" as a date
                return parsed
        shown = " or ".join(_FORMAT_NAMES.get(f, f) for f in formats)
        self.problem(field, f"{value!r} is not a date ({shown})")
        return None

    def integer(self, field: str, *, minimum: int = 0) -> int:
        value = self.text(field)
        if not value:
            return 0
        if not value.isdigit() or int(value) < minimum:
            self.problem(field, f"{value!r} is not a whole number of at least {minimum}")
            return 0
        return int(value)

    def amount(self, field: str) -> Decimal:
        value = self.text(field)
        if not value:
            return Decimal("0.00")
        try:
            amount = Decimal(value)
        except InvalidOperation:
            self.problem(field, f"{value!r} is not an amount (digits with 2 decimal places)")
            return Decimal("0.00")
        if not amount.is_finite() or amount < 0 or amount.as_tuple().exponent != -2:
            self.problem(field, f"{value!r} is not an amount (digits with 2 decimal places)")
            return Decimal("0.00")
        return amount


_FORMAT_NAMES = {"%Y%m%d": "YYYYMMDD", "%Y-%m-%d": "YYYY-MM-DD", "%m/%d/%Y": "MM/DD/YYYY"}


class CodeSetFile(Generic[R]):
    """A publisher's file: its release, and its records read lazily.

    Iterating yields the good records in file order and, after the last one, raises
    :class:`CodeSetFileError` naming every bad row (file, line, field) when there was any;
    a caller that stores records inside one transaction therefore stores nothing from a
    bad file. Each record carries ``line``, its first line in the file.
    """

    def __init__(
        self,
        paths: Sequence[Path],
        release: Release,
        read: Callable[[ProblemLog], Iterator[R]],
    ) -> None:
        self.paths = tuple(paths)
        self.release = release
        self._read = read

    @property
    def path(self) -> Path:
        return self.paths[0]

    def __iter__(self) -> Iterator[R]:
        log = ProblemLog(self.path.name)
        yield from self._read(log)
        log.raise_if_any()

    def read_all(self) -> list[R]:
        return list(self)

    def line_count(self) -> int:
        """Physical lines in the file(s) (for progress bars)."""
        total = 0
        for path in self.paths:
            with path.open("rb") as fh:
                total += sum(1 for _ in fh)
        return total


def csv_records(
    path: Path, *, encoding: str = "utf-8", delimiter: str = ","
) -> Iterator[tuple[int, list[str]]]:
    """(first line number, cells) for each CSV record; quoted cells may span lines."""
    with path.open(encoding=encoding, newline="") as fh:
        reader = csv.reader(fh, delimiter=delimiter)
        previous_end = 0
        for cells in reader:
            start = previous_end + 1
            previous_end = reader.line_num
            yield start, cells


def dict_rows(
    log: ProblemLog,
    records: Iterator[tuple[int, list[str]]],
    header: list[str],
    *,
    skip_blank: bool = True,
) -> Iterator[Row]:
    """Rows keyed by ``header``; a record with the wrong number of cells is a problem."""
    width = len(header)
    for line, cells in records:
        if skip_blank and not any(c.strip() for c in cells):
            continue
        if len(cells) != width:
            log.add(line, "(row)", f"has {len(cells)} fields; the header has {width}")
            continue
        yield Row(log, line, dict(zip(header, cells, strict=True)))


def require_columns(path: Path, line: int, header: Sequence[str], needed: Sequence[str]) -> None:
    missing = [name for name in needed if name not in header]
    if missing:
        raise CodeSetFileError.single(
            path.name,
            line,
            "(header)",
            f"missing column(s) {', '.join(missing)}; is this the right kind of file?",
        )


def newest(dates: Iterator[datetime.date | None]) -> datetime.date | None:
    found = [d for d in dates if d is not None]
    return max(found) if found else None
