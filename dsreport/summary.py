"""Derived values of every version, computed in one pass over the manifests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dsreport.catalog.load import read_content
from dsreport.diff import changes_from_parents
from dsreport.lineage import children_of, topological_order
from dsreport.model import Catalog, Entry
from dsreport.stats import content_stats
from dsreport.versioning import version_key


@dataclass(frozen=True)
class VersionSummary:
    """What the versions list and the VERSION INFO panel show that is derived from manifests."""

    files: int
    """Entries that are files."""
    links: int
    """Entries that are links."""
    size: int
    """Total of the known sizes, in bytes."""
    unknown_sizes: int
    """Links whose size is not known."""
    added: int
    """Paths new since the merged parents."""
    modified: int
    """Paths whose content changed since the merged parents."""
    removed: int
    """Paths gone since the merged parents."""
    size_change: int
    """Total size minus the merged parents' total size."""


def summarize_versions(
    catalog: Catalog, progress: Callable[[str], None] | None = None
) -> dict[str, VersionSummary]:
    """Summaries of every version.

    Manifests are read in topological order and each content is kept only until its last child
    has used it, so memory holds the open frontier of the history, not the whole catalog.
    """
    parents = catalog.parents()
    children = children_of(parents)
    remaining = {vid: len(kids) for vid, kids in children.items()}
    alive: dict[str, dict[str, Entry]] = {}
    summaries: dict[str, VersionSummary] = {}
    for vid in topological_order(
        parents, key=lambda v: version_key(catalog.versions[v].meta.version)
    ):
        content = read_content(catalog, vid)
        stats = content_stats(content.values())
        changes = changes_from_parents(content, [alive[p] for p in parents[vid]])
        summaries[vid] = VersionSummary(
            files=stats.files,
            links=stats.links,
            size=stats.total_size,
            unknown_sizes=stats.unknown_sizes,
            added=len(changes.added),
            modified=len(changes.modified),
            removed=len(changes.removed),
            size_change=changes.size_change,
        )
        if remaining[vid]:
            alive[vid] = content
        for p in parents[vid]:
            remaining[p] -= 1
            if remaining[p] == 0:
                alive.pop(p, None)
        if progress:
            progress(vid)
    return summaries
