"""CSV formula neutralising, terminal tables, sizes and terminal-safe JSON."""

from __future__ import annotations

import csv
import io
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dsreport.csvsafe import csv_text, neutralise_cell
from dsreport.terminal import (
    Column,
    cell_width,
    format_table,
    human_size,
    json_text,
    show_tags,
    signed_size,
    truncate,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("a=1", "a=1"),
        (" =1", " =1"),
        ("", ""),
        (None, ""),
        (True, "true"),
        (-12, "-12"),  # numbers stay numbers
        (1.5, "1.5"),
    ],
)
def test_neutralise_cell(value: str | int | float | bool | None, expected: str) -> None:
    assert neutralise_cell(value) == expected


@given(st.lists(st.lists(st.text(max_size=6), min_size=2, max_size=2), max_size=5))
def test_csv_text_reads_back_with_only_formula_cells_changed(rows: list[list[str]]) -> None:
    text = csv_text(["a", "b"], rows)
    back = list(csv.reader(io.StringIO(text, newline="")))
    assert back[0] == ["a", "b"]
    assert back[1:] == [[neutralise_cell(c) for c in row] for row in rows]
    for row in back[1:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))


def test_widths_truncation_and_tables() -> None:
    assert cell_width("猫a\u0301") == 3
    assert truncate("abcdefgh", 5) == "abcd…"
    assert truncate("images/cats/cat.png", 11, middle=True) == "image…t.png"
    assert truncate("猫猫猫猫", 5) == "猫猫…"
    columns = [Column("ID", shrink=2, middle=True), Column("NAME"), Column("N", align="right")]
    rows = [["0123456789abcdef", "a long name that will not fit", "12"], ["x", "\x1b[31m", "3"]]
    table = format_table(columns, rows, 30).split("\n")
    assert all(cell_width(line) <= 30 for line in table)
    assert table[0].startswith("ID") and table[0].endswith("N")
    assert "\x1b" not in "".join(table) and "\\x1b[31m" in table[2]
    assert table[1].endswith("12") and "…" in table[1]


def test_optional_columns_go_before_ids_are_cut() -> None:
    columns = [
        Column("ID", shrink=3, middle=True),
        Column("NAME"),
        Column("WHEN", shrink=0, drop=1),
        Column("STATUS", drop=2),
    ]
    rows = [["0123456789abcdef0123", "name", "2026-01-01 10:00", "final"]]
    assert format_table(columns, rows, 80).split("\n")[0].split() == [
        "ID",
        "NAME",
        "WHEN",
        "STATUS",
    ]
    assert format_table(columns, rows, 46).split("\n")[0].split() == ["ID", "NAME", "WHEN"]
    narrow = format_table(columns, rows, 30).split("\n")
    assert narrow[1].split() == ["0123456789abcdef0123", "name"]  # the id is whole
    tiny = format_table(columns, rows, 20).split("\n")
    assert "…" in tiny[1].split()[0] and all(cell_width(line) <= 20 for line in tiny)


def test_sizes_and_tags_for_people() -> None:
    assert [human_size(n) for n in (0, 999, 1000, 6347177, 27_300_000_000)] == [
        "0 B",
        "999 B",
        "1.00 kB",
        "6.35 MB",
        "27.3 GB",
    ]
    assert (signed_size(1200), signed_size(-3), signed_size(0)) == ("+1.20 kB", "-3 B", "0 B")
    assert show_tags(["plain", "my tag", "a,b", " x", 'q"', "", "\x1b[2J"]) == (
        'plain, my tag, "a,b", " x", "q\\"", "", \\x1b[2J'
    )


def test_json_text_is_terminal_safe_and_lossless() -> None:
    data = {"t": "a\x1b[31m\x9b\u2028\x7f\n", "s": "\udcff", "u": "猫"}
    text = json_text(data)
    assert all(c not in text for c in "\x1b\x9b\u2028\x7f\udcff")
    assert "猫" in text
    assert json.loads(text) == data
