"""Content of versions: merging parents and the changes from one content to another (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from dsreport.model import Content, Entry


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
    return sum(e.size for e in entries if e.size is not None)


def compute_changes(base: Content, content: Content) -> Changes:
    """The changes from *base* (the merged parents' content) to *content*."""
    added = sorted(p for p in content if p not in base)
    removed = sorted(p for p in base if p not in content)
    modified = sorted(p for p, e in content.items() if p in base and entry_changed(base[p], e))
    return Changes(
        added=tuple(added),
        modified=tuple(modified),
        removed=tuple(removed),
        size_change=total_size(content.values()) - total_size(base.values()),
    )


def content_by_path(entries: Iterable[Entry]) -> dict[str, Entry]:
    """Index entries by path."""
    return {e.path: e for e in entries}


def changes_from_parents(content: Content, parent_contents: Sequence[Content]) -> Changes:
    """A version's changes from the merged content of its parents (all added for a root)."""
    return compute_changes(merge_contents(parent_contents) if parent_contents else {}, content)
