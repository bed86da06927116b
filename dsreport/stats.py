"""Counts and sizes of a version's content (pure)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from dsreport.model import Entry


@dataclass(frozen=True)
class ContentStats:
    """Numbers derived from a version's manifest."""

    files: int
    """Entries that are files."""
    links: int
    """Entries that are links."""
    total_size: int
    """Sum of the known sizes, in bytes."""
    unknown_sizes: int
    """Links whose size is not known (not counted in ``total_size``)."""


def content_stats(entries: Iterable[Entry]) -> ContentStats:
    """Count files and links and add up sizes, in one pass."""
    files = links = total = unknown = 0
    for e in entries:
        if e.link is None:
            files += 1
        else:
            links += 1
        if e.size is None:
            unknown += 1
        else:
            total += e.size
    return ContentStats(files=files, links=links, total_size=total, unknown_sizes=unknown)
