"""Console logs: ANSI styles rendered, every other escape or control removed, text inert."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dsreport.render.ansi import (
    BACKGROUND,
    FOREGROUND,
    MIN_CONTRAST,
    PLAIN,
    Gap,
    Style,
    apply_sgr,
    contrast,
    palette,
    parse_lines,
    readable,
    render_console,
    style_class,
    style_rules,
    stylesheet,
)


def text_of(line: str) -> list[str]:
    """The text of each line, as a terminal would show it."""
    return ["".join(t for _, t in runs) for runs in parse_lines(line)]


@pytest.mark.parametrize(
    ("params", "style"),
    [
        ("31", Style(fg=1)),
        ("1;32", Style(fg=2, bold=True)),
        ("91", Style(fg=9)),
        ("97;41", Style(fg=15, bg=1)),
        ("103", Style(bg=11)),
        ("38;5;208", Style(fg=208)),
        ("48;5;17", Style(bg=17)),
        ("38;2;1;2;3", Style(fg=(1, 2, 3))),
        ("38:5:208", Style(fg=208)),
        ("38:2::10:20:30", Style(fg=(10, 20, 30))),
        ("38:2:10:20:30", Style(fg=(10, 20, 30))),
        ("3;4;9;7;2", Style(italic=True, underline=True, strike=True, inverse=True, dim=True)),
        ("4:3", Style(underline=True)),
        ("", PLAIN),
        ("0", PLAIN),
        ("38;5;300", PLAIN),  # out of range: ignored
        ("38;2;1;2", PLAIN),  # incomplete: ignored
    ],
)
def test_sgr_sets_styles(params: str, style: Style) -> None:
    assert apply_sgr(PLAIN, params) == style


def test_sgr_resets_each_attribute() -> None:
    every = Style(
        fg=1, bg=2, bold=True, dim=True, italic=True, underline=True, strike=True, inverse=True
    )
    assert apply_sgr(every, "22;23;24;27;29;39;49") == PLAIN
    assert apply_sgr(every, "4:0").underline is False
    assert apply_sgr(Style(fg=1), "1;38;5;2;4") == Style(fg=2, bold=True, underline=True)


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("progress 10%\rprogress 50%\rprogress 100%", "progress 100%"),
        ("abcdef\rxy", "xycdef"),  # a terminal overwrites, it does not erase
        ("abcdef\r\x1b[Kxy", "xy"),
        ("abcdef\x1b[2K\rxy", "xy"),
        ("abcdef\x1b[3D\x1b[1K", "    ef"),
        ("abc\bX", "abX"),
        ("ab\x1b[5Gc", "ab  c"),
        ("a\x1b[2Cb", "a  b"),
        ("line\r\n", "line"),
        ("\x1b]0;title\x07text", "text"),
        ("\x1b]2;title\x1b\\text", "text"),
        ("\x1b]8;;https://evil.example/\x1b\\link\x1b]8;;\x1b\\ text", "link text"),
        ("\x9d0;title\x9ctext \x9b31mred", "text red"),
        ("\x1bP1$r\x1b\\a\x1b_apc\x1b\\b\x1b^pm\x1b\\c\x1bXsos\x1b\\d", "abcd"),
        ("\x1b[2J\x1b[H\x1b[?25l\x1b[5Aup\x1b[s\x1b[u", "up"),
        ("a\x1b(Bb\x1b=c\x1b7d\x1b", "abcd"),
        ("bell\x07 nul\x00 del\x7f vt\x0b ff\x0c", "bell nul del vt ff"),
        ("\u202eevil\u202c \u2066x\u2069", "evil x"),
        ("unterminated \x1b]0;title", "unterminated "),
        ("tab\tkept", "tab\tkept"),
    ],
)
def test_lines_show_what_a_terminal_shows(raw: str, shown: str) -> None:
    assert text_of(raw) == [shown]


def test_styles_carry_over_lines() -> None:
    lines = parse_lines("\x1b[31mred\nstill red\x1b[0m\nplain\n")
    assert lines == [[(Style(fg=1), "red")], [(Style(fg=1), "still red")], [(PLAIN, "plain")]]


def test_html_is_escaped_and_styled_by_class() -> None:
    console = render_console(b"\x1b[1;31m<script>alert('x')</script>\x1b[0m & \"q\"\n")
    (line,) = console.items
    assert not isinstance(line, Gap)
    html = str(line.html)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "&amp; &#34;q&#34;" in html
    name = style_class(Style(fg=1, bold=True))
    assert html.startswith(f'<span class="{name}">')
    assert f".console-log .{name}{{font-weight:700;color:#" in console.css


def test_invalid_utf8_is_replaced_and_flagged() -> None:
    console = render_console(b"caf\xe9\n")
    assert console.invalid_utf8
    assert "caf\ufffd" in str(console.items[0].html)  # type: ignore[union-attr]
    assert not render_console("caf\u00e9 \ufffd\n".encode()).invalid_utf8


def test_long_lines_are_cut_and_long_logs_keep_head_and_tail() -> None:
    console = render_console(b"x" * 50 + b"\n", max_chars=10)
    assert console.items[0].cut == 40  # type: ignore[union-attr]
    log = b"".join(f"line {i}\n".encode() for i in range(1, 101))
    console = render_console(log, max_lines=10)
    numbers = [i.number if not isinstance(i, Gap) else -i.lines for i in console.items]
    assert numbers == [1, 2, 3, 4, 5, -90, 96, 97, 98, 99, 100]
    assert console.total_lines == 100
    assert str(console.items[-1].html) == "line 100"  # type: ignore[union-attr]


def test_a_log_read_in_two_parts_numbers_the_tail() -> None:
    console = render_console(b"a\nb\n", b"y\nz\n", 1000, max_lines=10)
    numbers = [i.number if not isinstance(i, Gap) else -i.lines for i in console.items]
    assert numbers == [1, 2, -1000, 1003, 1004]


def test_a_huge_single_line_renders_fast_and_cut() -> None:
    console = render_console(b"\x1b[32m" + b"A" * 5_000_000 + b"\x1b[0m", max_chars=1000)
    (line,) = console.items
    assert line.cut == 5_000_000 - 1000  # type: ignore[union-attr]
    assert len(str(line.html)) < 1100  # type: ignore[union-attr]


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("index", range(256))
def test_every_palette_colour_is_readable_in_both_themes(theme: str, index: int) -> None:
    light, dark = style_rules(Style(fg=index))
    rules = light if theme == "light" else dark
    found = re.search(r"color:#([0-9a-f]{6})", rules)
    shown = (
        tuple(int(found.group(1)[i : i + 2], 16) for i in (0, 2, 4)) if found else FOREGROUND[theme]
    )  # type: ignore[index]
    assert contrast(shown, BACKGROUND[theme]) >= MIN_CONTRAST  # type: ignore[arg-type,index]


colours = st.tuples(st.integers(0, 255), st.integers(0, 255), st.integers(0, 255))


@given(colours, colours)
def test_any_colour_pair_is_made_readable(
    fg: tuple[int, int, int], bg: tuple[int, int, int]
) -> None:
    assert contrast(readable(fg, bg), bg) >= MIN_CONTRAST


def test_palette_matches_xterm() -> None:
    assert palette(16) == (0, 0, 0)
    assert palette(196) == (255, 0, 0)
    assert palette(231) == (255, 255, 255)
    assert palette(232) == (8, 8, 8)
    assert palette(255) == (238, 238, 238)


def test_stylesheet_has_a_dark_variant_and_is_stable() -> None:
    styles = {Style(fg=208), Style(bg=4, bold=True), Style(underline=True)}
    css = stylesheet(styles)
    assert css == stylesheet(set(reversed(list(styles))))
    assert "@media (prefers-color-scheme: dark){" in css
    assert f".{style_class(Style(underline=True))}{{text-decoration-line:underline}}" in css


def test_panel_colours_match_the_stylesheet() -> None:
    from dsreport.resources import assets_dir

    css = (assets_dir() / "css" / "dsreport.css").read_text()
    block = css[css.index(".console-log {") :]
    for theme in ("light", "dark"):
        bg = "#{:02x}{:02x}{:02x}".format(*BACKGROUND[theme])  # type: ignore[index]
        fg = "#{:02x}{:02x}{:02x}".format(*FOREGROUND[theme])  # type: ignore[index]
        assert f"background: {bg}; color: {fg};" in block
