"""Read manifests (``manifest.jsonl`` or ``.jsonl.gz``) into entries, fast, with exact problems.

Manifests are the bulk of a catalog, so a valid one takes a fast path: orjson per line, one loop
that checks keys and types while it builds the entries, and checks over whole columns (hashes,
paths, order) that run in C. Only when the fast path finds anything wrong does the slow path run:
it validates each line with the same pydantic models the JSON Schema is generated from, and
reports every problem with its line. The fast path must never accept what the models reject;
``tests/unit/test_manifest.py`` checks that on generated lines.
"""

from __future__ import annotations

import functools
import gc
import gzip
import json
import operator
import re
import zlib
from collections.abc import Iterable, Sequence
from operator import itemgetter
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any

import orjson

from dsreport.entry import ID_PATTERN, MAX_INT, Entry
from dsreport.errors import CatalogInvalid, DsreportError, Problem

# A valid manifest is parsed without pydantic (the snapshot reads its parents' manifests in a
# process that never imports it); the models judge the lines of one that is not.
if TYPE_CHECKING:
    from pydantic import TypeAdapter, ValidationError

MANIFEST_NAMES = ("manifest.jsonl", "manifest.jsonl.gz")
_ID = re.compile(ID_PATTERN)
_HEX_DIGITS = b"0123456789abcdef"
# Substrings of "\n" + "\n".join(paths) + "\n" that only a bad path can produce (or a path that
# holds a newline, which the slow path then judges exactly): a leading or trailing slash, an
# empty path or segment, a NUL; and, looked for only when a segment starts with a dot, a "." or
# ".." segment.
_BAD_PATH_MARKS = ("\n/", "/\n", "//", "\n\n", "\x00")
_BAD_DOT_MARKS = tuple(f"{a}{dots}{b}" for dots in (".", "..") for a in "\n/" for b in "\n/")


class ManifestUnreadable(Exception):
    """The manifest file could not be read or decompressed."""


def read_manifest_bytes(path: Path) -> bytes:
    """The manifest's bytes, decompressed when the name ends in ``.gz``."""
    try:
        if path.name.endswith(".gz"):
            with gzip.open(path, "rb") as f:
                return f.read()
        return path.read_bytes()
    except (OSError, EOFError, zlib.error) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ManifestUnreadable(reason or type(exc).__name__) from None


def read_manifest(path: Path, rel: PurePath) -> dict[str, Entry]:
    """The entries of the manifest at *path* (*rel* in messages: its path in the catalog), by
    path. Raises :class:`DsreportError` if it cannot be read, :class:`CatalogInvalid` if it is
    not valid."""
    shown = rel.as_posix()
    try:
        entries, problems = parse_manifest(read_manifest_bytes(path), shown)
    except ManifestUnreadable as exc:
        raise DsreportError(f"cannot read the manifest: {exc}", file=shown) from None
    if problems:
        raise CatalogInvalid(problems)
    return {e.path: e for e in entries}


_ORIGIN = re.compile(rb'"origin":"([^"]*)')
"""An origin in a manifest line (a quote inside a path is escaped: only the key itself can
match). Simple, to be quick (a third faster than one anchored to the line's end): the lines are
made again and compared byte for byte anyway."""


def origins_of_file_lines(
    data: bytes, paths: Sequence[str], sizes: Sequence[int], hashes: Sequence[str]
) -> list[str] | None:
    """The origins of the manifest *data* when it is exactly the lines of the files given as
    columns (valid ones: sorted relative paths, sizes, sha256 hashes), each with a valid origin;
    else ``None``. Found without parsing it (three times faster): the origins are picked out of
    the lines' ends and checked, then the lines made again from the columns with them must be
    *data*, byte for byte."""
    from dsreport.catalog.write import file_manifest_bytes

    found = _ORIGIN.findall(data)
    if len(found) != len(paths):
        return None
    try:
        text = {raw: raw.decode("ascii") for raw in set(found)}
    except UnicodeDecodeError:
        return None
    if not all(_ID.fullmatch(origin) for origin in text.values()):
        return None
    origins = [text[raw] for raw in found]
    return origins if file_manifest_bytes(paths, sizes, hashes, origins) == data else None


def parse_manifest(data: bytes, rel: str) -> tuple[list[Entry], list[Problem]]:
    """Parse a manifest's bytes into entries; *rel* names the file in problems.

    Returns the entries and the problems; with any problem the entries are incomplete.
    """
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    entries = _fast_parse(lines)
    if entries is not None:
        return entries, []
    return _slow_parse(lines, rel)


def _fast_parse(lines: list[bytes]) -> list[Entry] | None:
    """Entries of a valid manifest, or ``None`` when anything at all is off."""
    # Parsing makes millions of small objects that the cyclic collector would scan again and
    # again for nothing (they hold no cycles): pausing it saves about a third of the time.
    collecting = gc.isenabled()
    gc.disable()
    try:
        entries = _build_entries(lines)
        return entries if entries is not None and _columns_ok(entries) else None
    finally:
        if collecting:
            gc.enable()


def _build_entries(lines: list[bytes]) -> list[Entry] | None:
    """Entries with the right keys (types are checked afterwards, by column)."""
    loads, new, entry = orjson.loads, tuple.__new__, Entry
    try:
        rows = [loads(line) for line in lines]
    except orjson.JSONDecodeError:
        return None
    entries: list[Entry] = []
    append = entries.append
    try:
        for row in rows:
            # Four distinct required keys present in a four-key object means exactly those
            # keys; a missing one raises KeyError (and a non-object TypeError or KeyError).
            size = len(row)
            if size == 4:
                append(new(entry, (row["path"], row["size"], row["hash"], row["origin"], None)))
            elif size == 5 and row["link"] is not None:
                append(
                    new(entry, (row["path"], row["size"], row["hash"], row["origin"], row["link"]))
                )
            else:
                return None
    except (KeyError, TypeError):
        return None
    return entries


_NONE = type(None)


def _columns_ok(entries: list[Entry]) -> bool:
    """Check types, sizes, paths, hashes and origins of all entries, column by column."""
    paths, sizes, hashes, origins, links = (list(map(itemgetter(i), entries)) for i in range(5))
    # Only links may have a null size or hash (a link's own value is never null here).
    if set(map(type, links)) - {str, _NONE} or set(map(type, sizes)) - {int, _NONE}:
        return False
    nulls = sizes.count(None) + hashes.count(None)
    if nulls and any(
        (s is None or h is None) and k is None for s, h, k in zip(sizes, hashes, links, strict=True)
    ):
        return False
    known = [s for s in sizes if s is not None] if nulls else sizes
    if known and (min(known) < 0 or max(known) > MAX_INT):
        return False
    if set(map(type, paths)) - {str}:
        return False
    joined = "\n" + "\n".join(paths) + "\n"
    if any(mark in joined for mark in _BAD_PATH_MARKS):
        return False
    if ("/." in joined or "\n." in joined) and any(mark in joined for mark in _BAD_DOT_MARKS):
        return False
    # Strictly increasing: sorted and unique in one comparison per pair.
    if not all(map(operator.lt, paths, paths[1:])):
        return False
    given = [h for h in hashes if h is not None] if nulls else hashes
    if set(map(type, given)) - {str} or set(map(len, given)) - {64}:
        return False
    try:
        digits = "".join(given).encode("ascii")
    except UnicodeEncodeError:
        return False
    if digits.translate(None, _HEX_DIGITS):
        return False
    if set(map(type, origins)) - {str}:
        return False
    return all(_ID.fullmatch(o) for o in set(origins))


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


@functools.cache
def _adapters() -> tuple[TypeAdapter[Any], TypeAdapter[Any]]:
    """The validators of a file line and of a link line (made once, on first use)."""
    from pydantic import TypeAdapter

    from dsreport.model import FileEntry, LinkEntry

    return TypeAdapter(FileEntry), TypeAdapter(LinkEntry)


def _slow_parse(lines: list[bytes], rel: str) -> tuple[list[Entry], list[Problem]]:
    """Validate line by line with the models and report every problem with its line."""
    from pydantic import ValidationError

    file_adapter, link_adapter = _adapters()
    problems: list[Problem] = []
    entries: list[tuple[int, Entry]] = []
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            problems.append(Problem(rel, number, "", "empty line (expected one JSON object)"))
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            problems.append(
                Problem(
                    rel,
                    number,
                    "",
                    f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at column {exc.start + 1})",
                )
            )
            continue
        try:
            row = json.loads(text, parse_constant=_reject_constant)
        except ValueError as exc:
            problems.append(Problem(rel, number, "", f"invalid JSON: {exc}"))
            continue
        if not isinstance(row, dict):
            problems.append(
                Problem(rel, number, "", f"expected a JSON object, got {_json_type(row)}")
            )
            continue
        adapter: TypeAdapter[Any] = link_adapter if "link" in row else file_adapter
        try:
            doc = adapter.validate_json(raw)
        except ValidationError as exc:
            problems.extend(Problem(rel, number, f, m) for f, m in validation_messages(exc))
            continue
        entries.append(
            (number, Entry(doc.path, doc.size, doc.hash, doc.origin, getattr(doc, "link", None)))
        )
    for (_, before), (number, entry) in zip(entries, entries[1:], strict=False):
        if entry.path == before.path:
            problems.append(Problem(rel, number, "path", f"duplicate path {entry.path!r}"))
        elif entry.path < before.path:
            problems.append(
                Problem(
                    rel,
                    number,
                    "path",
                    f"lines must be sorted by path: {entry.path!r} comes after {before.path!r}",
                )
            )
    return [e for _, e in entries], problems


def _json_type(value: object) -> str:
    names = {
        list: "an array",
        str: "a string",
        int: "a number",
        float: "a number",
        bool: "a boolean",
    }
    return "null" if value is None else names.get(type(value), type(value).__name__)


def validation_messages(exc: ValidationError) -> Iterable[tuple[str, str]]:
    """(field, message) pairs of a pydantic error, fields written as ``task.name``, ``tags[0]``."""
    for error in exc.errors(include_url=False):
        field = ""
        for part in error["loc"]:
            field += f"[{part}]" if isinstance(part, int) else (f".{part}" if field else str(part))
        message = str(error["msg"])
        kind = error["type"]
        if kind in ("unexpected_keyword_argument", "extra_forbidden"):
            message = "unknown key (not part of format 1)"
        elif kind == "missing":
            message = "required key is missing"
        elif kind == "value_error":
            message = message.removeprefix("Value error, ")
        elif "input" in error and kind != "json_invalid":
            shown = repr(error["input"])
            message = f"{message}, got {shown[:80] + '…' if len(shown) > 80 else shown}"
        yield field, message
