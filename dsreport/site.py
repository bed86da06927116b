"""``dsreport build``: gather everything, render every page, write aside, swap in.

Output layout::

    site/
      index.html                 catalog home
      d/<dataset>/index.html     dataset page (active versions); archive.html (archived ones)
      d/<dataset>/versions.csv   every version, plain CSV
      d/<dataset>/*.js           the page's data (classic scripts: they load from file://)
      v/<id>/index.html          version details; v/<id>/full.html full details
      assets/…                   CSS and JS, content-hashed names
      .dsreport-build.json       build status (see SiteWriter)

Incremental: a file whose bytes did not change since the previous build is not rewritten; it is
hard-linked from the previous site into the new one, keeping its inode and mtime.
Atomic: everything is written into a temporary sibling folder, which replaces the old site only
at the very end (two renames), so a failed or interrupted build leaves the previous site whole.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import orjson

from dsreport.errors import DsreportError
from dsreport.fsutil import aside_dir, swap_in
from dsreport.resources import assets_dir

STATUS_NAME = ".dsreport-build.json"
STATUS_FORMAT = 1


def content_hash(data: bytes) -> str:
    """sha256 hex of *data*: file digests in the build status and hashed file names."""
    return hashlib.sha256(data).hexdigest()


@dataclass
class SiteWriter:
    """Writes the files of one build into a staging folder beside the output.

    ``.dsreport-build.json`` maps each written file to the sha256 of its bytes::

        {"format": 1, "files": {"index.html": "9f2c…", "d/pets/index.html": "…"}}

    A file whose digest equals the previous build's is hard-linked from the old site instead of
    written (it is "not rewritten"); ``rewritten`` lists the others.
    """

    output: Path
    staging: Path = field(init=False)
    files: dict[str, str] = field(default_factory=dict)
    rewritten: list[str] = field(default_factory=list)
    _previous: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.output.exists() and not self.output.is_dir():
            raise DsreportError("exists and is not a folder", file=str(self.output))
        if self.output.is_dir() and any(self.output.iterdir()):
            status = self.output / STATUS_NAME
            if not status.is_file():
                raise DsreportError(
                    "folder is not empty and was not made by dsreport build: choose another",
                    file=str(self.output),
                )
            self._previous = _read_status(status)
        self.staging = aside_dir(self.output)

    def write(self, rel: str, data: bytes) -> None:
        """Write *data* at *rel* (a relative POSIX path) in the new site."""
        target = self._resolve(rel)
        digest = content_hash(data)
        if rel in self.files:
            raise DsreportError(f"two outputs claim the same file {rel!r}")
        self.files[rel] = digest
        target.parent.mkdir(parents=True, exist_ok=True)
        old = self.output / rel
        if self._previous.get(rel) == digest and old.is_file():
            try:
                os.link(old, target)
                return
            except OSError:
                pass  # a file system without hard links: write it
        target.write_bytes(data)
        self.rewritten.append(rel)

    def _resolve(self, rel: str) -> Path:
        pure = PurePosixPath(rel)
        if pure.is_absolute() or ".." in pure.parts or not pure.parts:
            raise DsreportError(f"refusing to write outside the site: {rel!r}")
        target = self.staging.joinpath(*pure.parts)
        if not target.resolve().is_relative_to(self.staging.resolve()):
            raise DsreportError(f"refusing to write outside the site: {rel!r}")
        return target

    def commit(self) -> None:
        """Write the build status and swap the new site in."""
        status = {"format": STATUS_FORMAT, "files": dict(sorted(self.files.items()))}
        (self.staging / STATUS_NAME).write_bytes(orjson.dumps(status, option=orjson.OPT_INDENT_2))
        swap_in(self.staging, self.output)

    def abort(self) -> None:
        """Throw the staging folder away; the previous site stays as it was."""
        shutil.rmtree(self.staging, ignore_errors=True)


def _read_status(path: Path) -> dict[str, str]:
    try:
        status = orjson.loads(path.read_bytes())
        files = status["files"] if status.get("format") == STATUS_FORMAT else {}
        return {str(k): str(v) for k, v in files.items()}
    except (OSError, orjson.JSONDecodeError, KeyError, TypeError, AttributeError):
        return {}  # an unreadable status only costs a full rewrite


def hashed_assets() -> dict[str, tuple[str, bytes]]:
    """Every shipped asset: logical name (``js/core.js``) -> (site path with hash, bytes)."""
    root = assets_dir()
    assets: dict[str, tuple[str, bytes]] = {}
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.name.startswith("."):
            continue
        logical = path.relative_to(root).as_posix()
        data = path.read_bytes()
        stem, dot, suffix = path.name.partition(".")
        hashed = (
            f"{stem}.{content_hash(data)[:10]}{dot}{suffix}"
            if dot
            else f"{stem}.{content_hash(data)[:10]}"
        )
        assets[logical] = (str(PurePosixPath("assets", logical).with_name(hashed)), data)
    return assets


def write_site(
    output: Path,
    outputs: Iterable[Iterable[tuple[str, bytes]]],
    on_file: Callable[[str], None] | None = None,
) -> SiteWriter:
    """Write every (relative path, bytes) of *outputs* into a new site at *output*, atomically."""
    writer = SiteWriter(output)
    try:
        for group in outputs:
            for rel, data in group:
                writer.write(rel, data)
                if on_file:
                    on_file(rel)
        writer.commit()
    except BaseException:
        writer.abort()
        raise
    return writer
