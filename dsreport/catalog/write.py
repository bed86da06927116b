"""Serialise catalog documents: the exact bytes of version.json, dataset.json and manifests.

Every writer of a catalog (``snapshot``, ``import``, the dataset actions, tests) goes through
these functions, so files look the same whoever wrote them: JSON with two-space indents and keys in
the order of the format, manifests as one compact JSON object per line, sorted by path.
"""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Iterable, Mapping, Sequence
from itertools import chain
from operator import itemgetter
from typing import TYPE_CHECKING, Any

import orjson

from dsreport.diff import entry_changed
from dsreport.entry import Content, Entry

if TYPE_CHECKING:  # (the snapshot writes documents without importing pydantic)
    from dsreport.model import DatasetJson, VersionJson


def _document(obj: Any) -> dict[str, Any]:
    doc = dict(obj) if isinstance(obj, Mapping) else dataclasses.asdict(obj)
    # Optional keys are written only when set, so hand-written catalogs stay minimal.
    for key in ("status", "extra"):
        if key in doc and doc[key] is None:
            del doc[key]
    if "task" in doc and doc["task"] is not None and doc["task"].get("url") is None:
        doc["task"].pop("url", None)
    return doc


def document_bytes(obj: DatasetJson | VersionJson | Mapping[str, Any]) -> bytes:
    """``dataset.json`` or ``version.json`` bytes for a model, or for a dict of a model's
    fields in the model's order (the snapshot's: it writes without importing pydantic)."""
    return orjson.dumps(_document(obj), option=orjson.OPT_INDENT_2) + b"\n"


def entry_dict(entry: Entry) -> dict[str, Any]:
    """The manifest line of an entry, as a dict with keys in format order."""
    if entry.link is None:
        return {"path": entry.path, "size": entry.size, "hash": entry.hash, "origin": entry.origin}
    return {
        "path": entry.path,
        "link": entry.link,
        "size": entry.size,
        "hash": entry.hash,
        "origin": entry.origin,
    }


_FILE_LINE = ('{"path":"', '","size":', ',"hash":"', '","origin":"', '"}\n')
"""The manifest line of a file, cut where its path, size, hash and origin go."""
BLOCK = 4096
"""Entries whose lines are built together: enough to make the cost per block small, few enough
for the block's temporary objects to stay small, their memory reused by the next block."""


def _file_lines(block: Sequence[Entry]) -> bytes | None:
    """The manifest lines of *block*, the same bytes as :func:`_lines` gives, or ``None``.

    The lines are one text made with a few calls per block, none per entry. That text is only
    right for files (no link) with a hash, whose path, hash and origin hold no character JSON
    escapes: for any other block, ``None``.
    """
    # Path, size, hash, origin and link of each entry in turn (of several types, hence Any).
    fields: list[Any] = list(chain.from_iterable(block))
    if fields[4::5].count(None) != len(block):
        return None
    return _column_lines(fields[0::5], fields[1::5], fields[2::5], fields[3::5])


def _column_lines(
    paths: list[str], sizes: list[int], hashes: list[Any], origins: list[str]
) -> bytes | None:
    """:func:`_file_lines` of files given as columns (``None`` if a hash is missing)."""
    n = len(paths)
    if None in hashes:
        return None
    # orjson escapes a character with a backslash, and a backslash itself. (It refuses surrogates
    # here, as it does entry by entry.)
    if b"\\" in orjson.dumps((paths, hashes, origins)):
        return None
    # So the strings go in as they are, between the template's quotes; orjson writes the sizes
    # (in one call, cut at the commas), as it does entry by entry.
    pieces: list[str] = [""] * (9 * n)
    pieces[0::9] = [_FILE_LINE[0]] * n
    pieces[1::9] = paths
    pieces[2::9] = [_FILE_LINE[1]] * n
    pieces[3::9] = orjson.dumps(sizes)[1:-1].decode().split(",")
    pieces[4::9] = [_FILE_LINE[2]] * n
    pieces[5::9] = hashes
    pieces[6::9] = [_FILE_LINE[3]] * n
    pieces[7::9] = origins
    pieces[8::9] = [_FILE_LINE[4]] * n
    return "".join(pieces).encode()


def file_manifest_bytes(
    paths: Sequence[str], sizes: Sequence[int], hashes: Sequence[str], origins: Sequence[str]
) -> bytes:
    """:func:`manifest_bytes` of files (no link) given as columns, sorted by path: no entry is
    made, but for blocks that need escapes."""
    out = io.BytesIO()
    for start in range(0, len(paths), BLOCK):
        end = min(start + BLOCK, len(paths))
        block_paths, block_sizes = list(paths[start:end]), list(sizes[start:end])
        block_hashes, block_origins = list(hashes[start:end]), list(origins[start:end])
        lines = _column_lines(block_paths, block_sizes, block_hashes, block_origins)
        if lines is None:
            rows = zip(block_paths, block_sizes, block_hashes, block_origins, strict=True)
            lines = _lines([Entry(*row) for row in rows])
        out.write(lines)
    return out.getvalue()


def _lines(block: Iterable[Entry]) -> bytes:
    """The manifest lines of *block*, one orjson serialisation per entry."""
    dumps = orjson.dumps
    # The file case is inlined. Adding the newline copies each line into a right-sized object
    # while orjson's own buffer is freed at once: keeping orjson's buffers alive until the join is
    # several times slower.
    return b"".join(
        dumps(
            {"path": e[0], "size": e[1], "hash": e[2], "origin": e[3]}
            if e[4] is None
            else entry_dict(e)
        )
        + b"\n"
        for e in block
    )


def manifest_bytes(entries: Iterable[Entry]) -> bytes:
    """Manifest bytes: one compact JSON object per line, sorted by path.

    Snapshots write millions of lines: blocks of files are built as text (:func:`_file_lines`),
    about twice as fast as a serialisation per entry, which remains for the other blocks.
    """
    # Entries come in path order most often: sorting them then takes linear time, no more than
    # checking the order first would.
    ordered = sorted(entries, key=itemgetter(0))
    # Each block goes into the output as soon as it is built, so that the next one reuses its
    # memory (fresh memory costs more than building the lines); the output is not copied again.
    out = io.BytesIO()
    for start in range(0, len(ordered), BLOCK):
        block = ordered[start : start + BLOCK]
        out.write(_file_lines(block) or _lines(block))
    return out.getvalue()


def assign_origins(vid: str, entries: Iterable[Entry], base: Content) -> list[Entry]:
    """Set each entry's ``origin``: unchanged content keeps the base's origin, the rest is *vid*'s.

    *base* is the merged content of the version's parents (empty for a first version). An entry
    equal to its base entry but for the origin is given as that base entry.
    """
    new, get = tuple.__new__, base.get
    if not base:  # a first version: every entry is new
        return [
            new(Entry, (path, size, digest, vid, link)) for path, size, digest, _, link in entries
        ]
    result: list[Entry] = []
    append = result.append
    for entry in entries:
        path, size, digest, _, link = entry
        old = get(path)
        if old is None:
            origin = vid
        elif link is None and old[4] is None and digest is not None and digest == old[2]:
            # The common case, a file with the same hash, without a call. Most often it is the
            # base's entry again: sharing that one saves allocating memory, which costs more than
            # the comparisons.
            if size == old[1] and path == old[0]:
                append(old)
                continue
            origin = old[3]
        else:
            origin = old.origin if not entry_changed(old, entry) else vid
        append(new(Entry, (path, size, digest, origin, link)))
    return result
