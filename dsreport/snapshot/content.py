"""The hashes of a walked folder: reuse the cache, hash the rest, hash again what moved.

The rule for each file (see :mod:`dsreport.snapshot.clock` for *racy*):

1. its stat equals the cache's: the cached hash is used, nothing is read;
2. else it is read; the hash is accepted and cached when the read was *steady* (stat unchanged
   while reading) and its ``mtime`` is not racy against the stamp taken before the read;
3. else it is read again once the clock has moved past its ``mtime``; a racy file read twice
   alike (same stat, same hash) is accepted but not cached (its ``mtime`` may be in the future);
4. a file still changing after :data:`MAX_READS` reads is reported and not recorded; a file
   that changed while read and then settled is recorded with its new hash, and reported.

The first round (rules 1 and 2) is started by :func:`start_hashing` as soon as the walk is done,
and runs in worker processes while the caller does other work; :func:`hash_tree` collects it and
does the rest. Once every hash is settled, :func:`sample_files` takes the compression sample of
the files read (see :mod:`dsreport.snapshot.compressed`: only then is the tree's size known; the
snapshot runs it in a thread while it makes the manifest) and makes the new cache.

Everything is kept in columns (one list per field, indexed like the walk's files): a million
files cost a few C-speed passes when nothing changed.
"""

from __future__ import annotations

import os
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import compress
from typing import TypeVar, cast

from dsreport.progress import progress
from dsreport.snapshot.clock import RacyClock, is_racy
from dsreport.snapshot.compressed import files_to_sample, sample_file, sample_fraction
from dsreport.snapshot.console import human_size
from dsreport.snapshot.hashcache import HashCache
from dsreport.snapshot.hashing import (
    CacheIndex,
    Hashing,
    Hits,
    OnRead,
    ReadFiles,
    Row,
    is_sparse,
    make_batches,
    open_recorded,
)
from dsreport.snapshot.walk import ROOT_FLAGS, Skipped, Walk

_T = TypeVar("_T")
MAX_READS = 4
"""Times a file is read, at most, while it keeps changing (then it is reported and skipped)."""


@dataclass
class Content:
    """The hashing stage's results, in columns indexed like the walk's files.

    Once it is done, the walk's stat columns hold each file's stat as hashed (or as found
    unchanged): previews must find the same stat.
    """

    hashes: list[str | None]
    """sha256 of each file; ``None`` for a file not recorded."""
    sizes: array[int]
    """Size of each file (as hashed): the walk's own column, filled in as files are hashed."""
    sampled: array[int]
    """Bytes of each file compressed as a sample."""
    compressed: array[int]
    """Their compressed size."""
    cache: HashCache
    """The new cache: trusted hashes of the files seen (made by :func:`sample_files`)."""
    read: list[int] = field(default_factory=list)
    """The files read (not taken from the cache) and recorded, by index, in path order."""
    reads: int = 0
    """Files read (every read counts: a racy file read twice counts twice)."""
    reused: int = 0
    """Cached hashes reused."""
    failed: list[Skipped] = field(default_factory=list)
    """Files that could not be hashed, and why."""
    changed: list[str] = field(default_factory=list)
    """Paths that changed while being hashed, recorded with the hash they settled to."""
    cache_unchanged: bool = False
    """True when the cache is the one loaded, unchanged (no need to write it again)."""
    trusted: bytearray = field(default_factory=bytearray)
    """1 for each file whose hash may be cached (its stat is trusted), else 0."""


def _hashing(
    walk: Walk, root: str, indices: Sequence[int] | None, cache: CacheIndex | None, jobs: int
) -> Hashing:
    """Start hashing the files at *indices* (every file for ``None``)."""
    batches = make_batches(len(walk) if indices is None else indices, jobs)
    return Hashing(root, walk, batches, cache, jobs)


def start_hashing(walk: Walk, root: str, cache: HashCache, jobs: int) -> Hashing:
    """Start the first round: every file of *walk*, reusing the hashes of *cache*."""
    index = None
    if cache.path:
        rows = (
            None
            if cache.path is walk.paths or cache.path == walk.paths
            else dict(zip(cache.path, range(len(cache.path)), strict=True))
        )
        index = CacheIndex(rows, cache.size, cache.mtime_ns, cache.ctime_ns, cache.ino)
    return _hashing(walk, root, None, index, jobs)


def hash_tree(
    walk: Walk,
    root: str,
    clock: RacyClock,
    stamp: int,
    cache: HashCache,
    first: Hashing,
    jobs: int,
    on_read: OnRead | None = None,
) -> Content:
    """Hashes of every file of *walk* (see the module's docstring); *stamp* predates the walk.

    *first* is the first round, from :func:`start_hashing` with the same *cache*; *on_read* is
    given the files its batches read, as they come (they may yet be read again).
    """
    n = len(walk)
    out = Content(
        hashes=[None] * n,
        sizes=walk.sizes,
        sampled=array("Q", bytes(8 * n)),
        compressed=array("Q", bytes(8 * n)),
        cache=HashCache(),
    )
    trusted = bytearray(n)
    read = _first_round(walk, cache, first, out, trusted, on_read)
    if out.reused == n and first.cache is not None and first.cache.rows is None:
        # Nothing changed since the last snapshot: every hash comes from the cache as it is.
        out.cache, out.cache_unchanged = cache, True
        return out
    _hash_until_settled(walk, root, clock, stamp, jobs, read, out, trusted)
    out.trusted = trusted
    return out


def sample_files(walk: Walk, root: str, out: Content, crcs: Sequence[int] | None = None) -> None:
    """Once *out* is settled by :func:`hash_tree`: take the compression sample of the files
    read, then make the new cache (:attr:`Content.cache`), which keeps the samples. *crcs*:
    :func:`~dsreport.snapshot.compressed.path_crcs` of the walk's paths, if made already."""
    if out.cache_unchanged:
        return
    _sample(walk, root, out, crcs)
    out.cache = _trusted_cache(walk, out, out.trusted)


def _first_round(
    walk: Walk,
    cache: HashCache,
    first: Hashing,
    out: Content,
    trusted: bytearray,
    on_read: OnRead | None,
) -> list[ReadFiles]:
    """Collect the first round: fill in the walk's stat columns and the cached hashes; return
    the files that were read."""
    read, hits = _collect(first, len(walk), bar=True, on_read=on_read)
    sizes, mtimes, ctimes, inos = walk.sizes, walk.mtimes, walk.ctimes, walk.inos
    for files in read:
        span = files.span()
        if span is not None:  # a whole batch read: slices are copied
            start, stop = span.start, span.stop
            sizes[start:stop], mtimes[start:stop] = files.sizes, files.mtimes
            ctimes[start:stop], inos[start:stop] = files.ctimes, files.inos
            continue
        for i, size, mtime, ctime, ino in zip(
            files.seqs, files.sizes, files.mtimes, files.ctimes, files.inos, strict=True
        ):
            sizes[i], mtimes[i], ctimes[i], inos[i] = size, mtime, ctime, ino
    # Cached hashes come in runs of rows: slices are copied, with no work per file.
    for i, j, n in hits:
        end, j_end = i + n, j + n
        sizes[i:end] = cache.size[j:j_end]
        mtimes[i:end] = cache.mtime_ns[j:j_end]
        ctimes[i:end] = cache.ctime_ns[j:j_end]
        inos[i:end] = cache.ino[j:j_end]
        out.hashes[i:end] = cache.hashes[j:j_end]
        out.sampled[i:end] = cache.sampled[j:j_end]
        out.compressed[i:end] = cache.compressed[j:j_end]
        trusted[i:end] = b"\1" * n
    out.reused = len(walk) - sum(len(files.seqs) for files in read)
    return read


def _trusted_cache(walk: Walk, out: Content, trusted: bytearray) -> HashCache:
    """The new cache: the rows whose stat is trusted, built column by column (no call per row)."""
    if not any(trusted):
        return HashCache()
    every = trusted.count(0) == 0  # (the common case: the columns are taken whole)

    def kept(column: list[_T]) -> Iterable[_T]:
        return column if every else compress(column, trusted)

    def kept_array(column: array[int]) -> array[int]:
        return column[:] if every else array(column.typecode, compress(column, trusted))

    hashes = list(kept(out.hashes))
    if None in hashes:  # (a trusted file always has its hash: never save misaligned columns)
        raise RuntimeError("a file whose stat is trusted has no hash")
    return HashCache(
        path=list(kept(walk.paths)),
        size=kept_array(walk.sizes),
        mtime_ns=kept_array(walk.mtimes),
        ctime_ns=kept_array(walk.ctimes),
        ino=kept_array(walk.inos),
        hashes=cast("list[str]", hashes),
        sampled=kept_array(out.sampled),
        compressed=kept_array(out.compressed),
    )


def _settled_at_once(files: ReadFiles, stamp: int, out: Content, trusted: bytearray) -> bool:
    """Accept a batch's files whole when every one was read steadily and none is racy (the
    common case: no work per file); else leave them to be settled one by one."""
    if files.errors or files.steady.count(0) or is_racy(max(files.mtimes), stamp):
        return False
    span = files.span()
    if span is not None:
        out.hashes[span.start : span.stop] = files.hashes
        trusted[span.start : span.stop] = b"\1" * len(span)
    else:
        for i, digest in zip(files.seqs, files.hashes, strict=True):
            out.hashes[i] = digest
            trusted[i] = 1
    out.read += files.seqs
    return True


def _hash_until_settled(
    walk: Walk,
    root: str,
    clock: RacyClock,
    stamp: int,
    jobs: int,
    read: list[ReadFiles],
    out: Content,
    trusted: bytearray,
) -> None:
    """Settle the files *read* in the first round: read again those that moved or are racy,
    until each is settled, has failed, or :data:`MAX_READS` is hit."""
    out.reads += sum(len(files.seqs) for files in read)
    rows = [
        row
        for files in read
        if not _settled_at_once(files, stamp, out, trusted)
        for row in files.rows()
    ]
    previous: dict[int, Row] = {}
    changed: set[int] = set()
    accepted: list[int] = []
    for attempt in range(MAX_READS):
        if not rows:
            break
        if attempt:
            stamp = clock.wait_past(max(previous[row[0]][3] for row in rows))
            todo = sorted(row[0] for row in rows)
            again = _collect(_hashing(walk, root, todo, None, jobs), len(todo))[0]
            rows = [row for files in again for row in files.rows()]
            out.reads += len(rows)
        retry: list[Row] = []
        for row in rows:
            i, digest, size, mtime, ctime, ino, steady, error = row
            before = previous.get(i) if attempt else None
            if error is not None or digest is None:
                out.failed.append(Skipped(walk.paths[i], error or "cannot be read"))
                continue
            if not steady or (before is not None and before[1] != digest):
                changed.add(i)
            if steady and not is_racy(mtime, stamp):
                trusted[i] = 1
            elif not (steady and before is not None and before[6] and before[1:6] == row[1:6]):
                retry.append(row)
                previous[i] = row
                continue
            # else: read twice alike, but its mtime is still racy: recorded, not cached.
            out.hashes[i] = digest
            walk.sizes[i] = size
            walk.mtimes[i], walk.ctimes[i], walk.inos[i] = mtime, ctime, ino
            accepted.append(i)
        rows = retry
    for row in rows:
        out.failed.append(
            Skipped(
                walk.paths[row[0]],
                f"kept changing while it was being hashed (read {MAX_READS} times): not recorded",
            )
        )
    out.read += accepted
    out.read.sort()  # (batches come back in any order)
    out.changed = sorted(walk.paths[i] for i in changed if out.hashes[i] is not None)


def _collect(
    hashing: Hashing, files: int, *, bar: bool = False, on_read: OnRead | None = None
) -> tuple[list[ReadFiles], Hits]:
    """The results of a round; with *bar*, a progress bar of the files (and bytes after it)."""
    done = [0, 0]

    def detail() -> str:
        return f"{done[0]:,}/{files:,} files, {human_size(done[1])}"

    with hashing, progress(files if bar else 0, "Hashing", detail) as advance:

        def step(n_files: int, n_bytes: int) -> None:
            done[0] += n_files
            done[1] += n_bytes
            advance(n_files)

        return hashing.results(step, on_read)


def _sample(walk: Walk, root: str, out: Content, crcs: Sequence[int] | None) -> None:
    """Take the compression sample of the files read, as they were hashed: a file that changed
    since is left unsampled (the estimate is only an estimate)."""
    fraction = sample_fraction(sum(compress(out.sizes, out.hashes)))  # (the files recorded)
    root_fd = os.open(root, ROOT_FLAGS)
    try:
        for i, phase in files_to_sample(out.read, walk.paths, out.sizes, fraction, crcs):
            try:
                fd, st = open_recorded(root_fd, walk, i)
            except OSError:
                continue
            try:
                sample = sample_file(fd, st.st_size, is_sparse(st), fraction, phase)
                out.sampled[i], out.compressed[i] = sample
            except OSError:
                pass
            finally:
                os.close(fd)
    finally:
        os.close(root_fd)
