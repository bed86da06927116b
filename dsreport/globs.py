"""Glob patterns over relative POSIX paths (``[preview] exclude`` in ``dsreport.toml``).

- ``*`` matches within one name, ``?`` one character, ``[abc]``/``[!abc]`` one of a set;
- ``**`` matches across folders: ``secrets/**`` is everything under ``secrets/``, ``**/*.tmp``
  every ``.tmp`` file at any depth;
- a pattern without ``/`` matches a name in any folder (``*.bak``, ``README.md``), as in
  ``.gitignore``; a pattern with ``/`` matches from the top of the data folder.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable


def glob_regex(pattern: str) -> str:
    """The regular expression (for ``fullmatch``) of one glob pattern."""
    anywhere = "/" not in pattern.rstrip("/")
    pattern = pattern.strip("/")
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:[^/]*/)*")
            i += 3
        elif pattern.startswith("/**", i) and i + 3 == n:
            out.append("(?:/.*)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif c == "*":
            out.append("[^/]*")
            i += 1
        elif c == "?":
            out.append("[^/]")
            i += 1
        elif c == "[" and "]" in pattern[i + 2 :]:
            end = pattern.index("]", i + 2)
            body = pattern[i + 1 : end]
            negate = body.startswith("!")
            body = body[1:] if negate else body
            body = body.replace("\\", "\\\\").replace("^", "\\^").replace("[", "\\[")
            out.append(f"[^/{body}]" if negate else f"[{body}]")
            i = end + 1
        else:
            out.append(re.escape(c))
            i += 1
    body = "".join(out)
    return f"(?:.*/)?{body}" if anywhere else body


def compile_globs(patterns: Iterable[str]) -> Callable[[str], bool]:
    """A predicate: does a relative path match any of *patterns*? (No pattern: never.)"""
    regexes = [glob_regex(p) for p in patterns if p.strip("/")]
    if not regexes:
        return lambda _path: False
    combined = re.compile("|".join(f"(?:{r})" for r in regexes), re.DOTALL)
    return lambda path: combined.fullmatch(path) is not None
