"""Walk a data folder with ``scandir``: every entry is recorded or reported.

``os.walk`` silently drops what it cannot reach (paths longer than the system limit, among
others), so the walk is done here: each folder is opened relative to the data folder's own file
descriptor (``openat``), one component at a time when its path is too long for one call, and
checked to be the folder the walk saw (same device and inode), so a folder swapped for a symlink
during the walk is reported rather than followed. Nothing is read here, and files are not even
``lstat``-ed: the folder listing's file types tell files, folders and symlinks apart, and the
workers that hash the files take their stat (spread over processes, the stat calls, which are
most of the cost of a walk, take half the time).

The rules (documented in the README):

- regular files are recorded;
- a symlink is never followed out of the data folder (reported and skipped); a symlink to a
  regular file inside it is recorded under the link's path, with the content of its target; a
  symlink to a folder, a dangling or looping symlink, or one to a FIFO, socket or device is
  reported and skipped;
- FIFOs, sockets and devices are reported and never opened;
- a name that is not valid UTF-8 is reported and skipped (with everything inside, for a folder):
  a manifest path must be UTF-8 text;
- a folder that cannot be read, and the catalog itself when it lies inside the data folder, are
  reported and skipped.

Only the standard library is imported: worker processes import this module.
"""

from __future__ import annotations

import operator
import os
import stat
from array import array
from bisect import bisect_left
from collections.abc import Collection
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any, NamedTuple

DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
"""How folders are opened: never through a symlink."""
ROOT_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC
"""How the data folder itself is opened (its own path may go through symlinks): the walk, the
workers, the sample and the previews open the folders below it relative to that descriptor."""
SHORT_PATH = 3072
"""Paths up to this many bytes are opened in one call; longer ones one component at a time
(the system limit, ``PATH_MAX``, is 4096 bytes on Linux)."""


class Folder(NamedTuple):
    """A folder found by the walk."""

    parts: tuple[str, ...]
    """Its path inside the data folder, as names (empty for the data folder itself)."""
    prefix: str
    """Its path inside the data folder followed by ``/`` (empty for the data folder itself)."""
    dev: int
    """Device, from ``lstat``: the folder opened later must be this one."""
    ino: int
    """Inode, from ``lstat``."""


class Found(NamedTuple):
    """One file of a walk (a row of its columns)."""

    path: str
    """The manifest path (relative POSIX, UTF-8)."""
    folder: int
    """Index in :attr:`Walk.folders` of the folder holding the file to read."""
    name: str
    """Name of the file to read in that folder (the target's, for a symlink)."""
    size: int
    """``st_size``."""
    mtime_ns: int
    """``st_mtime_ns``."""
    ctime_ns: int
    """``st_ctime_ns``."""
    ino: int
    """``st_ino``."""


class Skipped(NamedTuple):
    """Something in the data folder that is not recorded, and why."""

    path: str
    """Its path inside the data folder (folders end with ``/``); may hold any character."""
    reason: str
    """Why it is not recorded."""


@dataclass
class Walk:
    """What a walk found: the files as columns (row *i* of each is file *i*), by path.

    The stat columns are arrays of machine integers, of the hash cache's types: whole runs of
    them are copied from the cache, or from the workers' results, with no object per file."""

    folders: list[Folder]
    """Every folder read, the data folder first."""
    paths: list[str] = field(default_factory=list)
    """Manifest paths, sorted (by code point, which is UTF-8 byte order)."""
    folder: list[int] = field(default_factory=list)
    """Index in :attr:`folders` of the folder holding each file to read."""
    names: list[str] = field(default_factory=list)
    """Name of each file to read in its folder (the target's, for a symlink)."""
    sizes: array[int] = field(default_factory=lambda: array("Q"))
    """``st_size`` of each file: 0 until it is hashed (the walk stats only symlinks' targets);
    likewise the three columns that follow."""
    mtimes: array[int] = field(default_factory=lambda: array("q"))
    """``st_mtime_ns`` of each file."""
    ctimes: array[int] = field(default_factory=lambda: array("q"))
    """``st_ctime_ns`` of each file."""
    inos: array[int] = field(default_factory=lambda: array("Q"))
    """``st_ino`` of each file."""
    skipped: list[Skipped] = field(default_factory=list)
    """What is not recorded, sorted by path."""

    def __len__(self) -> int:
        return len(self.paths)

    def file(self, i: int) -> Found:
        """File *i* as one row."""
        return Found(
            self.paths[i],
            self.folder[i],
            self.names[i],
            self.sizes[i],
            self.mtimes[i],
            self.ctimes[i],
            self.inos[i],
        )

    def add(self, found: Found) -> None:
        """Append a row (the columns are sorted again by :func:`walk_tree` if need be)."""
        for column, value in zip(self._columns(), found, strict=True):
            column.append(value)

    def _columns(self) -> list[Any]:
        return [
            self.paths,
            self.folder,
            self.names,
            self.sizes,
            self.mtimes,
            self.ctimes,
            self.inos,
        ]

    def sort(self) -> None:
        """Sort the rows by path (only needed when rows were added out of order)."""
        paths = self.paths
        if all(map(operator.lt, paths, paths[1:])):
            return
        order = sorted(range(len(paths)), key=paths.__getitem__)
        for column in self._columns():
            rows = [column[i] for i in order]
            column[:] = array(column.typecode, rows) if isinstance(column, array) else rows


class FolderChanged(OSError):
    """The folder at a path is not the one the walk saw (renamed or swapped for a symlink)."""


_KINDS = {
    stat.S_IFIFO: "a FIFO",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFDIR: "a folder",
    stat.S_IFLNK: "a symlink",
}


def _kind(mode: int) -> str:
    """A file type in words."""
    return _KINDS.get(stat.S_IFMT(mode), "a special file")


def _is_utf8(name: str) -> bool:
    """True when *name* came from valid UTF-8 bytes (undecodable bytes become surrogates)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def open_folder(root_fd: int, folder: Folder) -> int:
    """Open *folder* relative to the data folder's descriptor, never through a symlink.

    Raises :class:`FolderChanged` when what is there now is not the folder the walk saw.
    """
    rel = "/".join(folder.parts) or "."
    if len(os.fsencode(rel)) <= SHORT_PATH:
        fd = os.open(rel, DIR_FLAGS, dir_fd=root_fd)
    else:
        # Too long for one call: descend one name at a time (each at most NAME_MAX bytes).
        fd = os.dup(root_fd)
        for part in folder.parts:
            try:
                child = os.open(part, DIR_FLAGS, dir_fd=fd)
            finally:
                os.close(fd)
            fd = child
    st = os.fstat(fd)
    if (st.st_dev, st.st_ino) != (folder.dev, folder.ino):
        os.close(fd)
        raise FolderChanged(0, "the folder changed during the snapshot")
    return fd


def walk_tree(root: str, *, skip: Collection[str] = ()) -> Walk:
    """Walk the folder *root* (its own path may go through symlinks; nothing inside does).

    *skip* holds real paths of folders that must not be recorded (the catalog, when it lies
    inside the data folder); they are reported instead.

    The walk is depth-first with each folder's entries sorted by name, a subfolder's name
    followed by ``/``: the files come out sorted by path, with no sort of the whole list.
    """
    root_fd = os.open(root, ROOT_FLAGS)
    try:
        st = os.fstat(root_fd)
        walk = Walk(folders=[Folder((), "", st.st_dev, st.st_ino)])
        skip_ids = set()
        for path in skip:
            try:
                found = os.stat(path)
            except OSError:
                continue
            skip_ids.add((found.st_dev, found.st_ino))
        links: list[tuple[str, int, str]] = []
        _walk_folders(root_fd, walk, links, skip_ids)
        real_root = os.path.realpath(root)
        by_parts = {f.parts: i for i, f in enumerate(walk.folders)}
        for path, index, name in links:
            _follow_link(walk, real_root, by_parts, skip, path, walk.folders[index], name)
    finally:
        os.close(root_fd)
    if links:
        walk.sort()  # the symlinks' rows were added at the end
    walk.skipped.sort()
    return walk


Listing = list[tuple[str, int, "os.stat_result | None", "str | None"]]
"""A folder's entries other than regular files, in path order: (name, kind, its lstat when
needed, a problem or None).

The kind is :data:`FOLDER`, :data:`LINK` or :data:`OTHER`; only folders and other entries are
``lstat``-ed here (files are stat-ed by the workers that hash them). A folder's name carries a
trailing ``/``, so that sorting names sorts paths: ``a-b`` comes before ``a/x`` (``-`` sorts
before ``/``); the files, kept apart, are merged in by :func:`_walk_folders`."""
FOLDER, LINK, OTHER = range(3)


def _classify(entries: list[os.DirEntry[str]]) -> tuple[list[str], Listing]:
    """The names of the regular files among *entries*, and the other entries, classified."""
    files: list[str] = []
    listing: Listing = []
    add = listing.append
    for entry in entries:
        name = entry.name
        try:
            if entry.is_file(follow_symlinks=False):
                files.append(name)
                continue
            if entry.is_symlink():
                add((name, LINK, None, None))
                continue
            st = entry.stat(follow_symlinks=False)
        except OSError as exc:
            add((name, OTHER, None, f"cannot stat it: {exc.strerror or exc}"))
            continue
        if stat.S_ISDIR(st.st_mode):
            add((name + "/", FOLDER, st, None))
        else:
            add((name, OTHER, st, None))
    return files, listing


def _list_folder(root_fd: int, walk: Walk, index: int) -> tuple[list[str], Listing]:
    """A folder's regular files (names) and its other entries, each sorted (the folder is
    closed at once)."""
    folder = walk.folders[index]
    try:
        fd = open_folder(root_fd, folder)
    except OSError as exc:
        reason = f"cannot read this folder: {exc.strerror or exc}"
        walk.skipped.append(Skipped(folder.prefix or "./", reason))
        return [], []
    try:
        with os.scandir(fd) as it:
            entries = list(it)
        # The listing's file types tell files, folders and symlinks apart (no system call):
        # the files are picked out in one pass, the rest (few, most often) classified one by
        # one (folders and other entries are stat-ed, relative to the open folder).
        try:
            files = [entry.name for entry in entries if entry.is_file(follow_symlinks=False)]
        except OSError:  # a type the listing did not give, and lstat failed: one by one
            files, listing = _classify(entries)
        else:
            listing = [] if len(files) == len(entries) else _classify(entries)[1]
    except OSError as exc:
        reason = f"cannot list this folder: {exc.strerror or exc}"
        walk.skipped.append(Skipped(folder.prefix or "./", reason))
        return [], []
    finally:
        os.close(fd)
    files.sort()
    listing.sort(key=itemgetter(0))
    return files, listing


def _walk_folders(
    root_fd: int, walk: Walk, links: list[tuple[str, int, str]], skip_ids: set[tuple[int, int]]
) -> None:
    """Record every entry, depth first, in path order; queue the symlinks for later."""
    # A folder's files are added in runs (the files between two of its other entries): a few
    # calls per run, none per file. A file's stat columns are filled in when it is hashed.
    skipped = walk.skipped.append

    def add_files(index: int, prefix: str, files: list[str]) -> None:
        if not all(map(str.isascii, files)):
            kept = []
            for name in files:
                if name.isascii() or _is_utf8(name):
                    kept.append(name)
                else:
                    reason = "name is not valid UTF-8 (a manifest path must be UTF-8)"
                    skipped(Skipped(prefix + name, reason))
            files = kept
        walk.paths.extend(map(prefix.__add__, files))
        walk.folder.extend([index] * len(files))
        walk.names.extend(files)

    # A frame: folder index, its files, its other entries, and how far each has been taken.
    stack: list[list[Any]] = [[0, *_list_folder(root_fd, walk, 0), 0, 0]]
    while stack:
        frame = stack[-1]
        index, files, listing, taken, done = frame
        prefix = walk.folders[index].prefix
        while done < len(listing):
            name, kind, st, problem = listing[done]
            done += 1
            cut = bisect_left(files, name, taken)
            add_files(index, prefix, files[taken:cut])
            taken = cut
            path = prefix + name
            if not name.isascii() and not _is_utf8(name):
                shown = path[:-1] if kind == FOLDER else path
                skipped(Skipped(shown, "name is not valid UTF-8 (a manifest path must be UTF-8)"))
            elif kind == LINK:
                links.append((path, index, name))
            elif st is None:
                skipped(Skipped(path, problem or "cannot stat it"))
            elif kind == FOLDER:
                if (st.st_dev, st.st_ino) in skip_ids:
                    skipped(Skipped(path, "the catalog itself: not recorded"))
                    continue
                parts = (*walk.folders[index].parts, name[:-1])
                walk.folders.append(Folder(parts, path, st.st_dev, st.st_ino))
                child = len(walk.folders) - 1
                # Descend now, and come back to this folder's next entry afterwards.
                frame[3], frame[4] = taken, done
                stack.append([child, *_list_folder(root_fd, walk, child), 0, 0])
                break
            else:
                skipped(Skipped(path, f"{_kind(st.st_mode)}: never opened"))
        else:
            add_files(index, prefix, files[taken:])
            stack.pop()
    zeros = bytes(8 * len(walk.paths))
    for column in (walk.sizes, walk.mtimes, walk.ctimes, walk.inos):
        column.frombytes(zeros)


def inside(path: str, root: str) -> bool:
    """True when the real path *path* is *root* or inside it."""
    return path == root or path.startswith(root.rstrip("/") + "/")


def _follow_link(
    walk: Walk,
    real_root: str,
    by_parts: dict[tuple[str, ...], int],
    skip: Collection[str],
    path: str,
    folder: Folder,
    name: str,
) -> None:
    """Record a symlink to a regular file inside the data folder; report any other symlink."""
    skipped = walk.skipped
    link = os.path.join(real_root, *folder.parts, name)
    if len(os.fsencode(link)) > SHORT_PATH:
        skipped.append(Skipped(path, "symlink in a path too long to resolve: not followed"))
        return
    try:
        shown = os.readlink(link)
        target = os.path.realpath(link, strict=True)
    except OSError as exc:
        skipped.append(Skipped(path, f"symlink that cannot be resolved ({exc.strerror or exc})"))
        return
    if not inside(target, real_root):
        skipped.append(Skipped(path, f"symlink to {shown}, outside the data folder: not followed"))
        return
    if any(inside(target, os.path.realpath(s)) for s in skip):
        skipped.append(Skipped(path, f"symlink to {shown}, inside the catalog: not followed"))
        return
    try:
        st = os.lstat(target)
        parent = os.stat(os.path.dirname(target))
    except OSError as exc:
        skipped.append(Skipped(path, f"symlink whose target cannot be read ({exc.strerror})"))
        return
    if not stat.S_ISREG(st.st_mode):
        what = "not followed" if stat.S_ISDIR(st.st_mode) else "never opened"
        skipped.append(Skipped(path, f"symlink to {_kind(st.st_mode)} ({shown}): {what}"))
        return
    parts = tuple(os.path.relpath(target, real_root).split("/"))
    index = by_parts.get(parts[:-1])
    if index is None:
        prefix = "/".join(parts[:-1]) + "/"
        walk.folders.append(Folder(parts[:-1], prefix, parent.st_dev, parent.st_ino))
        index = by_parts[parts[:-1]] = len(walk.folders) - 1
    walk.add(Found(path, index, parts[-1], st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino))
