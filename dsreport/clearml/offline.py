"""Read ClearML offline-mode sessions: a session folder, its zip, or a folder of sessions.

With ``CLEARML_OFFLINE_MODE=1`` (or ``Dataset.set_offline(True)``) the SDK writes a session
folder and a zip of it::

    offline-<id>/
      task.json                         the task document (no status, no times)
      log.jsonl                         console events: one JSON array of events per line
      metrics.jsonl                     plots and debug samples, same shape (when any)
      data/<project>/.datasets/<name>/<name>.offline-<id>/artifacts/state/state.json
      data/<…>/metrics/<metric>/<variant>/<file>   debug sample files

Files are looked up inside the session only: a URL in ``task.json`` or an event that points
elsewhere (the absolute path where the session was written) is mapped into the session, never
followed. Zips are read member by member (nothing is extracted), with size limits. Reading
needs only the standard library: the ``clearml`` package is not required. Offline versions have
no status or times of their own: they are drafts (the SDK cannot finalize offline), created at
their first event and updated at their last.
"""

from __future__ import annotations

import json
import zipfile
import zlib
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from dsreport.clearml.mapping import split_project
from dsreport.clearml.records import (
    Listing,
    MediaEvent,
    ParentTask,
    PlotEvent,
    ProjectDoc,
    Selection,
    TaskDoc,
    log_lines,
    media_events,
    plot_events,
    task_from_json,
)
from dsreport.clearml.source import SourceError, VersionUnreadable
from dsreport.model import path_problem

TASK_FILE = "task.json"
MAX_TASK_BYTES = 64 * 1024 * 1024
MAX_EVENTS_BYTES = 512 * 1024 * 1024
MAX_STATE_BYTES = 4 * 1024 * 1024 * 1024
SOURCE = "offline"
"""``extra.clearml_source`` of versions read from offline sessions."""


class _Session:
    """One session, in a folder or a zip: reads its files by relative path, within limits."""

    def __init__(
        self,
        label: str,
        folder: Path | None = None,
        archive: zipfile.ZipFile | None = None,
        prefix: str = "",
    ) -> None:
        self.label = label
        self.folder = folder
        self.archive = archive
        self.prefix = prefix
        self._members = set(archive.namelist()) if archive is not None else set()

    def has(self, rel: str) -> bool:
        if path_problem(rel):
            return False
        if self.archive is not None:
            return self.prefix + rel in self._members
        assert self.folder is not None
        target = self.folder / rel
        return target.is_file() and target.resolve().is_relative_to(self.folder.resolve())

    def read(self, rel: str, limit: int) -> bytes:
        """The bytes of *rel*; :class:`SourceError` if unreadable, too large or missing."""
        problem = path_problem(rel)
        if problem:
            raise SourceError(
                f"{rel!r} is not a path inside the session: {problem}", file=self.label
            )
        try:
            if self.archive is not None:
                with self.archive.open(self.prefix + rel) as f:
                    data = f.read(limit + 1)
            else:
                assert self.folder is not None
                target = self.folder / rel
                if not target.resolve().is_relative_to(self.folder.resolve()):
                    raise SourceError(f"{rel} leads outside the session folder", file=self.label)
                with open(target, "rb") as f:
                    data = f.read(limit + 1)
        except KeyError:
            raise SourceError(f"{rel} is missing", file=self.label) from None
        except (OSError, zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
            raise SourceError(f"cannot read {rel}: {_reason(exc)}", file=self.label) from None
        if len(data) > limit:
            raise SourceError(f"{rel} is larger than {limit} bytes", file=self.label)
        return data

    def files_under(self, rel_folder: str) -> list[str]:
        """Relative paths of the files below *rel_folder*."""
        start = rel_folder.rstrip("/") + "/"
        if self.archive is not None:
            n = len(self.prefix)
            return sorted(
                m[n:]
                for m in self._members
                if m.startswith(self.prefix + start) and not m.endswith("/")
            )
        assert self.folder is not None
        base = self.folder / rel_folder
        if not base.is_dir():
            return []
        return sorted(p.relative_to(self.folder).as_posix() for p in base.rglob("*") if p.is_file())


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


def _open_zip(path: Path) -> _Session:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError) as exc:
        raise SourceError(f"not a readable zip file ({_reason(exc)})", file=str(path)) from None
    names = [n for n in archive.namelist() if PurePosixPath(n).name == TASK_FILE]
    if not names:
        archive.close()
        raise SourceError("holds no task.json: not a ClearML offline session", file=str(path))
    top = min(names, key=lambda n: n.count("/"))
    return _Session(str(path), archive=archive, prefix=top[: -len(TASK_FILE)])


def find_sessions(path: Path) -> list[_Session]:
    """The sessions at *path*: a session folder, a session zip, or a folder holding them."""
    if path.is_file():
        return [_open_zip(path)]
    if not path.is_dir():
        raise SourceError("not found (expected an offline session folder or zip)", file=str(path))
    if (path / TASK_FILE).is_file():
        return [_Session(str(path), folder=path)]
    sessions: list[_Session] = []
    folders = sorted(c for c in path.iterdir() if c.is_dir() and (c / TASK_FILE).is_file())
    for child in folders:
        sessions.append(_Session(str(child), folder=child))
    names = {c.name for c in folders}
    for child in sorted(path.glob("*.zip")):
        if child.stem not in names:
            sessions.append(_open_zip(child))
    if not sessions:
        raise SourceError(
            "holds no ClearML offline session (no task.json, no session folder or zip)",
            file=str(path),
        )
    return sessions


def _events(session: _Session, rel: str) -> list[Any]:
    """Events of a ``.jsonl`` file: one JSON array of events (or one event) per line."""
    if not session.has(rel):
        return []
    events: list[Any] = []
    for number, line in enumerate(session.read(rel, MAX_EVENTS_BYTES).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except ValueError:
            raise SourceError(f"{rel}:{number}: not valid JSON", file=session.label) from None
        events.extend(value if isinstance(value, list) else [value])
    return events


def _stamps(events: Sequence[Any]) -> list[int]:
    return [
        e["timestamp"]
        for e in events
        if isinstance(e, dict)
        and isinstance(e.get("timestamp"), int)
        and not isinstance(e.get("timestamp"), bool)
    ]


class OfflineReader:
    """Reads offline sessions (see the module docstring); implements :class:`Reader`."""

    source = SOURCE
    web_url: str | None = None

    def __init__(self, path: Path) -> None:
        self.path = path
        self._sessions = find_sessions(path)
        self._by_task: dict[str, tuple[_Session, dict[str, Any], list[Any], list[Any]]] = {}
        for session in self._sessions:
            self._load(session)

    def _load(self, session: _Session) -> None:
        try:
            raw = json.loads(session.read(TASK_FILE, MAX_TASK_BYTES))
        except ValueError:
            raise SourceError("task.json is not valid JSON", file=session.label) from None
        if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
            raise SourceError("task.json: expected a task document with an id", file=session.label)
        logs = _events(session, "log.jsonl")
        metrics = _events(session, "metrics.jsonl")
        if raw["id"] in self._by_task:
            other = self._by_task[raw["id"]][0].label
            raise SourceError(f"holds the same session as {other}", file=session.label)
        self._by_task[raw["id"]] = (session, raw, logs, metrics)

    def _task(self, raw: dict[str, Any], logs: list[Any], metrics: list[Any]) -> TaskDoc:
        doc = dict(raw)
        stamps = _stamps(logs) + _stamps(metrics)
        state = next(
            (
                a
                for a in (raw.get("execution") or {}).get("artifacts") or []
                if isinstance(a, dict) and a.get("key") == "state"
            ),
            None,
        )
        if isinstance(state, dict) and isinstance(state.get("timestamp"), int):
            stamps.append(state["timestamp"] * 1000)
        if stamps and "created" not in doc:
            doc["created"] = min(stamps)
        if stamps and "last_update" not in doc:
            doc["last_update"] = max(stamps)
        project = raw.get("project_name")
        return task_from_json(doc, project if isinstance(project, str) else "")

    def listing(self, selection: Selection) -> Listing:
        """Every session's version that *selection* selects."""
        tasks: list[TaskDoc] = []
        projects: dict[str, ProjectDoc] = {}
        for _session, raw, logs, metrics in self._by_task.values():
            task = self._task(raw, logs, metrics)
            project, name, _ = split_project(task.project_name, task.name)
            if selection.matches(project, name):
                tasks.append(task)
                projects[task.project_name] = ProjectDoc(id=None, name=task.project_name)
        return Listing(tasks=tuple(tasks), projects=projects, existing=None)

    def tasks_by_id(self, ids: Sequence[str]) -> Listing:
        """Sessions of other versions (parents) given on the command line."""
        tasks = []
        projects: dict[str, ProjectDoc] = {}
        for vid in ids:
            if vid in self._by_task:
                _session, raw, logs, metrics = self._by_task[vid]
                task = self._task(raw, logs, metrics)
                tasks.append(task)
                projects[task.project_name] = ProjectDoc(id=None, name=task.project_name)
        return Listing(tasks=tuple(tasks), projects=projects, existing=None)

    def parent_tasks(self, ids: Sequence[str]) -> dict[str, ParentTask]:
        """Offline, the producing task is only known by id."""
        return {i: ParentTask(id=i, name=None, project_id=None) for i in ids}

    def _session_path(self, task: TaskDoc, url: str, key: str = "") -> str | None:
        """The path inside the session of a file the SDK recorded by *url* (or storage *key*)."""
        session, raw, _, _ = self._by_task[task.id]
        folder = raw.get("offline_folder")
        location = url[len("file://") :] if url.startswith("file://") else url
        if isinstance(folder, str) and folder and location.startswith(folder.rstrip("/") + "/"):
            rel = location[len(folder.rstrip("/")) + 1 :]
            if session.has(rel):
                return rel
        if key and session.has("data/" + key):
            return "data/" + key
        return None

    def state(self, task: TaskDoc) -> bytes:
        """The session's ``state.json``."""
        session = self._by_task[task.id][0]
        artifact = task.artifact("state")
        rel = self._session_path(task, artifact.uri or "") if artifact else None
        if rel is None:
            found = [
                p for p in session.files_under("data") if p.endswith("/artifacts/state/state.json")
            ]
            if len(found) != 1:
                raise VersionUnreadable("the session holds no state.json (or several)")
            rel = found[0]
        return session.read(rel, MAX_STATE_BYTES)

    def console(self, task: TaskDoc) -> list[str]:
        """Messages of ``log.jsonl``."""
        return log_lines(self._by_task[task.id][2])

    def plots(self, task: TaskDoc) -> list[PlotEvent]:
        """Plots of ``metrics.jsonl``."""
        return plot_events(self._by_task[task.id][3])

    def media(self, task: TaskDoc) -> list[MediaEvent]:
        """Debug samples of ``metrics.jsonl``."""
        return media_events(self._by_task[task.id][3])

    def sample(self, task: TaskDoc, event: MediaEvent, limit: int) -> bytes | str:
        """A debug sample's bytes, from inside the session only."""
        rel = self._session_path(task, event.url, event.key)
        if rel is None:
            return "not in the session"
        try:
            return self._by_task[task.id][0].read(rel, limit)
        except SourceError as exc:
            return str(exc)

    def close(self) -> None:
        """Close the zips."""
        for session in self._sessions:
            if session.archive is not None:
                session.archive.close()
