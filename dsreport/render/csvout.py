"""CSV files of the site: the rule of :mod:`dsreport.csvsafe`, with a BOM for spreadsheets."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from dsreport.csvsafe import Cell, csv_text


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> bytes:
    """A UTF-8 CSV file with a BOM (so spreadsheets detect the encoding), formulas neutralised."""
    return ("\ufeff" + csv_text(header, rows)).encode("utf-8")
