"""The hash cache: hashes of files seen by earlier snapshots, reused while their stat is unchanged.

One cache per data folder, in the catalog's private folder (dot-folders are skipped by the
loader and by ``validate``)::

    <catalog>/.dsreport/hashcache/<sha256 of the data folder's real path, 32 hex>.bin

    dsreport hashcache 1\\n                        magic line
    {"data": "/real/path", "count": N, "byteorder": "little", "paths": BYTES, "derived": {}}\\n
    paths       BYTES bytes: the N paths, UTF-8, each followed by NUL
    size        N unsigned 64-bit integers      (the columns, in the machine's byte order)
    mtime_ns    N signed 64-bit integers
    ctime_ns    N signed 64-bit integers
    ino         N unsigned 64-bit integers
    sampled     N unsigned 64-bit integers      the compression sample
    compressed  N unsigned 64-bit integers      (see :mod:`dsreport.snapshot.compressed`)
    hashes      64 x N bytes: the sha256 hex digests, one after the other

``derived`` (optional) holds values the snapshot computes from the columns, kept so that an
unchanged folder does not compute them again (see :mod:`dsreport.snapshot.record`); this module
only carries them.

Columns of machine integers, not JSON: a million files load, compare and save as a few memory
copies. A file's hash is reused when its ``lstat`` (of its target, for a symlink) has the same
size, ``mtime_ns``, ``ctime_ns`` and inode. Only hashes that are not racy (see
:mod:`dsreport.snapshot.clock`) are ever written, so a file changed within the timestamp
granularity is hashed again. The file is rewritten whole after each snapshot that hashed
anything, holding the files that snapshot saw. A cache that cannot be read, is damaged, or was
written on a machine of another byte order is ignored (everything is hashed), never fatal.

The file is replaced atomically (readers see the old one or the new one) but not flushed to
disk: after a crash it may be the old one, or the new one cut short. A cut file is empty, or
holds zeros where its data did not reach the disk: its length, its path count or its hex
digits fail the checks, and zeros in the stat columns match no file (no file has inode 0), so
it never gives a wrong hash.
"""

from __future__ import annotations

import hashlib
import os
import sys
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from dsreport.fsutil import atomic_write_bytes

PRIVATE_DIR = ".dsreport"
"""The catalog's private folder (skipped by the loader because its name starts with a dot)."""
MAGIC = b"dsreport hashcache 1\n"
COLUMNS = (("size", "Q"), ("mtime_ns", "q"), ("ctime_ns", "q"), ("ino", "Q"))
"""The stat columns and their array type codes."""
SAMPLES = (("sampled", "Q"), ("compressed", "Q"))
"""The compression-sample columns."""
_HEX = b"0123456789abcdef"


def _column(code: str) -> array[int]:
    return array(code)


@dataclass
class HashCache:
    """Cached hashes, as columns; row *i* describes ``path[i]``."""

    path: list[str] = field(default_factory=list)
    size: array[int] = field(default_factory=lambda: _column("Q"))
    mtime_ns: array[int] = field(default_factory=lambda: _column("q"))
    ctime_ns: array[int] = field(default_factory=lambda: _column("q"))
    ino: array[int] = field(default_factory=lambda: _column("Q"))
    hashes: list[str] = field(default_factory=list)
    sampled: array[int] = field(default_factory=lambda: _column("Q"))
    compressed: array[int] = field(default_factory=lambda: _column("Q"))
    derived: dict[str, Any] = field(default_factory=dict)
    """Values computed from the columns by the snapshot (JSON), saved with them."""

    def add(
        self,
        path: str,
        stat: tuple[int, int, int, int],
        digest: str,
        sampled: int,
        compressed: int,
    ) -> None:
        """Append a row: *stat* is (size, mtime_ns, ctime_ns, ino)."""
        self.path.append(path)
        self.size.append(stat[0])
        self.mtime_ns.append(stat[1])
        self.ctime_ns.append(stat[2])
        self.ino.append(stat[3])
        self.hashes.append(digest)
        self.sampled.append(sampled)
        self.compressed.append(compressed)

    def arrays(self) -> list[array[int]]:
        """The integer columns, in file order."""
        return [getattr(self, name) for name, _ in (*COLUMNS, *SAMPLES)]


def _shown(data_real: str) -> str:
    """The data folder's path as text (bytes that are not UTF-8 escaped)."""
    return os.fsencode(data_real).decode("utf-8", "backslashreplace")


def cache_path(catalog_root: Path, data_real: str) -> Path:
    """Where the cache of the data folder *data_real* (a real path) lives."""
    key = hashlib.sha256(data_real.encode("utf-8", "surrogateescape")).hexdigest()[:32]
    return catalog_root / PRIVATE_DIR / "hashcache" / f"{key}.bin"


def load_cache(
    path: Path,
    data_real: str,
    walked: list[str] | None = None,
    *,
    ready: Callable[[HashCache], None] | None = None,
) -> HashCache:
    """The cache of *data_real*; empty when there is none, or it is damaged or another's.

    *walked* is the list of paths just walked: when the cache holds the same paths (the common
    case of an unchanged tree), that very list is its :attr:`HashCache.path` (compared as
    bytes, not decoded: the caller must not change it afterwards).

    *ready*, when given, is called once with the cache, once it is checked whole and its
    paths and stat columns are loaded but before its hashes are (their hundred thousand strings
    are most of the loading), so that the workers that stat the files can start first; with an
    empty cache when there is none, or it is damaged or another's.
    """
    cache, text = _read(path, data_real, walked) or (HashCache(), "")
    if ready is not None:
        ready(cache)
    cache.hashes = [text[i : i + 64] for i in range(0, len(text), 64)]
    return cache


def _read(path: Path, data_real: str, walked: list[str] | None) -> tuple[HashCache, str] | None:
    """:func:`_parse` of the file *path*; ``None`` when it cannot be read or is damaged."""
    try:
        return _parse(path.read_bytes(), data_real, walked)
    except (OSError, ValueError, KeyError, TypeError, UnicodeDecodeError, orjson.JSONDecodeError):
        return None


def _joined(paths: list[str]) -> bytes:
    """Paths as the cache stores them: UTF-8, each followed by NUL."""
    return ("\0".join(paths) + "\0" if paths else "").encode("utf-8")


def _parse(data: bytes, data_real: str, walked: list[str] | None) -> tuple[HashCache, str] | None:
    """The cache in *data* without its hashes, and its hashes' hex digits one after the other;
    ``None`` when it is not a usable cache of *data_real*."""
    if not data.startswith(MAGIC):
        return None
    end = data.index(b"\n", len(MAGIC))
    header = orjson.loads(data[len(MAGIC) : end])
    n, paths_size = header["count"], header["paths"]
    if header["data"] != _shown(data_real) or header["byteorder"] != sys.byteorder:
        return None
    if type(n) is not int or type(paths_size) is not int or n < 0 or paths_size < n:
        return None
    pos = end + 1
    if len(data) != pos + paths_size + 6 * 8 * n + 64 * n:
        return None
    blob = data[pos : pos + paths_size]
    if walked is not None and len(walked) == n and _joined(walked) == blob:
        paths = walked
    else:
        paths = blob.decode("utf-8").split("\0")
        if len(paths) != n + 1 or paths.pop() != "":
            return None
    pos += paths_size
    columns = {}
    for name, code in (*COLUMNS, *SAMPLES):
        column = array(code)
        column.frombytes(data[pos : pos + 8 * n])
        columns[name] = column
        pos += 8 * n
    hex_digests = data[pos:]
    if hex_digests.translate(None, _HEX):
        return None
    derived = header.get("derived", {})
    if type(derived) is not dict:
        derived = {}
    cache = HashCache(path=paths, hashes=[], derived=derived, **columns)
    return cache, hex_digests.decode("ascii")


def save_cache(path: Path, data_real: str, cache: HashCache) -> None:
    """Write the cache (atomically: readers see the old one or the new one)."""
    paths = _joined(cache.path)
    header: dict[str, Any] = {
        "data": _shown(data_real),
        "count": len(cache.path),
        "byteorder": sys.byteorder,
        "paths": len(paths),
    }
    if cache.derived:
        header["derived"] = cache.derived
    body = [MAGIC, orjson.dumps(header), b"\n", paths]
    body += [column.tobytes() for column in cache.arrays()]
    body.append("".join(cache.hashes).encode("ascii"))
    path.parent.mkdir(parents=True, exist_ok=True)
    # Not flushed to disk (two fsyncs of the cache and the manifest queued behind each other on
    # the disk at the end of a snapshot): a cache cut short by a crash fails its checks.
    atomic_write_bytes(path, b"".join(body), durable=False)
