"""Change several catalog files as one: all of them, or none, even after ``kill -9``.

A change (files to rewrite, version folders to remove) goes through a journal in the catalog's
private folder ``.dsreport/``, under the catalog lock:

1. **Stage**: the new files are written into ``.dsreport/txn.tmp-XXXX/`` (``w0``, ``w1``, …) with
   ``journal.json`` saying where each goes; every file and the folder are fsynced (for a large
   change, one ``sync()`` does it: see :data:`BATCH_SYNC`). A crash here leaves the catalog
   untouched (the next writer removes the leftover).
2. **Commit**: one ``rename`` of the staging folder to ``.dsreport/txn``, then an fsync of
   ``.dsreport``. This is the commit point: before it the change did not happen, after it the
   change will be completed.
3. **Apply**: each staged file is renamed over its target; each folder to remove is renamed
   into ``.dsreport/txn/trash/``; the touched folders are fsynced.
4. **Finish**: ``txn`` is renamed to ``txn.done-XXXX`` and deleted.

Every step of *apply* is idempotent (a staged file that is gone was moved already; a folder
that is gone was moved already), so a change interrupted after its commit point is completed by
:func:`finish_pending`, which every reader of the catalog calls first (``load_catalog``,
``validate``): nobody ever reads a half-changed catalog. ``journal.json``::

    {
      "format": 1,
      "command": "archive",                        // what made the change, for messages
      "writes": [["pets/versions/v1/version.json", "w0"], …],   // [target, staged file name]
      "removes": ["pets/versions/v3"]              // version folders to delete
    }
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import click
import orjson

from dsreport.catalog.lock import DEFAULT_WAIT, STATE_DIR, catalog_lock, holds_lock, state_dir
from dsreport.errors import DsreportError
from dsreport.fsutil import fsync_dir

TXN = "txn"
JOURNAL = "journal.json"
TRASH = "trash"
_STAGING_PREFIX = "txn.tmp-"
_DONE_PREFIX = "txn.done-"


@dataclass(frozen=True)
class Change:
    """What one command changes in a catalog, as paths relative to its root (POSIX)."""

    writes: Mapping[str, bytes] = field(default_factory=dict)
    """Files to create or replace, with their new bytes (their folders must exist)."""
    removes: Sequence[str] = ()
    """Folders to delete with everything in them."""

    def __bool__(self) -> bool:
        return bool(self.writes or self.removes)


def _target(root: Path, rel: str) -> Path:
    """*rel* inside *root*, refusing anything that would lead elsewhere."""
    parts = PurePosixPath(rel).parts
    if not parts or rel.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise DsreportError(f"refusing to touch {rel!r}: not a path inside the catalog")
    if parts[0] == STATE_DIR:
        raise DsreportError(f"refusing to touch {rel!r}: dsreport's private folder")
    return root.joinpath(*parts)


BATCH_SYNC = 64
"""From this many files or folders on, one ``sync()`` makes them durable instead of one fsync
each: on a disk each fsync costs milliseconds (archiving 2,000 versions took 14 s with an
fsync per file and per folder, 3 s with one sync per step)."""


def _batch_sync_wanted(count: int) -> bool:
    # Linux's sync() returns only once everything is on disk; elsewhere it may return early.
    return count >= BATCH_SYNC and sys.platform.startswith("linux")


def _write_new(path: Path, data: bytes, *, sync: bool) -> None:
    """Create *path* with *data*, fsynced unless *sync* is False (a batch sync follows)."""
    # os.open with 0o666 lets the umask decide the mode, as for any file the user creates.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        if sync:
            os.fsync(f.fileno())


def _make_durable(folders: Iterable[Path], *, batch: bool) -> None:
    """Flush renames in *folders* to disk: one ``sync()`` for a batch, else an fsync each."""
    if batch:
        os.sync()
        return
    for folder in sorted(set(folders)):
        fsync_dir(folder)


def commit_change(root: Path, change: Change, command: str) -> None:
    """Apply *change* to the catalog at *root* atomically. The caller holds the catalog lock."""
    if not holds_lock(root):
        raise RuntimeError("commit_change needs the catalog lock")  # a programming error
    if not change:
        return
    private = state_dir(root)
    device = os.stat(private).st_dev
    writes = [(rel, _target(root, rel), data) for rel, data in change.writes.items()]
    removes = [(rel, _target(root, rel)) for rel in change.removes]
    # Renames are atomic only within one file system: check before anything is staged.
    for rel, target in [(r, t.parent) for r, t, _ in writes] + removes:
        if not target.is_dir():
            raise DsreportError("expected a folder here", file=rel)
        if os.stat(target).st_dev != device:
            raise DsreportError(
                f"is on another file system than {STATE_DIR}/: cannot change it atomically",
                file=rel,
            )
    batch = _batch_sync_wanted(len(writes) + len(removes))
    staging = Path(tempfile.mkdtemp(dir=private, prefix=_STAGING_PREFIX))
    try:
        journal: dict[str, Any] = {"format": 1, "command": command, "writes": [], "removes": []}
        for index, (rel, _, data) in enumerate(writes):
            name = f"w{index}"
            _write_new(staging / name, data, sync=not batch)
            journal["writes"].append([rel, name])
        journal["removes"] = [rel for rel, _ in removes]
        _write_new(staging / JOURNAL, orjson.dumps(journal, option=orjson.OPT_INDENT_2), sync=True)
        # Everything staged is on disk before the commit point can be.
        _make_durable([staging], batch=batch)
        os.rename(staging, private / TXN)  # the commit point
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    fsync_dir(private)
    _apply(root, private / TXN)
    _finish(private / TXN)


def _read_journal(root: Path, txn: Path) -> tuple[list[tuple[str, str]], list[str], str]:
    path = txn / JOURNAL
    try:
        data = orjson.loads(path.read_bytes())
        writes = [(str(rel), str(name)) for rel, name in data["writes"]]
        removes = [str(rel) for rel in data["removes"]]
        command = str(data.get("command", "?"))
    except (OSError, orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise DsreportError(
            f"cannot finish an interrupted change: its journal is unreadable ({exc}); "
            "move the folder away to give up that change",
            file=str(txn),
        ) from None
    for rel, name in writes:
        _target(root, rel)
        if "/" in name or name in ("", ".", ".."):
            raise DsreportError(f"bad staged file name {name!r}", file=str(path))
    return writes, removes, command


def _apply(root: Path, txn: Path) -> str:
    """Move every staged file into place and every removed folder into the trash (idempotent)."""
    writes, removes, command = _read_journal(root, txn)
    touched: set[Path] = set()
    for rel, name in writes:
        staged = txn / name
        target = _target(root, rel)
        # A folder removed by hand since the commit cannot take its file: skip it rather than
        # leave a journal that no command could ever finish.
        if staged.exists() and target.parent.is_dir():
            os.replace(staged, target)
            touched.add(target.parent)
    trash = txn / TRASH
    trash.mkdir(exist_ok=True)
    for index, rel in enumerate(removes):
        target = _target(root, rel)
        if target.exists():
            os.rename(target, trash / f"r{index}")
            touched.add(target.parent)
    # Every move is on disk before the journal that could redo it is dropped.
    _make_durable(touched, batch=_batch_sync_wanted(len(touched)))
    return command


def _finish(txn: Path) -> None:
    """Drop a journal whose change is fully applied: rename it away (atomic), then delete it."""
    done = Path(tempfile.mkdtemp(dir=txn.parent, prefix=_DONE_PREFIX))
    done.rmdir()
    os.rename(txn, done)
    fsync_dir(txn.parent)
    shutil.rmtree(done, ignore_errors=True)


def pending_change(root: Path) -> bool:
    """True when a change was committed but not finished (its command was interrupted)."""
    return (root / STATE_DIR / TXN).is_dir()


def finish_pending(root: Path, *, wait: float = DEFAULT_WAIT) -> str | None:
    """Complete a change that was interrupted after its commit point; say so on stderr.

    Returns the interrupted command's name, or ``None`` when there was nothing to finish. Cheap
    when there is nothing (one ``stat``); otherwise takes the catalog lock (a command still
    applying its change holds it: waiting for it is enough).
    """
    if not pending_change(root):
        return None
    with catalog_lock(root, "recover", wait=wait):
        txn = root / STATE_DIR / TXN
        if not txn.is_dir():
            return None  # the command that held the lock finished it
        command = _apply(root, txn)
        _finish(txn)
    click.echo(
        f"dsreport: finished the interrupted 'dsreport {command}' left in {STATE_DIR}/{TXN}",
        err=True,
    )
    return command


def clean_leftovers(root: Path) -> None:
    """Remove staging folders of commands killed before their commit point, and finished
    journals not yet deleted. The caller holds the lock (so no live command is staging)."""
    if not holds_lock(root):
        raise RuntimeError("clean_leftovers needs the catalog lock")  # a programming error
    private = root / STATE_DIR
    if not private.is_dir():
        return
    for child in private.iterdir():
        if child.name.startswith((_STAGING_PREFIX, _DONE_PREFIX)) and child.is_dir():
            shutil.rmtree(child, ignore_errors=True)
