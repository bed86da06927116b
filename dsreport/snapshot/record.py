"""Record a folder as a new version: ``dsreport snapshot`` from start to finish.

Order matters:

1. start the planner (:mod:`~dsreport.snapshot.planner`): in a forked process, it loads the
   catalog and decides the dataset, parents, number and id;
2. meanwhile, take a clock stamp (:mod:`~dsreport.snapshot.clock`), *then* walk, so any change
   after the walk gives a racy ``mtime``; start hashing in worker processes (cached hashes of
   files whose stat is unchanged are reused); then take the plan (a mistake in the options
   stops the workers and fails before any output);
3. collect the hashes (drafting the manifest of a version without parents as they come, or
   making the version the cache predicts meanwhile); hash again the files that changed while
   read or whose ``mtime`` is racy, once the clock has moved on;
4. in a thread, take the compression sample, then save the new cache (even when writing the
   version fails, the work is kept; a cache that cannot be saved is a warning), while the
   manifest is made and written and then the whole version (and, for a new dataset, the
   dataset) is written into a dot-folder beside its place, then renamed in: an interrupted
   snapshot leaves no version behind, and the loader skips dot-folders.
"""

from __future__ import annotations

import gc
import operator
import os
import shlex
import shutil
import signal
import threading
import time
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import partial
from itertools import compress, repeat
from operator import itemgetter
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, BinaryIO, TypeVar, cast

import click

from dsreport import __version__
from dsreport.catalog.journal import finish_pending
from dsreport.entry import Entry
from dsreport.errors import DsreportError
from dsreport.fsutil import Background, aside_dir, atomic_write_bytes, fsync_dir
from dsreport.snapshot.clock import RacyClock
from dsreport.snapshot.compressed import METHOD, estimate_size, path_crcs
from dsreport.snapshot.console import Console, count, human_size
from dsreport.snapshot.content import Content, hash_tree, sample_files, start_hashing
from dsreport.snapshot.hashcache import (
    PRIVATE_DIR,
    HashCache,
    cache_path,
    load_cache,
    save_cache,
)
from dsreport.snapshot.hashing import Hashing, ReadFiles, open_recorded
from dsreport.snapshot.planner import Plan, Planning
from dsreport.snapshot.preview import PREVIEWABLE_RULE, previewable, write_previews
from dsreport.snapshot.walk import ROOT_FLAGS, Skipped, Walk, inside, walk_tree
from dsreport.textsafe import safe_text

# This process never imports pydantic (a sixth of a second): the planner loads the catalog.
# The modules that make the version are imported once the workers are hashing.
if TYPE_CHECKING:
    from dsreport.diff import Changes

_T = TypeVar("_T")
_Made = tuple[int, list[Entry], "Changes", bytes]
"""What :func:`_manifest` makes: the number of files recorded, the preview candidates' entries,
the changes from the parents and the manifest."""
CHANGES_SHOWN = 10
"""Paths listed per kind of change (added, modified, removed); the rest are counted."""


@dataclass(frozen=True)
class SnapshotRequest:
    """What ``dsreport snapshot`` was asked to do."""

    data_dir: Path
    """The folder to record."""
    catalog: Path
    """The catalog folder."""
    dataset: str
    """``--dataset``: a dataset's folder name or display name, or a new dataset's name."""
    version: str | None = None
    """``--version``, or ``None`` to bump the parent's."""
    parents: tuple[str, ...] = ()
    """``--parent`` values (ids or ``latest``), in merge order."""
    name: str | None = None
    """``--name``, or ``None`` for the dataset's name."""
    description: str = ""
    """``--description`` (Markdown)."""
    tags: tuple[str, ...] = ()
    """``--tag`` values."""
    project: str = ""
    """``--project``, used when the dataset is new."""
    preview: bool = True
    """False for ``--no-preview``."""
    jobs: int = 1
    """Processes that hash."""
    strict: bool = False
    """``--strict``: fail, writing nothing, when anything is skipped."""


@dataclass(frozen=True)
class SnapshotOutcome:
    """What a snapshot wrote."""

    version_id: str
    """The new version's id."""
    folder: Path
    """The new version's folder."""
    files: int
    """Files recorded."""
    hashed: int
    """Files read and hashed (every read counts, racy files twice)."""
    reused: int
    """Files whose cached hash was reused."""
    skipped: tuple[Skipped, ...]
    """What is not recorded, and why."""


@contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """Treat SIGTERM like Ctrl-C while inside, so that the clean-up runs (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    before = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, before)


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def command_line(req: SnapshotRequest) -> str:
    """The command, as a user could type it again (for the log's first line)."""
    args = ["dsreport", "snapshot", str(req.data_dir), "--catalog", str(req.catalog)]
    args += ["--dataset", req.dataset]
    if req.version is not None:
        args += ["--version", req.version]
    for parent in req.parents:
        args += ["--parent", parent]
    if req.name is not None:
        args += ["--name", req.name]
    if req.description:
        args += ["--description", req.description]
    for tag in req.tags:
        args += ["--tag", tag]
    if req.project:
        args += ["--project", req.project]
    if not req.preview:
        args.append("--no-preview")
    if req.strict:
        args.append("--strict")
    return safe_text(shlex.join(args))


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector.

    A snapshot holds a few tuples per file (walk, entries, cache columns) and makes millions
    more; they hold no cycles, but the collector would scan the live ones again and again (full
    collections are triggered by the allocations): pausing it halves the time of a large tree.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def take_snapshot(req: SnapshotRequest, console: Console) -> SnapshotOutcome:
    """Record ``req.data_dir`` as a new version in the catalog (see the module's docstring)."""
    with _gc_paused():
        return _take_snapshot(req, console)


@dataclass(frozen=True)
class _Recorded:
    """The columns of the files recorded (those hashed), in path order."""

    paths: Sequence[str]
    sizes: Sequence[int]
    hashes: list[str]
    sampled: Sequence[int]
    compressed: Sequence[int]

    @classmethod
    def of(cls, walk: Walk, content: Content) -> _Recorded:
        """Keep the rows of *walk* and *content* whose file has a hash (the columns themselves,
        when every file has one)."""
        keep = [digest is not None for digest in content.hashes]
        every = all(keep)

        def kept(column: Sequence[_T]) -> Sequence[_T]:
            return column if every else list(compress(column, keep))

        hashes = [digest for digest in content.hashes if digest is not None]
        return cls(
            kept(walk.paths),
            kept(content.sizes),
            hashes,
            kept(content.sampled),
            kept(content.compressed),
        )

    @classmethod
    def of_rows(cls, walk: Walk, content: Content, rows: list[int]) -> _Recorded:
        """The files at *rows* (recorded ones, in path order)."""
        paths, sizes, hashes = walk.paths, content.sizes, content.hashes
        return cls(
            [paths[i] for i in rows],
            [sizes[i] for i in rows],
            [hashes[i] or "" for i in rows],
            [content.sampled[i] for i in rows],
            [content.compressed[i] for i in rows],
        )

    def entries(self, origin: str) -> list[Entry]:
        """Manifest entries, every one with *origin*."""
        rows = zip(self.paths, self.sizes, self.hashes, repeat(origin), repeat(None), strict=False)
        return list(map(tuple.__new__, repeat(Entry), rows))


def _take_snapshot(req: SnapshotRequest, console: Console) -> SnapshotOutcome:
    """:func:`take_snapshot`, with the garbage collector paused."""
    started = time.monotonic()
    # A change to the catalog that was interrupted is finished here, not in the planner (its
    # message comes first).
    finish_pending(req.catalog)
    planning = Planning(req)
    scan = None
    try:
        scan = _start_scan(req)
        where = planning.result()
        scan = scan or _start_scan(req)  # (None only if a folder appeared meanwhile)
        if scan is None:
            raise DsreportError("the folders changed during the snapshot: try again")
        return _record(req, where, scan, console, started)
    finally:
        planning.cancel()
        if scan is not None:
            scan.hashing.cancel()


def _record(
    req: SnapshotRequest, where: Plan, scan: _Scan, console: Console, started: float
) -> SnapshotOutcome:
    """Record the version planned in *where*, from the *scan* under way."""
    console.info(f"$ {command_line(req)}", dim=True)
    console.info(f"Snapshot started at {_now()}")
    console.info(
        f"Dataset {safe_text(where.display)!r} ({where.slug}{'' if where.exists else ', new'}), "
        f"version {safe_text(where.number)} (id {where.vid})"
    )
    for parent in where.parents:
        console.info(f"Parent: {safe_text(parent.version)} ({parent.id}, dataset {parent.dataset})")
    for text in where.notes:
        console.note(text)

    # The parents' manifests are read while the workers hash.
    parents = _Parents(where, scan)
    config = where.preview
    with_previews = req.preview and config.enabled and config.max_files > 0
    # The files that may have a preview, by their names: picked out while the workers hash
    # (or kept in the cache, with the compressed size, for a folder whose paths it holds).
    derived = _derived(scan)
    if not with_previews:
        candidates = []
    else:
        candidates = derived.previewable if derived else previewable(scan.walk.paths)
    # The version's folder is made aside now, so that the manifest the cache predicts can be
    # written into it while the workers stat.
    with _VersionStage(where) as stage:
        # The version the cache predicts (manifest, changes, compressed size), kept if the
        # workers find every file as the cache has it (a re-snapshot of an unchanged folder),
        # is made meanwhile, and its manifest flushed to disk.
        predicted = _predict(where, scan, parents, candidates, derived)
        if predicted is not None:
            stage.write_manifest(predicted.made[3])
        # Without a cache every file is read: the manifest of a version without parents is
        # drafted as the workers hash, and the phases of the compression sample are taken
        # meanwhile too.
        no_cache = not scan.cache.path
        draft = _Draft(scan.walk.paths, where.vid) if no_cache and not where.parents else None
        crcs = path_crcs(scan.walk.paths) if no_cache else None
        walk, content, skipped = _hash_folder(req, scan, console, draft)
        if not content.cache_unchanged:
            predicted = None
        # The compression sample is taken in a thread (reads and zlib let the GIL go) while the
        # manifest is made and written; the thread then saves the new cache, which keeps the
        # samples, while the version is written (even when writing the version fails, the work
        # is kept).
        settling = _CacheSettling(
            scan,
            content,
            crcs,
            predicted.estimate if predicted else None,
            candidates if with_previews else None,
            kept_derived=derived is not None,
        )
        with settling:
            if skipped and req.strict:
                raise DsreportError(
                    f"{count(len(skipped), 'entry', 'entries')} of the data folder could not "
                    "be recorded (listed above); nothing was written (--strict)",
                    file=str(req.data_dir),
                )
            files, chosen, changes, manifest = (
                predicted.made
                if predicted
                else _manifest(where, walk, content, parents.contents(), candidates, draft)
            )
            if not predicted:
                # Written and flushed to disk meanwhile too (the flush lets the GIL go).
                stage.write_manifest(manifest)
            estimate = settling.estimate()
            _print_changes(console, changes, bool(where.parents))
            meta = _version_meta(req, where, estimate, console)
            # (The documents are written from dicts in the models' order: no pydantic here.)
            new_dataset = (
                None
                if where.exists
                else {
                    "format": 1,
                    "name": req.dataset,
                    "project": req.project,
                    "description": "",
                    "tags": (),
                }
            )

            def previews(out_dir: Path) -> None:
                if with_previews:
                    _write_previews(req, where, walk, chosen, out_dir, console)
                else:
                    console.info("Previews: none (turned off)")

            folder = stage.commit(new_dataset, meta, previews, console, started)
    if settling.problem:
        console.warn(f"the hash cache could not be saved: {safe_text(settling.problem)}")
    return SnapshotOutcome(where.vid, folder, files, content.reads, content.reused, tuple(skipped))


class _CacheSettling:
    """In a thread, while inside a ``with`` block: take the compression sample of the files
    read (see :func:`~dsreport.snapshot.content.sample_files`) and the estimate it gives, then
    save the scan's new cache, which keeps the samples, if it changed. The caller takes the
    estimate (:meth:`estimate`) as soon as the sample is taken, while the cache is saved. A
    cache that cannot be saved is not fatal (the next snapshot hashes again): its
    :attr:`problem` is then set, for a warning."""

    def __init__(
        self,
        scan: _Scan,
        content: Content,
        crcs: list[int] | None,
        estimate: _Estimate | None,
        previewable: list[int] | None,
        *,
        kept_derived: bool,
    ) -> None:
        """*crcs*: the phases of the walk's paths, if made already (see
        :func:`~dsreport.snapshot.content.sample_files`); *estimate*: the estimate, if known
        already (no sample is taken then); *previewable*: the walk's previewable rows, if
        known; *kept_derived*: whether the loaded cache's derived values were usable (an
        unchanged cache is saved again when they were not)."""
        self.problem = ""
        self._estimate = estimate
        self._sampled = threading.Event()
        fresh = not (content.cache_unchanged and kept_derived)
        self._task = Background(partial(self._run, scan, content, crcs, previewable, fresh))

    def _run(
        self,
        scan: _Scan,
        content: Content,
        crcs: list[int] | None,
        previewable: list[int] | None,
        fresh: bool,
    ) -> None:
        walk = scan.walk
        try:
            sample_files(walk, scan.root, content, crcs)
            if self._estimate is None:
                self._estimate = _Estimate.of(walk, content)
        finally:
            self._sampled.set()
        if not fresh:
            return
        cache = content.cache
        # The values the new cache keeps are the snapshot's when its rows are the walk's (every
        # file trusted): not derived again.
        derived = (
            _Derived(previewable, self._estimate)
            if previewable is not None and len(cache.path) == len(walk)
            else _Derived.of(cache)
        )
        try:
            cache.derived = derived.saved()
            save_cache(scan.cache_file, scan.root, cache)
        except OSError as exc:
            self.problem = f"{exc.strerror or exc} ({exc.filename or scan.cache_file})"

    def estimate(self) -> _Estimate:
        """The estimated compressed size of the files recorded, once the sample is taken
        (raises what taking it raised)."""
        self._sampled.wait()
        if self._estimate is None:
            self._task.wait()  # (raises what the thread raised)
            raise RuntimeError("the compression sample ended without an estimate")
        return self._estimate

    def __enter__(self) -> _CacheSettling:
        self._task.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._task.__exit__(*exc)


class _Draft:
    """The manifest of a version without parents, drafted while the files are hashed (the main
    process mostly waits for the workers then): the lines of each batch read, as it comes. It
    is the manifest if every file is recorded as drafted (most often, when there is no cache:
    files found unchanged in the cache are not drafted)."""

    def __init__(self, paths: list[str], vid: str) -> None:
        self._paths = paths
        self._vid = vid
        self._blocks: dict[int, tuple[int, list[str | None], array[int], bytes]] = {}
        """The lines of files *start* to *stop* - 1 (by *start*): stop, hashes, sizes, lines."""

    def read(self, files: ReadFiles) -> None:
        """Draft the lines of *files*, run of rows by run of rows, when all were read."""
        if files.errors:
            return
        seqs = files.seqs
        if files.span() is not None:  # (most often: one run)
            self._draft(seqs[0], files.hashes, files.sizes)
            return
        start = 0
        for k in range(1, len(seqs) + 1):
            if k == len(seqs) or seqs[k] != seqs[k - 1] + 1:
                self._draft(seqs[start], files.hashes[start:k], files.sizes[start:k])
                start = k

    def _draft(self, start: int, hashes: list[str | None], sizes: array[int]) -> None:
        from dsreport.catalog.write import file_manifest_bytes

        if None in hashes:  # (a batch that read every file has every hash)
            return
        stop = start + len(hashes)
        paths = self._paths[start:stop]
        digests = cast("list[str]", hashes)
        lines = file_manifest_bytes(paths, sizes, digests, [self._vid] * len(paths))
        self._blocks[start] = (stop, hashes, sizes, lines)

    def manifest(self, content: Content) -> bytes | None:
        """The manifest of the files as *content* records them, if the drafts are all of it
        and each holds every file with the size and hash recorded; else ``None``. (Ask once:
        the drafts are let go.)"""
        blocks, self._blocks = self._blocks, {}
        pieces = []
        at = 0
        while at < len(content.hashes):
            block = blocks.get(at)
            if block is None:
                return None
            stop, hashes, sizes, lines = block
            if content.hashes[at:stop] != hashes or content.sizes[at:stop] != sizes:
                return None
            pieces.append(lines)
            at = stop
        return b"".join(pieces)


def _manifest(
    where: Plan,
    walk: Walk,
    content: Content,
    parents: list[dict[str, Entry]],
    candidates: list[int],
    draft: _Draft | None = None,
) -> _Made:
    """The new version's number of files, the entries of the files at the rows *candidates*
    (those recorded), its changes from the parents and its manifest (the *draft*'s, when it
    holds)."""
    from dsreport.catalog.write import assign_origins, file_manifest_bytes, manifest_bytes
    from dsreport.diff import Changes, changes_on_same_paths, compute_changes, merge_contents

    recorded = _Recorded.of(walk, content)
    base = merge_contents(parents) if parents else {}
    rows = [i for i in candidates if content.hashes[i] is not None]
    # Every file recorded (the columns are the walk's own): the walk's rows index the entries.
    every = recorded.paths is walk.paths
    same = (
        every
        and base
        and changes_on_same_paths(where.vid, recorded.paths, recorded.sizes, recorded.hashes, base)
    )
    if same:
        # Files only modified since the parents (none added or removed).
        entries, changes = same
        chosen = [entries[i] for i in rows]
        origins = list(map(itemgetter(3), entries))
        manifest = file_manifest_bytes(recorded.paths, recorded.sizes, recorded.hashes, origins)
    elif base:
        entries = assign_origins(where.vid, recorded.entries(""), base)
        by_path = dict(zip(recorded.paths, entries, strict=True))
        changes = compute_changes(base, by_path)
        chosen = [by_path[walk.paths[i]] for i in rows]
        manifest = manifest_bytes(entries)
    else:
        # No parent: every file is added, as its own origin (the paths are in order already),
        # and the manifest is made from the columns, with no entry per file.
        chosen = _Recorded.of_rows(walk, content, rows).entries(where.vid)
        changes = Changes(tuple(recorded.paths), (), (), sum(recorded.sizes))
        manifest = (draft and draft.manifest(content)) or file_manifest_bytes(
            recorded.paths, recorded.sizes, recorded.hashes, [where.vid] * len(recorded.paths)
        )
    return len(recorded.paths), chosen, changes, manifest


class _Parents:
    """The content of the new version's parents, read while the workers hash.

    The usual re-snapshot with ``--parent latest`` has one parent, recorded from this folder
    as the hash cache has it. Its manifest is then exactly the cache's rows, each with its
    origin: the origins are picked out of it (:func:`origins_of_file_lines`), and its content
    is made from the cache's columns if it is needed at all, with no parsing.
    """

    def __init__(self, where: Plan, scan: _Scan) -> None:
        from dsreport.catalog.manifest import (
            ManifestUnreadable,
            origins_of_file_lines,
            read_manifest,
            read_manifest_bytes,
        )

        self._cache = cache = scan.cache
        self._contents: list[dict[str, Entry]] | None = None
        self.as_cached: tuple[bytes, list[str]] | None = None
        """The parent's manifest and its origins, when it is the cache's rows with them."""
        if len(where.parents) == 1 and scan.cache_holds_walk:
            try:
                data = read_manifest_bytes(where.parents[0].manifest)
            except ManifestUnreadable:
                data = b""  # (reading it again says what is wrong)
            origins = origins_of_file_lines(data, cache.path, cache.size, cache.hashes)
            if origins is not None:
                self.as_cached = data, origins
                return
        self._contents = [read_manifest(p.manifest, p.manifest_rel) for p in where.parents]

    def contents(self) -> list[dict[str, Entry]]:
        """Each parent's entries by path, in merge order."""
        if self._contents is None:
            assert self.as_cached is not None
            cache, origins = self._cache, self.as_cached[1]
            rows = zip(cache.path, cache.size, cache.hashes, origins, strict=True)
            self._contents = [{row[0]: Entry(*row) for row in rows}]
        return self._contents


def _no_changes() -> Changes:
    from dsreport.diff import Changes

    return Changes((), (), (), 0)


@dataclass(frozen=True)
class _Estimate:
    """The estimated compressed size of the files recorded (see
    :mod:`~dsreport.snapshot.compressed`)."""

    size: int
    """Bytes, estimated."""
    sampled: int
    """Bytes compressed as samples."""
    share: float
    """The share of the data they are."""

    @classmethod
    def of(cls, walk: Walk, content: Content) -> _Estimate:
        """The estimate from the sample columns of *content* (complete: taken anew)."""
        recorded = _Recorded.of(walk, content)
        return cls.of_columns(recorded.paths, recorded.sizes, recorded.sampled, recorded.compressed)

    @classmethod
    def of_columns(
        cls,
        paths: Sequence[str],
        sizes: Sequence[int],
        sampled: Sequence[int],
        packed: Sequence[int],
    ) -> _Estimate:
        """The estimate from columns of files: path, size, bytes sampled, compressed size."""
        total = sum(sampled)
        return cls(estimate_size(paths, sizes, sampled, packed), total, total / max(1, sum(sizes)))


_DERIVED_BY = f"dsreport {__version__}; previewable {PREVIEWABLE_RULE}; {METHOD}"
"""How a cache's derived values were made: values made otherwise are made again."""


@dataclass(frozen=True)
class _Derived:
    """Values derived from the hash cache's columns, kept in it (:attr:`HashCache.derived`) so
    that a snapshot of the folder whose paths it holds does not derive them again."""

    previewable: list[int]
    """The rows that may have a preview (:func:`previewable` of the paths)."""
    estimate: _Estimate
    """The compressed size of the files as cached."""

    @classmethod
    def of(cls, cache: HashCache) -> _Derived:
        """The values, derived from *cache*."""
        estimate = _Estimate.of_columns(cache.path, cache.size, cache.sampled, cache.compressed)
        return cls(previewable(cache.path), estimate)

    def saved(self) -> dict[str, Any]:
        """As :attr:`HashCache.derived`."""
        est = self.estimate
        return {
            "by": _DERIVED_BY,
            "previewable": self.previewable,
            "estimate": [est.size, est.sampled, est.share],
        }


def _derived(scan: _Scan) -> _Derived | None:
    """The values the loaded cache keeps, when it holds the walk's very paths and they were
    derived as this dsreport derives them (and are well formed); else ``None``."""
    n, saved = len(scan.walk.paths), scan.cache.derived
    if not scan.cache_holds_walk or saved.get("by") != _DERIVED_BY:
        return None
    rows, est = saved.get("previewable"), saved.get("estimate")
    if type(rows) is not list or set(map(type, rows)) - {int}:
        return None
    if rows and not (rows[0] >= 0 and rows[-1] < n and all(map(operator.lt, rows, rows[1:]))):
        return None
    if type(est) is not list or list(map(type, est)) != [int, int, float]:
        return None
    return _Derived(rows, _Estimate(*est))


@dataclass(frozen=True)
class _Prediction:
    """The version as the hash cache predicts it, made while the workers stat."""

    made: _Made
    """What :func:`_manifest` gives."""
    estimate: _Estimate


def _predict(
    where: Plan,
    scan: _Scan,
    parents: _Parents,
    candidates: list[int],
    derived: _Derived | None,
) -> _Prediction | None:
    """What the version is if every file is found as the cache has it, or ``None`` when the
    cache does not hold the walk's very paths.

    :func:`~dsreport.snapshot.content.hash_tree` says the cache holds (``cache_unchanged``)
    only when every file's stat is the cache's row of the same index: the hashes, sizes and
    samples are then the cache's columns, which are all :func:`_manifest` and
    :meth:`_Estimate.of` read (no sample is taken anew then).
    """
    if not scan.cache_holds_walk:
        return None
    cache = scan.cache
    as_cached = Content(
        hashes=cast("list[str | None]", cache.hashes),
        sizes=cache.size,
        sampled=cache.sampled,
        compressed=cache.compressed,
        cache=cache,
    )
    estimate = derived.estimate if derived else _Estimate.of(scan.walk, as_cached)
    if parents.as_cached is not None:
        # One parent, recorded from the folder as the cache has it: the new version is that
        # parent again (every file keeps its origin), its manifest the parent's, unchanged.
        manifest, origins = parents.as_cached
        paths, sizes, hashes = cache.path, cache.size, cache.hashes
        chosen = [Entry(paths[i], sizes[i], hashes[i], origins[i]) for i in candidates]
        return _Prediction((len(paths), chosen, _no_changes(), manifest), estimate)
    made = _manifest(where, scan.walk, as_cached, parents.contents(), candidates)
    return _Prediction(made, estimate)


def _version_meta(
    req: SnapshotRequest, where: Plan, estimate: _Estimate, console: Console
) -> dict[str, Any]:
    """The new version's ``version.json`` (the fields of
    :class:`~dsreport.model.VersionJson`, in order), with its estimated compressed size
    (printed)."""
    console.info(
        f"Compressed size: about {human_size(estimate.size)} "
        f"(zip of the files, estimated with zlib level 1 on {estimate.share:.2%} of the data)"
    )
    now = _now()
    return {
        "format": 1,
        "id": where.vid,
        "name": req.name if req.name is not None else where.display,
        "version": where.number,
        "parents": where.parent_ids,
        "created": now,
        "updated": now,
        "task": None,
        "description": req.description,
        "tags": where.tags,
        "archived": False,
        "size_compressed": estimate.size,
        "extra": {
            "size_compressed_method": METHOD,
            "size_compressed_sampled_bytes": estimate.sampled,
        },
    }


@dataclass
class _Scan:
    """The walk, and the first round of hashing under way (see :func:`_start_scan`)."""

    root: str
    """The data folder's real path."""
    clock: RacyClock
    stamp: int
    walk: Walk
    cache_file: Path
    cache: HashCache
    hashing: Hashing

    @property
    def cache_holds_walk(self) -> bool:
        """True when the loaded cache holds the walk's very paths (row *i* is file *i*): the
        cache's columns may then stand for the files, as long as their stat holds."""
        return self.cache.path is self.walk.paths


def _start_scan(req: SnapshotRequest) -> _Scan | None:
    """Take the clock stamp, walk the data folder and start hashing it in worker processes.

    This runs while the planner loads the catalog; the workers hash while the plan is awaited.
    Returns ``None`` when the folders are not fit for a scan; the plan then says why.
    """
    if not (req.data_dir.is_dir() and req.catalog.is_dir()):
        return None
    data_real, catalog_real = os.path.realpath(req.data_dir), os.path.realpath(req.catalog)
    if inside(data_real, catalog_real):
        return None
    clock = RacyClock(req.catalog / PRIVATE_DIR / "clock", os.stat(data_real).st_dev)
    stamp = clock.stamp()
    walk = walk_tree(data_real, skip=[catalog_real] if inside(catalog_real, data_real) else [])
    cache_file = cache_path(req.catalog, data_real)
    started: list[Hashing] = []

    def start(cache: HashCache) -> None:
        started.append(start_hashing(walk, data_real, cache, req.jobs))

    # The workers start as soon as the cache's stat columns are loaded, before its hashes.
    try:
        cache = load_cache(cache_file, data_real, walk.paths, ready=start)
    except BaseException:
        for hashing in started:
            hashing.cancel()
        raise
    return _Scan(data_real, clock, stamp, walk, cache_file, cache, started[0])


def _hash_folder(
    req: SnapshotRequest, scan: _Scan, console: Console, draft: _Draft | None
) -> tuple[Walk, Content, list[Skipped]]:
    """Finish hashing the data folder (giving the *draft* the files read as they come); report
    what is skipped."""
    walk, data_real = scan.walk, scan.root
    console.info(f"Found {count(len(walk), 'file')} in {count(len(walk.folders), 'folder')}")
    on_read = draft.read if draft is not None else None
    content = hash_tree(
        walk, data_real, scan.clock, scan.stamp, scan.cache, scan.hashing, req.jobs, on_read
    )
    console.info(
        f"Hashed {count(content.reads, 'file')}; "
        f"reused {count(content.reused, 'hash', 'hashes')} from the cache "
        f"({human_size(sum(content.sizes))} in all)"
    )
    for path in content.changed:
        console.note(f"{safe_text(path)} changed while it was being hashed: hashed again")
    skipped = sorted([*walk.skipped, *content.failed])
    for item in skipped:
        console.warn(f"skipped {safe_text(item.path)}: {safe_text(item.reason)}")
    return walk, content, skipped


def _print_changes(console: Console, changes: Changes, has_parents: bool) -> None:
    """Print the changes from the parents (counts, then the first paths of each kind)."""
    against = "the parents" if has_parents else "nothing (no parent)"
    console.info(
        f"Changes from {against}: {len(changes.added):,} added, {len(changes.modified):,} "
        f"modified, {len(changes.removed):,} removed; size "
        f"{human_size(changes.size_change, signed=True)}"
    )
    for label, paths in (
        ("added", changes.added),
        ("modified", changes.modified),
        ("removed", changes.removed),
    ):
        for path in paths[:CHANGES_SHOWN]:
            console.info(f"  {label + ':':<9} {safe_text(path)}")
        if len(paths) > CHANGES_SHOWN:
            console.info(f"  {label + ':':<9} … and {len(paths) - CHANGES_SHOWN:,} more")


def _opener(root_fd: int, walk: Walk) -> Callable[[str], BinaryIO]:
    """Open a recorded file for its preview, refusing it if it changed since it was hashed."""

    def open_file(path: str) -> BinaryIO:
        fd, _ = open_recorded(root_fd, walk, bisect_left(walk.paths, path))
        return os.fdopen(fd, "rb")

    return open_file


def _write_previews(
    req: SnapshotRequest,
    where: Plan,
    walk: Walk,
    entries: Sequence[Entry],
    out_dir: Path,
    console: Console,
) -> None:
    """Keep the previews in *out_dir* and print what was kept."""
    cache_dir = cache_path(req.catalog, where.data_real).with_suffix(".previews")
    root_fd = os.open(where.data_real, ROOT_FLAGS)
    try:
        report = write_previews(entries, where.preview, _opener(root_fd, walk), out_dir, cache_dir)
    finally:
        os.close(root_fd)
    shown = ", ".join(safe_text(p) for p in report.kept[:5])
    more = f", … ({len(report.kept) - 5:,} more)" if len(report.kept) > 5 else ""
    console.info(
        f"Previews: {len(report.kept)} kept" + (f" ({shown}{more})" if report.kept else "")
    )
    for path, why in report.failed:
        console.note(f"no preview of {safe_text(path)}: {safe_text(why)}")


class _VersionStage:
    """The new version's folder (with its new dataset, if any), made aside beside its place and
    renamed in by :meth:`commit`: an interrupted snapshot leaves no version behind. Removed
    when the ``with`` block fails."""

    def __init__(self, where: Plan) -> None:
        self.dataset_dir = where.root / where.slug
        self.final = self.dataset_dir / "versions" / where.vid
        self.new_dataset = not where.exists
        self.stage: Path | None = None

    def __enter__(self) -> _VersionStage:
        self.stage = aside_dir(self.dataset_dir if self.new_dataset else self.final)
        self.version_dir.mkdir(parents=True, exist_ok=True)
        return self

    def __exit__(self, kind: type[BaseException] | None, *exc: Any) -> None:
        if kind is not None and self.stage is not None:
            shutil.rmtree(self.stage, ignore_errors=True)

    @property
    def version_dir(self) -> Path:
        """The version's folder in the stage."""
        assert self.stage is not None
        return self.stage / "versions" / self.final.name if self.new_dataset else self.stage

    def write_manifest(self, manifest: bytes) -> None:
        """Write (and flush to disk) the manifest, before :meth:`commit` (again, when the one
        written first is not the version's after all)."""
        atomic_write_bytes(self.version_dir / "manifest.jsonl", manifest)

    def commit(
        self,
        new_dataset: dict[str, Any] | None,
        meta: dict[str, Any],
        previews: Callable[[Path], None],
        console: Console,
        started: float,
    ) -> Path:
        """Write the rest of the version (its manifest is written already: see
        :meth:`write_manifest`), then rename it in; return its folder."""
        from dsreport.catalog.write import document_bytes

        assert self.stage is not None
        version_dir = self.version_dir
        if new_dataset is not None:
            atomic_write_bytes(self.stage / "dataset.json", document_bytes(new_dataset))
        previews(version_dir / "preview")
        atomic_write_bytes(version_dir / "version.json", document_bytes(meta))
        where = self.dataset_dir if self.new_dataset else self.final
        done = click.style(
            f"Wrote version {safe_text(meta['version'])} ({meta['id']}) to "
            f"{safe_text(str(self.final))} in {time.monotonic() - started:.1f} s",
            fg="green",
        )
        # The log ends with the line printed once the version is in place.
        log = console.log_bytes() + done.encode("utf-8") + b"\n"
        atomic_write_bytes(version_dir / "console.log", log)
        if where.exists() and self.new_dataset:
            raise DsreportError("appeared during the snapshot: try again", file=str(where))
        os.rename(self.stage, where)
        fsync_dir(where.parent)
        console.emit(done)
        return self.final
