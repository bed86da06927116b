"""Version pages: details (``v/<id>/index.html``) and full details (``v/<id>/full.html``).

The details page has three tabs: CONTENT (every entry; the rows come from shared data files, see
:mod:`dsreport.render.content`), PREVIEW (:mod:`dsreport.render.preview`) and CONSOLE
(:mod:`dsreport.render.ansi`). Besides the two pages, a version may add files under ``c/`` named
by their content's hash (content data, preview images, the console's stylesheet): a file shared by
several versions is written once.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from dsreport.catalog.load import read_content
from dsreport.lineage import topological_order
from dsreport.model import Entry, Version
from dsreport.render.ansi import RenderedConsole, render_console
from dsreport.render.content import ContentPlan, Published, indexed, publish
from dsreport.render.content_cache import ContentCache, ContentView, view_of
from dsreport.render.context import BuildContext
from dsreport.render.markdown import markdown_tree, safe_url
from dsreport.render.pages import Output, version_row
from dsreport.render.preview import Previews, collect_previews, local_only
from dsreport.site import content_hash
from dsreport.summary import content_keys
from dsreport.versioning import version_key

FIRST_ROWS = 100
"""Content rows rendered into the page itself (the page without JavaScript shows these); more
would only slow the page's first render."""
MAX_CONSOLE_BYTES = 16 * 2**20
"""A console log larger than this is read as its first and last halves of this size."""


def _label(ctx: BuildContext, vid: str) -> str:
    """A version as people name it: ``pets 1.2.0`` (its name, and its number unless in it)."""
    meta = ctx.catalog.versions[vid].meta
    return f"{meta.name} {meta.version}" if meta.version not in meta.name else meta.name


def _related(ctx: BuildContext, ids: tuple[str, ...] | list[str]) -> list[dict[str, Any]]:
    """Parents or children, as the full-details page lists them."""
    return [
        {
            "id": vid,
            "name": ctx.catalog.versions[vid].meta.name,
            "version": ctx.catalog.versions[vid].meta.version,
            "dataset": ctx.catalog.versions[vid].dataset,
        }
        for vid in ids
    ]


def _entry_row(entry: Entry) -> dict[str, Any]:
    """A content row of the page's own table (a link target is a link only for http(s))."""
    return {
        "path": entry.path,
        "size": entry.size,
        "hash": entry.hash,
        "origin": entry.origin,
        "link": entry.link,
        "href": safe_url(entry.link) if entry.link and "://" in entry.link else None,
    }


def read_console(path: Path) -> tuple[RenderedConsole | None, str | None]:
    """The version's console log, rendered, or a note on why it is not shown (``None``, ``None``:
    there is none). Only a regular file is read; a huge one by its first and last parts."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None, None
    except OSError as exc:
        return None, f"The console log cannot be read ({exc.strerror or exc})."
    if not stat.S_ISREG(info.st_mode):
        return None, "The console log is not a regular file: not shown."
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        with os.fdopen(fd, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            if size <= MAX_CONSOLE_BYTES:
                return render_console(f.read(MAX_CONSOLE_BYTES)), None
            half = MAX_CONSOLE_BYTES // 2
            head = f.read(half)
            head = head[: head.rfind(b"\n") + 1] or head
            skipped = 0
            f.seek(len(head))
            remaining = size - half - len(head)
            while remaining > 0:
                block = f.read(min(remaining, 2**24))
                if not block:
                    break
                skipped += block.count(b"\n")
                remaining -= len(block)
            tail = f.read(half)
            cut = tail.find(b"\n") + 1
            skipped += 1 if cut else 0
            return render_console(head, tail[cut:], skipped), None
    except OSError as exc:
        return None, f"The console log cannot be read ({exc.strerror or exc})."


def _plan_data(ctx: BuildContext, vid: str, plan: ContentPlan, origins: tuple[str, ...]) -> Any:
    """The page's content plan, with the names of the versions its entries come from."""
    return plan.as_data() | {
        "self": vid,
        "name": f"{ctx.catalog.versions[vid].dataset}-{vid}-content",
        "origins": {o: _label(ctx, o) for o in origins if o in ctx.catalog.versions},
    }


def version_outputs(
    ctx: BuildContext,
    version: Version,
    view: ContentView,
    written: set[str],
    cache: ContentCache | None = None,
) -> Iterator[Output]:
    """The pages of one version, and the shared files they use that are not written yet."""
    vid = version.id
    row = version_row(ctx, version)
    dataset = ctx.catalog.datasets[version.dataset]
    first = view.first

    def shared(path: str, data: bytes) -> Iterator[Output]:
        if path not in written:
            written.add(path)
            yield path, data

    for file in view.plan.files():
        if file.path not in written:
            yield from shared(file.path, cache.data(file) if cache else file.data)
    previews: Previews = collect_previews(version.preview_dir)
    for preview in previews.items:
        if preview.image is not None:
            yield from shared(preview.image.path, preview.data)
    console, console_note = read_console(version.console_path)
    console_css = None
    if console is not None and console.css:
        css = console.css.encode()
        digest = content_hash(css)
        console_css = f"c/{digest[:2]}/{digest[2:40]}.css"
        yield from shared(console_css, css)
    raw = orjson.loads(version.folder.joinpath("version.json").read_bytes())
    common: dict[str, Any] = {
        "dataset": dataset,
        "version": version,
        "row": row,
        "parents": _related(ctx, row["parents"]),
        "children": _related(ctx, row["children"]),
        "description_tree": local_only(markdown_tree(version.meta.description)),
    }
    yield (
        f"v/{vid}/index.html",
        ctx.render(
            "version.html",
            2,
            ("js/table.js", "js/content.js", "js/console.js", "js/version.js"),
            entries=[_entry_row(e) for e in first],
            total_entries=view.plan.total,
            plan=_plan_data(ctx, vid, view.plan, view.origins),
            origin_labels={o: _label(ctx, o) for o in {e.origin for e in first}},
            previews=previews,
            console=console,
            console_note=console_note,
            console_css=console_css,
            **common,
        ),
    )
    yield (
        f"v/{vid}/full.html",
        ctx.render(
            "full.html",
            2,
            ("js/version.js",),
            raw=orjson.dumps(raw, option=orjson.OPT_INDENT_2).decode(),
            extra=(
                orjson.dumps(version.meta.extra, option=orjson.OPT_INDENT_2).decode()
                if version.meta.extra
                else None
            ),
            **common,
        ),
    )


def all_version_outputs(ctx: BuildContext, cache: ContentCache | None = None) -> Iterator[Output]:
    """Every version's pages and shared files.

    Versions are published in lineage order (parents first), since a version's content data is a
    delta on a parent's. A version found in *cache* (the previous build's) is not read at all;
    the others are, with the parents they need, each kept only until its last child has used it.
    """
    cache = cache or ContentCache(None, {})
    catalog = ctx.catalog
    parents = catalog.parents()
    order = topological_order(
        parents, key=lambda v: (version_key(catalog.versions[v].meta.version), v)
    )
    keys = content_keys(catalog, order)
    views: dict[str, ContentView | None] = {vid: cache.get(keys[vid]) for vid in order}
    needed_by: dict[str, int] = {}
    for vid in order:
        if views[vid] is None:
            for p in parents[vid]:
                needed_by[p] = needed_by.get(p, 0) + 1
    alive: dict[str, Published] = {}

    def entries_of(vid: str) -> list[Entry]:
        # Manifests are sorted by path (the loader checks it), so this is path order.
        return list(read_content(catalog, vid).values())

    def published_of(vid: str) -> Published:
        """A parent's entries and plan (read again when its view came from the cache)."""
        if vid not in alive:
            view = views[vid]
            assert view is not None, "parents come first"
            entries = entries_of(vid)
            alive[vid] = Published(entries, *indexed(entries), view.plan)
        return alive[vid]

    written: set[str] = set()
    for vid in order:
        view = views[vid]
        if view is None:
            published = publish(entries_of(vid), [published_of(p) for p in parents[vid]])
            view = views[vid] = view_of(published, FIRST_ROWS)
            if needed_by.get(vid):
                alive[vid] = published
            for p in parents[vid]:
                needed_by[p] -= 1
                if needed_by[p] == 0:
                    alive.pop(p, None)
        cache.put(keys[vid], view)
        yield from version_outputs(ctx, catalog.versions[vid], view, written, cache)
