"""Console logs with ANSI colours, rendered at build time into inert HTML and a small stylesheet.

What a terminal would show is what the page shows, and nothing else runs:

- SGR styles: the 16 colours, the 256-colour palette and true colour (``38;5;n``, ``38;2;r;g;b``,
  and the ``:`` forms), bold, dim, italic, underline, strike-through, inverse.
- Each line is replayed on a line buffer: a carriage return goes back to the line's start and what
  follows overwrites it (progress bars collapse to their last state), backspace steps back, and
  "erase in line" and cursor-column moves are honoured.
- Every other escape or control sequence is removed with its payload: other CSI sequences, OSC
  (title setting, OSC 8 hyperlinks: their text stays, the link does not), DCS, SOS, PM, APC, their
  8-bit C1 forms, lone control characters, and bidirectional-override characters (which could make
  a line read other than it is).
- Bytes that are not UTF-8 show as U+FFFD.

Colours become classes named after their style (``a1b2c3d4``), whose rules go to a stylesheet with
a light and a dark variant; each foreground is adjusted, as modern terminals do, until it reaches
WCAG contrast 4.5:1 against its background, so any log stays readable in both themes. (Inline
``style`` attributes are not an option: the site's Content-Security-Policy refuses them.)
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from typing import Literal

from markupsafe import Markup, escape

RGB = tuple[int, int, int]
Color = int | RGB
"""A palette index (0-255) or a true colour."""


@dataclass(frozen=True)
class Style:
    """The SGR state of a run of text."""

    fg: Color | None = None
    bg: Color | None = None
    bold: bool = False
    dim: bool = False
    italic: bool = False
    underline: bool = False
    strike: bool = False
    inverse: bool = False


PLAIN = Style()

# One token: a CSI sequence (7- or 8-bit), a control string (OSC, DCS, SOS, PM, APC) up to its
# terminator (BEL or ST) or the end of the line, another escape sequence, or one control character.
_TOKEN = re.compile(
    r"(?:\x1b\[|\x9b)(?P<params>[0-?]*)[ -/]*(?P<final>[@-~])?"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])(?:.*?)(?:\x07|\x1b\\|\x9c|$)"
    r"|\x1b[ -/]*[0-~]?"
    r"|(?P<ctl>[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069])",
    re.S,
)

Theme = Literal["light", "dark"]
BACKGROUND: dict[Theme, RGB] = {"light": (0xFB, 0xFB, 0xFC), "dark": (0x1B, 0x1E, 0x23)}
"""The console panel's background in each theme (the same values as in ``dsreport.css``)."""
FOREGROUND: dict[Theme, RGB] = {"light": (0x1C, 0x1E, 0x21), "dark": (0xE6, 0xE8, 0xEB)}
"""The console panel's text colour in each theme."""
_BASE16 = (
    (0x00, 0x00, 0x00), (0xCD, 0x31, 0x31), (0x0D, 0xBC, 0x79), (0xE5, 0xE5, 0x10),
    (0x24, 0x72, 0xC8), (0xBC, 0x3F, 0xBC), (0x11, 0xA8, 0xCD), (0xE5, 0xE5, 0xE5),
    (0x66, 0x66, 0x66), (0xF1, 0x4C, 0x4C), (0x23, 0xD1, 0x8B), (0xF5, 0xF5, 0x43),
    (0x3B, 0x8E, 0xEA), (0xD6, 0x70, 0xD6), (0x29, 0xB8, 0xDB), (0xFF, 0xFF, 0xFF),
)  # fmt: skip
MIN_CONTRAST = 4.5
"""WCAG AA for normal text."""


def palette(index: int) -> RGB:
    """The xterm colour of a 256-colour palette index."""
    if index < 16:
        return _BASE16[index]
    if index < 232:
        index -= 16
        steps = (0, 95, 135, 175, 215, 255)
        return steps[index // 36], steps[(index // 6) % 6], steps[index % 6]
    level = 8 + 10 * (index - 232)
    return level, level, level


def _luminance(rgb: RGB) -> float:
    def channel(c: int) -> float:
        v = c / 255
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: RGB, b: RGB) -> float:
    """The WCAG contrast ratio of two colours (1 to 21)."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _mix(a: RGB, b: RGB, t: float) -> RGB:
    return (
        round(a[0] + (b[0] - a[0]) * t),
        round(a[1] + (b[1] - a[1]) * t),
        round(a[2] + (b[2] - a[2]) * t),
    )


def readable(fg: RGB, bg: RGB, minimum: float = MIN_CONTRAST) -> RGB:
    """*fg*, moved towards black or white just enough to reach *minimum* contrast on *bg*."""
    if contrast(fg, bg) >= minimum:
        return fg
    black, white = (0, 0, 0), (255, 255, 255)
    target = black if contrast(black, bg) >= contrast(white, bg) else white
    low, high = 0.0, 1.0
    for _ in range(20):
        middle = (low + high) / 2
        if contrast(_mix(fg, target, middle), bg) >= minimum + 0.05:
            high = middle
        else:
            low = middle
    return _mix(fg, target, high)


def _rgb(color: Color) -> RGB:
    return palette(color) if isinstance(color, int) else color


def _colors(style: Style, theme: Theme) -> tuple[RGB, RGB | None]:
    """The foreground and (if not the panel's own) background a style shows in *theme*."""
    fg = _rgb(style.fg) if style.fg is not None else FOREGROUND[theme]
    bg = _rgb(style.bg) if style.bg is not None else None
    if style.inverse:
        fg, bg = bg or BACKGROUND[theme], fg
    under = bg or BACKGROUND[theme]
    if style.dim:
        fg = _mix(fg, under, 0.35)
    return readable(fg, under), bg


def _hex(rgb: RGB) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def style_rules(style: Style) -> tuple[str, str]:
    """CSS declarations of a style: (light and common ones, dark colours)."""
    common = []
    if style.bold:
        common.append("font-weight:700")
    if style.italic:
        common.append("font-style:italic")
    lines = [
        name for on, name in ((style.underline, "underline"), (style.strike, "line-through")) if on
    ]
    if lines:
        common.append("text-decoration-line:" + " ".join(lines))
    out = []
    themes: tuple[Theme, ...] = ("light", "dark")
    for theme in themes:
        fg, bg = _colors(style, theme)
        decl = [] if fg == FOREGROUND[theme] else [f"color:{_hex(fg)}"]
        if bg is not None:
            decl.append(f"background-color:{_hex(bg)}")
        out.append(decl)
    light, dark = out
    return ";".join(common + light), ";".join(dark)


def style_class(style: Style) -> str:
    """The class of a style: named after its rules, so equal styles share one in any log."""
    light, dark = style_rules(style)
    return "a" + hashlib.sha256(f"{light}|{dark}".encode()).hexdigest()[:8]


def stylesheet(styles: set[Style]) -> str:
    """The rules of *styles* (light first, then the dark theme's colours)."""
    light_rules, dark_rules = [], []
    for style in sorted(styles, key=style_class):
        light, dark = style_rules(style)
        name = style_class(style)
        if light:
            light_rules.append(f".console-log .{name}{{{light}}}\n")
        if dark:
            dark_rules.append(f".console-log .{name}{{{dark}}}\n")
    css = "".join(light_rules)
    if dark_rules:
        css += "@media (prefers-color-scheme: dark){\n" + "".join(dark_rules) + "}\n"
    return css


def _extended(values: list[int | None]) -> tuple[Color | None, int]:
    """The colour of an extended SGR (``5;n`` or ``2;r;g;b`` after 38/48), and values used."""
    kind = values[0] if values else None
    if kind == 5 and len(values) >= 2:
        n = values[1]
        return (n if n is not None and n <= 255 else None), 2
    if kind == 2 and len(values) >= 4:
        r, g, b = values[1:4]
        if r is not None and g is not None and b is not None and max(r, g, b) <= 255:
            return (r, g, b), 4
        return None, 4
    return None, len(values)


def _number(text: str) -> int | None:
    return int(text) if text.isdigit() and len(text) < 8 else None


_SIMPLE = {
    0: {},
    1: {"bold": True},
    2: {"dim": True},
    3: {"italic": True},
    4: {"underline": True},
    7: {"inverse": True},
    9: {"strike": True},
    21: {"underline": True},
    22: {"bold": False, "dim": False},
    23: {"italic": False},
    24: {"underline": False},
    27: {"inverse": False},
    29: {"strike": False},
    39: {"fg": None},
    49: {"bg": None},
}


def _with_color(style: Style, foreground: bool, color: Color | None) -> Style:
    if color is None:
        return style  # a malformed colour changes nothing
    return replace(style, fg=color) if foreground else replace(style, bg=color)


def apply_sgr(style: Style, params: str) -> Style:
    """The style after an SGR sequence with *params* (``1;31``, ``38;5;208``, ``38:2::1:2:3``)."""
    groups = params.split(";")
    i = 0
    while i < len(groups):
        group = groups[i]
        i += 1
        if ":" in group:
            # ITU forms: 38:5:n, 38:2:[colour space]:r:g:b, 4:n (underline styles; 4:0 is off).
            parts = [_number(p) for p in group.split(":")]
            if parts[0] in (38, 48) and len(parts) > 1:
                values = [2, *parts[-3:]] if parts[1] == 2 and len(parts) >= 5 else parts[1:]
                color, _ = _extended(values)
                style = _with_color(style, parts[0] == 38, color)
            elif parts[0] == 4:
                style = replace(style, underline=parts[1:2] != [0])
            continue
        n = _number(group) if group else 0
        if n is None:
            continue
        if n in (38, 48):
            color, used = _extended([_number(g) for g in groups[i : i + 4]])
            i += used
            style = _with_color(style, n == 38, color)
        elif 30 <= n <= 37 or 90 <= n <= 97:
            style = replace(style, fg=n - 30 if n < 90 else n - 82)
        elif 40 <= n <= 47 or 100 <= n <= 107:
            style = replace(style, bg=n - 40 if n < 100 else n - 92)
        elif n == 0:
            style = PLAIN
        elif n in _SIMPLE:
            style = replace(style, **_SIMPLE[n])  # type: ignore[arg-type]
    return style


Run = tuple[Style, str]


def _slice(runs: list[Run], start: int, end: int) -> list[Run]:
    """The runs covering columns [start, end)."""
    out: list[Run] = []
    pos = 0
    for style, text in runs:
        a, b = pos, pos + len(text)
        pos = b
        if b <= start:
            continue
        if a >= end:
            break
        out.append((style, text[max(start - a, 0) : min(end, b) - a]))
    return out


class _Line:
    """One terminal line being written: styled runs and a cursor column."""

    def __init__(self) -> None:
        self.runs: list[Run] = []
        self.length = 0
        self.col = 0

    def write(self, style: Style, text: str) -> None:
        if self.col > self.length:
            self._append(PLAIN, " " * (self.col - self.length))
        if self.col == self.length:
            self._append(style, text)
        else:
            end = self.col + len(text)
            self.runs = [
                *_slice(self.runs, 0, self.col),
                (style, text),
                *_slice(self.runs, end, self.length),
            ]
            self.length = max(self.length, end)
        self.col += len(text)

    def _append(self, style: Style, text: str) -> None:
        if self.runs and self.runs[-1][0] == style:
            self.runs[-1] = (style, self.runs[-1][1] + text)
        else:
            self.runs.append((style, text))
        self.length += len(text)

    def erase(self, mode: int) -> None:
        """CSI K: 0 erases from the cursor to the end, 1 from the start to the cursor, 2 all."""
        if mode == 0:
            self.runs = _slice(self.runs, 0, self.col)
            self.length = min(self.length, self.col)
        elif mode == 1:
            end = min(self.col + 1, self.length)
            self.runs = [(PLAIN, " " * end), *_slice(self.runs, end, self.length)]
        elif mode == 2:
            self.runs, self.length = [], 0


def parse_lines(text: str) -> list[list[Run]]:
    """Each line of *text* as styled runs, as a terminal would show it (styles carry over)."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    out: list[list[Run]] = []
    style = PLAIN
    for raw in lines:
        line = _Line()
        pos = 0
        for match in _TOKEN.finditer(raw):
            if match.start() > pos:
                line.write(style, raw[pos : match.start()])
            pos = match.end()
            token = match.group()
            ctl = match.group("ctl")
            if ctl == "\r":
                line.col = 0
            elif ctl == "\b":
                line.col = max(0, line.col - 1)
            elif match.group("final") and not token.startswith("\x1b]"):
                style = _csi(line, style, match.group("params"), match.group("final"))
        if pos < len(raw):
            line.write(style, raw[pos:])
        out.append([(s, t) for s, t in line.runs if t])
    return out


def _csi(line: _Line, style: Style, params: str, final: str) -> Style:
    """Apply the CSI sequences that shape a line; ignore every other one."""
    if params[:1] in ("<", "=", ">", "?"):
        return style  # private modes (cursor visibility, bracketed paste, …)
    if final == "m":
        return apply_sgr(style, params)
    n = _number(params.split(";")[0]) if params else None
    if final == "K":
        line.erase(n or 0)
    elif final == "G":
        line.col = max(0, (n or 1) - 1)
    elif final == "C":
        line.col += n or 1
    elif final == "D":
        line.col = max(0, line.col - (n or 1))
    return style


@dataclass(frozen=True)
class ConsoleLine:
    """One rendered line."""

    number: int
    """Its line number in the log (from 1)."""
    html: Markup
    """Its text as HTML (escaped text in styled spans)."""
    cut: int
    """Characters not shown because the line is longer than the page shows."""


@dataclass(frozen=True)
class Gap:
    """Lines left out of a long log."""

    lines: int


@dataclass(frozen=True)
class RenderedConsole:
    """A console log ready for the page."""

    items: tuple[ConsoleLine | Gap, ...]
    """Lines in order, with a gap where lines were left out."""
    total_lines: int
    """Lines in the whole log."""
    css: str
    """The stylesheet of the styles used."""
    invalid_utf8: bool
    """Some bytes were not UTF-8 (shown as U+FFFD)."""


def _line_html(runs: list[Run], max_chars: int, classes: dict[Style, str]) -> tuple[Markup, int]:
    parts: list[str] = []
    room = max_chars
    total = 0
    for style, text in runs:
        total += len(text)
        if room <= 0:
            continue
        shown = text[:room]
        room -= len(shown)
        if style == PLAIN:
            parts.append(str(escape(shown)))
        else:
            name = classes.get(style)
            if name is None:
                name = classes[style] = style_class(style)
            parts.append(f'<span class="{name}">{escape(shown)}</span>')
    return Markup("".join(parts)), max(0, total - max_chars)


MAX_LINES = 20_000
"""Lines a page shows at most: the first and the last half of that, with a gap between."""
MAX_LINE_CHARS = 5_000
"""Characters shown of one line."""


def render_console(
    head: bytes,
    tail: bytes | None = None,
    skipped_lines: int = 0,
    *,
    max_lines: int = MAX_LINES,
    max_chars: int = MAX_LINE_CHARS,
) -> RenderedConsole:
    """Render a log: *head* (the whole log, or its start), then, for a log too big to read
    whole, *skipped_lines* not read and the *tail*. Styles start plain after a gap."""
    head_text = head.decode("utf-8", "replace")
    tail_text = tail.decode("utf-8", "replace") if tail is not None else ""
    invalid = not _is_utf8(head) or (tail is not None and not _is_utf8(tail))
    first = parse_lines(head_text)
    last = parse_lines(tail_text) if tail is not None else []
    half = max_lines // 2
    if tail is None and len(first) > max_lines:
        skipped_lines = len(first) - max_lines
        first, last = first[:half], first[-(max_lines - half) :]
    else:
        if len(first) > half:
            skipped_lines += len(first) - half
            first = first[:half]
        if len(last) > max_lines - half:
            skipped_lines += len(last) - (max_lines - half)
            last = last[-(max_lines - half) :]
    total = len(first) + skipped_lines + len(last)
    classes: dict[Style, str] = {}
    items: list[ConsoleLine | Gap] = []
    for number, runs in enumerate(first, start=1):
        html, cut = _line_html(runs, max_chars, classes)
        items.append(ConsoleLine(number, html, cut))
    if skipped_lines:
        items.append(Gap(skipped_lines))
    for number, runs in enumerate(last, start=total - len(last) + 1):
        html, cut = _line_html(runs, max_chars, classes)
        items.append(ConsoleLine(number, html, cut))
    return RenderedConsole(tuple(items), total, stylesheet(set(classes)), invalid)


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
