"""Text for the terminal: tables that fit its width, sizes, tags, and JSON safe to print.

Every cell goes through :func:`~dsreport.textsafe.safe_text`, so no user-written text can send
an escape sequence to the terminal; widths count terminal cells (a CJK character takes two,
a combining mark none).
"""

from __future__ import annotations

import json
import re
import shutil
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from dsreport.textsafe import safe_text

ELLIPSIS = "…"
GAP = "  "
"""Between two columns."""


def char_width(char: str) -> int:
    """Terminal cells *char* takes: 2 for wide and full-width characters, 0 for combining marks."""
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def cell_width(text: str) -> int:
    """Terminal cells *text* takes (ASCII fast path)."""
    if text.isascii():
        return len(text)
    return sum(char_width(c) for c in text)


def _take(text: str, width: int) -> str:
    """The longest prefix of *text* that fits *width* cells."""
    used = 0
    for index, char in enumerate(text):
        used += char_width(char)
        if used > width:
            return text[:index]
    return text


def truncate(text: str, width: int, *, middle: bool = False) -> str:
    """*text* cut to *width* cells with ``…`` where it was cut (at the end, or in the middle).

    The middle is the better place for paths and ids, whose ends tell them apart.
    """
    if cell_width(text) <= width:
        return text
    if width <= 1:
        return ELLIPSIS[:width]
    room = width - 1
    if not middle:
        return _take(text, room) + ELLIPSIS
    head = _take(text, (room + 1) // 2)
    tail = _take(text[::-1], room - cell_width(head))[::-1]
    return head + ELLIPSIS + tail


@dataclass(frozen=True)
class Column:
    """A table column: its header, alignment and how willingly it shrinks."""

    header: str
    align: Literal["left", "right"] = "left"
    shrink: int = 1
    """0: never shrinks (numbers); 1: shrinks first (names, tags); 2: later; 3: last (ids)."""
    middle: bool = False
    """Cut in the middle rather than at the end (paths, ids)."""
    min_width: int = 6
    drop: int = 0
    """0: always shown; otherwise the column is left out when the table cannot fit without
    cutting a column of rank 3 (ids), highest ``drop`` first."""


def terminal_width(default: int = 100) -> int:
    """Columns of the terminal (``$COLUMNS`` wins; *default* when not a terminal)."""
    return max(20, shutil.get_terminal_size((default, 24)).columns)


def _fit(columns: Sequence[Column], natural: list[int], width: int) -> list[int]:
    """Column widths that fit *width*: shrink the widest column of the most willing rank first."""
    widths = list(natural)
    excess = sum(widths) + len(GAP) * (len(widths) - 1) - width
    for rank in (1, 2, 3):
        while excess > 0:
            candidates = [
                i
                for i, col in enumerate(columns)
                if col.shrink == rank and widths[i] > min(col.min_width, natural[i])
            ]
            if not candidates:
                break
            widest = max(candidates, key=lambda i: widths[i])
            # Shrink down to the next widest column in one step (not cell by cell); columns
            # tied for widest shrink in turn, one cell each, so they end up equal.
            tied = sum(1 for i in candidates if widths[i] == widths[widest]) > 1
            others = [widths[i] for i in candidates if widths[i] < widths[widest]]
            floor = max([*others, min(columns[widest].min_width, natural[widest])])
            step = 1 if tied else min(excess, max(1, widths[widest] - floor))
            widths[widest] -= step
            excess -= step
    return widths


def _narrowest(columns: Sequence[Column], natural: Sequence[int]) -> int:
    """Width of the table with every column of rank 1 and 2 at its narrowest."""
    widths = [
        min(c.min_width, n) if c.shrink in (1, 2) else n
        for c, n in zip(columns, natural, strict=True)
    ]
    return sum(widths) + len(GAP) * (len(widths) - 1)


def format_table(columns: Sequence[Column], rows: Sequence[Sequence[str]], width: int) -> str:
    """A table (header row, then *rows*) that fits *width* terminal cells, long cells cut with …

    Columns shrink by rank; when the table cannot fit without cutting a rank-3 column (ids,
    which people copy), optional columns are left out first. When even the narrowest layout
    does not fit, the lines are as narrow as they can be.
    """
    cells = [[safe_text(cell) for cell in row] for row in rows]
    natural = [
        max([cell_width(c.header)] + [cell_width(row[i]) for row in cells])
        for i, c in enumerate(columns)
    ]
    keep = list(range(len(columns)))
    while _narrowest([columns[i] for i in keep], [natural[i] for i in keep]) > width:
        optional = [i for i in keep if columns[i].drop]
        if not optional:
            break
        keep.remove(max(optional, key=lambda i: columns[i].drop))
    columns = [columns[i] for i in keep]
    cells = [[row[i] for i in keep] for row in cells]
    header = [c.header for c in columns]
    widths = _fit(columns, [natural[i] for i in keep], width)
    lines = []
    for row in [header, *cells]:
        parts = []
        for col, text, w in zip(columns, row, widths, strict=True):
            text = truncate(text, w, middle=col.middle)
            pad = " " * (w - cell_width(text))
            parts.append(pad + text if col.align == "right" else text + pad)
        lines.append(GAP.join(parts).rstrip())
    return "\n".join(lines)


def human_size(size: int | None) -> str:
    """A size for people: ``532 B``, ``6.35 MB``, ``27.3 GB`` (SI units, three digits)."""
    if size is None:
        return "?"
    if abs(size) < 1000:
        return f"{size} B"
    value = float(size)
    for unit in ("kB", "MB", "GB", "TB", "PB", "EB"):
        value /= 1000
        if abs(value) < 999.5 or unit == "EB":
            digits = 2 if abs(value) < 9.995 else 1 if abs(value) < 99.95 else 0
            return f"{value:.{digits}f} {unit}"
    raise AssertionError("unreachable")  # pragma: no cover


def signed_size(change: int) -> str:
    """A size change with its sign: ``+1.20 kB``, ``-3 B``, ``0 B``."""
    return ("+" if change > 0 else "") + human_size(change)


_PLAIN_TAG = re.compile(r"[^\s,'\"](?:[^,'\"]*[^\s,'\"])?")


def show_tag(tag: str) -> str:
    """A tag for a list of tags: as it is when plain, else quoted (commas, quotes, spaces at an
    end, or no text at all), always terminal-safe."""
    if _PLAIN_TAG.fullmatch(tag):
        return safe_text(tag)
    return safe_text(json.dumps(tag, ensure_ascii=False))


def show_tags(tags: Sequence[str]) -> str:
    """Tags for one table cell or line: ``baseline, 'needs review'``-style, comma separated."""
    return ", ".join(show_tag(t) for t in tags)


# JSON escapes C0 controls itself; DEL, C1 controls (an 8-bit CSI is U+009B) and the line
# separators are valid raw in JSON strings but unsafe on a terminal, so they are escaped too.
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029]")


def json_text(data: Any) -> str:
    """*data* as indented JSON (UTF-8 text kept), with every character that could drive a
    terminal written as a ``\\uXXXX`` escape: safe to print, and the same data when parsed."""
    text = json.dumps(data, ensure_ascii=False, indent=2)
    text = _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    # Lone surrogates (from undecodable file names) would not encode as UTF-8.
    if any("\ud800" <= c <= "\udfff" for c in text):
        text = "".join(f"\\u{ord(c):04x}" if "\ud800" <= c <= "\udfff" else c for c in text)
    return text
