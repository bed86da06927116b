"""Serialise catalog documents: the exact bytes of version.json, dataset.json and manifests.

Every writer of a catalog (``snapshot``, ``import``, the dataset actions, tests) goes through
these functions, so files look the same whoever wrote them: JSON with two-space indents and keys in
the order of the format, manifests as one compact JSON object per line, sorted by path.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
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
    ordered = sorted(entries, key=lambda e: e.path)
    return b"".join(orjson.dumps(entry_dict(e)) + b"\n" for e in ordered)


def assign_origins(vid: str, entries: Iterable[Entry], base: Content) -> list[Entry]:
    """Set each entry's ``origin``: unchanged content keeps the base's origin, the rest is *vid*'s.

    *base* is the merged content of the version's parents (empty for a first version).
    """
    result = []
    for entry in entries:
        old = base.get(entry.path)
        origin = old.origin if old is not None and not entry_changed(old, entry) else vid
        result.append(entry._replace(origin=origin))
    return result
