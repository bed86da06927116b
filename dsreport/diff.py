"""Content of versions: merging parents and the changes from one content to another (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import compress, filterfalse, repeat
from operator import and_, attrgetter, eq, is_, is_not, itemgetter, ne, not_

from dsreport.entry import Content, Entry


@dataclass(frozen=True)
class Changes:
    """What changed from a base content to a version's content (paths sorted)."""

    added: tuple[str, ...]
    """Paths new in the version."""
    modified: tuple[str, ...]
    """Paths in both whose content differs."""
    removed: tuple[str, ...]
    """Paths gone from the version."""
    size_change: int
    """Total size of the version minus total size of the base (unknown sizes count as 0)."""


def merge_contents(parents: Sequence[Content]) -> dict[str, Entry]:
    """The merged content of several parents: applied in order, later parents win on a path."""
    if len(parents) == 1:
        return dict(parents[0])
    merged: dict[str, Entry] = {}
    for content in parents:
        merged.update(content)
    return merged


def entry_changed(old: Entry, new: Entry) -> bool:
    """True when *new* holds other content than *old* at the same path.

    Hashes decide when both entries have one; otherwise (links without hashes) the sizes do.
    A file that became a link, or a link whose target moved, changed too.
    """
    if old.is_link != new.is_link or old.link != new.link:
        return True
    if old.hash is not None and new.hash is not None:
        return old.hash != new.hash
    return old.size != new.size or old.hash != new.hash


def total_size(entries: Iterable[Entry]) -> int:
    """Sum of the known sizes."""
    # Without a Python step per entry (unknown sizes are None, and zeros add nothing).
    return sum(filter(None, map(attrgetter("size"), entries)))


def compute_changes(base: Content, content: Content) -> Changes:
    """The changes from *base* (the merged parents' content) to *content*."""
    # Versions have up to millions of entries: each path is looked up once, only entries that
    # differ from the base's take a Python step, and sorting takes linear time on paths in order
    # already (as contents give them).
    entries = content.values()
    if not base:  # a first version: everything is added
        return Changes(tuple(sorted(content)), (), (), total_size(entries))
    olds = list(map(base.get, content))
    added = list(compress(content, map(is_, olds, repeat(None))))
    # An entry equal to the base's (origin included: unchanged content keeps its origin) is not
    # modified; only the others are compared.
    differ = map(and_, map(is_not, olds, repeat(None)), map(ne, entries, olds))
    pairs = compress(zip(content, entries, olds, strict=True), differ)
    modified = [path for path, new, old in pairs if old is not None and entry_changed(old, new)]
    # Every path of content but the added ones is in base: when base has no more, none is gone.
    gone = len(base) > len(content) - len(added)
    removed = sorted(filterfalse(content.__contains__, base)) if gone else []
    return Changes(
        added=tuple(sorted(added)),
        modified=tuple(sorted(modified)),
        removed=tuple(removed),
        size_change=total_size(entries) - total_size(base.values()),
    )


def changes_on_same_paths(
    vid: str, paths: Sequence[str], sizes: Sequence[int], hashes: Sequence[str], base: Content
) -> tuple[list[Entry], Changes] | None:
    """The entries of files (no link, with hashes) given as columns, with their origins, and
    their changes from *base*: ``assign_origins`` then :func:`compute_changes`, the same
    results, made column by column when the files are on the very paths of *base*, in its
    order, and *base* holds files only (the common case of a version whose files were only
    modified); ``None`` otherwise. Only files that changed take a Python step.
    """
    if len(base) != len(paths) or list(base) != list(paths):
        return None
    olds = list(base.values())
    old_hashes = list(map(itemgetter(2), olds))
    if list(map(itemgetter(4), olds)).count(None) != len(olds) or None in old_hashes:
        return None
    same = list(map(eq, old_hashes, hashes))
    # An unchanged file is the base's entry itself when its size is the same too (it keeps its
    # origin); a modified one is the new version's own.
    reused = list(map(and_, same, map(eq, map(itemgetter(1), olds), sizes)))
    entries = olds
    if not all(reused):
        entries = olds.copy()
        for k in compress(range(len(olds)), map(not_, reused)):
            origin = olds[k].origin if same[k] else vid
            entries[k] = Entry(paths[k], sizes[k], hashes[k], origin)
    modified = tuple(compress(paths, map(not_, same)))
    return entries, Changes((), modified, (), sum(sizes) - total_size(olds))


def content_by_path(entries: Iterable[Entry]) -> dict[str, Entry]:
    """Index entries by path."""
    return {e.path: e for e in entries}


def changes_from_parents(content: Content, parent_contents: Sequence[Content]) -> Changes:
    """A version's changes from the merged content of its parents (all added for a root)."""
    return compute_changes(merge_contents(parent_contents) if parent_contents else {}, content)
