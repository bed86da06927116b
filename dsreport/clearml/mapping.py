"""ClearML task, state and events -> catalog documents (pure).

One ClearML dataset version is one task. :func:`map_version` turns what the readers fetched for
it into a :class:`MappedVersion`: the fields of its ``version.json``, its entries, console log
and previews. The plan (:mod:`dsreport.clearml.plan`) then settles what depends on the rest of
the catalog: parents that are gone, origins, and the compressed size over the ancestry.

Where each field comes from:

- id: the task id; name: the task name; version: ``runtime.version``, else the ``version``
  hyperparameter (offline-imported datasets), else ``""``;
- dataset name and project: from the hidden ``<project>/.datasets/<name>`` project (for old
  datasets outside such a project: the task's project, and the task name);
- parents: the state's ``dependency_graph[<id>]``, in merge order;
- created: ``created``; updated: ``last_change``, else ``last_update``, ``status_changed``,
  ``completed``, ``published`` (normalised to UTC, RFC 3339);
- task: the task's ``parent`` task (id, name, and a link to it on the web UI when known);
- description: ``comment``; tags: user tags; archived: the ``archived`` system tag;
- status: ``published`` -> ``published``; ``completed``, ``closed`` -> ``final``; ``created``,
  ``queued``, ``in_progress`` or a dirty state -> ``draft``; ``stopped`` -> ``aborted``;
  ``failed`` -> ``failed``;
- entries: the state's files and links (``parent_dataset_id`` as ``origin``);
- console: the task's log events, one ``msg`` per line, ANSI kept as it is;
- extra: see :func:`version_extra`.
"""

from __future__ import annotations

import re
import unicodedata
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from dsreport.clearml.records import ParentTask, ProjectDoc, TaskDoc
from dsreport.clearml.state import ParsedState
from dsreport.model import MAX_INT, DatasetJson, Entry, Task

HIDDEN = "/.datasets/"
"""What the SDK puts between a dataset's project and its name in the hidden project's name."""
MAX_CONSOLE_BYTES = 20 * 1024 * 1024
"""A longer console log is cut (with a last line saying so)."""
EPOCH = "1970-01-01T00:00:00Z"
"""The time given when a task carries none at all."""
STATUS = {
    "published": "published",
    "completed": "final",
    "closed": "final",
    "created": "draft",
    "queued": "draft",
    "in_progress": "draft",
    "stopped": "aborted",
    "failed": "failed",
}
"""Version status by ClearML task status."""
_TIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?"
    r"(Z|[+-]\d{2}:?\d{2})?$"
)


@dataclass(frozen=True)
class DatasetRef:
    """Which catalog dataset a version belongs to."""

    key: str
    """Identity of the ClearML dataset: ``project:<project id>`` (offline:
    ``offline:<project name>``), plus ``|<task name>`` for a dataset outside a hidden project."""
    name: str
    """Dataset name."""
    project: str
    """Project (without the hidden ``/.datasets/<name>`` part)."""


@dataclass(frozen=True)
class MappedVersion:
    """A ClearML dataset version in catalog terms, before the plan settles its lineage."""

    id: str
    """Version id (the task id)."""
    dataset: DatasetRef
    """Its dataset."""
    name: str
    """Version name."""
    version: str
    """Version number."""
    parents: tuple[str, ...]
    """Parents as ClearML lists them, in merge order."""
    created: str
    """RFC 3339."""
    updated: str
    """RFC 3339."""
    task: Task | None
    """The task that produced it."""
    description: str
    """Markdown."""
    tags: tuple[str, ...]
    """User tags."""
    archived: bool
    """Archived in ClearML."""
    status: str
    """See :data:`STATUS`."""
    extra: dict[str, Any]
    """Raw ClearML fields (see :func:`version_extra`)."""
    entries: tuple[Entry, ...]
    """Files and links; ``origin`` as ClearML gave it (``""`` when it gave none)."""
    own_data: int | None
    """Bytes of its own data artifacts, ``None`` when unknown (a draft)."""
    console: bytes | None = None
    """Console log, or ``None`` when it has none."""
    previews: Mapping[str, bytes] = field(default_factory=dict)
    """Preview files by path under ``preview/``."""


def split_project(project_name: str, task_name: str) -> tuple[str, str, bool]:
    """``(project, dataset name, hidden)`` from a dataset task's project name.

    ``Demo/.datasets/pets`` -> ``("Demo", "pets", True)``; a project without the hidden part
    (older datasets) -> ``(project, task name, False)``.
    """
    if HIDDEN in project_name:
        project, _, name = project_name.partition(HIDDEN)
        return project, name, True
    if project_name.startswith(".datasets/"):
        return "", project_name[len(".datasets/") :], True
    return project_name, task_name, False


def dataset_ref(task: TaskDoc, source: str) -> DatasetRef:
    """The dataset *task* belongs to, read from *source*."""
    project, name, hidden = split_project(task.project_name, task.name)
    # Project ids are unique across servers (uuids), and stay when a dataset is renamed.
    key = f"project:{task.project_id}" if task.project_id else f"{source}:{task.project_name}"
    if not hidden:
        key += f"|{task.name}"
    return DatasetRef(key=key, name=name or task.name, project=project)


def slugify(name: str) -> str:
    """A dataset slug (``[a-z0-9][a-z0-9._-]*``) from a dataset name.

    ASCII letters and digits are kept (lowercased, accents dropped: ``Café`` -> ``cafe``), ``.``,
    ``_`` and ``-`` too; every other run of characters becomes one ``-``; leading and trailing
    punctuation is dropped and the result is cut to 60 characters. A name with nothing left
    gives ``dataset``.
    """
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").lower()
    text = re.sub(r"[^a-z0-9._-]+", "-", text)
    text = re.sub(r"-{2,}", "-", text).strip("-._")
    text = text[:60].rstrip("-._")
    return text or "dataset"


def parse_time(value: Any) -> datetime | None:
    """A UTC datetime from an ISO 8601 string or epoch seconds/milliseconds; ``None`` if neither.

    A string without a zone is taken as UTC (what ClearML servers store).
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        seconds = value / 1000 if value > 1e11 else value
        try:
            return datetime.fromtimestamp(seconds, timezone.utc)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str):
        return None
    match = _TIME.fullmatch(value.strip())
    if not match:
        return None
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    micro = int((match.group(7) or "0")[:6].ljust(6, "0"))
    zone = match.group(8)
    tz = timezone.utc
    if zone and zone != "Z":
        digits = zone[1:].replace(":", "")
        minutes = int(digits[:2]) * 60 + int(digits[2:])
        if minutes >= 24 * 60:
            return None
        tz = timezone(timedelta(minutes=-minutes if zone[0] == "-" else minutes))
    try:
        return datetime(year, month, day, hour, minute, second, micro, tz).astimezone(timezone.utc)
    except (ValueError, OverflowError):
        return None


def format_time(stamp: datetime) -> str:
    """RFC 3339 in UTC: ``2026-03-01T09:30:00Z`` (with microseconds when there are any)."""
    s = stamp.astimezone(timezone.utc)
    text = f"{s.year:04d}-{s.month:02d}-{s.day:02d}T{s.hour:02d}:{s.minute:02d}:{s.second:02d}"
    return text + (f".{s.microsecond:06d}Z" if s.microsecond else "Z")


def first_time(times: Mapping[str, Any], fields: Sequence[str]) -> str | None:
    """The first of *fields* that holds a readable time, formatted."""
    for name in fields:
        stamp = parse_time(times.get(name))
        if stamp is not None:
            return format_time(stamp)
    return None


def version_status(status: str | None, dirty: bool) -> str:
    """The catalog status of a version (see :data:`STATUS`)."""
    if dirty:
        return "draft"
    if status is None:
        return "final"
    return STATUS.get(status, clean_text(status))


def clean_text(text: str) -> str:
    """*text* with lone surrogates (undecodable bytes) replaced, so it can be written as UTF-8."""
    if any("\ud800" <= c <= "\udfff" for c in text):
        return "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in text)
    return text


def clean_json(value: Any) -> Any:
    """A raw JSON value made writable: text cleaned, integers beyond 64 bits turned to text."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, bool) or value is None or isinstance(value, float):
        return value
    if isinstance(value, int):
        return value if -(2**63) <= value <= MAX_INT else str(value)
    if isinstance(value, Mapping):
        return {clean_text(str(k)): clean_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean_json(v) for v in value]
    return clean_text(str(value))


def own_data_size(task: TaskDoc, dirty: bool) -> int | None:
    """Bytes of the version's own data artifacts (``data``, ``data_001``…); ``None`` if unknown."""
    if dirty:
        return None
    sizes = [a.content_size for a in task.artifacts if a.is_data]
    if any(s is None for s in sizes):
        return None
    return sum(s for s in sizes if s is not None)


def version_extra(
    task: TaskDoc, state: ParsedState, dataset: DatasetRef, source: str
) -> dict[str, Any]:
    """``extra`` of a version: ClearML's raw fields that have no key of their own.

    Every runtime property of the task, verbatim (``ds_file_count``, ``ds_link_count``,
    ``ds_total_size``, ``ds_total_size_compressed``, ``ds_change_add``, ``ds_change_remove``,
    ``ds_change_modify``, ``ds_change_size``, ``version``, ``orig_dataset_name``,
    ``orig_dataset_id``…), and, prefixed ``clearml_``: where it came from (``source``,
    ``dataset_key``, ``project``, ``project_id``), the raw ``status``, ``system_tags`` and
    ``dirty`` flag, the state's own ``state_file_count`` and ``state_total_size``, the
    ``state_changes`` the SDK recorded with the state (``files added``…), and the sizes of the
    version's ``data_artifacts``. The plan may add ``clearml_missing_parents`` and
    ``clearml_deleted``.
    """
    extra: dict[str, Any] = {str(k): v for k, v in task.runtime.items()}
    state_artifact = task.artifact("state")
    extra.update(
        {
            "clearml_source": source,
            "clearml_dataset_key": dataset.key,
            "clearml_project": task.project_name,
            "clearml_project_id": task.project_id,
            "clearml_status": task.status,
            "clearml_system_tags": list(task.system_tags),
            "clearml_dirty": state.dirty,
            "clearml_state_file_count": state.raw_counts.get("file_count"),
            "clearml_state_total_size": state.raw_counts.get("total_size"),
            "clearml_state_changes": dict(state_artifact.display_data) if state_artifact else {},
            "clearml_data_artifacts": {
                a.key: a.content_size
                for a in sorted(task.artifacts, key=lambda a: a.key)
                if a.is_data
            },
        }
    )
    return clean_json(dict(sorted(extra.items())))  # type: ignore[no-any-return]


def parent_task(parent: ParentTask | None, web_url: str | None) -> Task | None:
    """The ``task`` of a version from its ClearML parent task (named by its id when it is gone)."""
    if parent is None:
        return None
    url = None
    if web_url and parent.name is not None:
        project = urllib.parse.quote(parent.project_id or "*", safe="*")
        task_id = urllib.parse.quote(parent.id, safe="")
        url = f"{web_url.rstrip('/')}/projects/{project}/experiments/{task_id}"
    return Task(id=clean_text(parent.id), name=clean_text(parent.name or parent.id), url=url)


def console_bytes(lines: Sequence[str]) -> bytes | None:
    """The console log: each event's message on its own line(s), ANSI kept; ``None`` if empty."""
    if not lines:
        return None
    parts: list[bytes] = []
    size = 0
    for line in lines:
        data = line.encode("utf-8", "replace")
        if not data.endswith(b"\n"):
            data += b"\n"
        if size + len(data) > MAX_CONSOLE_BYTES:
            parts.append(b"[dsreport: console log cut at 20 MB]\n")
            break
        parts.append(data)
        size += len(data)
    return b"".join(parts)


def dataset_doc(ref: DatasetRef, project: ProjectDoc | None) -> DatasetJson:
    """``dataset.json`` of a ClearML dataset (description and tags of its hidden project)."""
    return DatasetJson(
        format=1,
        name=clean_text(ref.name),
        project=clean_text(ref.project),
        description=clean_text(project.description) if project else "",
        tags=tuple(clean_text(t) for t in project.tags) if project else (),
    )


def map_version(
    task: TaskDoc,
    state: ParsedState,
    *,
    source: str,
    parent: ParentTask | None,
    web_url: str | None,
    console: Sequence[str] = (),
    previews: Mapping[str, bytes] | None = None,
) -> MappedVersion:
    """A version in catalog terms from its task, its parsed state, and its events."""
    dataset = dataset_ref(task, source)
    version = task.runtime.get("version")
    if not isinstance(version, str):
        version = task.hyperparam_version or ""
    created = first_time(task.times, ("created", "status_changed", "last_update", "completed"))
    updated = first_time(
        task.times,
        ("last_change", "last_update", "status_changed", "completed", "published", "created"),
    )
    return MappedVersion(
        id=task.id,
        dataset=dataset,
        name=clean_text(task.name),
        version=clean_text(version),
        parents=state.parents,
        created=created or EPOCH,
        updated=updated or created or EPOCH,
        task=parent_task(parent, web_url),
        description=clean_text(task.comment),
        tags=tuple(clean_text(t) for t in task.tags),
        archived=task.archived,
        status=version_status(task.status, state.dirty),
        extra=version_extra(task, state, dataset, source),
        entries=state.entries,
        own_data=own_data_size(task, state.dirty),
        console=console_bytes(console),
        previews=dict(previews or {}),
    )
