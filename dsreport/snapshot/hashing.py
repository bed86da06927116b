"""Hash files with sha256, in worker processes, and notice files that change while being read.

Processes, not threads: for many small files two processes beat any number of threads (the
per-file Python work holds the GIL). Files are sent in batches grouped by folder; each folder is
opened once per batch, relative to the data folder's descriptor (see
:func:`~dsreport.snapshot.walk.open_folder`), so paths longer than the system limit are hashed too.

For each file the worker ``fstat``-s the open file before and after reading it: a file whose
size, ``mtime``, ``ctime`` or inode moved meanwhile, or that ended early, is returned as not
*steady*, and the caller hashes it again (see :mod:`dsreport.snapshot.clock` for the rest of the
rule). Files are opened with ``O_NOFOLLOW | O_NONBLOCK`` and checked to be regular files, so a
file swapped for a symlink or a FIFO after the walk is never followed nor waited on.

Sparse files are read efficiently: holes found with ``SEEK_DATA``/``SEEK_HOLE`` are hashed as
zeros without being read. While it reads, the worker also compresses a sample of the data (see
:mod:`dsreport.snapshot.compressed`).

Only the standard library is imported: worker processes start fast.
"""

from __future__ import annotations

import errno
import hashlib
import multiprocessing
import os
import signal
import stat
import threading
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.context import BaseContext
from typing import NamedTuple

from dsreport.snapshot.compressed import CHUNK, path_phase, sample_chunks
from dsreport.snapshot.walk import Folder, open_folder

BLOCK = 1 << 20
"""Bytes read at a time."""
FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
"""How files are opened: never through a symlink, never blocking on a FIFO."""
BIG_FILE = 8 << 20
"""Files at least this big travel alone in their batch."""
BATCH_FILES = 512
"""Small files per batch, at most."""
BATCH_BYTES = 16 << 20
"""Bytes of small files per batch, at most."""
_ZEROS = bytes(BLOCK)

hash_calls = 0
"""Debug counter: files opened for hashing by this process (tests read it; workers have theirs)."""


Job = tuple[int, str, str]
"""A file to hash: (the caller's number for it, its name in its folder, its manifest path).

Plain tuples, not named ones, cross the process boundary: pickling 100,000 named tuples takes
a third of a second each way, plain ones a fraction of that.
"""


class Hashed(NamedTuple):
    """The result for one file."""

    seq: int
    """The caller's number for the file."""
    hash: str | None
    """sha256 hex of what was read; ``None`` when the file could not be read."""
    size: int
    """``st_size`` when opened."""
    mtime_ns: int
    """``st_mtime_ns`` when opened."""
    ctime_ns: int
    """``st_ctime_ns`` when opened."""
    ino: int
    """``st_ino`` when opened."""
    steady: bool
    """True when the stat did not move while the file was read, and every byte was read."""
    error: str | None
    """Why the file could not be hashed, else ``None``."""
    sampled: int
    """Bytes compressed as a sample."""
    compressed: int
    """Their size after compression."""


Group = tuple[Folder, list[Job]]
"""Files of one folder."""
Row = tuple[int, "str | None", int, int, int, int, bool, "str | None", int, int]
"""A :class:`Hashed` as a plain tuple, the way it travels from a worker."""


def _failed(job: Job, message: str) -> Row:
    return (job[0], None, 0, 0, 0, 0, False, message, 0, 0)


def _seek(fd: int, pos: int, whence: int, size: int) -> int:
    """``lseek`` for ``SEEK_DATA``/``SEEK_HOLE``: past the end, or unsupported, means no hole."""
    try:
        return os.lseek(fd, pos, whence)
    except OSError as exc:
        if exc.errno == errno.ENXIO:
            return size
        return pos if whence == os.SEEK_DATA else size


def _read_small(fd: int, size: int, fraction: float, phase: float) -> tuple[str, bool, int, int]:
    """:func:`read_into_hash` for a file of at most one block: one ``read`` of exactly its size.

    (Reading into an object of the right size and hashing it whole is the fastest way for the
    many small files of a dataset: a third faster than reading into a reused buffer.)
    """
    data = os.read(fd, size) if size else b""
    while len(data) < size:
        more = os.read(fd, size - len(data))
        if not more:
            return hashlib.sha256(data).hexdigest(), False, 0, 0
        data += more
    digest = hashlib.sha256(data).hexdigest()
    if fraction <= 0 or phase + fraction * -(-size // CHUNK) < 1:
        return digest, True, 0, 0  # none of its chunks is in the sample
    sampled, compressed = sample_chunks(memoryview(data), 0, fraction, phase)
    return digest, True, sampled, compressed


def read_into_hash(
    fd: int, size: int, sparse: bool, fraction: float, phase: float
) -> tuple[str, bool, int, int]:
    """Hash the first *size* bytes of *fd*; return (hex digest, complete, sampled, compressed).

    *complete* is False when the file ended before *size* bytes.
    """
    if size <= BLOCK:
        return _read_small(fd, size, fraction, phase)
    view = memoryview(bytearray(BLOCK))
    digest = hashlib.sha256()
    sampled = compressed = 0
    pos = 0
    # Up to data_end the file is known to hold data (no hole to look for).
    data_end = 0 if sparse else size
    while pos < size:
        n = min(BLOCK, size - pos)
        if pos >= data_end:
            data_at = _seek(fd, pos, os.SEEK_DATA, size)
            if data_at >= pos + n:
                # A hole: hash whole blocks of zeros up to the block where data starts again.
                zero_end = size if data_at >= size else data_at - data_at % BLOCK
                while pos < zero_end:
                    m = min(BLOCK, zero_end - pos)
                    zeros = memoryview(_ZEROS)[:m]
                    digest.update(zeros)
                    s, c = sample_chunks(zeros, pos, fraction, phase)
                    sampled, compressed, pos = sampled + s, compressed + c, pos + m
                continue
            data_end = _seek(fd, data_at, os.SEEK_HOLE, size)
        got = 0
        while got < n:
            k = os.preadv(fd, [view[got:n]], pos + got)
            if k == 0:
                return digest.hexdigest(), False, sampled, compressed
            got += k
        digest.update(view[:n])
        s, c = sample_chunks(view[:n], pos, fraction, phase)
        sampled, compressed = sampled + s, compressed + c
        pos += n
    return digest.hexdigest(), True, sampled, compressed


def hash_file(dir_fd: int, job: Job, fraction: float) -> Row:
    """Hash one file of an open folder (see the module's docstring for the checks)."""
    global hash_calls
    hash_calls += 1
    try:
        fd = os.open(job[1], FILE_FLAGS, dir_fd=dir_fd)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return _failed(job, "became a symlink during the snapshot: not followed")
        return _failed(job, f"cannot open it: {exc.strerror or exc}")
    try:
        before = os.fstat(fd)
        if before.st_mode & 0o170000 != stat.S_IFREG:
            return _failed(job, "is no longer a regular file: not read")
        size = before.st_size
        sparse = size > BLOCK and before.st_blocks * 512 < size
        phase = path_phase(job[2]) if fraction > 0 else 0.0
        digest, complete, sampled, compressed = read_into_hash(fd, size, sparse, fraction, phase)
        after = os.fstat(fd)
    except OSError as exc:
        return _failed(job, f"cannot read it: {exc.strerror or exc}")
    finally:
        os.close(fd)
    mtime, ctime, ino = before.st_mtime_ns, before.st_ctime_ns, before.st_ino
    steady = (
        complete
        and after.st_size == size
        and after.st_mtime_ns == mtime
        and after.st_ctime_ns == ctime
        and after.st_ino == ino
    )
    return (job[0], digest, size, mtime, ctime, ino, steady, None, sampled, compressed)


def hash_groups(root_fd: int, groups: Sequence[Group], fraction: float) -> list[Row]:
    """Hash every file of *groups* (folders relative to the data folder's descriptor)."""
    results: list[Row] = []
    for folder, jobs in groups:
        try:
            dir_fd = open_folder(root_fd, folder)
        except OSError as exc:
            reason = f"cannot open its folder: {exc.strerror or exc}"
            results.extend(_failed(job, reason) for job in jobs)
            continue
        try:
            results.extend(hash_file(dir_fd, job, fraction) for job in jobs)
        finally:
            os.close(dir_fd)
    return results


_ROOT_FDS: dict[str, int] = {}
"""In a worker process: the data folder's descriptor, opened once."""


def _worker_start() -> None:
    """Leave Ctrl-C to the main process, which stops the workers itself."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _work(task: tuple[str, Sequence[Group], float]) -> tuple[list[Row], int]:
    """Worker entry: hash a batch; return the results and the bytes hashed."""
    root, groups, fraction = task
    if root not in _ROOT_FDS:
        _ROOT_FDS[root] = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    results = hash_groups(_ROOT_FDS[root], groups, fraction)
    return results, sum(r[2] for r in results)


def make_batches(groups: Sequence[tuple[Folder, list[tuple[Job, int]]]]) -> list[list[Group]]:
    """Cut folders of (job, size) into batches: big files alone and first, small ones together."""
    big: list[tuple[int, list[Group]]] = []
    small: list[list[Group]] = []
    current: list[Group] = []
    files = size = 0
    for folder, sized in groups:
        jobs: list[Job] = []
        for job, job_size in sized:
            if job_size >= BIG_FILE:
                big.append((job_size, [(folder, [job])]))
                continue
            jobs.append(job)
            files, size = files + 1, size + job_size
            if files >= BATCH_FILES or size >= BATCH_BYTES:
                current.append((folder, jobs))
                small.append(current)
                current, jobs, files, size = [], [], 0, 0
        if jobs:
            current.append((folder, jobs))
    if current:
        small.append(current)
    big.sort(key=lambda item: -item[0])
    return [batch for _, batch in big] + small


def _context() -> BaseContext:
    """``fork`` (fast to start) when no other thread runs, else ``forkserver`` or ``spawn``."""
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def run_batches(
    root: str,
    batches: Sequence[list[Group]],
    fraction: float,
    jobs: int,
    advance: Callable[[int, int], None],
) -> Iterator[Hashed]:
    """Hash *batches* on *jobs* processes (in this process for one job or one batch).

    Calls ``advance(files, bytes)`` as batches finish; yields results in no particular order.
    """
    new = tuple.__new__
    if jobs <= 1 or len(batches) <= 1:
        root_fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            for batch in batches:
                results = hash_groups(root_fd, batch, fraction)
                advance(len(results), sum(r[2] for r in results))
                for row in results:
                    yield new(Hashed, row)
        finally:
            os.close(root_fd)
        return
    pool = _context().Pool(min(jobs, len(batches)), initializer=_worker_start)
    try:
        tasks = [(root, batch, fraction) for batch in batches]
        for results, size in pool.imap_unordered(_work, tasks):
            advance(len(results), size)
            for row in results:
                yield new(Hashed, row)
        pool.close()
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()
