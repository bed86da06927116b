"""``dsreport show``: everything the VERSION INFO panel shows, plus parents and children."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dsreport.catalog.load import load_catalog, read_content
from dsreport.diff import changes_from_parents
from dsreport.errors import DsreportError
from dsreport.lineage import children_of
from dsreport.model import Catalog
from dsreport.stats import content_stats
from dsreport.terminal import human_size, json_text, show_tags, signed_size
from dsreport.textsafe import safe_text


def find_version(catalog: Catalog, vid: str) -> None:
    """Raise a one-line error unless *vid* is a version of the catalog."""
    if vid not in catalog.versions:
        raise DsreportError(f"unknown version id {vid!r} (see 'dsreport list' for the ids)")


def _ref(catalog: Catalog, vid: str) -> dict[str, str]:
    version = catalog.versions[vid]
    return {
        "id": vid,
        "dataset": version.dataset,
        "name": version.meta.name,
        "version": version.meta.version,
    }


def version_details(catalog: Catalog, vid: str) -> dict[str, Any]:
    """The version's details as JSON-ready data (``show --format json`` prints exactly this)."""
    find_version(catalog, vid)
    version = catalog.versions[vid]
    meta = version.meta
    content = read_content(catalog, vid)
    stats = content_stats(content.values())
    changes = changes_from_parents(content, [read_content(catalog, p) for p in meta.parents])
    children = children_of(catalog.parents())[vid]
    dataset = catalog.datasets.get(version.dataset)
    return {
        "id": vid,
        "name": meta.name,
        "dataset": {
            "slug": version.dataset,
            "name": dataset.meta.name if dataset else version.dataset,
        },
        "version": meta.version,
        "status": meta.status,
        "archived": meta.archived,
        "tags": list(meta.tags),
        "task": None
        if meta.task is None
        else {"id": meta.task.id, "name": meta.task.name, "url": meta.task.url},
        "created": meta.created,
        "updated": meta.updated,
        "size": {"original": stats.total_size, "compressed": meta.size_compressed},
        "unknown_sizes": stats.unknown_sizes,
        "files": stats.files,
        "links": stats.links,
        "changes": {
            "added": len(changes.added),
            "modified": len(changes.modified),
            "removed": len(changes.removed),
            "size_change": changes.size_change,
        },
        "description": meta.description,
        "parents": [_ref(catalog, p) for p in meta.parents],
        "children": [_ref(catalog, c) for c in children],
        "extra": meta.extra,
    }


def _refs(refs: list[dict[str, str]]) -> list[str]:
    return [f"{r['id']} ({r['dataset']} {r['version']}: {r['name']})" for r in refs] or ["none"]


def render_details(data: dict[str, Any]) -> str:
    """The details as aligned ``key  value`` lines, every value terminal-safe."""
    size = data["size"]
    compressed = size["compressed"]
    unknown = data["unknown_sizes"]
    changes = data["changes"]
    task = data["task"]
    rows: list[tuple[str, list[str]]] = [
        ("name", [data["name"]]),
        ("id", [data["id"]]),
        ("dataset", [f"{data['dataset']['slug']} ({data['dataset']['name']})"]),
        ("version", [data["version"]]),
        ("status", [data["status"] or "-"]),
        ("archived", ["yes" if data["archived"] else "no"]),
        ("tags", [show_tags(data["tags"]) or "-"]),
        (
            "task",
            ["-"]
            if task is None
            else [f"{task['name']} (id {task['id']})"] + ([task["url"]] if task["url"] else []),
        ),
        ("created", [data["created"]]),
        ("updated", [data["updated"]]),
        (
            "size",
            [
                f"{human_size(size['original'])} ({size['original']:,} bytes"
                + (f"; {unknown} link size{'s' if unknown != 1 else ''} unknown" if unknown else "")
                + ")"
            ],
        ),
        (
            "compressed",
            ["-" if compressed is None else f"{human_size(compressed)} ({compressed:,} bytes)"],
        ),
        ("files", [f"{data['files']:,}"]),
        ("links", [f"{data['links']:,}"]),
        (
            "changes",
            [
                f"{changes['added']:,} added, {changes['modified']:,} modified, "
                f"{changes['removed']:,} removed; size {signed_size(changes['size_change'])}"
            ],
        ),
        ("parents", _refs(data["parents"])),
        ("children", _refs(data["children"])),
        # Only line breaks split the text: any other separator stays, made visible by safe_text.
        ("description", data["description"].replace("\r\n", "\n").split("\n")),
    ]
    if rows[-1][1] == [""]:
        rows[-1] = ("description", ["-"])
    width = max(len(key) for key, _ in rows) + 2
    lines = []
    for key, values in rows:
        for index, value in enumerate(values):
            lines.append((key if index == 0 else "").ljust(width) + safe_text(value))
    return "\n".join(line.rstrip() for line in lines)


def show_version(root: Path, vid: str, fmt: str) -> str:
    """``show``'s output for version *vid*: aligned text, or JSON."""
    catalog = load_catalog(root, manifests=False)
    data = version_details(catalog, vid)
    return json_text(data) if fmt == "json" else render_details(data)
