"""Order version numbers sensibly: SemVer precedence, then natural order for any other string."""

from __future__ import annotations

import re

_SEMVER = re.compile(
    r"^[vV]?(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)"
    r"(?:-((?:0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)"
    r"(?:\.(?:0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*))*))?"
    r"(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$"
)
_TOKENS = re.compile(r"[0-9]+|[^0-9]+")

Token = tuple[int, int, str]
VersionKey = tuple[tuple[Token, ...], int, tuple[Token, ...], str]


def _natural(text: str) -> tuple[Token, ...]:
    """Split into digit runs (compared as numbers) and other runs (compared case-insensitively)."""
    tokens: list[Token] = []
    for part in _TOKENS.findall(text):
        if part.isdigit():
            tokens.append((0, int(part), ""))
        else:
            tokens.append((1, 0, part.casefold()))
    return tuple(tokens)


def version_key(version: str) -> VersionKey:
    """A sort key for version numbers.

    SemVer 2.0 strings (an optional leading ``v`` allowed) sort by SemVer precedence: numeric
    parts as numbers, a pre-release before its release, pre-release identifiers compared as
    SemVer says (numeric ones numerically, and before alphanumeric ones). Any other string sorts
    in natural order, so ``1.10`` follows ``1.9``, ``v2`` follows ``v1`` and dates
    (``2024-05-01``) sort by date. The raw string breaks ties, so the order is total.
    """
    match = _SEMVER.fullmatch(version)
    if match:
        major, minor, patch, prerelease = match.groups()
        core = _natural(f"{major}.{minor}.{patch}")
        if prerelease is None:
            return (core, 1, (), version)
        identifiers = tuple(
            (0, int(part), "") if part.isdigit() else (1, 0, part) for part in prerelease.split(".")
        )
        return (core, 0, identifiers, version)
    stripped = version[1:] if version[:1] in ("v", "V") and version[1:2].isdigit() else version
    return (_natural(stripped), 1, (), version)


def sort_versions(versions: list[str]) -> list[str]:
    """Return *versions* sorted by :func:`version_key`."""
    return sorted(versions, key=version_key)


def bump_version(version: str) -> str:
    """The next version number after *version*: its last number plus one.

    ``1.2.0`` gives ``1.2.1``, ``1.0.0-rc.1`` gives ``1.0.0`` (the release), ``v7`` gives ``v8``,
    and a string without digits gets ``.1`` appended.
    """
    match = _SEMVER.fullmatch(version)
    if match and match.group(4) is not None:
        return version.split("-", 1)[0]
    if match:
        prefix = version[0] if version[0] in "vV" else ""
        major, minor, patch = (int(g) for g in match.groups()[:3])
        return f"{prefix}{major}.{minor}.{patch + 1}"
    runs = list(re.finditer(r"[0-9]+", version))
    if not runs:
        return f"{version}.1"
    last = runs[-1]
    return f"{version[: last.start()]}{int(last.group()) + 1}{version[last.end() :]}"
