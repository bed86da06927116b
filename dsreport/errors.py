"""Errors meant for users: each names the file, the field and what was expected."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import click

from dsreport.textsafe import safe_text


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a catalog, found by validation."""

    file: str
    """The file at fault, relative to the catalog folder (POSIX separators)."""
    line: int | None
    """The 1-based line, for line-oriented files (manifests); ``None`` otherwise."""
    field: str
    """The field at fault, as a dotted path (``parents[0]``, ``task.name``); empty for the file."""
    message: str
    """What is wrong and what was expected."""

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        field = f" {self.field}:" if self.field else ""
        return safe_text(f"{where}:{field} {self.message}")


def sort_problems(problems: Iterable[Problem]) -> list[Problem]:
    """Problems by file and line; within a line, in the order they were found (field order)."""
    return sorted(problems, key=lambda p: (p.file, p.line or 0))


class DsreportError(click.ClickException):
    """Base class of every error dsreport reports to a user (exit status 1, one line)."""

    exit_code = 1

    def __init__(self, message: str, *, file: str | None = None, field: str | None = None) -> None:
        self.file = file
        self.field = field
        where = ""
        if file:
            where = f"{file}: " if not field else f"{file}: {field}: "
        elif field:
            where = f"{field}: "  # a command-line option, say
        super().__init__(safe_text(where + message))


class CatalogInvalid(DsreportError):
    """The catalog has problems; ``problems`` lists every one of them."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(sort_problems(problems))
        count = len(self.problems)
        first = str(self.problems[0]) if self.problems else ""
        more = f" (and {count - 1} more problem{'s' if count > 2 else ''})" if count > 1 else ""
        super().__init__(f"invalid catalog: {first}{more}; run 'dsreport validate' for the list")

    def __reduce__(self) -> tuple[type[CatalogInvalid], tuple[tuple[Problem, ...]]]:
        # Made from its problems again when unpickled (it travels from the process that loads
        # the catalog for a snapshot).
        return CatalogInvalid, (self.problems,)
