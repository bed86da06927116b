"""Hash files with sha256, in worker processes, and notice files that change while being read.

Processes, not threads: for many small files two processes beat any number of threads (the
per-file Python work holds the GIL). Files are sent in batches of consecutive rows of the walk,
in path order; a folder is opened once per run of its files, relative to the data folder's
descriptor (see :func:`~dsreport.snapshot.walk.open_folder`), so paths longer than the system
limit are hashed too.

The workers also take the stat of every file (the walk only lists names): ``lstat`` when the hash
cache has the path, to reuse its hash when the stat is unchanged; else the ``fstat`` of the open
file. The stat calls are most of the cost of a re-snapshot of an unchanged folder: the workers
share them.

For each file read the worker ``fstat``-s the open file before and after reading it: a file whose
size, ``mtime``, ``ctime`` or inode moved meanwhile, or that ended early, is returned as not
*steady*, and the caller hashes it again (see :mod:`dsreport.snapshot.clock` for the rest of the
rule). Files are opened with ``O_NOFOLLOW | O_NONBLOCK`` and checked to be regular files, so a
file swapped for a symlink or a FIFO after the walk is never followed nor waited on.

Sizes are not known before the workers stat the files, so a worker hands back, unread, the files
of :data:`BIG_FILE` or more that it finds in a batch: each is then sent alone, and big files share
the workers instead of queueing behind one. Likewise a worker that has read :data:`BATCH_BYTES`
hands back the rest of its batch, sent again: a batch is bounded in bytes as well as in files.

Sparse files are read efficiently: holes found with ``SEEK_DATA``/``SEEK_HOLE`` are hashed as
zeros without being read.

Only the standard library is imported: worker processes start fast.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
import threading
from array import array
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.pool import Pool
from typing import NamedTuple

from dsreport.snapshot.processes import as_helper, start_context, stop_signals_held
from dsreport.snapshot.walk import ROOT_FLAGS, Walk, open_folder

BLOCK = 1 << 20
"""Bytes read at a time."""
FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
"""How files are opened: never through a symlink, never blocking on a FIFO."""
BIG_FILE = 8 << 20
"""Files at least this big are hashed alone, a batch each (by the workers, when there are some)."""
BATCH_FILES = 4096
"""Files per batch, at most (see :func:`make_batches`)."""
BATCH_BYTES = 256 << 20
"""Bytes read per batch, at most: past them, the rest of the batch is handed back unread (and
sent again), so that big files do not make batches of many gigabytes between two steps of the
progress bar."""
BATCH_TAIL = 128
"""Files per batch, at least (but for the last one)."""
ONE_BATCH = 512
"""Up to this many files make a single batch: hashed in this process (see :class:`Hashing`)."""
PROGRESS_EVERY = 0.1
"""Seconds between two takes of the workers' results (and steps of the progress bar)."""
_ZEROS = bytes(BLOCK)

hash_calls = 0
"""Debug counter: files opened for hashing by this process (tests read it; workers have theirs)."""


Batch = Sequence[int]
"""Files to hash, by their row in the walk (a ``range`` for the first round: tiny to send).

Workers get the walk itself once, when they start (for free when they are forked): batches
that name rows, not paths, keep the main process from pickling every path.
"""


class Hashed(NamedTuple):
    """The result for one file."""

    seq: int
    """The file's row in the walk."""
    hash: str | None
    """sha256 hex of what was read; ``None`` when the file could not be read, or was not read."""
    size: int
    """``st_size`` (when opened, for a file read)."""
    mtime_ns: int
    """``st_mtime_ns``."""
    ctime_ns: int
    """``st_ctime_ns``."""
    ino: int
    """``st_ino``."""
    steady: bool
    """True when the stat did not move while the file was read, and every byte was read."""
    error: str | None
    """Why the file could not be hashed, else ``None``."""


Row = tuple[int, "str | None", int, int, int, int, bool, "str | None"]
"""A :class:`Hashed` as a plain tuple."""


class ReadFiles(NamedTuple):
    """The files a batch read, as columns (item *k* of each is the *k*-th file read): the way
    they travel from a worker. A hundred thousand files are a few hundred objects to pickle,
    not a tuple of eight each, and whole batches are taken in at once (:func:`hash_tree`)."""

    seqs: array[int]
    """Each file's row in the walk, ascending."""
    hashes: list[str | None]
    sizes: array[int]
    mtimes: array[int]
    ctimes: array[int]
    inos: array[int]
    steady: bytes
    """1 for a file read steadily, else 0 (see :class:`Hashed`)."""
    errors: dict[int, str]
    """Why files (by their item *k*) could not be hashed."""

    @classmethod
    def of(cls, rows: Sequence[Row]) -> ReadFiles:
        """The columns of *rows* (in walk order)."""
        if not rows:
            return cls(array("q"), [], array("Q"), array("q"), array("q"), array("Q"), b"", {})
        seq, digest, size, mtime, ctime, ino, steady, error = zip(*rows, strict=True)
        errors = {}
        if error.count(None) != len(error):
            errors = {k: why for k, why in enumerate(error) if why is not None}
        return cls(
            array("q", seq),
            list(digest),
            array("Q", size),
            array("q", mtime),
            array("q", ctime),
            array("Q", ino),
            bytes(steady),
            errors,
        )

    def rows(self) -> list[Row]:
        """The files as rows (:class:`Hashed` as plain tuples)."""
        errors = [self.errors.get(k) for k in range(len(self.seqs))]
        steady = [bool(b) for b in self.steady]
        return list(
            zip(
                self.seqs,
                self.hashes,
                self.sizes,
                self.mtimes,
                self.ctimes,
                self.inos,
                steady,
                errors,
                strict=True,
            )
        )

    def span(self) -> range | None:
        """The rows read, when they are consecutive (a whole batch read), else ``None``."""
        seqs = self.seqs
        if seqs and seqs[-1] - seqs[0] + 1 == len(seqs):
            return range(seqs[0], seqs[-1] + 1)
        return None


Hits = list[list[int]]
"""Files whose cached hash holds, as runs ``[seq, row, n]``: files *seq* to *seq + n - 1* are
the cache's rows *row* to *row + n - 1*, with the same stat. An unchanged tree comes back as one
run a batch: the caller copies slices of the cache's columns, with no work per file."""


@dataclass(frozen=True)
class CacheIndex:
    """What a worker needs of the hash cache: each path's row, and the rows' stat columns."""

    rows: dict[str, int] | None
    """Row of each cached path; ``None`` when the cache has the walk's paths (row *i* is file
    *i*: the common case of an unchanged tree, with no lookup at all)."""
    size: array[int]
    mtime_ns: array[int]
    ctime_ns: array[int]
    ino: array[int]


def _failed(seq: int, message: str) -> Row:
    return (seq, None, 0, 0, 0, 0, False, message)


def sparse_seek(fd: int, pos: int, whence: int, size: int) -> int:
    """``lseek`` for ``SEEK_DATA``/``SEEK_HOLE``: past the end, or unsupported, means no hole."""
    try:
        return os.lseek(fd, pos, whence)
    except OSError as exc:
        if exc.errno == errno.ENXIO:
            return size
        return pos if whence == os.SEEK_DATA else size


def _read_small(fd: int, size: int) -> tuple[str, bool]:
    """:func:`read_into_hash` for a file of at most one block: one ``read`` of exactly its size.

    (Reading into an object of the right size and hashing it whole is the fastest way for the
    many small files of a dataset: a third faster than reading into a reused buffer.)
    """
    data = os.read(fd, size) if size else b""
    while len(data) < size:
        more = os.read(fd, size - len(data))
        if not more:
            return hashlib.sha256(data).hexdigest(), False
        data += more
    return hashlib.sha256(data).hexdigest(), True


def read_into_hash(fd: int, size: int, sparse: bool) -> tuple[str, bool]:
    """Hash the first *size* bytes of *fd*; return (hex digest, complete).

    *complete* is False when the file ended before *size* bytes.
    """
    if size <= BLOCK:
        return _read_small(fd, size)
    view = memoryview(bytearray(BLOCK))
    digest = hashlib.sha256()
    pos = 0
    # Up to data_end the file is known to hold data (no hole to look for).
    data_end = 0 if sparse else size
    while pos < size:
        n = min(BLOCK, size - pos)
        if pos >= data_end:
            data_at = sparse_seek(fd, pos, os.SEEK_DATA, size)
            if data_at >= pos + n:
                # A hole: hash whole blocks of zeros up to the block where data starts again.
                zero_end = size if data_at >= size else data_at - data_at % BLOCK
                while pos < zero_end:
                    m = min(BLOCK, zero_end - pos)
                    digest.update(memoryview(_ZEROS)[:m])
                    pos += m
                continue
            data_end = sparse_seek(fd, data_at, os.SEEK_HOLE, size)
        got = 0
        while got < n:
            k = os.preadv(fd, [view[got:n]], pos + got)
            if k == 0:
                return digest.hexdigest(), False
            got += k
        digest.update(view[:n])
        pos += n
    return digest.hexdigest(), True


def is_sparse(st: os.stat_result) -> bool:
    """True when a file may hold holes (fewer blocks allocated than its size)."""
    return st.st_size > BLOCK and st.st_blocks * 512 < st.st_size


def open_recorded(root_fd: int, walk: Walk, i: int) -> tuple[int, os.stat_result]:
    """Open file *i* of *walk* again (for its preview or its sample); refuse it with an
    ``OSError`` if its stat is no longer the one the walk's columns hold (as hashed)."""
    found = walk.file(i)
    folder_fd = open_folder(root_fd, walk.folders[found.folder])
    try:
        fd = os.open(found.name, FILE_FLAGS, dir_fd=folder_fd)
    finally:
        os.close(folder_fd)
    st = os.fstat(fd)
    if (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino) != found[3:]:
        os.close(fd)
        raise OSError(0, "it changed after it was hashed")
    return fd, st


def hash_file(dir_fd: int, seq: int, name: str, defer_big: bool = False) -> Row | None:
    """Hash the file *name* of an open folder (see the module's docstring for the checks).

    With *defer_big*, a file of :data:`BIG_FILE` or more is not read: ``None`` is returned.
    """
    global hash_calls
    try:
        fd = os.open(name, FILE_FLAGS, dir_fd=dir_fd)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return _failed(seq, "became a symlink during the snapshot: not followed")
        return _failed(seq, f"cannot open it: {exc.strerror or exc}")
    try:
        before = os.fstat(fd)
        if before.st_mode & 0o170000 != stat.S_IFREG:
            return _failed(seq, "is no longer a regular file: not read")
        size = before.st_size
        if defer_big and size >= BIG_FILE:
            return None
        hash_calls += 1
        digest, complete = read_into_hash(fd, size, is_sparse(before))
        after = os.fstat(fd)
    except OSError as exc:
        return _failed(seq, f"cannot read it: {exc.strerror or exc}")
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
    return (seq, digest, size, mtime, ctime, ino, steady, None)


def _cached_row(dir_fd: int, name: str, j: int | None, cache: CacheIndex) -> int:
    """*j* when the cache's row *j* still holds for the file *name* (same ``lstat``), else -1."""
    if j is None:
        return -1
    try:
        st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except OSError:
        return -1  # reading it will say what is wrong
    if (
        st.st_mode & 0o170000 == stat.S_IFREG
        and cache.size[j] == st.st_size
        and cache.mtime_ns[j] == st.st_mtime_ns
        and cache.ctime_ns[j] == st.st_ctime_ns
        and cache.ino[j] == st.st_ino
    ):
        return j
    return -1


Done = tuple[ReadFiles, Hits, list[int], int, Batch]
"""A batch's outcome: the files read, the cached hashes that hold, the big files handed back
unread, the bytes read, and the rest of the batch handed back unread (past ``most_bytes``)."""


def hash_batch(
    root_fd: int,
    walk: Walk,
    batch: Batch,
    cache: CacheIndex | None,
    defer_big: bool,
    most_bytes: int = BATCH_BYTES,
) -> Done:
    """Hash the files of *walk* at *batch* (folders relative to the data folder's descriptor).

    With *cache*, a file whose stat is the cached one is not read (it is among the hits). Once
    *most_bytes* are read, the rest of the batch is handed back unread.
    """
    rows: list[Row] = []
    hits: Hits = []
    big: list[int] = []
    rest: Batch = []
    read = 0
    run = [-2, -2, 0]
    folder_of, names, paths = walk.folder, walk.names, walk.paths
    lookup = None if cache is None or cache.rows is None else cache.rows.get
    folder, dir_fd, problem = -1, -1, ""
    try:
        for i in batch:
            if folder_of[i] != folder:
                if dir_fd >= 0:
                    os.close(dir_fd)
                    dir_fd = -1
                folder = folder_of[i]
                try:
                    dir_fd = open_folder(root_fd, walk.folders[folder])
                except OSError as exc:
                    problem = f"cannot open its folder: {exc.strerror or exc}"
            if dir_fd < 0:
                rows.append(_failed(i, problem))
                continue
            if cache is not None:
                j = _cached_row(dir_fd, names[i], i if lookup is None else lookup(paths[i]), cache)
                if j >= 0:
                    n = run[2]
                    if run[0] + n == i and run[1] + n == j:
                        run[2] = n + 1
                    else:
                        run = [i, j, 1]
                        hits.append(run)
                    continue
            row = hash_file(dir_fd, i, names[i], defer_big)
            if row is None:
                big.append(i)
                continue
            read += row[2]
            rows.append(row)
            if read >= most_bytes:
                rest = batch[batch.index(i) + 1 :]  # (rows are unique in a batch)
                break
    finally:
        if dir_fd >= 0:
            os.close(dir_fd)
    return ReadFiles.of(rows), hits, big, read, rest


_root_fd = -1
"""In a worker process: the data folder's descriptor, opened once."""
_cache: CacheIndex | None = None
"""In a worker process: the hash cache's index."""
_walk: Walk | None = None
"""In a worker process: the walk."""


def _worker_start(root: str, walk: Walk, cache: CacheIndex | None) -> None:
    """Open the data folder once (Ctrl-C is left to the main process: see
    :mod:`~dsreport.snapshot.processes`)."""
    global _root_fd, _walk, _cache
    as_helper()
    _root_fd = os.open(root, ROOT_FLAGS)
    _walk, _cache = walk, cache


def _work(task: tuple[Batch, bool, int]) -> Done:
    """Worker entry: hash a batch."""
    batch, defer_big, most_bytes = task
    assert _walk is not None
    return hash_batch(_root_fd, _walk, batch, _cache, defer_big, most_bytes)


def make_batches(files: int | Sequence[int], jobs: int) -> list[Batch]:
    """Cut files into batches, in path order, for *jobs* workers: every file of a walk of
    *files* files (as ranges), or the files at the rows given.

    Up to :data:`ONE_BATCH` files make one batch (hashed in this process). Else a batch holds
    at most :data:`BATCH_FILES` files (and, as read, :data:`BATCH_BYTES`), and at most half of
    what each worker has left, so that batches shrink towards the end and the workers finish
    together (down to :data:`BATCH_TAIL`). A batch costs the main process a message each way,
    about a tenth of a millisecond taken from the work it does meanwhile: batches are big.
    """
    n = files if isinstance(files, int) else len(files)
    batches: list[Batch] = []
    start = 0
    while start < n:
        left = n - start
        size = n if n <= ONE_BATCH else max(BATCH_TAIL, min(BATCH_FILES, left // (2 * jobs)))
        stop = start + min(size, left)
        batches.append(range(start, stop) if isinstance(files, int) else files[start:stop])
        start = stop
    return batches


Advance = Callable[[int, int], None]
"""``advance(files, bytes)``: progress, as batches finish."""
OnRead = Callable[[ReadFiles], None]
"""``on_read(files)``: the files a batch read, as batches finish (in this process's thread)."""


class Hashing:
    """Files being hashed, in worker processes or (one batch, or one job) in this process.

    With worker processes, starting it sends every batch at once, so they work while this
    process does something else (loading the catalog, say); :meth:`results` then collects what
    they found. :meth:`cancel` (or leaving a ``with`` block) stops the workers.
    """

    def __init__(
        self, root: str, walk: Walk, batches: Sequence[Batch], cache: CacheIndex | None, jobs: int
    ) -> None:
        """Start hashing the *batches* of *walk* on *jobs* processes (or, for one batch or
        one job, in :meth:`results`)."""
        self.root = root
        self.walk = walk
        self.cache = cache
        self._batches = batches
        self._pool: Pool | None = None
        # Results arrive in the pool's result thread and wait in _arrived: this process's
        # thread takes them in at most every PROGRESS_EVERY seconds, not once per batch (waking
        # it for each batch slows the pool's threads, and so the workers, by a tenth).
        self._lock = threading.Lock()
        self._arrived: list[Done | BaseException] = []
        self._sent = 0
        self._received = 0
        self._wake = threading.Event()
        self._jobs = jobs
        self._most_bytes = BATCH_BYTES
        if jobs > 1 and len(batches) > 1:
            self._start()
            try:
                for batch in batches:
                    self._send(batch, True)
            except BaseException:
                self.cancel()
                raise

    def _start(self) -> None:
        with stop_signals_held():
            self._pool = start_context().Pool(
                self._jobs, initializer=_worker_start, initargs=(self.root, self.walk, self.cache)
            )

    def _send(self, batch: Batch, defer_big: bool) -> None:
        assert self._pool is not None
        with self._lock:
            self._sent += 1
        task = (batch, defer_big, self._most_bytes)
        self._pool.apply_async(_work, (task,), callback=self._finished, error_callback=self._arrive)

    def _finished(self, done: Done) -> None:
        """(In the pool's result thread.) Send the big files back alone, and the rest of the
        batch again, then pass it on."""
        for i in done[2]:
            self._send([i], False)
        if done[4]:
            self._send(done[4], True)
        self._arrive(done)

    def _arrive(self, item: Done | BaseException) -> None:
        """(In the pool's result thread.) Keep a result; wake the caller when it is the last
        one, or an error."""
        with self._lock:
            self._arrived.append(item)
            self._received += 1
            if self._received == self._sent or isinstance(item, BaseException):
                self._wake.set()

    def results(
        self, advance: Advance, on_read: OnRead | None = None
    ) -> tuple[list[ReadFiles], Hits]:
        """Every file's result: the files read, batch by batch, and the runs of cached hashes
        that hold, in no particular order; ``advance`` (and ``on_read``, for batches that read
        files) is called as batches end.

        A round hashed in this process hands its big files to worker processes when there
        are several and more than one job.
        """
        found: list[ReadFiles] = []
        hits: Hits = []
        if self._pool is None:
            big: list[int] = []
            todo = deque(self._batches)
            root_fd = os.open(self.root, ROOT_FLAGS)
            try:
                while todo:
                    batch = todo.popleft()
                    done = hash_batch(
                        root_fd, self.walk, batch, self.cache, self._jobs > 1, self._most_bytes
                    )
                    self._take(done, found, hits, advance, on_read)
                    big += done[2]
                    if done[4]:
                        todo.appendleft(done[4])
                if len(big) == 1:
                    done = hash_batch(root_fd, self.walk, big, None, False, self._most_bytes)
                    self._take(done, found, hits, advance, on_read)
            finally:
                os.close(root_fd)
            if len(big) <= 1:
                return found, hits
            self._start()
            for i in big:
                self._send([i], False)
        while True:
            self._wake.wait(PROGRESS_EVERY)
            with self._lock:
                arrived, self._arrived = self._arrived, []
                finished = self._received == self._sent
                self._wake.clear()  # (set again by the next result that ends the round)
            for item in arrived:
                if isinstance(item, BaseException):
                    raise item
                self._take(item, found, hits, advance, on_read)
            if finished:
                break
        self.close()
        return found, hits

    @staticmethod
    def _take(
        done: Done, found: list[ReadFiles], hits: Hits, advance: Advance, on_read: OnRead | None
    ) -> None:
        files, runs, _, read, _ = done
        if files.seqs:
            found.append(files)
            if on_read is not None:
                on_read(files)
        hits += runs
        advance(len(files.seqs) + sum(run[2] for run in runs), read)

    def close(self) -> None:
        """Let the workers finish and go."""
        if self._pool is not None:
            self._pool.close()
            self._pool.join()
            self._pool = None

    def cancel(self) -> None:
        """Stop the workers now."""
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None

    def __enter__(self) -> Hashing:
        return self

    def __exit__(self, *exc: object) -> None:
        self.cancel()
