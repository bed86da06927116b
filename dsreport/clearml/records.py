"""Plain data that the ClearML readers produce, and its parsing from raw JSON (pure).

A reader (live server or offline session) hands over task documents, events and file bytes as
these frozen records; nothing downstream talks to ClearML. Raw JSON from a server or a session
is untrusted: :func:`task_from_json` and the event parsers accept any shape and keep only values
of the expected types.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

DATA_ARTIFACT = "data"
"""Key of a dataset's first data artifact; later chunks are ``data_001``, ``data_002``…"""

TIME_FIELDS = ("created", "last_change", "last_update", "status_changed", "completed", "published")
"""Timestamps of a task document that the import reads."""


@dataclass(frozen=True)
class Artifact:
    """One artifact of a task (``execution.artifacts[]``)."""

    key: str
    """Its name: ``state``, ``data``, ``data_001``…"""
    uri: str | None
    """Where it is stored (``http://…``, ``s3://…``, ``file://…``)."""
    content_size: int | None
    """Size of the stored file in bytes, as the SDK reported it."""
    display_data: tuple[tuple[str, str], ...] = ()
    """The artifact's metadata rows (the state's ``files added``/``removed``/``modified``)."""

    @property
    def is_data(self) -> bool:
        """True for a data chunk (``data``, ``data_001``…)."""
        return self.key == DATA_ARTIFACT or self.key.startswith(DATA_ARTIFACT + "_")


@dataclass(frozen=True)
class TaskDoc:
    """A dataset version's task, as a server or an offline session reports it."""

    id: str
    """The task id: the version id (32 hex on a server, ``offline-…`` in a session)."""
    name: str
    """The task name (the dataset name when the task was created)."""
    project_id: str | None
    """The id of the task's project (``None`` in an offline session)."""
    project_name: str
    """The full project name, usually ``<project>/.datasets/<dataset name>``."""
    status: str | None
    """ClearML's task status (``completed``, ``published``, ``in_progress``…), if known."""
    times: Mapping[str, str | int | float]
    """Raw timestamps by field name (see :data:`TIME_FIELDS`)."""
    comment: str
    """The description."""
    tags: tuple[str, ...]
    """User tags."""
    system_tags: tuple[str, ...]
    """System tags (``dataset``, ``archived``…)."""
    runtime: Mapping[str, Any]
    """The task's runtime properties, raw (``version``, ``ds_*`` counters…)."""
    hyperparam_version: str | None
    """The ``properties/version`` hyperparameter (where offline-imported datasets keep it)."""
    parent: str | None
    """The id of the task that produced the version, if any."""
    artifacts: tuple[Artifact, ...]
    """The task's artifacts."""

    @property
    def archived(self) -> bool:
        """True when ClearML archived the version (the ``archived`` system tag)."""
        return "archived" in self.system_tags

    def artifact(self, key: str) -> Artifact | None:
        """The artifact named *key*, if the task has one."""
        return next((a for a in self.artifacts if a.key == key), None)


@dataclass(frozen=True)
class ProjectDoc:
    """A ClearML project (a dataset's hidden ``<project>/.datasets/<name>`` project)."""

    id: str | None
    """Its id (``None`` in an offline session)."""
    name: str
    """Its full name."""
    description: str = ""
    """Its description."""
    tags: tuple[str, ...] = ()
    """Its user tags."""


@dataclass(frozen=True)
class ParentTask:
    """The task that produced a version, looked up by id."""

    id: str
    """The task id."""
    name: str | None
    """Its name, or ``None`` when the task is gone."""
    project_id: str | None
    """Its project, for the link to the web UI."""


@dataclass(frozen=True)
class PlotEvent:
    """A reported plot (tables are plots in ClearML)."""

    metric: str
    """Title (metric) of the plot."""
    variant: str
    """Series (variant) of the plot."""
    iteration: int
    """Iteration it was reported at."""
    plot: str
    """The plot's Plotly JSON, raw."""


@dataclass(frozen=True)
class MediaEvent:
    """A reported debug sample (image, JSON, table text…): the PREVIEW tab of a dataset."""

    metric: str
    """Title (metric): ``Images``, ``JSON``, ``Tables``… for the SDK's own previews."""
    variant: str
    """Series (variant): the sampled file's name for the SDK's own previews."""
    iteration: int
    """Iteration it was reported at."""
    url: str
    """Where the sample is stored."""
    key: str = ""
    """The sample's storage key (path relative to the upload destination)."""


@dataclass(frozen=True)
class Selection:
    """What to import: datasets by project and by name (empty means all)."""

    projects: tuple[str, ...] = ()
    """Dataset projects; a project also selects its sub-projects."""
    datasets: tuple[str, ...] = ()
    """Dataset names, exactly."""

    def matches(self, project: str, name: str) -> bool:
        """True when a dataset of *project* named *name* is selected."""
        if self.projects and not any(
            project == p or project.startswith(p + "/") for p in self.projects
        ):
            return False
        return not self.datasets or name in self.datasets


@dataclass(frozen=True)
class Listing:
    """What a reader found: the selected dataset versions and everything needed to place them."""

    tasks: tuple[TaskDoc, ...]
    """The selected versions' tasks."""
    projects: Mapping[str, ProjectDoc]
    """Projects of those tasks, by project name."""
    existing: frozenset[str] | None
    """Ids of every dataset version the source holds (selected or not), so that versions deleted
    on the server can be told apart; ``None`` when the source is not a whole server (an offline
    session), and nothing is ever removed."""


def as_str(value: Any, default: str = "") -> str:
    """*value* when it is a string, else *default*."""
    return value if isinstance(value, str) else default


def opt_str(value: Any) -> str | None:
    """*value* when it is a non-empty string, else ``None``."""
    return value if isinstance(value, str) and value else None


def as_int(value: Any) -> int | None:
    """*value* when it is an integer (not a bool), else ``None``."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def str_tuple(value: Any) -> tuple[str, ...]:
    """The strings of a list, in order (anything else gives an empty tuple)."""
    if not isinstance(value, (list, tuple)):
        return ()
    return tuple(v for v in value if isinstance(v, str))


def _artifact(raw: Any) -> Artifact | None:
    if not isinstance(raw, Mapping) or not isinstance(raw.get("key"), str):
        return None
    rows = raw.get("display_data")
    display: list[tuple[str, str]] = []
    if isinstance(rows, list):
        for row in rows:
            if isinstance(row, (list, tuple)) and len(row) == 2:
                display.append((str(row[0]), str(row[1])))
    size = as_int(raw.get("content_size"))
    return Artifact(
        key=raw["key"],
        uri=opt_str(raw.get("uri")),
        content_size=size if size is not None and size >= 0 else None,
        display_data=tuple(display),
    )


def _hyperparam_version(hyperparams: Any) -> str | None:
    if not isinstance(hyperparams, Mapping):
        return None
    section = hyperparams.get("properties")
    if not isinstance(section, Mapping):
        return None
    item = section.get("version")
    if isinstance(item, Mapping):
        value = item.get("value")
        return value if isinstance(value, str) else None
    return None


def task_from_json(raw: Mapping[str, Any], project_name: str) -> TaskDoc:
    """A :class:`TaskDoc` from a task document (``tasks.get_all`` or an offline ``task.json``)."""
    execution = raw.get("execution")
    artifacts_raw = execution.get("artifacts") if isinstance(execution, Mapping) else None
    artifacts = tuple(a for a in (_artifact(x) for x in (artifacts_raw or [])) if a is not None)
    times = {
        k: v
        for k in TIME_FIELDS
        if isinstance(v := raw.get(k), (str, int, float)) and not isinstance(v, bool)
    }
    runtime = raw.get("runtime")
    return TaskDoc(
        id=as_str(raw.get("id")),
        name=as_str(raw.get("name")),
        project_id=opt_str(raw.get("project")),
        project_name=project_name,
        status=opt_str(raw.get("status")),
        times=times,
        comment=as_str(raw.get("comment")),
        tags=str_tuple(raw.get("tags")),
        system_tags=str_tuple(raw.get("system_tags")),
        runtime=dict(runtime) if isinstance(runtime, Mapping) else {},
        hyperparam_version=_hyperparam_version(raw.get("hyperparams")),
        parent=opt_str(raw.get("parent")),
        artifacts=artifacts,
    )


def project_from_json(raw: Mapping[str, Any]) -> ProjectDoc:
    """A :class:`ProjectDoc` from a ``projects.get_all`` document."""
    return ProjectDoc(
        id=opt_str(raw.get("id")),
        name=as_str(raw.get("name")),
        description=as_str(raw.get("description")),
        tags=str_tuple(raw.get("tags")),
    )


def log_lines(events: Sequence[Any]) -> list[str]:
    """The ``msg`` of each console event (``type: log``), in order."""
    return [
        e["msg"]
        for e in events
        if isinstance(e, Mapping)
        and e.get("type", "log") == "log"
        and isinstance(e.get("msg"), str)
    ]


def plot_events(events: Sequence[Any]) -> list[PlotEvent]:
    """The plot events among *events* (``type: plot``)."""
    plots = []
    for e in events:
        if not isinstance(e, Mapping) or e.get("type", "plot") != "plot":
            continue
        plot = e.get("plot_str")
        if isinstance(plot, str):
            plots.append(
                PlotEvent(
                    metric=as_str(e.get("metric")),
                    variant=as_str(e.get("variant")),
                    iteration=as_int(e.get("iter")) or 0,
                    plot=plot,
                )
            )
    return plots


def media_events(events: Sequence[Any]) -> list[MediaEvent]:
    """The debug-sample events among *events* (``type: training_debug_image``)."""
    media = []
    for e in events:
        if not isinstance(e, Mapping) or e.get("type", "training_debug_image") != (
            "training_debug_image"
        ):
            continue
        url = e.get("url")
        if isinstance(url, str) and url:
            media.append(
                MediaEvent(
                    metric=as_str(e.get("metric")),
                    variant=as_str(e.get("variant")),
                    iteration=as_int(e.get("iter")) or 0,
                    url=url,
                    key=as_str(e.get("key")),
                )
            )
    return media
