"""One writer at a time: an exclusive lock on a catalog, held by the commands that change it.

The lock is ``fcntl.flock`` on ``<catalog>/.dsreport/lock`` (a folder the loader skips, with a
``.gitignore`` so git ignores it). The kernel releases it when its process ends, however it
ends (``kill -9`` included), so a lock is never left stale. A second command waits for it up to
its ``--wait`` seconds, then fails naming the command that holds it. While it holds the lock a
command writes ``<pid> <command>`` into the lock file, for that message only.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dsreport.errors import DsreportError

STATE_DIR = ".dsreport"
"""The catalog's private folder: the lock and the journal of a change in progress."""
LOCK_NAME = "lock"
DEFAULT_WAIT = 10.0
"""Seconds a command waits for another one to finish before it gives up."""
_POLL = 0.05

_held = threading.local()


class CatalogBusy(DsreportError):
    """Another command holds the catalog's lock and did not let go in time."""


def state_dir(root: Path) -> Path:
    """The catalog's private folder (``.dsreport``), made on first use with a ``.gitignore``."""
    folder = root / STATE_DIR
    if not folder.is_dir():
        folder.mkdir(exist_ok=True)
    ignore = folder / ".gitignore"
    if not ignore.exists():
        # Nothing in here belongs in version control (like .pytest_cache/).
        ignore.write_text("# dsreport's lock and journal: never commit them\n*\n")
    return folder


def _held_roots() -> dict[Path, int]:
    if not hasattr(_held, "roots"):
        _held.roots = {}
    roots: dict[Path, int] = _held.roots
    return roots


def holds_lock(root: Path) -> bool:
    """True when this thread holds the lock of the catalog at *root*."""
    return root.resolve() in _held_roots()


@contextmanager
def catalog_lock(root: Path, command: str, *, wait: float = DEFAULT_WAIT) -> Iterator[None]:
    """Hold the catalog's exclusive lock inside the ``with`` block.

    Waits up to *wait* seconds for another holder, then raises :class:`CatalogBusy`. Re-entrant
    within a thread (a nested call for the same catalog just goes through).
    """
    key = root.resolve()
    roots = _held_roots()
    if key in roots:
        roots[key] += 1
        try:
            yield
        finally:
            roots[key] -= 1
        return
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: reading works, changing does not
        raise DsreportError("changing a catalog needs a POSIX system (fcntl locks)") from None
    path = state_dir(root) / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        _acquire(fd, path, root, wait)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()} {command}\n".encode(), 0)
        roots[key] = 1
        try:
            yield
        finally:
            del roots[key]
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _acquire(fd: int, path: Path, root: Path, wait: float) -> None:
    import fcntl

    deadline = time.monotonic() + max(0.0, wait)
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                break
            time.sleep(_POLL)
    try:
        holder = path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        holder = ""
    pid, _, what = holder.partition(" ")
    who = f"'dsreport {what}' (process {pid})" if pid.isdigit() else "another dsreport command"
    raise CatalogBusy(
        f"the catalog is busy: {who} is changing it; waited {wait:g} s "
        "(try again when it has finished, or give --wait SECONDS)",
        file=str(root),
    )
