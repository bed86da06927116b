"""Page data for the catalog home and the dataset pages, and their outputs."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from dsreport.csvsafe import Cell
from dsreport.lineage import topological_order
from dsreport.model import Version
from dsreport.render.context import BuildContext
from dsreport.render.csvout import csv_bytes
from dsreport.render.jsonsafe import data_script
from dsreport.render.lineage import Layout, LayoutCache, layout_window, plan_windows
from dsreport.render.markdown import markdown_tree, safe_url
from dsreport.site import content_hash
from dsreport.versioning import version_key

Output = tuple[str, bytes]

VERSION_COLUMNS = (
    ("name", "Name"),
    ("version", "Version"),
    ("tags", "Tags"),
    ("size", "Size"),
    ("files", "Files"),
    ("updated", "Updated"),
    ("status", "Status"),
)
"""The versions list's columns (key, label), in order; also the CSV columns."""


def version_row(ctx: BuildContext, version: Version) -> dict[str, Any]:
    """Everything the versions list and the VERSION INFO panel show about one version."""
    meta = version.meta
    summary = ctx.summaries[version.id]
    task = None
    if meta.task is not None:
        task = {
            "id": meta.task.id,
            "name": meta.task.name,
            "url": safe_url(meta.task.url or "") or None,
        }
    return {
        "id": meta.id,
        "name": meta.name,
        "version": meta.version,
        "tags": list(meta.tags),
        "size": summary.size,
        "files": summary.files,
        "links": summary.links,
        "unknown_sizes": summary.unknown_sizes,
        "size_compressed": meta.size_compressed,
        "updated": meta.updated,
        "created": meta.created,
        "status": meta.status or "",
        "archived": meta.archived,
        "task": task,
        "added": summary.added,
        "modified": summary.modified,
        "removed": summary.removed,
        "size_change": summary.size_change,
        "description": markdown_tree(meta.description),
        "parents": list(meta.parents),
        "children": list(ctx.children.get(meta.id, ())),
    }


def csv_row(row: dict[str, Any]) -> list[Cell]:
    """A versions-list row as CSV cells (id first, then the list's columns)."""
    return [
        row["id"],
        row["name"],
        row["version"],
        " ".join(row["tags"]),
        row["size"],
        row["files"],
        row["updated"],
        row["status"],
    ]


SERVER_ROWS = 200
"""Rows rendered into the page itself (without JavaScript); the script lists them all."""

CSV_HEADER = ["id", *(label for _key, label in VERSION_COLUMNS)]


def home_outputs(ctx: BuildContext) -> Iterator[Output]:
    """The catalog home."""
    datasets: list[dict[str, Any]] = []
    for slug, dataset in ctx.catalog.datasets.items():
        latest = ctx.latest(slug) or ctx.latest(slug, archived=None)
        updated = max(
            (ctx.catalog.versions[v].meta.updated for v in dataset.version_ids), default=None
        )
        datasets.append(
            {
                "slug": slug,
                "meta": dataset.meta,
                "latest": latest,
                "count": len(dataset.version_ids),
                "size": ctx.summaries[latest.id].size if latest else None,
                "updated": updated,
            }
        )
    datasets.sort(key=lambda d: (d["meta"].project.casefold(), d["meta"].name.casefold()))
    yield (
        "index.html",
        ctx.render(
            "index.html", 0, ("js/home.js",), datasets=datasets, site=ctx.catalog.config.site
        ),
    )


def _lineage_data(
    ctx: BuildContext, slug: str, cache: LayoutCache
) -> tuple[dict[str, Any], list[Layout]]:
    """Windows of the dataset's history, laid out, and where each version is drawn."""
    ids = ctx.catalog.datasets[slug].version_ids
    parents = {vid: ctx.catalog.versions[vid].meta.parents for vid in ids}
    order = topological_order(
        {vid: tuple(p for p in ps if p in parents) for vid, ps in parents.items()},
        key=lambda v: (version_key(ctx.catalog.versions[v].meta.version), v),
    )
    children = {vid: ctx.children.get(vid, ()) for vid in ids}
    all_parents = {vid: ctx.catalog.versions[vid].meta.parents for vid in ids}
    windows = plan_windows(order, all_parents, children)
    layouts: list[Layout] = []
    data_windows = []
    where: dict[str, list[int]] = {}
    for index, window in enumerate(windows):
        expanded = layout_window(window, all_parents, children, collapse=False, cache=cache)
        collapsed = (
            layout_window(window, all_parents, children, collapse=True, cache=cache)
            if window.runs
            else None
        )
        layouts.append(collapsed or expanded)
        data_windows.append(
            {
                "expanded": expanded.as_data(),
                "collapsed": collapsed.as_data() if collapsed else None,
            }
        )
        hidden = {vid for run in window.runs for vid in run[2:-2]}
        for vid in window.members:
            where[vid] = [index, 1 if vid in hidden else 0]
    return {"windows": data_windows, "where": where}, layouts


def dataset_outputs(ctx: BuildContext, slug: str, cache: LayoutCache) -> Iterator[Output]:
    """A dataset's pages (active and archive views), its data script and its CSV."""
    dataset = ctx.catalog.datasets[slug]
    versions = ctx.versions_of(slug)
    rows = [version_row(ctx, v) | {"rank": len(versions) - i} for i, v in enumerate(versions)]
    lineage, layouts = _lineage_data(ctx, slug, cache)
    others = {
        p: version_row(ctx, ctx.catalog.versions[p]) | {"dataset": ctx.catalog.versions[p].dataset}
        for row in rows
        for p in row["parents"] + row["children"]
        if ctx.catalog.versions[p].dataset != slug
    }
    data = {
        "slug": slug,
        "name": dataset.meta.name,
        "columns": [list(c) for c in VERSION_COLUMNS],
        "rows": rows,
        "external": others,
        "lineage": lineage,
    }
    script = data_script("dataset", slug, data).encode("utf-8")
    data_name = f"data.{content_hash(script)[:10]}.js"
    yield f"d/{slug}/{data_name}", script
    yield f"d/{slug}/versions.csv", csv_bytes(CSV_HEADER, (csv_row(r) for r in rows))
    by_id = {r["id"]: r for r in rows} | others
    tags = sorted({t for r in rows for t in r["tags"]}, key=str.casefold)
    for view, page in (("active", "index.html"), ("archived", "archive.html")):
        listed = [r for r in rows if r["archived"] == (view == "archived")]
        selected = listed[0] if listed else None
        layout = None
        if selected is not None:
            window, _hidden = lineage["where"][selected["id"]]
            layout = layouts[window] if not _hidden else None
        yield (
            f"d/{slug}/{page}",
            ctx.render(
                "dataset.html",
                2,
                (f"d/{slug}/{data_name}", "js/table.js", "js/lineage.js", "js/versions.js"),
                dataset=dataset,
                slug=slug,
                view=view,
                rows=listed,
                total=len(rows),
                shown_limit=SERVER_ROWS,
                selected=selected,
                layout=layout,
                by_id=by_id,
                all_tags=tags,
                columns=VERSION_COLUMNS,
                data_name=data_name,
            ),
        )


def all_dataset_outputs(ctx: BuildContext, cache: LayoutCache) -> Iterable[Output]:
    """Every dataset's outputs."""
    for slug in ctx.catalog.datasets:
        yield from dataset_outputs(ctx, slug, cache)
