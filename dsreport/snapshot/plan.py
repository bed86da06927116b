"""Where a snapshot goes: its dataset, its parents, its version number and id (pure decisions).

- ``--dataset NAME`` names an existing dataset by its folder name (slug) or its display name;
  a NAME that is neither makes a new dataset, whose folder name is :func:`slugify` of NAME.
- ``--parent ID`` is any version of the catalog; ``--parent latest`` is the dataset's latest
  version (highest version number among its active versions, then the newest); for a dataset
  without versions yet, ``latest`` means no parent. Several ``--parent`` make a merge, in order.
- Without ``--version``, the number is the highest parent's bumped (``1.2.0`` → ``1.2.1``), or
  for a version without parents the dataset's highest bumped, or ``1.0.0`` for its first
  version; a number the dataset already uses is bumped again. ``--version`` must be unused.
- Version ids are 32 random lowercase hex digits (a UUID4 without dashes), as in ClearML.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import uuid
from collections.abc import Sequence

from dsreport.errors import DsreportError
from dsreport.model import Catalog, Version, parse_rfc3339
from dsreport.textsafe import safe_text
from dsreport.versioning import bump_version, version_key

FIRST_VERSION = "1.0.0"
"""The number of a dataset's first version when none is given."""
LATEST = "latest"
"""The ``--parent`` value that means the dataset's latest version."""
SLUG_MAX = 64
"""Longest slug made from a name."""


def slugify(name: str) -> str:
    """The folder name of a new dataset called *name*.

    Accents are dropped (NFKD, ASCII), letters lowered, every run of other characters becomes
    ``-``, and ``-._`` are trimmed from both ends; at most :data:`SLUG_MAX` characters. A name
    with no ASCII letter or digit gets ``dataset-`` and 8 hex digits of its sha256.
    """
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9._-]+", "-", ascii_name).strip("-._")
    slug = slug[:SLUG_MAX].rstrip("-._")
    if not slug:
        slug = "dataset-" + hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return slug


def find_dataset(catalog: Catalog, name: str) -> tuple[str, bool]:
    """The slug of the dataset *name* designates, and whether it exists already."""
    if not name.strip():
        raise DsreportError("expected a dataset name, got an empty string", field="--dataset")
    if name in catalog.datasets:
        return name, True
    named = [slug for slug, d in catalog.datasets.items() if d.meta.name == name]
    if len(named) == 1:
        return named[0], True
    if named:
        raise DsreportError(
            f"{name!r} is the name of several datasets ({', '.join(named)}): "
            "give the folder name of one",
            field="--dataset",
        )
    slug = slugify(name)
    if slug in catalog.datasets or (catalog.root / slug).exists():
        held = catalog.datasets.get(slug)
        what = f"the dataset {held.meta.name!r}" if held else "something that is not a dataset"
        raise DsreportError(
            f"a new dataset {name!r} would go in the folder {slug!r}, which holds {what}: "
            f"give --dataset {slug} to add a version to it, or choose another name",
            field="--dataset",
        )
    return slug, False


def dataset_versions(catalog: Catalog, slug: str) -> list[Version]:
    """The versions of the dataset *slug* (none for a new dataset)."""
    return [v for v in catalog.versions.values() if v.dataset == slug]


def latest_version(versions: Sequence[Version]) -> Version | None:
    """The latest of *versions*: highest number among active ones (all if all are archived)."""
    pool = [v for v in versions if not v.meta.archived] or list(versions)
    if not pool:
        return None
    return max(
        pool,
        key=lambda v: (version_key(v.meta.version), parse_rfc3339(v.meta.created), v.id),
    )


def resolve_parents(
    catalog: Catalog, versions: Sequence[Version], requested: Sequence[str]
) -> tuple[tuple[str, ...], list[str]]:
    """Parent ids from ``--parent`` values, and notes to print."""
    parents: list[str] = []
    notes: list[str] = []
    for value in requested:
        if value == LATEST:
            latest = latest_version(versions)
            if latest is None:
                notes.append("--parent latest: the dataset has no version yet, so none is used")
                continue
            pid = latest.id
        elif value in catalog.versions:
            pid = value
        else:
            raise DsreportError(
                f"unknown version id {safe_text(value)!r} (expected an id of the catalog or "
                f"'{LATEST}')",
                field="--parent",
            )
        if pid in parents:
            raise DsreportError(f"version {pid!r} is given twice", field="--parent")
        parents.append(pid)
    return tuple(parents), notes


def next_version(catalog: Catalog, versions: Sequence[Version], parents: Sequence[str]) -> str:
    """The number of a new version when none is given (see the module's docstring)."""
    used = {v.meta.version for v in versions}
    if parents:
        base = max((catalog.versions[p].meta.version for p in parents), key=version_key)
    elif used:
        base = max(used, key=version_key)
    else:
        return FIRST_VERSION
    number = bump_version(base)
    while number in used:
        number = bump_version(number)
    return number


def check_version(number: str, versions: Sequence[Version]) -> str:
    """A ``--version`` value, checked: not empty, one line, and not used in the dataset."""
    number = number.strip()
    if not number or safe_text(number) != number:
        raise DsreportError(
            "expected a version number such as 1.2.0 (not empty, no control characters)",
            field="--version",
        )
    for v in versions:
        if v.meta.version == number:
            raise DsreportError(
                f"{number!r} is already the number of version {v.id} of this dataset",
                field="--version",
            )
    return number


def check_tags(tags: Sequence[str]) -> tuple[str, ...]:
    """``--tag`` values, checked (not empty) and without repeats, in the order given."""
    for tag in tags:
        if not tag.strip():
            raise DsreportError("expected a tag, got an empty string", field="--tag")
    return tuple(dict.fromkeys(tags))


def new_version_id(catalog: Catalog) -> str:
    """A fresh version id: 32 random lowercase hex digits, unused in the catalog."""
    while True:
        vid = uuid.uuid4().hex
        if vid not in catalog.versions:
            return vid
