"""The snapshot's plan, made in a forked process while the main process walks the data folder.

Making the plan (see :mod:`~dsreport.snapshot.plan`) loads the catalog: it imports pydantic and
validates every ``dataset.json`` and ``version.json``, about a sixth of a second, most of it the
import. In the main process that time would come after the walk, when the workers that hash
want every core. Forked at the start, the planner runs while the main process walks the data
folder, on a core the walk leaves idle. The plan comes back as plain values (:class:`Plan`), so the
main process never imports pydantic. A catalog problem comes back as the same error.

Where forking is not safe (see :mod:`~dsreport.snapshot.processes`), the plan is made in the
main process, when it is asked for.
"""

from __future__ import annotations

import multiprocessing
import os
import traceback
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path, PurePath
from typing import TYPE_CHECKING

from dsreport.errors import DsreportError
from dsreport.snapshot.preview import PreviewSettings
from dsreport.snapshot.processes import as_helper, can_fork, stop_signals_held
from dsreport.snapshot.walk import inside

if TYPE_CHECKING:
    from dsreport.snapshot.record import SnapshotRequest


@dataclass(frozen=True)
class Parent:
    """A parent of the new version."""

    id: str
    version: str
    """Its version number."""
    dataset: str
    """Its dataset's slug."""
    manifest: Path
    """Its manifest file."""
    manifest_rel: PurePath
    """The manifest's path in the catalog (for messages)."""


@dataclass(frozen=True)
class Plan:
    """Where the snapshot goes, decided before any long work."""

    root: Path
    """The catalog folder."""
    slug: str
    exists: bool
    display: str
    """The dataset's display name."""
    number: str
    parents: tuple[Parent, ...]
    tags: tuple[str, ...]
    vid: str
    data_real: str
    catalog_real: str
    notes: tuple[str, ...]
    preview: PreviewSettings
    """The catalog's ``[preview]`` settings."""

    @property
    def parent_ids(self) -> tuple[str, ...]:
        """The parents' ids, in merge order."""
        return tuple(p.id for p in self.parents)


def make_plan(req: SnapshotRequest) -> Plan:
    """Check the request against the catalog: dataset, parents, number, id (or fail at once)."""
    from dsreport.catalog.load import load_catalog
    from dsreport.snapshot import plan

    catalog = load_catalog(req.catalog, manifests=False)
    if not req.data_dir.is_dir():
        raise DsreportError("data folder not found (expected a folder)", file=str(req.data_dir))
    slug, exists = plan.find_dataset(catalog, req.dataset)
    tags = plan.check_tags(req.tags)
    versions = plan.dataset_versions(catalog, slug)
    parent_ids, notes = plan.resolve_parents(catalog, versions, req.parents)
    number = (
        plan.check_version(req.version, versions)
        if req.version is not None
        else plan.next_version(catalog, versions, parent_ids)
    )
    data_real = os.path.realpath(req.data_dir)
    catalog_real = os.path.realpath(req.catalog)
    if inside(data_real, catalog_real):
        raise DsreportError(
            "the data folder is inside the catalog: record a folder outside it",
            file=str(req.data_dir),
        )
    parents = tuple(
        Parent(
            pid,
            catalog.versions[pid].meta.version,
            catalog.versions[pid].dataset,
            catalog.versions[pid].manifest_path,
            catalog.versions[pid].manifest_path.relative_to(catalog.root),
        )
        for pid in parent_ids
    )
    return Plan(
        root=catalog.root,
        slug=slug,
        exists=exists,
        display=catalog.datasets[slug].meta.name if exists else req.dataset,
        number=number,
        parents=parents,
        tags=tags,
        vid=plan.new_version_id(catalog),
        data_real=data_real,
        catalog_real=catalog_real,
        notes=tuple(notes),
        preview=PreviewSettings.of(catalog.config.preview),
    )


class Planning:
    """The plan being made: in a forked process from the start when possible, else in
    :meth:`result`. :meth:`cancel` (called by :meth:`result` too) ends the process."""

    def __init__(self, req: SnapshotRequest) -> None:
        self._req = req
        self._process: BaseProcess | None = None
        self._outcome: Connection | None = None
        if can_fork():
            context = multiprocessing.get_context("fork")
            self._outcome, sender = context.Pipe(duplex=False)
            with stop_signals_held():
                self._process = context.Process(target=_plan_aside, args=(req, sender))
                self._process.start()
            sender.close()

    def result(self) -> Plan:
        """The plan (ask once); raises the error that made it fail (a :class:`DsreportError`
        for a catalog or an option at fault)."""
        if self._outcome is None:
            return make_plan(self._req)
        try:
            try:
                kind, value = self._outcome.recv()
            except EOFError:  # it died without a word (killed, say)
                assert self._process is not None
                self._process.join()
                code = self._process.exitcode
                raise RuntimeError(f"the planner process ended (exit code {code})") from None
        finally:
            self.cancel()
        if kind == "error":
            raise value
        assert isinstance(value, Plan)
        return value

    def cancel(self) -> None:
        """End the process (at once, if it still runs)."""
        if self._process is not None:
            if self._process.exitcode is None:
                self._process.terminate()
            self._process.join()
            self._process.close()
            self._process = None
        if self._outcome is not None:
            self._outcome.close()
            self._outcome = None


def _bug() -> RuntimeError:
    """The exception being handled, as an error to raise in the main process."""
    return RuntimeError(f"loading the catalog failed:\n{traceback.format_exc()}")


def _plan_aside(req: SnapshotRequest, sender: Connection) -> None:
    """The planner process: send ``("plan", plan)`` or ``("error", exception)``, then end
    at once (with nothing flushed twice: the output buffers are copies of the main process's)."""
    try:
        as_helper()
        outcome: tuple[str, object]
        try:
            outcome = ("plan", make_plan(req))
        except DsreportError as exc:
            outcome = ("error", exc)
        except Exception:  # a bug: the main process raises it with this traceback
            outcome = ("error", _bug())
        try:
            sender.send(outcome)
        except Exception:  # (an outcome that cannot be pickled: a bug too)
            sender.send(("error", _bug()))
        sender.close()
    finally:
        os._exit(0)
