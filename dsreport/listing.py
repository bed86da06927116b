"""``dsreport list``: the versions list of the dataset page, for the terminal and for scripts."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import timezone
from pathlib import Path
from typing import Any

from dsreport.catalog.load import load_catalog, read_content
from dsreport.csvsafe import csv_text
from dsreport.model import Catalog, parse_rfc3339
from dsreport.progress import progress
from dsreport.select import Filter, check_dataset, filter_versions
from dsreport.stats import content_stats
from dsreport.terminal import Column, format_table, human_size, json_text, show_tags


@dataclass(frozen=True)
class VersionRow:
    """One version as ``list`` shows it (the JSON and CSV keys are these field names)."""

    dataset: str
    id: str
    name: str
    version: str
    tags: tuple[str, ...]
    size: int
    """Total of the known sizes, in bytes."""
    size_compressed: int | None
    files: int
    links: int
    created: str
    updated: str
    status: str | None
    archived: bool
    parents: tuple[str, ...]


FIELDS = tuple(VersionRow.__dataclass_fields__)


def version_rows(catalog: Catalog, ids: Sequence[str]) -> list[VersionRow]:
    """The rows of versions *ids* (reads their manifests, for sizes and counts)."""
    rows = []
    with progress(len(ids), "Reading manifests") as advance:
        for vid in ids:
            version = catalog.versions[vid]
            meta = version.meta
            stats = content_stats(read_content(catalog, vid).values())
            rows.append(
                VersionRow(
                    dataset=version.dataset,
                    id=vid,
                    name=meta.name,
                    version=meta.version,
                    tags=meta.tags,
                    size=stats.total_size,
                    size_compressed=meta.size_compressed,
                    files=stats.files,
                    links=stats.links,
                    created=meta.created,
                    updated=meta.updated,
                    status=meta.status,
                    archived=meta.archived,
                    parents=meta.parents,
                )
            )
            advance(1)
    return rows


def list_versions(root: Path, dataset: str | None, flt: Filter) -> list[VersionRow]:
    """The rows of the versions that match *flt* (in *dataset*, or in every dataset)."""
    catalog = load_catalog(root, manifests=False)
    if dataset is not None:
        check_dataset(catalog, dataset)
    return version_rows(catalog, filter_versions(catalog, dataset, flt))


def short_time(stamp: str) -> str:
    """An RFC 3339 time as ``2026-03-01 09:41`` in UTC, for tables."""
    return parse_rfc3339(stamp).astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M")


def _csv_value(value: Any) -> Any:
    # Lists (tags, parents) go into one cell as a JSON array: unambiguous whatever they hold.
    if isinstance(value, tuple):
        return json.dumps(list(value), ensure_ascii=False)
    return value


def render_rows(
    rows: Sequence[VersionRow], fmt: str, *, width: int, one_dataset: bool, state: str
) -> str:
    """*rows* as a table fitting *width* columns, as CSV, or as JSON.

    The table leaves out the dataset column when one dataset is listed, and shows whether each
    version is archived only when both states are listed.
    """
    if fmt == "json":
        return json_text([asdict(row) for row in rows])
    if fmt == "csv":
        return csv_text(
            FIELDS,
            ([_csv_value(getattr(row, f)) for f in FIELDS] for row in rows),
            lineterminator="\n",
        ).rstrip("\n")
    columns = [
        Column("DATASET", min_width=8),
        Column("ID", shrink=3, middle=True, min_width=12),
        Column("NAME"),
        Column("VERSION", shrink=2, min_width=7),
        Column("TAGS"),
        Column("SIZE", align="right", shrink=0, drop=1),
        Column("FILES", align="right", shrink=0, drop=3),
        Column("UPDATED", shrink=2, min_width=10, drop=2),
        Column("STATUS", min_width=6, drop=4),
        Column("ARCHIVED", shrink=0),
    ]
    cells = [
        [
            row.dataset,
            row.id,
            row.name,
            row.version,
            show_tags(row.tags),
            human_size(row.size),
            str(row.files),
            short_time(row.updated),
            row.status or "",
            "yes" if row.archived else "no",
        ]
        for row in rows
    ]
    keep = [
        i
        for i, c in enumerate(columns)
        if not (c.header == "DATASET" and one_dataset)
        and not (c.header == "ARCHIVED" and state != "all")
    ]
    return format_table(
        [columns[i] for i in keep], [[row[i] for i in keep] for row in cells], width
    )
