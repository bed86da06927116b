"""The snapshot's console: lines printed for the user and kept for the version's ``console.log``.

Every line goes to the terminal (warnings to standard error) and into :attr:`Console.lines`,
with its ANSI colours: ``click`` strips them when the output is not a terminal, the log keeps them
(the site renders them). Callers pass text already made safe with
:func:`~dsreport.textsafe.safe_text` wherever it holds a name from the data folder.
"""

from __future__ import annotations

import click


def human_size(size: int, *, signed: bool = False) -> str:
    """``1234567`` → ``1.2 MB`` (decimal units); with *signed*, ``+``/``-`` in front."""
    sign = ("+" if size >= 0 else "-") if signed else ("-" if size < 0 else "")
    value = float(abs(size))
    for unit in ("B", "kB", "MB", "GB", "TB", "PB"):
        if value < 1000 or unit == "PB":
            return f"{sign}{int(value)} {unit}" if unit == "B" else f"{sign}{value:.1f} {unit}"
        value /= 1000
    raise AssertionError("unreachable")  # pragma: no cover


def count(n: int, noun: str, plural: str | None = None) -> str:
    """``3 files``, ``1 file``, ``1,234 files`` (*plural* when it is not *noun* + ``s``)."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


class Console:
    """Prints lines and keeps them."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        """Every line printed, with its colours."""

    def info(self, text: str, **style: object) -> None:
        """Print a line on standard output (styled with ``click.style`` keywords)."""
        self.emit(click.style(text, **style) if style else text)  # type: ignore[arg-type]

    def emit(self, line: str) -> None:
        """Print a line that is already styled, on standard output."""
        self.lines.append(line)
        click.echo(line)

    def warn(self, text: str) -> None:
        """Print a warning (yellow ``warning:`` prefix) on standard error."""
        line = click.style("warning:", fg="yellow") + " " + text
        self.lines.append(line)
        click.echo(line, err=True)

    def note(self, text: str) -> None:
        """Print a note (cyan ``note:`` prefix) on standard output."""
        self.info(click.style("note:", fg="cyan") + " " + text)

    def log_bytes(self) -> bytes:
        """The console log: every line, UTF-8."""
        return "".join(line + "\n" for line in self.lines).encode("utf-8")
