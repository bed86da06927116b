"""``dsreport import clearml``: read, map, plan, write (the layers of :mod:`dsreport.clearml`).

Everything is read from ClearML first (states, console logs, previews); only then is the
catalog changed, through :func:`dsreport.catalog.stage.apply_changes`. A source error (a server
that fails or times out, a corrupt zip) therefore leaves the catalog exactly as it was.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from dsreport.catalog.load import load_catalog, read_content
from dsreport.catalog.stage import FolderChange, FolderResult, apply_changes
from dsreport.catalog.write import document_bytes, manifest_bytes
from dsreport.clearml.mapping import MappedVersion, dataset_doc, dataset_ref, map_version
from dsreport.clearml.plan import CatalogState, CatalogVersion, ImportInput, ImportPlan, plan_import
from dsreport.clearml.previews import (
    MAX_PREVIEW_BYTES,
    plan_previews,
    sample_preview,
    unique_names,
)
from dsreport.clearml.records import ProjectDoc, Selection, TaskDoc
from dsreport.clearml.source import Reader, SourceError, VersionUnreadable
from dsreport.clearml.state import ParsedState, StateRefused, parse_state
from dsreport.errors import DsreportError
from dsreport.model import ID_PATTERN, Catalog, Content
from dsreport.progress import progress
from dsreport.textsafe import safe_text

_ID = re.compile(ID_PATTERN)
GZIP_OVER = 16 * 1024 * 1024
"""Manifests larger than this are written as ``manifest.jsonl.gz``."""
SERVER = "server"
"""The SOURCE that means: the server configured for the ClearML SDK."""

Warn = Callable[[str], None]


@dataclass
class ImportReport:
    """What an import did, for the summary line."""

    source: str
    """Where it read from."""
    datasets: int = 0
    """Datasets that received versions."""
    versions: int = 0
    """Versions imported."""
    new: int = 0
    """Versions new to the catalog."""
    updated: int = 0
    """Versions whose files changed."""
    unchanged: int = 0
    """Versions whose files are byte for byte the same."""
    drafts: int = 0
    """Imported versions that are drafts."""
    removed: tuple[str, ...] = ()
    """Versions removed (deleted on the server)."""
    refused: dict[str, str] = field(default_factory=dict)
    """Versions not imported, with the reason."""

    def summary(self) -> str:
        """One line for the terminal."""
        line = (
            f"Imported {self.versions} version{'s' if self.versions != 1 else ''} of "
            f"{self.datasets} dataset{'s' if self.datasets != 1 else ''} "
            f"from {safe_text(self.source)}: "
            f"{self.new} new, {self.updated} updated, {self.unchanged} unchanged"
        )
        if self.drafts:
            line += f" ({self.drafts} draft{'s' if self.drafts != 1 else ''})"
        if self.removed:
            line += f"; {len(self.removed)} removed (deleted on the server)"
        return line + "."


def open_reader(source: str, *, timeout: float, retries: int) -> Reader:
    """The reader for SOURCE: ``server``, an ``http(s)://`` API URL, or an offline session path."""
    if source == SERVER or source.startswith(("http://", "https://")):
        from dsreport.clearml.server import ServerReader

        return ServerReader(None if source == SERVER else source, timeout=timeout, retries=retries)
    from dsreport.clearml.offline import OfflineReader

    return OfflineReader(Path(source))


def _catalog_state(root: Path) -> tuple[CatalogState, Catalog | None]:
    if root.exists() and not root.is_dir():
        raise DsreportError("exists and is not a folder", file=str(root))
    if not root.exists():
        return CatalogState(), None
    catalog = load_catalog(root, manifests=False)
    state = CatalogState(
        names=frozenset(p.name for p in root.iterdir()),
        datasets={slug: d.meta for slug, d in catalog.datasets.items()},
        versions={vid: CatalogVersion(v.dataset, v.meta) for vid, v in catalog.versions.items()},
    )
    return state, catalog


@dataclass
class _Fetched:
    """States read so far."""

    tasks: dict[str, TaskDoc] = field(default_factory=dict)
    states: dict[str, ParsedState] = field(default_factory=dict)
    projects: dict[str, ProjectDoc] = field(default_factory=dict)
    refused: dict[str, str] = field(default_factory=dict)


def _read_states(reader: Reader, fetched: _Fetched, tasks: list[TaskDoc], warn: Warn) -> None:
    with progress(len(tasks), "Reading ClearML states") as advance:
        for task in tasks:
            fetched.tasks[task.id] = task
            if not _ID.fullmatch(task.id):
                fetched.refused[task.id] = "its task id is not a valid version id"
                advance(1)
                continue
            try:
                state = parse_state(reader.state(task), task.id)
            except VersionUnreadable as exc:
                warn(f"note: version {task.id} skipped: {exc}")
            except StateRefused as exc:
                fetched.refused[task.id] = "; ".join(exc.problems)
            else:
                fetched.states[task.id] = state
                for note in state.notes:
                    warn(f"note: version {task.id}: {note}")
            advance(1)


def _fetch(
    reader: Reader, selection: Selection, known: set[str], warn: Warn
) -> tuple[_Fetched, frozenset[str] | None]:
    """Every selected version's task and state, and the parents they need that the catalog lacks."""
    listing = reader.listing(selection)
    fetched = _Fetched(projects=dict(listing.projects))
    _read_states(reader, fetched, list(listing.tasks), warn)
    # Parents outside the selection that the catalog does not have yet come along; ids the
    # server does not know are not asked for again (the plan leaves them out of parents).
    while True:
        wanted = sorted(
            {p for s in fetched.states.values() for p in s.parents} - set(fetched.tasks) - known
        )
        if not wanted:
            break
        more = reader.tasks_by_id(wanted)
        found = [t for t in more.tasks if t.id in wanted]
        known.update(set(wanted) - {t.id for t in found})
        fetched.projects.update(more.projects)
        if found:
            warn(
                f"note: importing {len(found)} parent version{'s' if len(found) != 1 else ''} "
                "from outside the selection"
            )
        _read_states(reader, fetched, found, warn)
    return fetched, listing.existing


def _previews(reader: Reader, task: TaskDoc, state: ParsedState, warn: Warn) -> dict[str, bytes]:
    planned = plan_previews(reader.plots(task), reader.media(task), (e.path for e in state.entries))
    files: list[tuple[str, bytes]] = []
    for item in planned:
        if item.table is not None:
            files.append((item.name, item.table))
            continue
        assert item.media is not None
        data = reader.sample(task, item.media, MAX_PREVIEW_BYTES)
        if isinstance(data, str):
            warn(f"note: version {task.id}: preview {safe_text(item.name)} skipped: {data}")
            continue
        kept = sample_preview(item, data)
        if kept is not None:
            files.append(kept)
    return unique_names(files)


def _map_all(reader: Reader, fetched: _Fetched, warn: Warn) -> dict[str, MappedVersion]:
    parents = reader.parent_tasks(sorted({t.parent for t in fetched.tasks.values() if t.parent}))
    mapped: dict[str, MappedVersion] = {}
    ids = sorted(fetched.states)
    datasets = {dataset_ref(fetched.tasks[v], reader.source).key for v in ids}
    label = f"Importing {len(ids)} versions of {len(datasets)} datasets"
    with progress(len(ids), label) as advance:
        for vid in ids:
            task, state = fetched.tasks[vid], fetched.states[vid]
            mapped[vid] = map_version(
                task,
                state,
                source=reader.source,
                parent=parents.get(task.parent) if task.parent else None,
                web_url=reader.web_url,
                console=reader.console(task),
                previews=_previews(reader, task, state, warn),
            )
            advance(1)
    return mapped


def _manifest_files(vid: str, data: bytes) -> dict[str, bytes]:
    if len(data) > GZIP_OVER:
        return {f"versions/{vid}/manifest.jsonl.gz": gzip.compress(data, compresslevel=6, mtime=0)}
    return {f"versions/{vid}/manifest.jsonl": data}


def folder_changes(plan: ImportPlan) -> list[FolderChange]:
    """The folder changes that carry out *plan*."""
    changes = []
    for slug, dp in plan.datasets.items():
        if dp.remove:
            changes.append(FolderChange(slug, remove=True))
            continue
        write: dict[str, bytes] = {}
        if dp.meta is not None:
            write["dataset.json"] = document_bytes(dp.meta)
        for vid, vw in dp.write.items():
            folder = f"versions/{vid}"
            write[f"{folder}/version.json"] = document_bytes(vw.meta)
            write.update(_manifest_files(vid, manifest_bytes(vw.entries)))
            if vw.console is not None:
                write[f"{folder}/console.log"] = vw.console
            for name, data in vw.previews.items():
                write[f"{folder}/preview/{name}"] = data
        for vid, meta in dp.retag.items():
            write[f"versions/{vid}/version.json"] = document_bytes(meta)
        drop = tuple(sorted(f"versions/{vid}" for vid in dp.drop | set(dp.write)))
        changes.append(FolderChange(slug, write=write, drop=drop))
    return changes


def import_clearml(
    source: str,
    root: Path,
    *,
    selection: Selection | None = None,
    timeout: float = 30.0,
    retries: int = 2,
    warn: Warn = lambda _line: None,
) -> ImportReport:
    """Import the ClearML dataset versions of *source* into the catalog at *root*."""
    selection = selection or Selection()
    state, catalog = _catalog_state(root)
    reader = open_reader(source, timeout=timeout, retries=retries)
    try:
        fetched, existing = _fetch(reader, selection, set(state.versions), warn)
        mapped = _map_all(reader, fetched, warn)
        source_label = reader.source
    finally:
        reader.close()
    datasets = {}
    for vid, m in mapped.items():
        task = fetched.tasks[vid]
        datasets[m.dataset.key] = dataset_doc(m.dataset, fetched.projects.get(task.project_name))
    inp = ImportInput(
        source=source_label,
        mapped=mapped,
        datasets=datasets,
        selection=selection,
        existing=existing,
    )

    def content(vid: str) -> Content:
        if catalog is None:  # pragma: no cover - a plan asks only for catalog versions
            raise SourceError(f"version {vid} is not in the catalog")
        return read_content(catalog, vid)

    plan = plan_import(inp, state, content)
    for line in plan_warnings(plan):
        warn(line)
    results = apply_changes(root, folder_changes(plan))
    offline = source_label == "offline"
    return _report(source if offline else source_label, plan, state, results, fetched.refused)


def _report(
    source: str,
    plan: ImportPlan,
    state: CatalogState,
    results: dict[str, FolderResult],
    refused: dict[str, str],
) -> ImportReport:
    report = ImportReport(source=source, removed=plan.removed, refused={**refused, **plan.refused})
    for slug, dp in plan.datasets.items():
        if dp.write:
            report.datasets += 1
        result = results.get(slug, FolderResult())
        for vid, vw in dp.write.items():
            report.versions += 1
            if vw.meta.status == "draft":
                report.drafts += 1
            if vid not in state.versions:
                report.new += 1
            elif result.touches(f"versions/{vid}") or state.versions[vid].slug != slug:
                report.updated += 1
            else:
                report.unchanged += 1
    return report


def plan_warnings(plan: ImportPlan) -> list[str]:
    """Lines about parents left out and deleted versions kept."""
    lines = []
    for vid, gone in sorted(plan.missing_parents.items()):
        lines.append(
            f"note: version {vid}: parent{'s' if len(gone) != 1 else ''} {', '.join(gone)} "
            "no longer on the server and not in the catalog: left out of its parents"
        )
    for vid in plan.kept_deleted:
        lines.append(f"note: version {vid} was deleted on the server; kept as a parent of others")
    return lines
