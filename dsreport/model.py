"""Typed models of catalog format 1.

The documents of a catalog (``dataset.json``, ``version.json``, a manifest line, ``dsreport.toml``)
are pydantic dataclasses: the same definitions validate the files and generate the JSON Schema
that ``dsreport schema`` prints, so the two cannot drift. Each field's docstring is its
description in the schema. The catalog as a whole (:class:`Catalog`) is a plain, cheap type,
and so is the in-memory manifest entry (:class:`Entry`, defined in :mod:`dsreport.entry`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass as plain_dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, ConfigDict, Field
from pydantic.dataclasses import dataclass

# Re-exported: the entry and its limits are defined without pydantic (see dsreport.entry).
from dsreport.entry import ID_PATTERN as ID_PATTERN
from dsreport.entry import MAX_INT as MAX_INT
from dsreport.entry import Content as Content
from dsreport.entry import Entry as Entry

FORMAT = 1
"""The catalog format this version of dsreport reads and writes."""

SLUG_PATTERN = r"^[a-z0-9][a-z0-9._-]*$"
HASH_PATTERN = r"^[0-9a-f]{64}$"
RFC3339_PATTERN = (
    r"^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?"
    r"(Z|[+-][0-9]{2}:[0-9]{2})$"
)

_RFC3339 = re.compile(RFC3339_PATTERN)


def parse_rfc3339(value: str) -> datetime:
    """Parse an RFC 3339 timestamp (``2026-03-01T09:30:00Z``, ``…+02:00``) into an aware datetime.

    Raises ``ValueError`` for anything else, including impossible dates (month 13, Feb 30).
    """
    match = _RFC3339.fullmatch(value)
    if not match:
        raise ValueError("expected an RFC 3339 date-time such as 2026-03-01T09:30:00Z")
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    fraction, zone = match.group(7), match.group(8)
    micro = int((fraction[1:7]).ljust(6, "0")) if fraction else 0
    if zone == "Z":
        tz = timezone.utc
    else:
        hours, minutes = int(zone[1:3]), int(zone[4:6])
        if hours > 23 or minutes > 59:
            raise ValueError(f"not a valid UTC offset: {zone}")
        sign = -1 if zone[0] == "-" else 1
        tz = timezone(sign * timedelta(hours=hours, minutes=minutes))
    try:
        return datetime(year, month, day, hour, minute, second, micro, tz)
    except ValueError as exc:
        raise ValueError(f"not a valid date-time: {exc}") from None


def _check_rfc3339(value: str) -> str:
    parse_rfc3339(value)
    return value


def _check_relative_path(value: str) -> str:
    problem = path_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def path_problem(path: str) -> str | None:
    """Say what is wrong with a manifest path, or return ``None`` for a good one.

    A good path is relative POSIX: no leading ``/``, no empty, ``.`` or ``..`` segment, no NUL.
    A backslash is an ordinary character in a POSIX name, so it is allowed.
    """
    if not path:
        return "expected a relative POSIX path, got an empty string"
    if path.startswith("/"):
        return "expected a relative path, got an absolute one"
    if "\x00" in path:
        return "a path cannot hold a NUL character"
    for segment in path.split("/"):
        if segment == "":
            return "expected no empty segment ('//' or a trailing '/')"
        if segment in (".", ".."):
            return f"expected no '{segment}' segment: a path stays inside its version"
    return None


Id = Annotated[str, Field(pattern=ID_PATTERN, description="A version id: letters, digits, . _ -")]
Timestamp = Annotated[
    str,
    Field(json_schema_extra={"format": "date-time", "pattern": RFC3339_PATTERN}),
    AfterValidator(_check_rfc3339),
]
Size = Annotated[int, Field(ge=0, le=MAX_INT)]
Hash = Annotated[str, Field(pattern=HASH_PATTERN, description="sha256, 64 lowercase hex digits")]
PATH_PATTERN = r"^(?!\.\.?(/|$))(?!.*/\.\.?(/|$))[^/\u0000]+(/[^/\u0000]+)*$"
"""Relative POSIX path with no empty, ``.`` or ``..`` segment and no NUL: the schema's pattern.

Lookaheads are valid in JSON Schema (ECMA 262) but not in pydantic's regex engine, so the models
check paths with :func:`path_problem` and only the schema carries the pattern.
"""
RelPath = Annotated[
    str,
    Field(
        description="Relative POSIX path inside the version",
        json_schema_extra={"pattern": PATH_PATTERN},
    ),
    AfterValidator(_check_relative_path),
]

DOC_CONFIG = ConfigDict(
    extra="forbid", strict=True, frozen=True, use_attribute_docstrings=True, title=None
)


@dataclass(config=DOC_CONFIG)
class DatasetJson:
    """``<dataset>/dataset.json``: one dataset."""

    format: Literal[1]
    """Catalog format: always 1."""
    name: str
    """Display name."""
    project: str
    """Project the dataset belongs to (a ClearML project, a team, …)."""
    description: str
    """Markdown, rendered safely (no raw HTML)."""
    tags: tuple[str, ...]
    """Free-form labels."""


@dataclass(config=DOC_CONFIG)
class Task:
    """The task (job, pipeline step) that produced a version."""

    id: str
    """The task's id in its system."""
    name: str
    """The task's name."""
    url: str | None = None
    """Where to see the task (http or https); optional."""


@dataclass(config=DOC_CONFIG)
class VersionJson:
    """``<dataset>/versions/<id>/version.json``: one version of a dataset."""

    format: Literal[1]
    """Catalog format: always 1."""
    id: Id
    """Unique in the whole catalog; equals the version's folder name."""
    name: str
    """Version name."""
    version: str
    """Version number, usually SemVer (1.2.0); any string sorts sensibly."""
    parents: tuple[Id, ...]
    """Parent version ids, in merge order (later parents win on the same path)."""
    created: Timestamp
    """When the version was created (RFC 3339)."""
    updated: Timestamp
    """When the version last changed (RFC 3339)."""
    task: Task | None
    """The task that produced the version, or null."""
    description: str
    """Markdown, rendered safely (no raw HTML)."""
    tags: tuple[str, ...]
    """Free-form labels."""
    archived: bool
    """Archived versions are hidden from the default versions list."""
    size_compressed: Size | None
    """Compressed size in bytes, when known."""
    status: str | None = None
    """Optional state, e.g. final or draft."""
    extra: dict[str, Any] | None = None
    """Anything a source carried that has no key here, shown raw on the full-details page."""


@dataclass(config=DOC_CONFIG)
class FileEntry:
    """A manifest line for a file held by the version."""

    path: RelPath
    """Relative POSIX path inside the version; unique; lines are sorted by path."""
    size: Size
    """Size in bytes."""
    hash: Hash
    """sha256 of the content, 64 lowercase hex digits."""
    origin: Id
    """The version that introduced this content: the version itself or an ancestor."""


@dataclass(config=DOC_CONFIG)
class LinkEntry:
    """A manifest line for a link: content kept elsewhere (s3://, https://, …)."""

    path: RelPath
    """Relative POSIX path inside the version; unique; lines are sorted by path."""
    link: str
    """Where the content lives (a URL)."""
    size: Size | None
    """Size in bytes, when known."""
    hash: Hash | None
    """sha256 of the content, when known."""
    origin: Id
    """The version that introduced this link: the version itself or an ancestor."""


@dataclass(config=DOC_CONFIG)
class SiteSection:
    """``[site]`` in ``dsreport.toml``."""

    title: str = "Dataset catalog"
    """Title of the site."""
    base_url: str | None = None
    """Public URL the site is published at (used for absolute links and feeds)."""
    description: str = ""
    """One paragraph shown on the catalog home (Markdown)."""


@dataclass(config=DOC_CONFIG)
class BuildSection:
    """``[build]`` in ``dsreport.toml``."""

    output: str = "site"
    """Default output folder of ``dsreport build``, relative to the current directory."""


@dataclass(config=DOC_CONFIG)
class PreviewSection:
    """``[preview]`` in ``dsreport.toml``: what ``dsreport snapshot`` keeps as previews."""

    enabled: bool = True
    """Keep previews at all."""
    max_rows: Annotated[int, Field(ge=0, le=10_000)] = 20
    """Rows kept from CSV, TSV and JSONL files."""
    max_text_bytes: Annotated[int, Field(ge=0, le=1_000_000)] = 4096
    """Bytes kept from the head of text files."""
    max_image_px: Annotated[int, Field(ge=16, le=4096)] = 256
    """Longest side of image thumbnails, in pixels."""
    max_files: Annotated[int, Field(ge=0, le=10_000)] = 20
    """Previews kept per version, at most."""
    exclude: tuple[str, ...] = ()
    """Glob patterns of paths never previewed."""


@dataclass(config=DOC_CONFIG)
class CatalogConfig:
    """``dsreport.toml`` at the catalog root (optional)."""

    site: SiteSection = SiteSection()
    """Site settings."""
    build: BuildSection = BuildSection()
    """Build settings."""
    preview: PreviewSection = PreviewSection()
    """Preview settings."""


@plain_dataclass(frozen=True)
class Version:
    """A version in a loaded catalog: its document and where its files are."""

    meta: VersionJson
    """The parsed ``version.json``."""
    dataset: str
    """Slug of the dataset the version belongs to."""
    folder: Path
    """The version's folder."""
    manifest_path: Path
    """``manifest.jsonl`` or ``manifest.jsonl.gz``."""

    @property
    def id(self) -> str:
        """The version id."""
        return self.meta.id

    @property
    def console_path(self) -> Path:
        """Where the optional console log is."""
        return self.folder / "console.log"

    @property
    def preview_dir(self) -> Path:
        """Where the optional previews are."""
        return self.folder / "preview"


@plain_dataclass(frozen=True)
class Dataset:
    """A dataset in a loaded catalog."""

    slug: str
    """The dataset's folder name."""
    meta: DatasetJson
    """The parsed ``dataset.json``."""
    folder: Path
    """The dataset's folder."""
    version_ids: tuple[str, ...]
    """Ids of its versions, in folder order."""


@plain_dataclass(frozen=True)
class Catalog:
    """A loaded, valid catalog."""

    root: Path
    """The catalog folder."""
    config: CatalogConfig
    """``dsreport.toml`` (defaults when absent)."""
    datasets: Mapping[str, Dataset]
    """Datasets by slug, in slug order."""
    versions: Mapping[str, Version]
    """Every version by id."""

    def parents(self) -> dict[str, tuple[str, ...]]:
        """Each version's parents, by id."""
        return {vid: v.meta.parents for vid, v in self.versions.items()}
