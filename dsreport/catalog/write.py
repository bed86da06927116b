"""Serialise catalog documents: the exact bytes of version.json, dataset.json and manifests.

Every writer of a catalog (``snapshot``, ``import``, the dataset actions, tests) goes through
these functions, so files look the same whoever wrote them: JSON with two-space indents and keys in
the order of the format, manifests as one compact JSON object per line, sorted by path.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from operator import itemgetter
from typing import Any

import orjson

from dsreport.diff import entry_changed
from dsreport.model import Content, DatasetJson, Entry, VersionJson


def _document(obj: Any) -> dict[str, Any]:
    doc = dataclasses.asdict(obj)
    # Optional keys are written only when set, so hand-written catalogs stay minimal.
    for key in ("status", "extra"):
        if key in doc and doc[key] is None:
            del doc[key]
    if "task" in doc and doc["task"] is not None and doc["task"].get("url") is None:
        doc["task"].pop("url", None)
    return doc


def document_bytes(obj: DatasetJson | VersionJson) -> bytes:
    """``dataset.json`` or ``version.json`` bytes for a model."""
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


def manifest_bytes(entries: Iterable[Entry]) -> bytes:
    """Manifest bytes: one compact JSON object per line, sorted by path."""
    ordered = sorted(entries, key=itemgetter(0))
    dumps = orjson.dumps
    # The file case is inlined (no call per entry: snapshots write millions of lines). Adding the
    # newline copies each line into a right-sized object while orjson's own buffer is freed at
    # once: keeping orjson's buffers alive until the join is several times slower.
    return b"".join(
        dumps(
            {"path": e[0], "size": e[1], "hash": e[2], "origin": e[3]}
            if e[4] is None
            else entry_dict(e)
        )
        + b"\n"
        for e in ordered
    )


def assign_origins(vid: str, entries: Iterable[Entry], base: Content) -> list[Entry]:
    """Set each entry's ``origin``: unchanged content keeps the base's origin, the rest is *vid*'s.

    *base* is the merged content of the version's parents (empty for a first version).
    """
    new, get = tuple.__new__, base.get
    result: list[Entry] = []
    append = result.append
    for entry in entries:
        path, size, digest, _, link = entry
        old = get(path)
        if old is None:
            origin = vid
        elif link is None and old[4] is None and digest is not None and digest == old[2]:
            origin = old[3]  # the common case, a file with the same hash, without a call
        else:
            origin = old.origin if not entry_changed(old, entry) else vid
        append(new(Entry, (path, size, digest, origin, link)))
    return result
