"""The hashes of a walked folder: reuse the cache, hash the rest, hash again what moved.

The rule for each file (see :mod:`dsreport.snapshot.clock` for *racy*):

1. its stat equals the cache's: the cached hash is used, nothing is read;
2. else it is read; the hash is accepted and cached when the read was *steady* (stat unchanged
   while reading) and its ``mtime`` is not racy against the stamp taken before the read;
3. else it is read again once the clock has moved past its ``mtime``; a racy file read twice
   alike (same stat, same hash) is accepted but not cached (its ``mtime`` may be in the future);
4. a file still changing after :data:`MAX_READS` reads is reported and not recorded; a file
   that changed while read and then settled is recorded with its new hash, and reported.

Everything is kept in columns (one list per field, indexed like the walk's files): a million
files cost a few C-speed passes when nothing changed.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import compress

from dsreport.progress import progress
from dsreport.snapshot.clock import RacyClock, is_racy
from dsreport.snapshot.compressed import sample_fraction
from dsreport.snapshot.console import human_size
from dsreport.snapshot.hashcache import COLUMNS, HashCache
from dsreport.snapshot.hashing import Hashed, Job, make_batches, run_batches
from dsreport.snapshot.walk import Skipped, Walk

MAX_READS = 4
"""Times a file is read, at most, while it keeps changing (then it is reported and skipped)."""


@dataclass
class Content:
    """The hashing stage's results, in columns indexed like the walk's files."""

    hashes: list[str | None]
    """sha256 of each file; ``None`` for a file not recorded."""
    sizes: list[int]
    """Size of each file (as hashed)."""
    sampled: list[int]
    """Bytes of each file compressed as a sample."""
    compressed: list[int]
    """Their compressed size."""
    cache: HashCache
    """The new cache: trusted hashes of the files seen."""
    opened: dict[int, Hashed] = field(default_factory=dict)
    """The accepted read of every file read (its previews must match that stat)."""
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


def hash_tree(
    walk: Walk,
    root: str,
    clock: RacyClock,
    stamp: int,
    cache: HashCache,
    jobs: int,
) -> Content:
    """Hashes of every file of *walk* (see the module's docstring); *stamp* predates the walk."""
    n = len(walk)
    stats = [
        array(code, column)
        for (_, code), column in zip(
            COLUMNS, (walk.sizes, walk.mtimes, walk.ctimes, walk.inos), strict=True
        )
    ]
    if walk.paths == cache.path and stats == [
        cache.size,
        cache.mtime_ns,
        cache.ctime_ns,
        cache.ino,
    ]:
        # Nothing changed since the last snapshot: every hash comes from the cache as it is.
        return Content(
            hashes=list(cache.hashes),
            sizes=list(walk.sizes),
            sampled=cache.sampled.tolist(),
            compressed=cache.compressed.tolist(),
            cache=cache,
            reused=n,
            cache_unchanged=True,
        )
    out = Content(
        hashes=[None] * n,
        sizes=list(walk.sizes),
        sampled=[0] * n,
        compressed=[0] * n,
        cache=HashCache(),
    )
    trusted = _reuse(walk, cache, out)
    todo = [i for i, h in enumerate(out.hashes) if h is None]
    out.reused = n - len(todo)
    _hash_until_settled(walk, root, clock, stamp, jobs, todo, out, trusted)
    out.cache = _trusted_cache(walk, out, trusted)
    return out


def _trusted_cache(walk: Walk, out: Content, trusted: list[Stat | None]) -> HashCache:
    """The new cache: the rows whose stat is trusted, built column by column (no call per row)."""
    keep = [stat is not None for stat in trusted]
    stats = list(zip(*(stat for stat in trusted if stat is not None), strict=True))
    if not stats:
        return HashCache()
    size, mtime, ctime, ino = (
        array(code, column) for (_, code), column in zip(COLUMNS, stats, strict=True)
    )
    return HashCache(
        path=list(compress(walk.paths, keep)),
        size=size,
        mtime_ns=mtime,
        ctime_ns=ctime,
        ino=ino,
        hashes=[h for h in compress(out.hashes, keep) if h is not None],
        sampled=array("Q", compress(out.sampled, keep)),
        compressed=array("Q", compress(out.compressed, keep)),
    )


Stat = tuple[int, int, int, int]
"""(size, mtime_ns, ctime_ns, inode)."""


def _reuse(walk: Walk, cache: HashCache, out: Content) -> list[Stat | None]:
    """Fill in the cached hashes of unchanged files; return each file's cacheable stat."""
    get = dict(zip(cache.path, range(len(cache.path)), strict=True)).get
    c_size, c_mtime, c_ctime, c_ino = cache.size, cache.mtime_ns, cache.ctime_ns, cache.ino
    hashes, sampled, compressed = out.hashes, out.sampled, out.compressed
    trusted: list[Stat | None] = [None] * len(walk)
    rows = zip(walk.paths, walk.sizes, walk.mtimes, walk.ctimes, walk.inos, strict=True)
    for i, (path, size, mtime, ctime, ino) in enumerate(rows):
        j = get(path)
        if (
            j is not None
            and c_size[j] == size
            and c_mtime[j] == mtime
            and c_ctime[j] == ctime
            and c_ino[j] == ino
        ):
            hashes[i] = cache.hashes[j]
            sampled[i] = cache.sampled[j]
            compressed[i] = cache.compressed[j]
            trusted[i] = (size, mtime, ctime, ino)
    return trusted


def _hash_until_settled(
    walk: Walk,
    root: str,
    clock: RacyClock,
    stamp: int,
    jobs: int,
    todo: list[int],
    out: Content,
    trusted: list[Stat | None],
) -> None:
    """Read the files at *todo* until each is settled, has failed, or :data:`MAX_READS` is hit."""
    fraction = sample_fraction(sum(walk.sizes))
    previous: dict[int, Hashed] = {}
    changed: set[int] = set()
    for attempt in range(MAX_READS):
        if not todo:
            break
        if attempt:
            stamp = clock.wait_past(max(previous[i].mtime_ns for i in todo))
        results = _hash_round(walk, root, todo, fraction, jobs, bar=attempt == 0)
        out.reads += len(results)
        retry: list[int] = []
        for i in todo:
            r, before = results[i], previous.get(i)
            if r.error is not None or r.hash is None:
                out.failed.append(Skipped(walk.paths[i], r.error or "cannot be read"))
                continue
            if not r.steady or (before is not None and before.hash != r.hash):
                changed.add(i)
            if r.steady and not is_racy(r.mtime_ns, stamp):
                trusted[i] = (r.size, r.mtime_ns, r.ctime_ns, r.ino)
            elif not (r.steady and before is not None and before.steady and before[1:6] == r[1:6]):
                retry.append(i)
                previous[i] = r
                continue
            # else: read twice alike, but its mtime is still racy: recorded, not cached.
            out.hashes[i], out.sizes[i] = r.hash, r.size
            out.sampled[i], out.compressed[i] = r.sampled, r.compressed
            out.opened[i] = r
        todo = retry
    for i in todo:
        out.failed.append(
            Skipped(
                walk.paths[i],
                f"kept changing while it was being hashed (read {MAX_READS} times): not recorded",
            )
        )
    out.changed = sorted(walk.paths[i] for i in changed if out.hashes[i] is not None)


def _hash_round(
    walk: Walk, root: str, indices: Sequence[int], fraction: float, jobs: int, *, bar: bool
) -> dict[int, Hashed]:
    """Hash the files at *indices*; with *bar*, a progress bar (bytes, and files after it)."""
    groups: dict[int, list[tuple[Job, int]]] = {}
    for i in indices:
        job = (i, walk.names[i], walk.paths[i])
        groups.setdefault(walk.folder[i], []).append((job, walk.sizes[i]))
    batches = make_batches([(walk.folders[k], sized) for k, sized in groups.items()])
    total_bytes = sum(walk.sizes[i] for i in indices)
    done = [0, 0]

    def detail() -> str:
        return f"{done[0]:,}/{len(indices):,} files, {human_size(done[1])}"

    with progress(total_bytes if bar else 0, "Hashing", detail) as advance:

        def step(n_files: int, n_bytes: int) -> None:
            done[0] += n_files
            done[1] += n_bytes
            advance(n_bytes)

        return {r.seq: r for r in run_batches(root, batches, fraction, jobs, step)}
