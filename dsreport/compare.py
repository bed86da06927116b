"""``dsreport diff``: the files added, removed and modified from one version to another.

Any two versions compare, in one dataset or across datasets: A is the base, B the version
compared with it. A path is *added* when only B has it, *removed* when only A has it, and
*modified* when both have it with other content (the rule of the changes panel: hashes decide,
else sizes and link targets; see :func:`dsreport.diff.entry_changed`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from dsreport.catalog.load import load_catalog, read_content
from dsreport.csvsafe import csv_text
from dsreport.details import find_version
from dsreport.diff import compute_changes
from dsreport.model import Catalog, Entry
from dsreport.terminal import Column, format_table, human_size, json_text, signed_size

Kind = Literal["added", "removed", "modified"]


@dataclass(frozen=True)
class FileChange:
    """One path that differs between A and B."""

    change: Kind
    path: str
    a: Entry | None
    """The entry in A (``None`` when added)."""
    b: Entry | None
    """The entry in B (``None`` when removed)."""


@dataclass(frozen=True)
class VersionDiff:
    """Everything that differs from version A to version B."""

    a: str
    b: str
    files: tuple[FileChange, ...]
    """Changes sorted by path."""
    added: int
    modified: int
    removed: int
    size_change: int
    """Total size of B minus total size of A (known sizes)."""


def diff_versions(catalog: Catalog, a: str, b: str) -> VersionDiff:
    """Compare versions *a* and *b* of *catalog* file by file."""
    for vid in (a, b):
        find_version(catalog, vid)
    content_a, content_b = read_content(catalog, a), read_content(catalog, b)
    changes = compute_changes(content_a, content_b)
    files = [FileChange("added", p, None, content_b[p]) for p in changes.added]
    files += [FileChange("removed", p, content_a[p], None) for p in changes.removed]
    files += [FileChange("modified", p, content_a[p], content_b[p]) for p in changes.modified]
    files.sort(key=lambda f: f.path)
    return VersionDiff(
        a=a,
        b=b,
        files=tuple(files),
        added=len(changes.added),
        modified=len(changes.modified),
        removed=len(changes.removed),
        size_change=changes.size_change,
    )


def summary_line(diff: VersionDiff) -> str:
    """``3 added, 1 modified, 2 removed; size +1.20 kB (from A to B)``."""
    if not diff.files and diff.size_change == 0:
        return f"No differences from {diff.a} to {diff.b}."
    return (
        f"{diff.added:,} added, {diff.modified:,} modified, {diff.removed:,} removed; "
        f"size {signed_size(diff.size_change)} (from {diff.a} to {diff.b})"
    )


def _entry_json(entry: Entry | None) -> dict[str, Any] | None:
    if entry is None:
        return None
    return {"size": entry.size, "hash": entry.hash, "link": entry.link, "origin": entry.origin}


CSV_HEADER = ("change", "path", "size_a", "size_b", "hash_a", "hash_b", "link_a", "link_b")


def _csv_rows(files: Sequence[FileChange]) -> list[list[Any]]:
    rows = []
    for f in files:
        a, b = f.a, f.b
        rows.append(
            [
                f.change,
                f.path,
                a.size if a else None,
                b.size if b else None,
                a.hash if a else None,
                b.hash if b else None,
                a.link if a else None,
                b.link if b else None,
            ]
        )
    return rows


def _size(entry: Entry | None) -> str:
    return "" if entry is None else human_size(entry.size)


def render_diff(diff: VersionDiff, fmt: str, *, width: int) -> str:
    """The diff as a table with a summary line, as CSV, or as JSON."""
    if fmt == "json":
        return json_text(
            {
                "a": diff.a,
                "b": diff.b,
                "summary": {
                    "added": diff.added,
                    "modified": diff.modified,
                    "removed": diff.removed,
                    "size_change": diff.size_change,
                },
                "files": [
                    {
                        "change": f.change,
                        "path": f.path,
                        "a": _entry_json(f.a),
                        "b": _entry_json(f.b),
                    }
                    for f in diff.files
                ],
            }
        )
    if fmt == "csv":
        return csv_text(CSV_HEADER, _csv_rows(diff.files), lineterminator="\n").rstrip("\n")
    if not diff.files:
        return summary_line(diff)
    columns = [
        Column("CHANGE", shrink=0),
        Column("PATH", middle=True, min_width=12),
        Column("SIZE A", align="right", shrink=0),
        Column("SIZE B", align="right", shrink=0),
    ]
    rows = [[f.change, f.path, _size(f.a), _size(f.b)] for f in diff.files]
    return format_table(columns, rows, width) + "\n" + summary_line(diff)


def diff_command(root: Path, a: str, b: str, fmt: str, *, width: int) -> str:
    """``diff``'s whole output."""
    catalog = load_catalog(root, manifests=False)
    return render_diff(diff_versions(catalog, a, b), fmt, width=width)
