"""File-system helpers: write aside, then swap in, so readers never see half a result."""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path


def fsync_dir(folder: Path) -> None:
    """Flush a folder's entries (new names, renames) to disk."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_bytes(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Write *data* to *path* through a temporary sibling, fsync and rename.

    Without *durable*, nothing is flushed to disk: readers see the old file or the new one
    whole, but after a crash the new one may be empty or hold zeros where its data did not
    reach the disk (for caches whose reader checks them, and ignores what fails).
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            if durable:
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if durable:
        fsync_dir(path.parent)


class Background:
    """A function run in a thread while the caller goes on: big writes and their ``fsync``, which
    release the GIL, overlap with the caller's work. :meth:`wait` waits for it and raises what it
    raised; call it before anything depends on the writes, and before any clean-up. As a context
    manager, it is waited for on leaving the block (an error raised in the block wins over the
    function's)."""

    def __init__(self, func: Callable[[], None]) -> None:
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(func,), daemon=True)
        self._thread.start()

    def _run(self, func: Callable[[], None]) -> None:
        try:
            func()
        except BaseException as exc:  # raised again in the caller's thread, by wait()
            self._error = exc

    def wait(self) -> None:
        """Wait for the function to end; raise what it raised."""
        self._thread.join()
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def __enter__(self) -> Background:
        return self

    def __exit__(self, kind: type[BaseException] | None, *rest: object) -> None:
        if kind is None:
            self.wait()
        else:
            self._thread.join()


def aside_dir(target: Path) -> Path:
    """A new empty temporary folder beside *target* (same file system, so renames are atomic)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"))


def swap_in(new: Path, target: Path) -> None:
    """Replace folder *target* with folder *new* (two renames; the old one is removed last).

    ``os.replace`` cannot replace a non-empty folder, so the old one is first renamed aside.
    Between the two renames *target* is briefly absent, never half-written.
    """
    if target.exists():
        old = aside_dir(target)
        old.rmdir()
        os.rename(target, old)
        os.rename(new, target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.rename(new, target)
    fsync_dir(target.parent)
