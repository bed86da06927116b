"""Version pages: details (``v/<id>/index.html``) and full details (``v/<id>/full.html``)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import orjson

from dsreport.catalog.load import read_content
from dsreport.catalog.write import entry_dict
from dsreport.render.context import BuildContext
from dsreport.render.pages import Output, version_row

FIRST_ROWS = 200
"""Content rows rendered into the page itself (the page without JavaScript shows these)."""


def _related(ctx: BuildContext, ids: tuple[str, ...] | list[str]) -> list[dict[str, Any]]:
    return [
        {
            "id": vid,
            "name": ctx.catalog.versions[vid].meta.name,
            "version": ctx.catalog.versions[vid].meta.version,
        }
        for vid in ids
    ]


def version_outputs(ctx: BuildContext, vid: str) -> Iterator[Output]:
    """The pages of one version."""
    version = ctx.catalog.versions[vid]
    row = version_row(ctx, version)
    dataset = ctx.catalog.datasets[version.dataset]
    content = read_content(ctx.catalog, vid)
    entries = [content[p] for p in sorted(content)]
    raw = orjson.dumps(dataclasses.asdict(version.meta), option=orjson.OPT_INDENT_2).decode()
    common: dict[str, Any] = {
        "dataset": dataset,
        "version": version,
        "row": row,
        "parents": _related(ctx, row["parents"]),
        "children": _related(ctx, row["children"]),
    }
    yield (
        f"v/{vid}/index.html",
        ctx.render(
            "version.html",
            2,
            entries=[entry_dict(e) for e in entries[:FIRST_ROWS]],
            total_entries=len(entries),
            **common,
        ),
    )
    yield f"v/{vid}/full.html", ctx.render("full.html", 2, raw=raw, **common)


def all_version_outputs(ctx: BuildContext) -> Iterator[Output]:
    """Every version's pages."""
    for vid in ctx.catalog.versions:
        yield from version_outputs(ctx, vid)
