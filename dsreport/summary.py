"""Derived values of every version, computed in one pass over the manifests, with a cache."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import astuple, dataclass

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


def content_keys(catalog: Catalog, order: list[str]) -> dict[str, str]:
    """A key per version that changes when its manifest or any ancestor's manifest changes.

    Built from each manifest's size, mtime and inode (no reading) and the parents' keys, in
    merge order. *order* must list parents before children.
    """
    keys: dict[str, str] = {}
    for vid in order:
        version = catalog.versions[vid]
        stat = version.manifest_path.stat()
        parts = [
            vid,
            version.manifest_path.name,
            str(stat.st_size),
            str(stat.st_mtime_ns),
            str(stat.st_ino),
        ]
        parts.extend(keys[p] for p in version.meta.parents)
        keys[vid] = hashlib.sha256("\0".join(parts).encode()).hexdigest()
    return keys


SummaryCache = Mapping[str, list[int]]
"""Summaries of a previous build by content key, as lists of the :class:`VersionSummary` fields."""


def summarize_versions(
    catalog: Catalog,
    progress: Callable[[str], None] | None = None,
    cache: SummaryCache | None = None,
) -> tuple[dict[str, VersionSummary], dict[str, list[int]]]:
    """Summaries of every version, and the cache to keep for the next build.

    A version whose content key is in *cache* is not read at all. The others are read in
    topological order, and each content is kept only until its last child has used it, so memory
    holds the open frontier of the history, not the whole catalog; a parent whose summary came
    from the cache is read when a child needs it.
    """
    parents = catalog.parents()
    order = topological_order(parents, key=lambda v: version_key(catalog.versions[v].meta.version))
    keys = content_keys(catalog, order)
    previous = cache or {}
    todo = {vid for vid in order if keys[vid] not in previous}
    # Contents to read: the versions to compute and their parents.
    needed_by: dict[str, int] = {}
    for vid in todo:
        for p in parents[vid]:
            needed_by[p] = needed_by.get(p, 0) + 1
    alive: dict[str, dict[str, Entry]] = {}
    summaries: dict[str, VersionSummary] = {}
    kept: dict[str, list[int]] = {}

    def content_of(vid: str) -> dict[str, Entry]:
        if vid not in alive:
            alive[vid] = read_content(catalog, vid)
        return alive[vid]

    for vid in order:
        if vid in todo:
            content = content_of(vid)
            stats = content_stats(content.values())
            changes = changes_from_parents(content, [content_of(p) for p in parents[vid]])
            summary = VersionSummary(
                files=stats.files,
                links=stats.links,
                size=stats.total_size,
                unknown_sizes=stats.unknown_sizes,
                added=len(changes.added),
                modified=len(changes.modified),
                removed=len(changes.removed),
                size_change=changes.size_change,
            )
            for p in parents[vid]:
                needed_by[p] -= 1
                if needed_by[p] == 0:
                    alive.pop(p, None)
            if not needed_by.get(vid):
                alive.pop(vid, None)
        else:
            summary = VersionSummary(*previous[keys[vid]])
        summaries[vid] = summary
        kept[keys[vid]] = list(astuple(summary))
        if progress:
            progress(vid)
    return summaries, kept


def children_by_id(catalog: Catalog) -> dict[str, tuple[str, ...]]:
    """Each version's children."""
    return {vid: tuple(kids) for vid, kids in children_of(catalog.parents()).items()}
