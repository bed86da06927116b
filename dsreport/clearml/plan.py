"""Reconcile an import with the catalog as it is: what to write, keep and remove (pure).

Rules (the README documents them for users):

- **Ownership.** A catalog version whose ``extra`` has ``clearml_source`` was imported from
  ClearML: a re-import may rewrite it. Any other version is never touched; an imported version
  whose id is taken by such a version is refused.
- **Datasets and slugs.** A ClearML dataset keeps the folder its versions are in (renames on the
  server change ``dataset.json``, not the slug). A new one gets :func:`slugify` of its name;
  when that folder exists, or another new dataset took it, ``-2``, ``-3``… is added.
- **Deleted on the server.** A version imported from this same server, in a dataset the command
  selected, that the server no longer has is removed from the catalog, unless a version that
  stays still has it as a parent: then it is kept, marked ``"clearml_deleted": true`` in its
  ``extra``. A dataset folder left without versions is removed. Offline sessions never remove
  anything.
- **Parents that are gone.** A parent that is neither imported nor in the catalog (deleted or
  pruned on the server before it was ever imported) is left out of ``parents`` and listed in
  ``extra.clearml_missing_parents``; entries whose ``origin`` was such a version (or none)
  get the origin dsreport derives: the parents' entry when unchanged, else the version itself.
- **Compressed size.** The sizes of the data artifacts of the version and its ancestors, each
  counted once; ``null`` when one of them is a draft, or the ancestry is incomplete.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from dsreport.catalog.write import assign_origins
from dsreport.clearml.mapping import MappedVersion, slugify, split_project
from dsreport.clearml.records import Selection
from dsreport.diff import merge_contents
from dsreport.lineage import ancestors, find_cycles, topological_order
from dsreport.model import MAX_INT, Content, DatasetJson, Entry, VersionJson

ContentLookup = Callable[[str], Content]
"""The content of a catalog version, by id (reads its manifest)."""


@dataclass(frozen=True)
class CatalogVersion:
    """A version that is in the catalog now."""

    slug: str
    """Its dataset folder."""
    meta: VersionJson
    """Its ``version.json``."""

    @property
    def source(self) -> str | None:
        """Where the import took it from (``extra.clearml_source``), ``None`` if not imported."""
        extra = self.meta.extra or {}
        value = extra.get("clearml_source")
        return value if isinstance(value, str) else None

    @property
    def dataset_key(self) -> str | None:
        """``extra.clearml_dataset_key``, if it has one."""
        value = (self.meta.extra or {}).get("clearml_dataset_key")
        return value if isinstance(value, str) else None


@dataclass(frozen=True)
class CatalogState:
    """The catalog before the import (documents only)."""

    names: frozenset[str] = frozenset()
    """Names at the catalog root (any file or folder): new slugs avoid them."""
    datasets: Mapping[str, DatasetJson] = field(default_factory=dict)
    """``dataset.json`` by slug."""
    versions: Mapping[str, CatalogVersion] = field(default_factory=dict)
    """Versions by id."""


@dataclass(frozen=True)
class ImportInput:
    """What the readers and the mapping produced."""

    source: str
    """``extra.clearml_source`` of this import: the API server URL, or ``offline``."""
    mapped: Mapping[str, MappedVersion]
    """Versions to import, by id."""
    datasets: Mapping[str, DatasetJson]
    """``dataset.json`` of each ClearML dataset, by dataset key."""
    selection: Selection = Selection()
    """What the command selected (versions deleted on the server are looked for only there)."""
    existing: frozenset[str] | None = None
    """Every dataset version id the server has; ``None`` for offline sessions."""


@dataclass(frozen=True)
class VersionWrite:
    """A version folder the import writes."""

    meta: VersionJson
    """Its ``version.json``."""
    entries: tuple[Entry, ...]
    """Its manifest."""
    console: bytes | None
    """Its ``console.log``."""
    previews: Mapping[str, bytes]
    """Its ``preview/`` files."""


@dataclass(frozen=True)
class DatasetPlan:
    """What happens to one dataset folder."""

    slug: str
    """The folder."""
    meta: DatasetJson | None
    """The new ``dataset.json``, or ``None`` to keep the present one."""
    write: Mapping[str, VersionWrite]
    """Versions written (new or re-imported)."""
    retag: Mapping[str, VersionJson]
    """Versions kept whose ``version.json`` changes."""
    drop: frozenset[str]
    """Versions removed from this folder."""
    remove: bool
    """The whole folder goes (no version left)."""


@dataclass(frozen=True)
class ImportPlan:
    """Everything the writer does, and what to tell the user."""

    datasets: Mapping[str, DatasetPlan]
    """Plans by slug."""
    removed: tuple[str, ...]
    """Versions removed because the server deleted them."""
    kept_deleted: tuple[str, ...]
    """Versions the server deleted, kept because a version that stays descends from them."""
    missing_parents: Mapping[str, tuple[str, ...]]
    """Parents left out, by version."""
    refused: Mapping[str, str]
    """Versions not imported, with the reason."""


def _owned_extra(version: CatalogVersion) -> dict[str, Any]:
    return dict(version.meta.extra or {})


def _selected(version: CatalogVersion, selection: Selection) -> bool:
    project_name = _owned_extra(version).get("clearml_project")
    if not isinstance(project_name, str):
        return False
    project, name, _ = split_project(project_name, version.meta.name)
    return selection.matches(project, name)


def _assign_slugs(
    inp: ImportInput, catalog: CatalogState, mapped: Mapping[str, MappedVersion]
) -> dict[str, str]:
    """Slug of every dataset key that receives versions."""
    keys = {m.dataset.key: m.dataset for m in mapped.values()}
    counts: dict[str, dict[str, int]] = {}
    for v in catalog.versions.values():
        if v.source is not None and v.dataset_key in keys:
            per = counts.setdefault(v.dataset_key, {})
            per[v.slug] = per.get(v.slug, 0) + 1
    slugs: dict[str, str] = {}
    for key, per in counts.items():
        slugs[key] = sorted(per.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
    taken = {n.lower() for n in catalog.names} | set(catalog.datasets) | set(slugs.values())
    for key in sorted(set(keys) - set(slugs), key=lambda k: (keys[k].project, keys[k].name, k)):
        base = slugify(keys[key].name)
        slug, n = base, 1
        while slug in taken:
            n += 1
            slug = f"{base}-{n}"
        taken.add(slug)
        slugs[key] = slug
    return slugs


def _resolve_parents(
    mapped: Mapping[str, MappedVersion],
    catalog: CatalogState,
    deleted: set[str],
) -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]], set[str]]:
    """Final parents of the imported versions, the parents left out, and the deleted versions
    kept because something that stays descends from them."""
    parents: dict[str, tuple[str, ...]] = {}
    missing: dict[str, tuple[str, ...]] = {}
    for vid, m in mapped.items():
        kept = tuple(p for p in m.parents if p in mapped or p in catalog.versions)
        gone = tuple(p for p in m.parents if p not in mapped and p not in catalog.versions)
        parents[vid] = kept
        if gone:
            missing[vid] = gone
    graph = {vid: v.meta.parents for vid, v in catalog.versions.items()} | parents
    staying = set(mapped) | (set(catalog.versions) - deleted)
    kept_deleted: set[str] = set()
    stack = [p for vid in staying for p in graph.get(vid, ()) if p in deleted]
    while stack:
        vid = stack.pop()
        if vid in kept_deleted:
            continue
        kept_deleted.add(vid)
        stack.extend(p for p in graph.get(vid, ()) if p in deleted)
    return parents, missing, kept_deleted


def plan_import(inp: ImportInput, catalog: CatalogState, content: ContentLookup) -> ImportPlan:
    """Decide what the import writes, keeps and removes (see the module docstring)."""
    refused: dict[str, str] = {}
    mapped = dict(inp.mapped)
    for vid in list(mapped):
        present = catalog.versions.get(vid)
        if present is not None and present.source is None:
            refused[vid] = (
                f"id already used by {present.slug}/versions/{vid}, which was not imported "
                "from ClearML"
            )
            del mapped[vid]
    deleted: set[str] = set()
    if inp.existing is not None:
        deleted = {
            vid
            for vid, v in catalog.versions.items()
            if v.source == inp.source
            and vid not in inp.existing
            and vid not in mapped
            and _selected(v, inp.selection)
        }
    # A hostile state can make parents form a cycle: refuse the versions on it and settle again.
    while True:
        parents, missing, kept_deleted = _resolve_parents(mapped, catalog, deleted)
        graph = {vid: v.meta.parents for vid, v in catalog.versions.items()} | parents
        cycles = find_cycles(graph)
        on_cycles = {vid for cycle in cycles for vid in cycle if vid in mapped}
        if not on_cycles:
            break
        for vid in on_cycles:
            refused[vid] = "its parents form a cycle: " + " -> ".join(
                next(c for c in cycles if vid in c)
            )
            del mapped[vid]
    writes = _version_writes(mapped, parents, missing, graph, catalog, content)
    slugs = _assign_slugs(inp, catalog, mapped)
    removed = sorted(deleted - kept_deleted)
    return ImportPlan(
        datasets=_dataset_plans(inp, catalog, mapped, writes, slugs, set(removed), kept_deleted),
        removed=tuple(removed),
        kept_deleted=tuple(sorted(kept_deleted)),
        missing_parents=missing,
        refused=refused,
    )


def _version_writes(
    mapped: Mapping[str, MappedVersion],
    parents: Mapping[str, tuple[str, ...]],
    missing: Mapping[str, tuple[str, ...]],
    graph: Mapping[str, tuple[str, ...]],
    catalog: CatalogState,
    content: ContentLookup,
) -> dict[str, VersionWrite]:
    order = [vid for vid in topological_order(graph) if vid in mapped]
    contents: dict[str, Content] = {}

    def content_of(vid: str) -> Content:
        if vid not in contents:
            contents[vid] = content(vid)
        return contents[vid]

    own_data = {vid: m.own_data for vid, m in mapped.items()}
    writes: dict[str, VersionWrite] = {}
    for vid in order:
        m = mapped[vid]
        valid = {vid} | ancestors(graph, vid)
        entries = list(m.entries)
        if any(e.origin not in valid for e in entries):
            base = merge_contents([content_of(p) for p in parents[vid]]) if parents[vid] else {}
            fixed = {e.path: e for e in assign_origins(vid, entries, base)}
            entries = [e if e.origin in valid else fixed[e.path] for e in entries]
        contents[vid] = {e.path: e for e in entries}
        extra = dict(m.extra)
        if vid in missing:
            extra["clearml_missing_parents"] = list(missing[vid])
        meta = VersionJson(
            format=1,
            id=vid,
            name=m.name,
            version=m.version,
            parents=parents[vid],
            created=m.created,
            updated=m.updated,
            task=m.task,
            description=m.description,
            tags=m.tags,
            archived=m.archived,
            size_compressed=_compressed(vid, valid, own_data, missing, catalog),
            status=m.status,
            extra=dict(sorted(extra.items())),
        )
        writes[vid] = VersionWrite(meta, tuple(entries), m.console, m.previews)
    return writes


def _catalog_own_data(version: CatalogVersion) -> int | None:
    extra = _owned_extra(version)
    sizes = extra.get("clearml_data_artifacts")
    if extra.get("clearml_dirty") is not False or not isinstance(sizes, dict):
        return None
    if extra.get("clearml_missing_parents"):
        return None
    if not all(isinstance(s, int) and not isinstance(s, bool) for s in sizes.values()):
        return None
    return sum(sizes.values())


def _compressed(
    vid: str,
    lineage: set[str],
    own_data: Mapping[str, int | None],
    missing: Mapping[str, tuple[str, ...]],
    catalog: CatalogState,
) -> int | None:
    total = 0
    for a in lineage:
        if a in missing:
            return None
        size = own_data[a] if a in own_data else _catalog_own_data(catalog.versions[a])
        if size is None:
            return None
        total += size
    return total if total <= MAX_INT else None


def _dataset_plans(
    inp: ImportInput,
    catalog: CatalogState,
    mapped: Mapping[str, MappedVersion],
    writes: Mapping[str, VersionWrite],
    slugs: Mapping[str, str],
    removed: set[str],
    kept_deleted: set[str],
) -> dict[str, DatasetPlan]:
    target = {vid: slugs[m.dataset.key] for vid, m in mapped.items()}
    drop: dict[str, set[str]] = {}
    for vid in removed:
        drop.setdefault(catalog.versions[vid].slug, set()).add(vid)
    for vid, slug in target.items():
        present = catalog.versions.get(vid)
        if present is not None and present.slug != slug:
            drop.setdefault(present.slug, set()).add(vid)
    retag: dict[str, dict[str, VersionJson]] = {}
    for vid in kept_deleted:
        present = catalog.versions[vid]
        extra = _owned_extra(present)
        if extra.get("clearml_deleted") is not True:
            extra["clearml_deleted"] = True
            retagged = replace(present.meta, extra=dict(sorted(extra.items())))
            retag.setdefault(present.slug, {})[vid] = retagged
    affected = set(target.values()) | set(drop) | set(retag)
    plans: dict[str, DatasetPlan] = {}
    for slug in sorted(affected):
        incoming = sorted(vid for vid, s in target.items() if s == slug)
        staying = {v for v, cv in catalog.versions.items() if cv.slug == slug} - drop.get(
            slug, set()
        )
        meta = inp.datasets.get(mapped[incoming[0]].dataset.key) if incoming else None
        plans[slug] = DatasetPlan(
            slug=slug,
            meta=meta,
            write={vid: writes[vid] for vid in incoming},
            retag=retag.get(slug, {}),
            drop=frozenset(drop.get(slug, set())),
            remove=not incoming and not staying and slug in catalog.datasets,
        )
    return plans
