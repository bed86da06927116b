"""Build catalogs for tests under ``tmp_path``, through the package's own writers."""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dsreport.catalog.write import assign_origins, document_bytes, manifest_bytes
from dsreport.diff import merge_contents
from dsreport.model import DatasetJson, Entry, Task, VersionJson


def sha(text: str) -> str:
    """sha256 hex of *text*, to make up file hashes."""
    return hashlib.sha256(text.encode()).hexdigest()


FileSpec = str | tuple[int, str] | tuple[str, int | None, str | None]
"""A file: its made-up content (``str``), ``(size, hash)``, or a link ``(url, size, hash)``."""


def _entry(path: str, spec: FileSpec) -> Entry:
    if isinstance(spec, str):
        return Entry(path, len(spec.encode()), sha(spec), "")
    if isinstance(spec[0], int):
        size, digest = spec
        return Entry(path, size, str(digest), "")
    url, size, digest = spec
    return Entry(path, size, digest, "", str(url))


@dataclass
class CatalogBuilder:
    """Write datasets and versions; origins are derived from the parents, as dsreport does."""

    root: Path
    contents: dict[str, dict[str, Entry]] = field(default_factory=dict)
    _clock: int = 0

    def __post_init__(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)

    def dataset(
        self,
        slug: str,
        *,
        name: str | None = None,
        project: str = "Demo",
        description: str = "",
        tags: Iterable[str] = (),
    ) -> Path:
        """Write ``<slug>/dataset.json``."""
        folder = self.root / slug
        (folder / "versions").mkdir(parents=True, exist_ok=True)
        meta = DatasetJson(
            format=1, name=name or slug, project=project, description=description, tags=tuple(tags)
        )
        (folder / "dataset.json").write_bytes(document_bytes(meta))
        return folder

    def version(
        self,
        dataset: str,
        vid: str,
        files: Mapping[str, FileSpec],
        *,
        version: str = "1.0.0",
        parents: Iterable[str] = (),
        gz: bool = False,
        **meta: Any,
    ) -> Path:
        """Write a version with *files*; other version.json fields come from *meta*."""
        parents = tuple(parents)
        base = merge_contents([self.contents[p] for p in parents]) if parents else {}
        entries = assign_origins(vid, (_entry(p, s) for p, s in files.items()), base)
        self.contents[vid] = {e.path: e for e in entries}
        self._clock += 1
        stamp = f"2026-01-{1 + self._clock // 24:02d}T{self._clock % 24:02d}:00:00Z"
        doc: dict[str, Any] = {
            "format": 1,
            "id": vid,
            "name": meta.pop("name", f"{dataset} {version}"),
            "version": version,
            "parents": parents,
            "created": stamp,
            "updated": stamp,
            "task": None,
            "description": "",
            "tags": (),
            "archived": False,
            "size_compressed": None,
        }
        doc.update(meta)
        if isinstance(doc["task"], dict):
            doc["task"] = Task(**doc["task"])
        doc["tags"] = tuple(doc["tags"])
        folder = self.root / dataset / "versions" / vid
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "version.json").write_bytes(document_bytes(VersionJson(**doc)))
        data = manifest_bytes(entries)
        if gz:
            (folder / "manifest.jsonl.gz").write_bytes(gzip.compress(data, mtime=0))
        else:
            (folder / "manifest.jsonl").write_bytes(data)
        return folder


def edit_json(path: Path, **changes: Any) -> None:
    """Change keys of a JSON document in place (a value of ``...`` deletes the key)."""
    doc = json.loads(path.read_text())
    for key, value in changes.items():
        if value is ...:
            doc.pop(key, None)
        else:
            doc[key] = value
    path.write_text(json.dumps(doc))
