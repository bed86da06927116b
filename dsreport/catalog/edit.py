"""Run a dataset action on a catalog: lock, check, select, plan, commit (all or nothing).

The order matters: the lock is taken first and the catalog read afterwards, so two commands
never plan from the same old state (no lost update); an interrupted change is finished before
reading; the whole catalog is validated before anything is planned, so a broken catalog is
refused before any change; the plan is committed through the journal in one step.
A dry run takes no lock and writes nothing.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from dsreport.actions import Plan, check_tags, plan_archive, plan_delete, plan_tag
from dsreport.catalog.journal import clean_leftovers, commit_change, finish_pending
from dsreport.catalog.load import load_catalog, read_content
from dsreport.catalog.lock import DEFAULT_WAIT, catalog_lock
from dsreport.errors import DsreportError
from dsreport.model import Catalog
from dsreport.progress import progress
from dsreport.select import State, select_versions

DEFAULT_STATES: dict[str, State] = {
    "tag": "active",
    "archive": "active",
    "restore": "archived",
    "delete": "archived",
}
"""The archived state ``--all`` and ``--filter`` select in, by action."""


@dataclass(frozen=True)
class ActionRequest:
    """One action as the command line asked for it."""

    action: str
    """``tag``, ``archive``, ``restore`` or ``delete``."""
    ids: Sequence[str] = ()
    dataset: str | None = None
    select_all: bool = False
    filter_terms: Sequence[str] = ()
    add: Sequence[str] = ()
    """Tags to add (``tag`` only)."""
    remove: Sequence[str] = ()
    """Tags to remove (``tag`` only)."""
    force: bool = False
    """Delete even when versions that are not archived depend on the deleted ones."""
    dry_run: bool = False
    wait: float = DEFAULT_WAIT
    """Seconds to wait for another command's lock."""


def now_rfc3339() -> str:
    """The current UTC time to the second (``SOURCE_DATE_EPOCH`` wins, for reproducibility)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    try:
        moment = datetime.fromtimestamp(int(epoch), timezone.utc)
    except (ValueError, OverflowError, OSError):  # unset, not a number, or out of range
        moment = datetime.fromtimestamp(int(time.time()), timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _load_valid(root: Path) -> Catalog:
    """The catalog, fully validated (manifests included): refused with its problems if not."""
    count = sum(1 for _ in root.glob("*/versions/*/version.json")) if root.is_dir() else 0
    with progress(count, "Checking the catalog") as advance:
        return load_catalog(root, manifests=True, progress=lambda _vid: advance(1))


def _plan(root: Path, request: ActionRequest) -> tuple[Catalog, Plan]:
    if request.action not in DEFAULT_STATES:
        raise ValueError(f"unknown action {request.action!r}")  # a programming error
    if request.action == "tag":
        check_tags(request.add, request.remove)  # bad options fail before the catalog is read
    catalog = _load_valid(root)
    ids = select_versions(
        catalog,
        ids=request.ids,
        dataset=request.dataset,
        select_all=request.select_all,
        filter_terms=request.filter_terms,
        default_state=DEFAULT_STATES[request.action],
    )
    now = now_rfc3339()
    if request.action == "tag":
        plan = plan_tag(catalog, ids, add=request.add, remove=request.remove, now=now)
    elif request.action in ("archive", "restore"):
        plan = plan_archive(catalog, ids, archived=request.action == "archive", now=now)
    else:
        plan = plan_delete(
            catalog,
            ids,
            force=request.force,
            now=now,
            read=lambda vid: read_content(catalog, vid),
        )
    return catalog, plan


def run_action(root: Path, request: ActionRequest) -> tuple[Catalog, Plan]:
    """Plan the action and, unless it is a dry run, commit it atomically under the lock.

    Returns the catalog as it was read and the plan (for the report).
    """
    if not root.is_dir():
        raise DsreportError("catalog folder not found (expected a folder)", file=str(root))
    if request.dry_run:
        return _plan(root, request)
    with catalog_lock(root, request.action, wait=request.wait):
        finish_pending(root)
        clean_leftovers(root)
        catalog, plan = _plan(root, request)
        commit_change(root, plan.change, request.action)
    return catalog, plan
