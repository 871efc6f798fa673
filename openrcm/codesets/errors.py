"""Problems found in a code-set file: every bad row is named by file, line and field."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FileProblem:
    """One bad value: where it is (file, line, field) and what is wrong with it."""

    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}, line {self.line}, field {self.field!r}: {self.message}"


class CodeSetFileError(ValueError):
    """A code-set file that cannot be loaded as it is; ``problems`` lists every bad row.

    Nothing from such a file may be stored: loaders raise this after reading the whole
    file, so that a person fixing the file sees every problem at once.
    """

    SHOWN = 20

    def __init__(self, problems: list[FileProblem]) -> None:
        if not problems:
            raise ValueError("CodeSetFileError needs at least one problem")
        self.problems = problems
        shown = "; ".join(str(p) for p in problems[: self.SHOWN])
        more = len(problems) - self.SHOWN
        suffix = f"; and {more} more problem(s)" if more > 0 else ""
        count = f"{len(problems)} problem(s) in {problems[0].file}: "
        super().__init__(count + shown + suffix)

    @classmethod
    def single(cls, file: str, line: int, field: str, message: str) -> CodeSetFileError:
        return cls([FileProblem(file, line, field, message)])
