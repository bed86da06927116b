"""The CONTENT tab's data: every version's entries, published once and shared between versions.

A site must grow with what changed, not with versions x files, and a version of a million entries
must open without stalling. The scheme (chosen by measurement: ``benchmarks/content_sharing.py``
and ``benchmarks/content_browser.py``):

- A **full copy** lists a version's entries in path order, split into *parts* (a small first part,
  so the first rows show at once, then parts of :data:`PART_ROWS` rows; the browser loads a few at a
  time, which keeps its main thread free).
- A **delta** lists a version's changes against one parent's list: the positions it deletes, the
  positions it inserts at, and the inserted rows. Positions, not paths, so the browser applies a
  delta with array copies and no string comparison (JavaScript compares strings by UTF-16 unit,
  manifests are sorted by code point).
- A version is published as a delta on the parent that gives the smallest delta, which itself is a
  delta or a full copy, and so on: the page loads one full copy and the chain of deltas after it.
  A version gets its own full copy when it has no parent, when its delta would be more than
  :data:`DELTA_WORTH` of a full copy, or when the chain would hold more than :data:`MAX_CHAIN`
  deltas or more than :data:`MAX_CHAIN_BYTES` x a full copy's bytes (what a page loads stays within
  about twice a full copy).
- Every part and delta is a classic script ``c/<hh>/<hash>.js`` (``<script src>`` works from
  ``file://``, where ``fetch`` does not) named by the hash of its data: equal data is one file, and
  a rebuild keeps every unchanged file (the site writer hard-links it).

One data file, annotated (``DS.data(kind, key, value)``; the key is the file's hash)::

    DS.data("c", "3f9a…", {
      "p": ["images/cat 1.png", "raw/a.bin"],      // paths, in path order
      "s": [1234, null],                           // sizes (null: unknown; a string past 2**53)
      "h": "Yq3…~~~",                              // hashes, 43 characters each (HASH_ALPHABET,
                                                   //  which sorts like the hex); "~" x 43: none
      "o": [0, 1], "O": ["v1", "v2"],              // origin of each row, as an index into "O"
      "l": [[1, "s3://bucket/a.bin"]],             // link targets: [row, target]
      "d": [4, 9], "i": [4, 12]                    // deltas only: deleted and insert positions
    });

The page applies it as :func:`apply_delta` does.
"""

from __future__ import annotations

import base64
import hashlib
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from dsreport.model import Entry

FIRST_PART_ROWS = 1_000
"""Rows of a full copy's first part: small, so the first rows show before the rest has loaded."""
PART_ROWS = 25_000
"""Rows of each further part (about 2 MB): measured, smaller parts keep main-thread stalls short."""
DELTA_WORTH = 0.5
"""A delta larger than this fraction of a full copy is not worth it: publish a full copy."""
MAX_CHAIN = 128
"""Most deltas a page applies after its full copy."""
MAX_CHAIN_BYTES = 1.0
"""Most bytes of deltas a page loads after its full copy, as a multiple of a full copy's bytes.

With 1% of the files changed per version, one full copy serves about 100 versions (measured:
100 versions x 100,000 files publish 1.0x one version's data plus the changes; 0.5 would make
that 1.5x). A page of a long chain loads up to twice a full copy's bytes; its first rows show at
once all the same (the page carries them), and the table takes over when the deltas are in."""

HASH_ALPHABET = "-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
"""Base64 digits in ASCII order: encoded hashes compare like their hex (43 characters, not 64)."""
HASH_WIDTH = 43
NO_HASH = "~" * HASH_WIDTH
"""An unknown hash (a link's): sorts after every real one."""
_STD = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_TO_ORDERED = bytes.maketrans(_STD, HASH_ALPHABET.encode("ascii"))
_FROM_ORDERED = bytes.maketrans(HASH_ALPHABET.encode("ascii"), _STD)
_EXACT_INT = 2**53
"""Integers past this are not exact in JavaScript: such sizes travel as strings."""
_UNSAFE_IN_SCRIPT = (b"<", b">", b"&", "\u2028".encode(), "\u2029".encode())


def encode_hashes(hashes: Sequence[str | None]) -> str:
    """The hex sha256 digests as one string, :data:`HASH_WIDTH` characters each."""
    # 32 bytes plus one zero byte are 44 base64 digits with no padding, so one call encodes them
    # all; the 44th digit (always zero) of each is then dropped.
    raw = b"".join(bytes.fromhex(h) + b"\0" if h is not None else b"\0" * 33 for h in hashes)
    digits = base64.b64encode(raw).translate(_TO_ORDERED).decode("ascii")
    out = [digits[i : i + HASH_WIDTH] for i in range(0, len(digits), HASH_WIDTH + 1)]
    for i, h in enumerate(hashes):
        if h is None:
            out[i] = NO_HASH
    return "".join(out)


def decode_hash(digits: str) -> str | None:
    """The hex digest of one encoded hash (``None`` for :data:`NO_HASH`)."""
    if digits == NO_HASH:
        return None
    std = digits.encode("ascii").translate(_FROM_ORDERED) + b"A="
    return base64.b64decode(std)[:32].hex()


def encode_rows(entries: Sequence[Entry]) -> dict[str, Any]:
    """The columns of *entries* (``p``, ``s``, ``h``, ``o``, ``O``, ``l``), as pages read them."""
    origins: dict[str, int] = {}
    origin_index = []
    for e in entries:
        index = origins.get(e.origin)
        if index is None:
            index = origins[e.origin] = len(origins)
        origin_index.append(index)
    sizes: list[int | str | None] = [
        e.size if e.size is None or e.size < _EXACT_INT else str(e.size) for e in entries
    ]
    columns: dict[str, Any] = {
        "p": [e.path for e in entries],
        "s": sizes,
        "h": encode_hashes([e.hash for e in entries]),
        "O": list(origins),
    }
    if len(origins) > 1:
        columns["o"] = origin_index
    links = [[i, e.link] for i, e in enumerate(entries) if e.link is not None]
    if links:
        columns["l"] = links
    return columns


def decode_rows(columns: dict[str, Any]) -> list[Entry]:
    """The entries of :func:`encode_rows` columns (the page's reading, for tests and tools)."""
    paths = columns["p"]
    origins = columns["O"]
    index = columns.get("o") or [0] * len(paths)
    links = dict(columns.get("l", []))
    hashes = columns["h"]
    out = []
    for i, path in enumerate(paths):
        size = columns["s"][i]
        out.append(
            Entry(
                path,
                int(size) if size is not None else None,
                decode_hash(hashes[i * HASH_WIDTH : (i + 1) * HASH_WIDTH]),
                origins[index[i]],
                links.get(i),
            )
        )
    return out


@dataclass(frozen=True)
class DataFile:
    """One published data file: a part of a full copy, or a delta."""

    path: str
    """Where it is in the site: ``c/<hh>/<hash>.js``."""
    key: str
    """The key it registers under (``DS.data("c", key, …)``): its data's hash."""
    rows: int
    """Rows it holds."""
    size: int
    """Its bytes."""
    data: bytes
    """The file itself."""


def data_file(payload: dict[str, Any], rows: int) -> DataFile:
    """The data file of *payload* (named by its hash, so equal data is one file)."""
    body = orjson.dumps(payload)
    if any(mark in body for mark in _UNSAFE_IN_SCRIPT):
        # "</script>" or "<!--" in a path must stay inert, as everywhere else in the site.
        body = (
            body.decode()
            .replace("<", "\\u003c")
            .replace(">", "\\u003e")
            .replace("&", "\\u0026")
            .replace("\u2028", "\\u2028")
            .replace("\u2029", "\\u2029")
            .encode()
        )
    key = hashlib.sha256(body).hexdigest()[:40]
    data = b'DS.data("c","' + key.encode() + b'",' + body + b");\n"
    return DataFile(f"c/{key[:2]}/{key[2:]}.js", key, rows, len(data), data)


def full_copy(entries: Sequence[Entry]) -> list[DataFile]:
    """The parts of a full copy of *entries* (already in path order)."""
    bounds = [0, min(FIRST_PART_ROWS, len(entries))]
    while bounds[-1] < len(entries):
        bounds.append(min(len(entries), bounds[-1] + PART_ROWS))
    return [
        data_file(encode_rows(entries[a:b]), b - a)
        for a, b in zip(bounds, bounds[1:], strict=False)
        if b > a
    ]


@dataclass(frozen=True)
class Delta:
    """The changes from a parent's entry list to a version's (all positions in the parent's)."""

    deletes: list[int]
    """Positions of the parent's entries that go (removed, or replaced by a changed entry)."""
    inserts: list[int]
    """For each inserted entry, the parent position it goes before (non-decreasing)."""
    rows: list[Entry]
    """The inserted entries (new or changed), in path order."""

    @property
    def ops(self) -> int:
        """Its size, counted in operations."""
        return len(self.deletes) + len(self.rows)


def compute_delta(
    base: Sequence[Entry],
    base_paths: Sequence[str],
    base_index: dict[str, int],
    entries: Sequence[Entry],
    index: dict[str, int],
) -> Delta:
    """The delta that turns *base* into *entries* (both in path order, with their path indexes)."""
    deletes: list[int] = []
    inserts: list[int] = []
    rows: list[Entry] = []
    for entry in entries:
        at = base_index.get(entry.path)
        if at is None:
            inserts.append(bisect_left(base_paths, entry.path))
            rows.append(entry)
        elif base[at] != entry:
            deletes.append(at)
            inserts.append(at)
            rows.append(entry)
    kept = len(entries) - (len(rows) - len(deletes))
    if kept < len(base):  # some of the base's paths are gone
        deletes.extend(i for i, path in enumerate(base_paths) if path not in index)
        deletes.sort()
    return Delta(deletes, inserts, rows)


def apply_delta(
    base: Sequence[Any],
    delta_deletes: Sequence[int],
    delta_inserts: Sequence[int],
    rows: Sequence[Any],
) -> list[Any]:
    """What the page does with a delta: *base* with the deletes dropped and *rows* inserted."""
    out: list[Any] = []
    deletes = set(delta_deletes)
    k = 0
    for b, item in enumerate(base):
        while k < len(rows) and delta_inserts[k] == b:
            out.append(rows[k])
            k += 1
        if b not in deletes:
            out.append(item)
    out.extend(rows[k:])
    return out


@dataclass(frozen=True)
class ContentPlan:
    """How a page rebuilds a version's content: one full copy, then deltas in order."""

    total: int
    """Entries of the version."""
    full: tuple[DataFile, ...]
    """The parts of the full copy the chain starts from."""
    deltas: tuple[DataFile, ...]
    """The deltas, applied in order."""
    full_rows: int
    """Rows of that full copy."""

    @property
    def full_bytes(self) -> int:
        """Bytes of the full copy."""
        return sum(f.size for f in self.full)

    @property
    def delta_bytes(self) -> int:
        """Bytes of the deltas."""
        return sum(f.size for f in self.deltas)

    def as_data(self) -> dict[str, Any]:
        """What the page reads: ``{"total", "full": [[path, key, rows]…], "deltas": […]}``."""
        return {
            "total": self.total,
            "full": [[f.path, f.key, f.rows] for f in self.full],
            "deltas": [[f.path, f.key, f.rows] for f in self.deltas],
        }

    def files(self) -> Iterator[DataFile]:
        """Every data file the plan uses."""
        yield from self.full
        yield from self.deltas


@dataclass
class Published:
    """A version's entries and plan, kept while its children are published."""

    entries: list[Entry]
    """Its entries, in path order."""
    paths: list[str]
    """Their paths."""
    index: dict[str, int]
    """Each path's position."""
    plan: ContentPlan
    """How its page rebuilds them."""


def indexed(entries: list[Entry]) -> tuple[list[str], dict[str, int]]:
    """The paths of *entries* and their positions."""
    paths = [e.path for e in entries]
    return paths, {p: i for i, p in enumerate(paths)}


def publish(entries: list[Entry], parents: Sequence[Published]) -> Published:
    """Decide how a version (its *entries* in path order) is published, given its parents'."""
    paths, index = indexed(entries)
    best: tuple[Delta, Published] | None = None
    for parent in parents:
        delta = compute_delta(parent.entries, parent.paths, parent.index, entries, index)
        if best is None or delta.ops < best[0].ops:
            best = (delta, parent)
    if best is not None:
        delta, parent = best
        base = parent.plan
        per_row = base.full_bytes / max(1, base.full_rows)
        own_full = per_row * max(1, len(entries))
        payload = encode_rows(delta.rows) | {"d": delta.deletes, "i": delta.inserts}
        file = data_file(payload, len(delta.rows))
        if (
            file.size <= DELTA_WORTH * own_full
            and len(base.deltas) < MAX_CHAIN
            and base.delta_bytes + file.size <= MAX_CHAIN_BYTES * own_full
        ):
            plan = ContentPlan(len(entries), base.full, (*base.deltas, file), base.full_rows)
            return Published(entries, paths, index, plan)
    plan = ContentPlan(len(entries), tuple(full_copy(entries)), (), len(entries))
    return Published(entries, paths, index, plan)


def rebuild(plan_files: Sequence[DataFile], deltas: Sequence[DataFile]) -> list[Entry]:
    """The entries a page rebuilds from a plan's files (the reference for the browser's code)."""
    rows: list[Entry] = []
    for f in plan_files:
        rows.extend(decode_rows(_payload(f)))
    for f in deltas:
        payload = _payload(f)
        rows = apply_delta(rows, payload["d"], payload["i"], decode_rows(payload))
    return rows


def _payload(file: DataFile) -> dict[str, Any]:
    """The value a data file registers (what the page receives)."""
    text = file.data.decode()
    prefix = f'DS.data("c","{file.key}",'
    if not (text.startswith(prefix) and text.endswith(");\n")):
        raise ValueError(f"not a content data file: {file.path}")
    value: dict[str, Any] = orjson.loads(text[len(prefix) : -3])
    return value
