"""File-system helpers: write aside, then swap in, so readers never see half a result."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path


def fsync_dir(folder: Path) -> None:
    """Flush a folder's entries (new names, renames) to disk."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write *data* to *path* through a temporary sibling, fsync and rename."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


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
