"""``dsreport build``: load and check the catalog, gather derived values, render, write."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from dsreport.catalog.load import count_versions, load_catalog
from dsreport.progress import progress
from dsreport.render.content_cache import CONTENT_CACHE, ContentCache
from dsreport.render.context import BuildContext
from dsreport.render.lineage import LayoutCache
from dsreport.render.pages import Output, all_dataset_outputs, home_outputs
from dsreport.render.version_pages import all_version_outputs
from dsreport.site import hashed_assets, write_site
from dsreport.summary import children_by_id, summarize_versions

LAYOUT_CACHE = ".dsreport-layouts.json"
"""Graphviz results by DOT source hash, kept in the site so rebuilds skip unchanged layouts."""
SUMMARY_CACHE = ".dsreport-summaries.json"
"""Version summaries by content key (see :func:`dsreport.summary.content_keys`)."""


@dataclass(frozen=True)
class BuildResult:
    """What a build did."""

    output: Path
    files: int
    """Files in the site."""
    rewritten: tuple[str, ...]
    """Files written anew (the others were unchanged and kept as they were)."""


def _read_cache(path: Path) -> dict[str, Any]:
    """A cache file of the previous build; empty when missing or unreadable (it only saves time)."""
    try:
        data = orjson.loads(path.read_bytes())
        return data if isinstance(data, dict) else {}
    except (OSError, orjson.JSONDecodeError):
        return {}


def build_site(catalog_root: Path, output: Path, *, base_url: str | None = None) -> BuildResult:
    """Build the site of the catalog at *catalog_root* into *output*, atomically.

    Raises :class:`~dsreport.errors.CatalogInvalid` (before touching *output*) for a bad catalog.
    """
    with progress(count_versions(catalog_root), "Checking") as advance:
        catalog = load_catalog(catalog_root, progress=lambda _vid: advance(1))
    with progress(len(catalog.versions), "Summarising") as advance:
        summaries, summary_cache = summarize_versions(
            catalog, progress=lambda _vid: advance(1), cache=_read_cache(output / SUMMARY_CACHE)
        )
    children = children_by_id(catalog)
    assets = hashed_assets()
    ctx = BuildContext(
        catalog=catalog,
        summaries=summaries,
        children=children,
        assets={name: path for name, (path, _data) in assets.items()},
        base_url=base_url or catalog.config.site.base_url,
    )
    cache = LayoutCache(_read_cache(output / LAYOUT_CACHE))
    content_cache = ContentCache.load(output)

    def cache_file() -> Iterator[Output]:
        # Runs last, after every layout: keeps only what this build used, so it does not grow.
        yield LAYOUT_CACHE, orjson.dumps(cache.used, option=orjson.OPT_SORT_KEYS)
        yield SUMMARY_CACHE, orjson.dumps(summary_cache, option=orjson.OPT_SORT_KEYS)
        yield CONTENT_CACHE, content_cache.dump()

    outputs: list[Iterable[Output]] = [
        list(assets.values()),
        home_outputs(ctx),
        all_dataset_outputs(ctx, cache),
        all_version_outputs(ctx, content_cache),
        cache_file(),
    ]
    total_pages = 1 + 2 * len(catalog.datasets) + 2 * len(catalog.versions)
    with progress(total_pages, "Rendering") as advance:
        writer = write_site(output, outputs, on_file=lambda rel: advance(rel.endswith(".html")))
    return BuildResult(output=output, files=len(writer.files), rewritten=tuple(writer.rewritten))
