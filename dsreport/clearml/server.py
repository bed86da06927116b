"""Read dataset versions from a live ClearML server, through the ``clearml`` SDK.

The SDK (``pip install 'dsreport[clearml]'``) is used for what it does best: finding the server
and credentials the usual ClearML way (``clearml.conf``, ``CLEARML_API_HOST``,
``CLEARML_FILES_HOST``, ``CLEARML_API_ACCESS_KEY``, ``CLEARML_API_SECRET_KEY``…), logging in,
sending REST requests, and downloading artifacts from any storage it supports (its file server,
``s3://``, ``gs://``, ``azure://``, shared folders). Requests are plain REST calls answered as
raw JSON (``tasks.get_all``, ``projects.get_all``, ``events.get_task_events``), so odd or old
documents are read as they are rather than through the SDK's typed models.

The SDK retries for minutes by default (240 retries, waits forever while a server says 503);
this reader gives every request ``timeout`` seconds and a few retries, and turns any failure
into one clear :class:`SourceError`.
"""

from __future__ import annotations

import logging
import re
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
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
    project_from_json,
    task_from_json,
)
from dsreport.clearml.source import SourceError, VersionUnreadable
from dsreport.textsafe import safe_text

PAGE_SIZE = 500
"""Tasks per ``tasks.get_all`` page, and events per ``events.get_task_events`` batch."""
BATCH = 100
"""Ids per by-id request."""
MAX_STATE_BYTES = 4 * 1024 * 1024 * 1024
MAX_EVENTS = 2_000_000
"""Events read per task and type, at most."""
TASK_FIELDS = [
    "id",
    "name",
    "project",
    "status",
    "type",
    "created",
    "last_change",
    "last_update",
    "status_changed",
    "completed",
    "published",
    "comment",
    "tags",
    "system_tags",
    "runtime",
    "hyperparams.properties",
    "parent",
    "execution.artifacts",
]
INSTALL_HINT = "reading a ClearML server needs the clearml package: pip install 'dsreport[clearml]'"


class _NoMaintenanceWait:
    """The SDK's configuration, except that a 503 answer is not retried forever."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def get(self, key: str, default: Any = None) -> Any:
        """A configuration value."""
        if key == "api.http.wait_on_maintenance_forever":
            return False
        return self._inner.get(key, default)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def _quiet_sdk() -> None:
    """Keep the SDK's own warnings (retries, deprecations) off the terminal: errors are ours."""
    for name in ("clearml", "urllib3", "requests"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


class ServerReader:
    """Reads a ClearML server (see the module docstring); implements :class:`Reader`."""

    def __init__(self, host: str | None, *, timeout: float = 30.0, retries: int = 2) -> None:
        try:
            from clearml.backend_api.session import Session
            from clearml.backend_api.session.defs import MissingConfigError
            from clearml.backend_interface.base import InterfaceBase
            from clearml.config import ConfigWrapper
        except ImportError:
            raise SourceError(INSTALL_HINT) from None
        _quiet_sdk()
        self.timeout = timeout
        limits = (min(timeout, 10.0), timeout)
        session_class = type(
            "DsreportSession",
            (Session,),
            {
                "_session_initial_timeout": limits,
                "_session_timeout": limits,
                "_write_session_timeout": limits,
            },
        )
        config = _NoMaintenanceWait(ConfigWrapper._init())
        where = host or "the configured ClearML server"
        try:
            self._session = session_class(
                host=host,
                config=config,
                initialize_logging=False,
                http_retries_config={
                    "total": retries,
                    "connect": retries,
                    "read": retries,
                    "redirect": 3,
                    "status": retries,
                    "backoff_factor": 0.5,
                    "backoff_max": 8.0,
                },
            )
        except MissingConfigError:
            raise SourceError(
                f"no ClearML credentials for {where}: set CLEARML_API_ACCESS_KEY and "
                "CLEARML_API_SECRET_KEY (or run clearml-init to write clearml.conf)"
            ) from None
        except Exception as exc:  # the SDK raises LoginError, ValueError, requests errors…
            raise SourceError(f"cannot log in to {where}: {_sdk_message(exc)}") from None
        InterfaceBase._set_default_session(self._session)
        _limit_storage_waits(timeout, retries)
        self.host = str(self._session.host)
        self.source = self.host
        self.web_url: str | None
        try:
            self.web_url = str(Session.get_app_server_host(config=config)) or None
        except Exception:
            self.web_url = None
        self._tmp = Path(tempfile.mkdtemp(prefix="dsreport-clearml-"))

    # ---------------------------------------------------------------- REST
    def _call(self, service: str, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        """``data`` of a REST call's answer; :class:`SourceError` for anything else."""
        import requests

        endpoint = f"{service}.{action}"
        try:
            res = self._session.send_request(service, action, json=payload)
        except requests.exceptions.RequestException as exc:
            raise SourceError(self._network_problem(endpoint, exc)) from None
        try:
            body = res.json()
        except ValueError:
            body = None
        meta = body.get("meta") if isinstance(body, dict) else None
        code = (
            meta.get("result_code", res.status_code) if isinstance(meta, dict) else res.status_code
        )
        if res.status_code != 200 or code != 200 or not isinstance(body, dict):
            message = meta.get("result_msg") if isinstance(meta, dict) else None
            message = message or res.reason or "no message"
            hint = " (check the access key and secret)" if res.status_code == 401 else ""
            raise SourceError(
                f"the ClearML server {self.host} answered {endpoint} with error "
                f"{res.status_code}: {safe_text(str(message))[:200]}{hint}"
            )
        data = body.get("data")
        if not isinstance(data, dict):
            raise SourceError(f"the ClearML server {self.host} sent no data for {endpoint}")
        return data

    def _pages(self, payload: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """Every task ``tasks.get_all`` returns for *payload*, page by page."""
        page = 0
        while True:
            tasks = self._call(
                "tasks", "get_all", {**payload, "page": page, "page_size": PAGE_SIZE}
            ).get("tasks")
            if not isinstance(tasks, list):
                return
            yield from (t for t in tasks if isinstance(t, dict) and isinstance(t.get("id"), str))
            if len(tasks) < PAGE_SIZE:
                return
            page += 1

    def _by_ids(self, service: str, ids: Sequence[str], fields: list[str]) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        key = "projects" if service == "projects" else "tasks"
        for start in range(0, len(ids), BATCH):
            batch = list(ids[start : start + BATCH])
            data = self._call(
                service, "get_all", {"id": batch, "only_fields": fields, "search_hidden": True}
            )
            items = data.get(key)
            if isinstance(items, list):
                found.extend(
                    i for i in items if isinstance(i, dict) and isinstance(i.get("id"), str)
                )
        return found

    def _projects(self, ids: Sequence[str]) -> dict[str, ProjectDoc]:
        """Projects by id."""
        docs = self._by_ids("projects", sorted(set(ids)), ["id", "name", "description", "tags"])
        return {str(d["id"]): project_from_json(d) for d in docs}

    def _listing(
        self, raw_tasks: Sequence[dict[str, Any]], existing: frozenset[str] | None
    ) -> Listing:
        projects = self._projects(
            [t["project"] for t in raw_tasks if isinstance(t.get("project"), str)]
        )
        tasks = []
        for raw in raw_tasks:
            project = projects.get(raw.get("project") or "")
            tasks.append(task_from_json(raw, project.name if project else ""))
        return Listing(
            tasks=tuple(sorted(tasks, key=lambda t: t.id)),
            projects={p.name: p for p in projects.values()},
            existing=existing,
        )

    def _network_problem(self, endpoint: str, exc: BaseException) -> str:
        """One line saying why a request got no answer (urllib3 wraps the cause in its text)."""
        text = str(exc)
        where = f"the ClearML server {self.host}"
        if "timed out" in text.lower() or "Timeout" in type(exc).__name__:
            return f"{where} did not answer {endpoint} within {self.timeout:g} s"
        busy = re.search(r"too many (\d+) error responses", text)
        if busy:
            return f"{where} kept answering {endpoint} with error {busy.group(1)} (busy or down)"
        if "refused" in text:
            return f"cannot reach {where} ({endpoint}): connection refused"
        if "resolve" in text or "not known" in text or "getaddrinfo" in text:
            return f"cannot reach {where} ({endpoint}): unknown host name"
        return f"cannot reach {where} ({endpoint}): {_sdk_message(exc)}"

    # ---------------------------------------------------------------- Reader
    def listing(self, selection: Selection) -> Listing:
        """Every dataset version the server has (ids), and the selected ones in full."""
        short = list(
            self._pages(
                {
                    "system_tags": ["dataset"],
                    "search_hidden": True,
                    "only_fields": ["id", "name", "project"],
                    "order_by": ["created"],
                }
            )
        )
        projects = self._projects(
            [t["project"] for t in short if isinstance(t.get("project"), str)]
        )
        chosen = []
        for t in short:
            project = projects.get(t.get("project") or "")
            name = t["name"] if isinstance(t.get("name"), str) else ""
            dataset_project, dataset_name, _ = split_project(project.name if project else "", name)
            if selection.matches(dataset_project, dataset_name):
                chosen.append(t["id"])
        full = self._by_ids("tasks", chosen, TASK_FIELDS)
        return self._listing(full, frozenset(t["id"] for t in short))

    def tasks_by_id(self, ids: Sequence[str]) -> Listing:
        """Dataset versions by id (those the server still has)."""
        return self._listing(self._by_ids("tasks", list(ids), TASK_FIELDS), None)

    def parent_tasks(self, ids: Sequence[str]) -> dict[str, ParentTask]:
        """The producing tasks, by id; a task the server no longer has gets ``name=None``."""
        found = {d["id"]: d for d in self._by_ids("tasks", list(ids), ["id", "name", "project"])}
        result = {}
        for i in ids:
            doc = found.get(i)
            name = doc.get("name") if doc else None
            project = doc.get("project") if doc else None
            result[i] = ParentTask(
                id=i,
                name=name if isinstance(name, str) else (i if doc else None),
                project_id=project if isinstance(project, str) else None,
            )
        return result

    def _events(self, task: TaskDoc, event_type: str) -> list[Any]:
        events: list[Any] = []
        scroll: str | None = None
        while len(events) < MAX_EVENTS:
            payload: dict[str, Any] = {
                "task": task.id,
                "event_type": event_type,
                "order": "asc",
                "batch_size": PAGE_SIZE,
            }
            if scroll:
                payload["scroll_id"] = scroll
            data = self._call("events", "get_task_events", payload)
            batch = data.get("events")
            if not isinstance(batch, list) or not batch:
                break
            events.extend(batch)
            total = data.get("total")
            if isinstance(total, int) and len(events) >= total:
                break
            scroll = data.get("scroll_id") if isinstance(data.get("scroll_id"), str) else None
            if not scroll:
                break
        return events

    def console(self, task: TaskDoc) -> list[str]:
        """The task's console log."""
        return log_lines(self._events(task, "log"))

    def plots(self, task: TaskDoc) -> list[PlotEvent]:
        """The task's plots."""
        return plot_events(self._events(task, "plot"))

    def media(self, task: TaskDoc) -> list[MediaEvent]:
        """The task's debug samples."""
        return media_events(self._events(task, "training_debug_image"))

    def _download(self, url: str, limit: int) -> bytes | str:
        """The bytes at *url*, through the SDK's storage layer; or why they are not available."""
        from clearml.storage.helper import StorageHelper

        try:
            helper = StorageHelper.get(url)
        except Exception as exc:
            return f"unsupported storage ({_sdk_message(exc)})"
        if helper is None:
            return "unsupported storage"
        size = helper.get_object_size_bytes(url, silence_errors=True)
        if size is not None and size > limit:
            return f"larger than {limit} bytes"
        target = Path(tempfile.mkdtemp(dir=self._tmp)) / "download"
        try:
            local = helper.download_to_file(
                url, str(target), overwrite_existing=True, silence_errors=True
            )
        except Exception as exc:
            return _sdk_message(exc)
        if not local:
            return "could not be downloaded"
        try:
            with open(local, "rb") as f:
                data = f.read(limit + 1)
        except OSError as exc:
            return exc.strerror or str(exc)
        finally:
            shutil.rmtree(target.parent, ignore_errors=True)
        return data if len(data) <= limit else f"larger than {limit} bytes"

    def state(self, task: TaskDoc) -> bytes:
        """The ``state`` artifact's bytes."""
        artifact = task.artifact("state")
        if artifact is None or not artifact.uri:
            raise VersionUnreadable("it has no state artifact (it was never uploaded)")
        data = self._download(artifact.uri, MAX_STATE_BYTES)
        if isinstance(data, str):
            raise SourceError(
                f"cannot read the state of version {task.id} at {safe_text(artifact.uri)}: {data}"
            )
        return data

    def sample(self, task: TaskDoc, event: MediaEvent, limit: int) -> bytes | str:
        """A debug sample's bytes, or why not."""
        return self._download(event.url, limit)

    def close(self) -> None:
        """Remove the download folder."""
        shutil.rmtree(self._tmp, ignore_errors=True)


def _sdk_message(exc: BaseException) -> str:
    """A one-line, terminal-safe message of an SDK exception."""
    text = str(exc).strip().splitlines()
    return safe_text(text[0] if text else type(exc).__name__)[:300]


def _limit_storage_waits(timeout: float, retries: int) -> None:
    """Give downloads from the file server the same time limit and retries as API calls.

    The SDK reads these from ``sdk.http`` settings (30 s, 15 retries); they are class attributes
    of its HTTP storage driver, set here for this process only.
    """
    try:
        from clearml.storage.helper import _HttpDriver
    except ImportError:  # pragma: no cover - an SDK without it keeps its defaults
        return
    _HttpDriver.timeout_connection = max(1, int(min(timeout, 10.0)))
    _HttpDriver.timeout_total = max(1, int(timeout))
    _HttpDriver.max_retries = max(1, retries)
