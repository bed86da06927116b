"""CSV that spreadsheets open as data: cells that could run as formulas are neutralised.

Every CSV dsreport writes (``list``/``diff --format csv`` and the site's downloads) goes through
:func:`neutralise_cell`, so the rule is the same everywhere: a text cell whose first character
is ``=``, ``+``, ``-``, ``@``, TAB, CR or LF gets a leading ``'``, which spreadsheet programs show
but never evaluate (OWASP's "CSV injection" advice; ``defusedcsv`` misses TAB and CR). Numbers
are written as numbers, so ``-12`` in a size column stays a number; the same text in a name
becomes ``'-12``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
"""First characters that make a spreadsheet read a cell as a formula."""

Cell = str | int | float | bool | None
"""What a CSV cell can be given as."""


def neutralise_cell(value: Cell) -> str:
    """The text of one CSV cell, safe to open in a spreadsheet.

    ``None`` is the empty cell, booleans are ``true``/``false``, numbers are written as they
    are, and text starting with a character of :data:`FORMULA_STARTS` gets a leading ``'``.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def csv_text(
    header: Sequence[str], rows: Iterable[Sequence[Cell]], *, lineterminator: str = "\r\n"
) -> str:
    """A whole CSV document (header first), every cell through :func:`neutralise_cell`.

    Cells are quoted only when needed (commas, quotes, line breaks); line breaks inside a cell
    are kept as they are, inside quotes. Lines end with CRLF as RFC 4180 says, unless
    *lineterminator* says otherwise.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=lineterminator)
    writer.writerow([neutralise_cell(h) for h in header])
    for row in rows:
        writer.writerow([neutralise_cell(cell) for cell in row])
    return out.getvalue()
