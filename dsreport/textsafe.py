"""Make user-written text safe to print on a terminal."""

from __future__ import annotations

import re

# C0 controls except TAB, DEL and the C1 controls (an 8-bit CSI is U+009B) can drive a terminal;
# line and paragraph separators would break one-line messages.
_UNSAFE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char == "\n":
        return "\\n"
    if char == "\r":
        return "\\r"
    return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"


def safe_text(text: str) -> str:
    """Return *text* with every control character shown as a visible escape (``\\x1b``, ``\\n``).

    Lone surrogates (from file names that are not valid UTF-8) are shown as ``\\udcXX`` too.
    """
    text = _UNSAFE.sub(_escape, text)
    if any("\ud800" <= c <= "\udfff" for c in text):
        text = "".join(f"\\u{ord(c):04x}" if "\ud800" <= c <= "\udfff" else c for c in text)
    return text
