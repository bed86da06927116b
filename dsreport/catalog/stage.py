"""Change several folders of a catalog at once: build each new folder aside, then swap them in.

A writer (an import, say) describes each folder it changes as a :class:`FolderChange`: files to
write, subtrees of the old folder to leave out, or the folder's removal. :func:`apply_changes`
first builds every new folder beside the old one (unchanged files are hard links to the old
ones, so they keep their inode and time stamp), and only when all are built swaps them in, one
rename pair per folder. Any failure while building (a full disk, an interrupt) removes what was
built and leaves the catalog as it was. A folder whose new content equals the old, byte for
byte, is not touched at all.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from dsreport.errors import DsreportError
from dsreport.fsutil import aside_dir, fsync_dir, swap_in
from dsreport.model import path_problem


@dataclass(frozen=True)
class FolderChange:
    """How one folder under the catalog root changes."""

    name: str
    """The folder's name under the root (a dataset slug)."""
    write: Mapping[str, bytes] = field(default_factory=dict)
    """Files to write, by relative POSIX path."""
    drop: tuple[str, ...] = ()
    """Relative paths (files or folders) of the old folder that the new one does not keep."""
    remove: bool = False
    """Remove the folder altogether."""


@dataclass(frozen=True)
class FolderResult:
    """What changed in one folder (relative POSIX paths of files)."""

    added: frozenset[str] = frozenset()
    """Files new in the folder."""
    modified: frozenset[str] = frozenset()
    """Files whose bytes changed."""
    removed: frozenset[str] = frozenset()
    """Files gone from the folder."""

    @property
    def changed(self) -> bool:
        """True when anything changed."""
        return bool(self.added or self.modified or self.removed)

    def touches(self, prefix: str) -> bool:
        """True when any changed file is under *prefix* (a relative folder path)."""
        start = prefix.rstrip("/") + "/"
        return any(p.startswith(start) for p in self.added | self.modified | self.removed)


def _walk(folder: Path, rel: str = "") -> Iterator[tuple[str, os.DirEntry[str]]]:
    """Every file, symlink and folder below *folder*, as (relative path, entry), parents first."""
    with os.scandir(folder) as it:
        entries = sorted(it, key=lambda e: e.name)
    for entry in entries:
        path = f"{rel}{entry.name}"
        yield path, entry
        if entry.is_dir(follow_symlinks=False):
            yield from _walk(Path(entry.path), path + "/")


def _under(path: str, prefixes: Sequence[str]) -> bool:
    return any(path == p or path.startswith(p.rstrip("/") + "/") for p in prefixes)


def _same_bytes(path: Path, data: bytes) -> bool:
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size != len(data):
            return False
        return path.read_bytes() == data
    except OSError:
        return False


def _link_or_copy(source: Path, target: Path) -> None:
    if source.is_symlink():
        os.symlink(os.readlink(source), target)
        return
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _write_new(path: Path, data: bytes) -> None:
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _check_paths(change: FolderChange) -> None:
    for rel in list(change.write) + list(change.drop):
        problem = path_problem(rel)
        if problem:
            raise DsreportError(f"refusing to write {rel!r}: {problem}", file=change.name)


def _plan_folder(root: Path, change: FolderChange) -> tuple[FolderResult, list[tuple[str, bool]]]:
    """What changes, and the old paths to carry over as (path, is folder)."""
    old = root / change.name
    carried: list[tuple[str, bool]] = []
    removed: set[str] = set()
    old_files: set[str] = set()
    if old.is_dir():
        for rel, entry in _walk(old):
            is_dir = entry.is_dir(follow_symlinks=False)
            if not is_dir:
                old_files.add(rel)
            if change.remove or _under(rel, change.drop):
                if not is_dir and rel not in change.write:
                    removed.add(rel)
                continue
            if rel not in change.write:
                carried.append((rel, is_dir))
    if change.remove:
        return FolderResult(removed=frozenset(old_files)), []
    added = {rel for rel in change.write if rel not in old_files}
    modified = {
        rel
        for rel, data in change.write.items()
        if rel in old_files and not _same_bytes(old / rel, data)
    }
    return FolderResult(frozenset(added), frozenset(modified), frozenset(removed)), carried


def _build(
    root: Path, change: FolderChange, carried: list[tuple[str, bool]], result: FolderResult
) -> Path:
    """The new folder, built aside; returns its path."""
    old = root / change.name
    staged = aside_dir(old)
    try:
        for rel, is_dir in carried:
            if is_dir:
                (staged / rel).mkdir(exist_ok=True)
            else:
                _link_or_copy(old / rel, staged / rel)
        for rel in sorted(change.write):
            target = staged / rel
            if not target.resolve().is_relative_to(staged.resolve()):
                raise DsreportError(
                    f"refusing to write outside the folder: {rel!r}", file=change.name
                )
            target.parent.mkdir(parents=True, exist_ok=True)
            if rel in result.added or rel in result.modified:
                _write_new(target, change.write[rel])
            else:  # the same bytes as the old file: keep that one
                _link_or_copy(old / rel, target)
        for folder in sorted({p.parent for p in staged.rglob("*")}, key=lambda p: -len(p.parts)):
            fsync_dir(folder)
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    return staged


def apply_changes(root: Path, changes: Sequence[FolderChange]) -> dict[str, FolderResult]:
    """Apply *changes* to the catalog at *root*; return what changed in each folder.

    Nothing is renamed until every changed folder is built; a folder that would not change
    is left alone.
    """
    for change in changes:
        _check_paths(change)
    root.mkdir(parents=True, exist_ok=True)
    results: dict[str, FolderResult] = {}
    staged: list[tuple[Path, Path | None]] = []
    try:
        for change in changes:
            result, carried = _plan_folder(root, change)
            results[change.name] = result
            if not result.changed:
                continue
            target = root / change.name
            built = None if change.remove else _build(root, change, carried, result)
            staged.append((target, built))
    except BaseException:
        for _, built in staged:
            if built is not None:
                shutil.rmtree(built, ignore_errors=True)
        raise
    # Every new folder is complete: swap them in, one after the other.
    for target, built in staged:
        if built is None:
            if target.exists():
                gone = aside_dir(target)
                gone.rmdir()
                os.rename(target, gone)
                fsync_dir(root)
                shutil.rmtree(gone, ignore_errors=True)
        else:
            swap_in(built, target)
    return results
