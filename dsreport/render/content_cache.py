"""What a build keeps of the CONTENT data, so a rebuild reads only the manifests that changed.

The data files of a version depend only on its manifest and its ancestors' (and on the scheme's
settings). A build stores, by the version's content key (:func:`dsreport.summary.content_keys`:
the manifest's size, mtime and inode, and the parents' keys), the version's plan, its first rows
and the versions its entries come from, in ``.dsreport-content.json``::

    {"format": 1, "scheme": "1:1000:25000:0.5:128:1.0",
     "versions": {"<content key>": {
        "total": 3000, "full_rows": 3000,
        "full": [["c/3f/9a….js", "3f9a…", 1000, 61234], …],   // path, key, rows, bytes
        "deltas": [["c/07/11….js", "0711…", 12, 905]],
        "first": [["a/1.png", 12, "<hex>", "v1", null], …],  // the page's own first rows
        "origins": ["v1", "v2"]}}}

The next build reuses such a version without reading its manifest: its data files are read back
from the previous site (each checked against the hash in its name) and written again, which the
site writer turns into a hard link. A version whose files are missing or altered is published
anew. Only what a build used is kept, so the file does not grow.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from dsreport.model import Entry
from dsreport.render import content
from dsreport.render.content import ContentPlan, DataFile, Published

CONTENT_CACHE = ".dsreport-content.json"
CACHE_FORMAT = 1


def scheme() -> str:
    """The settings the data depends on: a change of any of them publishes everything anew."""
    return ":".join(
        str(v)
        for v in (
            CACHE_FORMAT,
            content.FIRST_PART_ROWS,
            content.PART_ROWS,
            content.DELTA_WORTH,
            content.MAX_CHAIN,
            content.MAX_CHAIN_BYTES,
        )
    )


@dataclass(frozen=True)
class ContentView:
    """What a version's pages need of its content."""

    plan: ContentPlan
    """How the page rebuilds the entries."""
    first: tuple[Entry, ...]
    """The first entries, which the page shows itself."""
    origins: tuple[str, ...]
    """Every version its entries come from."""


def view_of(published: Published, first_rows: int) -> ContentView:
    """The view of a version just published."""
    entries = published.entries
    origins = tuple(sorted({e.origin for e in entries}))
    return ContentView(published.plan, tuple(entries[:first_rows]), origins)


def _files(rows: list[list[Any]]) -> tuple[DataFile, ...]:
    return tuple(DataFile(str(p), str(k), int(n), int(size), b"") for p, k, n, size in rows)


class ContentCache:
    """The previous build's content views, and its data files to read back."""

    def __init__(self, site: Path | None, versions: dict[str, Any]) -> None:
        self.site = site
        self.previous = versions
        self.kept: dict[str, Any] = {}
        self._checked: dict[str, bool] = {}

    @classmethod
    def load(cls, site: Path) -> ContentCache:
        """The cache of the site at *site* (empty when there is none, or it is unusable)."""
        try:
            data = orjson.loads((site / CONTENT_CACHE).read_bytes())
            if data.get("format") == CACHE_FORMAT and data.get("scheme") == scheme():
                return cls(site, dict(data["versions"]))
        except (OSError, orjson.JSONDecodeError, AttributeError, KeyError, TypeError):
            pass  # a cache only saves time: without one, everything is published anew
        return cls(None, {})

    def get(self, key: str) -> ContentView | None:
        """The view stored under *key*, if every data file it needs is intact in the site."""
        stored = self.previous.get(key)
        if stored is None or self.site is None:
            return None
        try:
            plan = ContentPlan(
                int(stored["total"]),
                _files(stored["full"]),
                _files(stored["deltas"]),
                int(stored["full_rows"]),
            )
            first = tuple(
                Entry(str(p), s if s is None else int(s), h, str(o), link)
                for p, s, h, o, link in stored["first"]
            )
            view = ContentView(plan, first, tuple(str(o) for o in stored["origins"]))
        except (KeyError, TypeError, ValueError):
            return None
        if not all(self._intact(f) for f in plan.files()):
            return None
        return view

    def _intact(self, file: DataFile) -> bool:
        """Whether the previous site holds *file* as it was written (checked once per file)."""
        if file.path not in self._checked:
            try:
                self._checked[file.path] = self._read(file) is not None
            except OSError:
                self._checked[file.path] = False
        return self._checked[file.path]

    def _read(self, file: DataFile) -> bytes | None:
        assert self.site is not None
        data = (self.site / file.path).read_bytes()
        head = b'DS.data("c","' + file.key.encode() + b'",'
        if len(data) != file.size or not data.startswith(head) or not data.endswith(b");\n"):
            return None
        body = data[len(head) : -3]
        return data if hashlib.sha256(body).hexdigest()[:40] == file.key else None

    def data(self, file: DataFile) -> bytes:
        """The bytes of *file*: its own, or those read back from the previous site."""
        if file.data:
            return file.data
        data = self._read(file)
        if data is None:
            raise OSError(f"content data file changed during the build: {file.path}")
        return data

    def put(self, key: str, view: ContentView) -> None:
        """Keep *view* for the next build."""
        plan = view.plan
        self.kept[key] = {
            "total": plan.total,
            "full_rows": plan.full_rows,
            "full": [[f.path, f.key, f.rows, f.size] for f in plan.full],
            "deltas": [[f.path, f.key, f.rows, f.size] for f in plan.deltas],
            "first": [list(e) for e in view.first],
            "origins": list(view.origins),
        }

    def dump(self) -> bytes:
        """The cache file of this build."""
        return orjson.dumps({"format": CACHE_FORMAT, "scheme": scheme(), "versions": self.kept})
