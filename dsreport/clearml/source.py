"""What every ClearML reader offers the importer, and the errors it raises."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from dsreport.clearml.records import Listing, MediaEvent, ParentTask, PlotEvent, Selection, TaskDoc
from dsreport.errors import DsreportError


class SourceError(DsreportError):
    """The source cannot be read (a server error, a timeout, a corrupt zip): nothing is imported."""


class VersionUnreadable(Exception):
    """One version has nothing to import (it never stored a state): it is skipped, with a note."""


class Reader(Protocol):
    """A ClearML source: a live server or offline sessions."""

    source: str
    """``extra.clearml_source`` of what it reads: the API server URL, or ``offline``."""
    web_url: str | None
    """The web UI's address, for links to tasks (``None`` when unknown)."""

    def listing(self, selection: Selection) -> Listing:
        """The selected dataset versions (and, for a server, the ids of all of them)."""
        ...

    def tasks_by_id(self, ids: Sequence[str]) -> Listing:
        """Dataset versions by id (parents outside the selection); unknown ids are left out."""
        ...

    def parent_tasks(self, ids: Sequence[str]) -> dict[str, ParentTask]:
        """The tasks that produced versions, by id (``name`` is ``None`` for a task now gone)."""
        ...

    def state(self, task: TaskDoc) -> bytes:
        """The bytes of the version's ``state.json``."""
        ...

    def console(self, task: TaskDoc) -> list[str]:
        """The version's console log events (messages), oldest first."""
        ...

    def plots(self, task: TaskDoc) -> list[PlotEvent]:
        """The version's reported plots."""
        ...

    def media(self, task: TaskDoc) -> list[MediaEvent]:
        """The version's reported debug samples."""
        ...

    def sample(self, task: TaskDoc, event: MediaEvent, limit: int) -> bytes | str:
        """The bytes of a debug sample, or why it is not available (missing, over *limit* bytes)."""
        ...

    def close(self) -> None:
        """Release what the reader holds (open zips, temporary files)."""
        ...
