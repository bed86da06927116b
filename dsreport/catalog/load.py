"""Load a catalog folder into models, collecting every problem before stopping.

Layout (format 1)::

    catalog/
      dsreport.toml                              optional settings
      <dataset>/dataset.json                     a dataset (folder name: a slug)
      <dataset>/versions/<id>/version.json       a version (folder name: its id)
      <dataset>/versions/<id>/manifest.jsonl     its content (or manifest.jsonl.gz)
      <dataset>/versions/<id>/console.log        optional
      <dataset>/versions/<id>/preview/…          optional

Folders whose names start with ``.`` are private to tools (caches, locks) and skipped;
dsreport's own is ``.dsreport/`` (the lock and the journal of a change in progress).
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from pydantic import TypeAdapter, ValidationError

from dsreport.catalog.journal import finish_pending
from dsreport.catalog.manifest import (
    MANIFEST_NAMES,
    ManifestUnreadable,
    parse_manifest,
    read_manifest,
    read_manifest_bytes,
    validation_messages,
)
from dsreport.errors import CatalogInvalid, DsreportError, Problem, sort_problems
from dsreport.lineage import find_cycles, topological_order
from dsreport.model import (
    SLUG_PATTERN,
    Catalog,
    CatalogConfig,
    Dataset,
    DatasetJson,
    Entry,
    Version,
    VersionJson,
)
from dsreport.versioning import version_key

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

CONFIG_NAME = "dsreport.toml"
_SLUG = re.compile(SLUG_PATTERN)
_T = TypeVar("_T")
_ADAPTERS: dict[type[Any], TypeAdapter[Any]] = {}

ProgressHook = Callable[[str], None]
"""Called with each version id as its manifest has been checked."""


def _adapter(model: type[_T]) -> TypeAdapter[_T]:
    if model not in _ADAPTERS:
        _ADAPTERS[model] = TypeAdapter(model)
    return _ADAPTERS[model]


class _Scan:
    """The state of one pass over a catalog folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.problems: list[Problem] = []
        self.broken_ids: set[str] = set()
        """Folder names of versions whose files failed: known ids, so no follow-on problems."""

    def rel(self, path: Path) -> str:
        """*path* relative to the catalog root, for messages."""
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    def problem(self, path: Path, field: str, message: str, line: int | None = None) -> None:
        """Record a problem with *path*."""
        self.problems.append(Problem(self.rel(path), line, field, message))

    def read_doc(self, path: Path, model: type[_T]) -> _T | None:
        """Read and validate one JSON document; ``None`` (and problems recorded) if it fails."""
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            self.problem(path, "", "file is missing")
            return None
        except OSError as exc:
            self.problem(path, "", f"cannot read the file: {exc.strerror or exc}")
            return None
        try:
            return _adapter(model).validate_json(data)
        except ValidationError as exc:
            for field, message in validation_messages(exc):
                self.problem(path, field, message)
            return None


def _subfolders(folder: Path) -> list[Path]:
    """Visible subfolders, sorted by name (files and dot-folders are skipped)."""
    try:
        children = sorted(folder.iterdir())
    except OSError:
        return []
    return [c for c in children if not c.name.startswith(".") and c.is_dir()]


def _load_config(scan: _Scan) -> CatalogConfig:
    path = scan.root / CONFIG_NAME
    if not path.exists():
        return CatalogConfig()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        scan.problem(path, "", f"cannot read it as TOML: {exc}")
        return CatalogConfig()
    # Validate through JSON so TOML arrays count as the arrays the model expects.
    try:
        return _adapter(CatalogConfig).validate_json(json.dumps(data, default=str))
    except ValidationError as exc:
        for field, message in validation_messages(exc):
            scan.problem(path, field, message)
        return CatalogConfig()


def count_versions(root: Path) -> int:
    """How many version folders the catalog has, for progress bars (cheap: nothing is read)."""
    return sum(1 for _ in root.glob("*/versions/*/version.json")) if root.is_dir() else 0


def load_config(root: Path) -> CatalogConfig:
    """The catalog's ``dsreport.toml`` (defaults when absent; problems are reported by load)."""
    return _load_config(_Scan(root)) if root.is_dir() else CatalogConfig()


def _find_manifest(scan: _Scan, folder: Path) -> Path | None:
    found = [folder / name for name in MANIFEST_NAMES if (folder / name).exists()]
    if len(found) == 1:
        return found[0]
    if found:
        scan.problem(folder, "", "holds both manifest.jsonl and manifest.jsonl.gz: keep one")
    else:
        scan.problem(folder / MANIFEST_NAMES[0], "", "file is missing (or manifest.jsonl.gz)")
    return None


def _scan_catalog(root: Path) -> tuple[_Scan, CatalogConfig, dict[str, Dataset], list[Version]]:
    """Read every dataset.json and version.json, recording problems."""
    if not root.is_dir():
        raise DsreportError("catalog folder not found (expected a folder)", file=str(root))
    # A change interrupted after its commit point is completed before anything is read, so
    # no reader ever sees a half-changed catalog (see dsreport.catalog.journal).
    finish_pending(root)
    scan = _Scan(root)
    config = _load_config(scan)
    datasets: dict[str, Dataset] = {}
    versions: list[Version] = []
    for folder in _subfolders(root):
        if not _SLUG.fullmatch(folder.name):
            scan.problem(folder, "", "dataset folder name must be a slug: [a-z0-9][a-z0-9._-]*")
            continue
        meta = scan.read_doc(folder / "dataset.json", DatasetJson)
        ids: list[str] = []
        for vfolder in _subfolders(folder / "versions"):
            vmeta = scan.read_doc(vfolder / "version.json", VersionJson)
            manifest = _find_manifest(scan, vfolder)
            if vmeta is None or manifest is None:
                scan.broken_ids.add(vfolder.name)
                continue
            if vmeta.id != vfolder.name:
                scan.problem(
                    vfolder / "version.json",
                    "id",
                    f"must equal the folder name {vfolder.name!r}, got {vmeta.id!r}",
                )
                continue
            ids.append(vmeta.id)
            versions.append(
                Version(meta=vmeta, dataset=folder.name, folder=vfolder, manifest_path=manifest)
            )
        if meta is not None:
            datasets[folder.name] = Dataset(folder.name, meta, folder, tuple(ids))
    return scan, config, datasets, versions


def _check_lineage(scan: _Scan, versions: list[Version]) -> dict[str, Version]:
    """Unique ids, known parents, no cycles. Returns the versions by id (first of duplicates)."""
    by_id: dict[str, Version] = {}
    for v in versions:
        if v.id in by_id:
            other = scan.rel(by_id[v.id].folder)
            scan.problem(v.folder / "version.json", "id", f"id {v.id!r} is already used by {other}")
        else:
            by_id[v.id] = v
    for v in by_id.values():
        seen: set[str] = set()
        for i, parent in enumerate(v.meta.parents):
            if parent in scan.broken_ids:
                pass  # its own problem is reported already
            elif parent not in by_id:
                scan.problem(
                    v.folder / "version.json",
                    f"parents[{i}]",
                    f"unknown version id {parent!r} (expected the id of a version in the catalog)",
                )
            elif parent in seen:
                scan.problem(
                    v.folder / "version.json", f"parents[{i}]", f"parent {parent!r} is listed twice"
                )
            seen.add(parent)
    parents = {vid: tuple(p for p in v.meta.parents if p in by_id) for vid, v in by_id.items()}
    for cycle in find_cycles(parents):
        first = by_id[cycle[0]]
        scan.problem(
            first.folder / "version.json", "parents", "parents form a cycle: " + " -> ".join(cycle)
        )
    return by_id


def _check_manifests(scan: _Scan, by_id: dict[str, Version], progress: ProgressHook | None) -> None:
    """Check every manifest, and that each ``origin`` is the version itself or an ancestor."""
    parents = {vid: v.meta.parents for vid, v in by_id.items()}
    try:
        order = topological_order(parents, key=lambda vid: vid)
    except ValueError:
        order = list(by_id)  # cycles are already reported; check the manifests all the same
    # The origins found valid in each version: an origin valid in a parent is valid in its
    # children, so most checks are one set lookup and the ancestor walk is rare.
    valid_origins: dict[str, set[str]] = {}
    # A version whose ancestry passes through a broken or unknown version cannot have its
    # origins checked: its problem is reported already, so say nothing more.
    unsure: set[str] = set()
    for vid in order:
        if any(p not in by_id or p in unsure for p in parents[vid]):
            unsure.add(vid)
    for vid in order:
        version = by_id[vid]
        rel = scan.rel(version.manifest_path)
        try:
            entries, problems = parse_manifest(read_manifest_bytes(version.manifest_path), rel)
        except ManifestUnreadable as exc:
            scan.problem(version.manifest_path, "", f"cannot read the manifest: {exc}")
            continue
        scan.problems.extend(problems)
        if vid in unsure:
            continue
        valid_origins[vid] = _check_origins(
            scan, version, entries, parents, valid_origins, line_numbers=not problems
        )
        if progress:
            progress(vid)


def _check_origins(
    scan: _Scan,
    version: Version,
    entries: Sequence[Entry],
    parents: dict[str, tuple[str, ...]],
    valid_origins: dict[str, set[str]],
    *,
    line_numbers: bool,
) -> set[str]:
    known = {version.id, *version.meta.parents}
    for p in version.meta.parents:
        known |= valid_origins.get(p, set())
    good: set[str] = set()
    reported: set[str] = set()
    for index, entry in enumerate(entries):
        origin = entry.origin
        if origin in known or origin in good:
            continue
        if origin not in reported and _is_ancestor(origin, version.id, parents):
            good.add(origin)
            continue
        if origin not in reported:
            reported.add(origin)
            scan.problem(
                version.manifest_path,
                "origin",
                f"{origin!r} is neither this version nor one of its ancestors",
                line=index + 1 if line_numbers else None,
            )
    return (known | good) - reported


def _is_ancestor(candidate: str, vid: str, parents: dict[str, tuple[str, ...]]) -> bool:
    seen: set[str] = set()
    stack = list(parents.get(vid, ()))
    while stack:
        current = stack.pop()
        if current == candidate:
            return True
        if current not in seen:
            seen.add(current)
            stack.extend(parents.get(current, ()))
    return False


def _scan_all(
    root: Path, *, manifests: bool, progress: ProgressHook | None
) -> tuple[Catalog, list[Problem]]:
    scan, config, datasets, versions = _scan_catalog(root)
    by_id = _check_lineage(scan, versions)
    if manifests:
        _check_manifests(scan, by_id, progress)
    ordered = {
        vid: by_id[vid]
        for vid in sorted(
            by_id, key=lambda vid: (by_id[vid].dataset, version_key(by_id[vid].meta.version), vid)
        )
    }
    catalog = Catalog(root=root, config=config, datasets=datasets, versions=ordered)
    return catalog, scan.problems


def validate_catalog(root: Path, *, progress: ProgressHook | None = None) -> list[Problem]:
    """Every problem of the catalog at *root*, sorted by file and line (empty when it is valid)."""
    return sort_problems(_scan_all(root, manifests=True, progress=progress)[1])


def load_catalog(
    root: Path, *, manifests: bool = True, progress: ProgressHook | None = None
) -> Catalog:
    """Load the catalog at *root*; raise :class:`CatalogInvalid` listing every problem.

    With ``manifests=False`` only the documents and the lineage are checked (fast, for commands
    that do not read content); the manifests are then checked when read.
    """
    catalog, problems = _scan_all(root, manifests=manifests, progress=progress)
    if problems:
        raise CatalogInvalid(problems)
    return catalog


def read_content(catalog: Catalog, vid: str) -> dict[str, Entry]:
    """The content of version *vid*, by path. Raises :class:`CatalogInvalid` if it is bad."""
    version = catalog.versions[vid]
    return read_manifest(version.manifest_path, version.manifest_path.relative_to(catalog.root))
