#!/usr/bin/env python3
"""Write the bundled example catalog (format 1) that ``dsreport init --example`` ships.

The data is fake but shaped like real data, so that the example shows every feature of the site:

- three datasets in two projects; ``pets`` has fourteen versions with a linear chain, branches
  (two versions with the same parent), a two-parent merge where the later parent wins, archived
  versions, ``final`` and ``draft`` statuses, SemVer numbers with a prerelease and ``1.10.0``;
- file entries that are added, modified, removed, copied and renamed between versions, and link
  entries to ``s3://`` and ``https://`` objects with and without a known size and hash;
- previews of every kind (CSV, TSV, JSONL, PNG, text, JSON, Markdown), console logs with ANSI
  colours and carriage-return progress lines, Markdown descriptions, tags (one with a space), a
  gzip-compressed manifest, a version without a task, ``extra`` objects.

Each version is a row in the tables below: its metadata plus the operations it applies to the
merged content of its parents. The generic code at the end applies them (deriving hashes, sizes,
origins and counters), gathers every file in memory and only then writes them. The output is
deterministic: two runs give byte-identical files.

Usage::

    python scripts/make_example.py [OUT_DIR]      # default: examples/catalog beside scripts/
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import io
import json
import shutil
import struct
import sys
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

DEFAULT_OUT = Path(__file__).resolve().parent.parent / "examples" / "catalog"

Entry = dict[str, Any]
"""One manifest entry, keys in manifest order (path, [link], size, hash, origin)."""
Content = dict[str, Entry]
"""A version's complete content, by path."""


# --------------------------------------------------------------------------- operations


@dataclass(frozen=True)
class Op:
    """One change that a version makes to the merged content of its parents."""

    kind: str
    """``add``, ``modify``, ``remove``, ``copy``, ``rename`` or ``link``."""
    paths: tuple[str, ...]
    """The paths acted on (``copy``, ``rename`` and ``link`` take exactly one)."""
    target: str = ""
    """``copy``/``rename``: the new path; ``link``: the URL the entry points at."""
    size_known: bool = True
    """``link`` only: whether the link's size is recorded (else null)."""
    hash_known: bool = True
    """``link`` only: whether the link's hash is recorded (else null)."""


def add(*paths: str) -> Op:
    """New files (each path must be absent from the parents' merged content)."""
    return Op("add", paths)


def modify(*paths: str) -> Op:
    """Files whose bytes change (each path must be present)."""
    return Op("modify", paths)


def remove(*paths: str) -> Op:
    """Files that go away (each path must be present)."""
    return Op("remove", paths)


def copy(src: str, dst: str) -> Op:
    """A new file ``dst`` with the same bytes (hash and size) as ``src``."""
    return Op("copy", (src,), dst)


def rename(src: str, dst: str) -> Op:
    """Move ``src`` to ``dst``: same bytes, new path, so the version introduces it."""
    return Op("rename", (src,), dst)


def link(path: str, url: str, *, size: bool = True, hashed: bool = True) -> Op:
    """A link entry at ``path`` pointing at ``url``; replaces (modifies) an existing one."""
    return Op("link", (path,), url, size, hashed)


def numbered(folder: str, stem: str, first: int, last: int, ext: str = ".png") -> list[str]:
    """``folder/stem_001.ext`` … for the numbers ``first`` to ``last`` inclusive."""
    return [f"{folder}/{stem}_{i:03d}{ext}" for i in range(first, last + 1)]


def cats(first: int, last: int) -> list[str]:
    """Cat images ``first`` to ``last``."""
    return numbered("images/cats", "cat", first, last)


def dogs(first: int, last: int) -> list[str]:
    """Dog images ``first`` to ``last``."""
    return numbered("images/dogs", "dog", first, last)


def signs(cls: str, first: int, last: int) -> list[str]:
    """Street-sign images of one class."""
    return numbered(f"images/{cls}", cls, first, last)


# --------------------------------------------------------------------------- table rows


@dataclass(frozen=True)
class VersionSpec:
    """One version of the example, as written in the tables below."""

    key: str
    """How other rows of the same dataset name it; the id itself, or hashed into a ClearML id."""
    version: str
    """The version number (``version`` in version.json)."""
    name: str
    """The version name."""
    parents: tuple[str, ...]
    """Keys of the parents, in merge order."""
    created: str
    """RFC 3339 UTC creation time."""
    updated: str
    """RFC 3339 UTC time of the last change (later than ``created`` for archived versions)."""
    ops: tuple[Op, ...]
    """What this version changes, applied in order to the merged content of its parents."""
    description: str = ""
    """Markdown."""
    tags: tuple[str, ...] = ()
    """Version tags."""
    archived: bool = False
    """Whether the version is in the archive."""
    status: str | None = "final"
    """``final``/``draft``; None leaves the optional key out."""
    task: str | None = None
    """Name of the task that produced the version; None writes ``"task": null``."""
    compressed: bool = True
    """Whether ``size_compressed`` is known (else null)."""
    counters: bool = False
    """Put ClearML-like runtime counters (``ds_file_count`` …) into ``extra``."""
    extra: tuple[tuple[str, object], ...] = ()
    """More raw ``extra`` keys, in order."""
    console: tuple[tuple[str, str], ...] | None = None
    """Write a console log: extra (level, message) lines for it; None means no log."""
    previews: tuple[str, ...] = ()
    """Paths of this version's files that get a preview sample."""
    gzip: bool = False
    """Write ``manifest.jsonl.gz`` instead of ``manifest.jsonl``."""


@dataclass(frozen=True)
class DatasetSpec:
    """One dataset of the example."""

    slug: str
    """Folder name."""
    name: str
    """Display name."""
    project: str
    """Project the dataset belongs to."""
    description: str
    """Markdown."""
    tags: tuple[str, ...]
    """Dataset tags."""
    clearml_ids: bool
    """True: version ids are 32 hex digits derived from the key; False: the key is the id."""
    task_urls: bool
    """Whether tasks carry the optional ``url``."""
    compression: float
    """Compressed / original bytes of what a version uploads."""
    versions: tuple[VersionSpec, ...]
    """Versions, parents before children."""


PETS_DESCRIPTION = """\
Photos of **cats**, **dogs** and, since 1.8.0, **birds**, collected for the *pet classifier*.

| class | folder | source |
| --- | --- | --- |
| cat | `images/cats/` | in-house photo shoots |
| dog | `images/dogs/` | shelter partner program |
| bird | `images/birds/` | [Open Images](https://storage.googleapis.com/openimages/web/index.html) |

Conventions:

- images are PNG, at most 512 px on the long side;
- labels live in `annotations/`, one JSON file per class, plus `annotations/labels.csv`;
- splits are plain-text lists of paths under `splits/`.

Get a local copy with ClearML:

```python
from clearml import Dataset

path = Dataset.get(dataset_project="Vision", dataset_name="Pet Images").get_local_copy()
```
"""

REVIEWS_DESCRIPTION = """\
Product reviews in **English**, **French** and **German**, labelled for sentiment.

The raw crawls are not copied into the dataset: they stay in the data lake and appear here as
*links* (`raw/`), some with a known size and hash, some without.

| split | file | rows (2.0) |
| --- | --- | ---: |
| train | `data/train.csv` | 180,000 |
| validation | `data/val.csv` | 10,000 |
| test | `data/test.csv` | 10,000 |

1. `data/reviews.jsonl` holds the cleaned text, one review per line;
2. `data/vocab.tsv` is the tokenizer vocabulary;
3. see [the labelling guide](https://example.com/wiki/sentiment-labelling) before relabelling.

```bash
dsreport show reviews-v3
```
"""

SIGNS_DESCRIPTION = """\
Street-level crops of traffic signs from dash-cam footage, one folder per class.

- *2025.11* was uploaded by hand (no task);
- later versions come from the `crop_signs` pipeline;
- the full-resolution footage is an external link, not part of the upload.

| class | meaning |
| --- | --- |
| `stop` | stop |
| `yield` | give way |
| `no_entry` | no entry |
| `speed_limit_30` / `speed_limit_50` | speed limits |
| `pedestrian_crossing` | zebra crossing |
"""

DATASETS: tuple[DatasetSpec, ...] = (
    DatasetSpec(
        slug="pets",
        name="Pet Images",
        project="Vision",
        description=PETS_DESCRIPTION,
        tags=("images", "classification"),
        clearml_ids=True,
        task_urls=True,
        compression=0.97,
        versions=(
            VersionSpec(
                key="1.0.0",
                version="1.0.0",
                name="Initial import",
                parents=(),
                created="2025-09-02T08:15:00Z",
                updated="2026-01-12T10:04:51Z",
                ops=(
                    add("README.md", "labels.csv", "annotations/cats.json"),
                    add("splits/train.txt", "splits/val.txt", *cats(1, 14), *dogs(1, 8)),
                    copy("images/cats/cat_013.png", "images/cats/cat 13 (copy).png"),
                ),
                description="First upload of the photo-shoot images.",
                tags=("baseline",),
                archived=True,
                task="import_pet_photos",
                previews=("images/cats/cat_001.png", "README.md"),
            ),
            VersionSpec(
                key="1.1.0",
                version="1.1.0",
                name="Add dogs",
                parents=("1.0.0",),
                created="2025-09-10T14:02:11Z",
                updated="2025-09-10T14:09:47Z",
                ops=(
                    add(*dogs(9, 16), "annotations/dogs.json"),
                    modify("labels.csv", "splits/train.txt", "splits/val.txt"),
                ),
                description="Eight more dogs and their annotations (`annotations/dogs.json`).",
                task="import_pet_photos",
                counters=True,
                console=(),
                previews=("images/dogs/dog_009.png",),
            ),
            VersionSpec(
                key="1.2.0",
                version="1.2.0",
                name="Fix cat annotations",
                parents=("1.1.0",),
                created="2025-09-24T09:41:00Z",
                updated="2025-09-24T09:52:18Z",
                ops=(
                    modify("annotations/cats.json", "labels.csv"),
                    modify("images/cats/cat_004.png", "images/cats/cat_009.png"),
                    add("splits/test.txt", "annotations/légende.md"),
                ),
                description=(
                    "Bounding boxes of **cats 4 and 9** were off by a few pixels; both images were"
                    " re-cropped.\n\nAlso adds a held-out `splits/test.txt`."
                ),
                task="fix_annotations",
                counters=True,
                console=(("note", "Re-cropped 2 images with the corrected boxes"),),
                previews=("annotations/cats.json",),
            ),
            VersionSpec(
                key="1.3.0",
                version="1.3.0",
                name="Resize to 128 px",
                parents=("1.2.0",),
                created="2025-10-01T16:20:00Z",
                updated="2025-10-09T08:00:00Z",
                ops=(modify(*cats(1, 14), "images/cats/cat 13 (copy).png", *dogs(1, 16)),),
                description=(
                    "Experiment: every image downscaled to 128 px. *Abandoned*: accuracy dropped"
                    " by 4 points, see 1.4.0 instead."
                ),
                tags=("experiment",),
                archived=True,
                status="draft",
                task="resize_images",
                counters=True,
                console=(
                    ("warning", "12 images were upscaled beyond their source resolution"),
                    ("error", "images/dogs/dog_005.png: resize failed, original kept"),
                ),
            ),
            VersionSpec(
                key="1.4.0",
                version="1.4.0",
                name="Remove blurry cats",
                parents=("1.2.0",),
                created="2025-10-03T11:05:42Z",
                updated="2025-10-03T11:12:03Z",
                ops=(
                    remove("images/cats/cat_006.png", "images/cats/cat_011.png"),
                    modify("labels.csv", "annotations/cats.json"),
                    modify("splits/train.txt", "splits/val.txt"),
                ),
                description="Drops two motion-blurred cat photos found during review.",
                task="quality_review",
                counters=True,
                console=(("warning", "2 images below the sharpness threshold were removed"),),
            ),
            VersionSpec(
                key="1.5.0",
                version="1.5.0",
                name="Metadata and class map",
                parents=("1.4.0",),
                created="2025-10-20T07:58:30Z",
                updated="2025-10-20T08:06:55Z",
                ops=(
                    add(*cats(15, 20), "class_map.json", "metadata/exif.jsonl"),
                    rename("labels.csv", "annotations/labels.csv"),
                    modify("splits/train.txt", "README.md"),
                ),
                description=(
                    "- six new cats\n"
                    "- `class_map.json` maps class names to ids\n"
                    "- `labels.csv` moved to `annotations/labels.csv`\n"
                    "- EXIF metadata in `metadata/exif.jsonl`"
                ),
                task="import_pet_photos",
                counters=True,
                console=(),
                previews=("splits/train.txt",),
            ),
            VersionSpec(
                key="1.6.0",
                version="1.6.0",
                name="Relabel dogs",
                parents=("1.5.0",),
                created="2025-11-04T13:30:00Z",
                updated="2025-11-04T13:41:27Z",
                ops=(
                    remove("images/dogs/dog_007.png", "images/dogs/dog_011.png"),
                    modify("annotations/dogs.json", "annotations/labels.csv", "splits/train.txt"),
                ),
                description="Two of the *dogs* were foxes: `dog_007` and `dog_011` are removed.",
                task="fix_annotations",
                counters=True,
                console=(),
            ),
            VersionSpec(
                key="1.7.0",
                version="1.7.0",
                name="Birds (experiment)",
                parents=("1.5.0",),
                created="2025-11-06T10:12:09Z",
                updated="2025-11-06T10:25:40Z",
                ops=(
                    add(*numbered("images/birds", "bird", 1, 10), "annotations/birds.json"),
                    modify("class_map.json", "annotations/labels.csv"),
                    modify("splits/train.txt", "splits/val.txt"),
                ),
                description=(
                    "A third class, branched from 1.5.0 while the dog relabelling was under way."
                ),
                tags=("experiment", "needs review"),
                status="draft",
                task="add_birds",
                counters=True,
                console=(("note", "New class 'bird' gets id 2 in class_map.json"),),
                previews=("images/birds/bird_001.png",),
            ),
            VersionSpec(
                key="1.8.0",
                version="1.8.0",
                name="Merge birds into main",
                parents=("1.6.0", "1.7.0"),
                created="2025-11-18T15:00:00Z",
                updated="2025-11-18T15:09:12Z",
                ops=(
                    modify("annotations/dogs.json", "annotations/labels.csv"),
                    modify("splits/train.txt", "README.md"),
                ),
                description=(
                    "Merges **1.6.0** and **1.7.0**, in that order: on the same path the later"
                    " parent wins.\n\n"
                    "> `dog_007` and `dog_011`, removed in 1.6.0, are still in 1.7.0, so they"
                    " come back here. 1.9.0 removes them again.\n\n"
                    "The dog annotations from 1.6.0 were re-applied on top of 1.7.0's."
                ),
                tags=("merge",),
                task="merge_branches",
                counters=True,
                console=(
                    ("note", "Merging 2 parents in order: 1.6.0, 1.7.0 (later parents win)"),
                    (
                        "warning",
                        "2 files removed in 1.6.0 come back from 1.7.0: images/dogs/dog_007.png,"
                        " images/dogs/dog_011.png",
                    ),
                ),
            ),
            VersionSpec(
                key="1.9.0",
                version="1.9.0",
                name="Deduplicate",
                parents=("1.8.0",),
                created="2025-12-01T09:00:00Z",
                updated="2025-12-01T09:03:31Z",
                ops=(
                    remove("images/cats/cat 13 (copy).png"),
                    remove("images/dogs/dog_007.png", "images/dogs/dog_011.png"),
                    modify("annotations/labels.csv", "splits/train.txt", "splits/val.txt"),
                ),
                description="Removes the copy of `cat_013` and, again, the two foxes.",
                task="deduplicate",
                counters=True,
                console=(("note", "1 duplicate found by hash: images/cats/cat 13 (copy).png"),),
            ),
            VersionSpec(
                key="1.9.1",
                version="1.9.1",
                name="EXIF orientation hotfix",
                parents=("1.9.0",),
                created="2025-12-03T17:45:10Z",
                updated="2026-01-12T10:05:02Z",
                ops=(
                    modify("images/cats/cat_002.png", "images/cats/cat_017.png"),
                    modify("images/dogs/dog_003.png", "metadata/exif.jsonl"),
                ),
                description="Rotated three images by their EXIF tag. Superseded by 1.10.0.",
                archived=True,
                status="draft",
                task="fix_orientation",
                counters=True,
            ),
            VersionSpec(
                key="1.10.0",
                version="1.10.0",
                name="Shelter partner dogs",
                parents=("1.9.0",),
                created="2026-01-15T12:00:00Z",
                updated="2026-01-15T12:14:45Z",
                ops=(
                    add(*dogs(17, 30), "sources/shelter_partner.csv"),
                    modify("annotations/dogs.json", "annotations/labels.csv"),
                    modify("splits/train.txt", "splits/val.txt", "splits/test.txt"),
                    modify("metadata/exif.jsonl"),
                ),
                description=(
                    "Fourteen dogs from the [shelter partner](https://example.org/shelter) program"
                    " (consent forms on file)."
                ),
                task="import_pet_photos",
                counters=True,
                console=(),
            ),
            VersionSpec(
                key="2.0.0-rc.1",
                version="2.0.0-rc.1",
                name="2.0 release candidate",
                parents=("1.10.0",),
                created="2026-02-20T08:30:00Z",
                updated="2026-02-20T08:36:17Z",
                ops=(
                    rename("splits/train.txt", "splits/v2/train.txt"),
                    rename("splits/val.txt", "splits/v2/val.txt"),
                    rename("splits/test.txt", "splits/v2/test.txt"),
                    modify("class_map.json", "README.md"),
                    add("LICENSE.txt"),
                ),
                description="Splits move to `splits/v2/`; adds a licence. Please review.",
                tags=("needs review",),
                status="draft",
                task="release",
                counters=True,
                console=(),
            ),
            VersionSpec(
                key="2.0.0",
                version="2.0.0",
                name="Pet Images 2.0",
                parents=("2.0.0-rc.1",),
                created="2026-03-01T09:30:00Z",
                updated="2026-03-01T09:41:08Z",
                ops=(modify("splits/v2/val.txt", "README.md", "annotations/birds.json"),),
                description=(
                    "The release used by *pet-classifier v3*.\n\n"
                    "| split | images |\n| --- | ---: |\n| train | 40 |\n| val | 8 |\n| test | 6 |"
                ),
                tags=("production",),
                task="release",
                counters=True,
                extra=(("approved_by", "data-review board"), ("ticket", "DATA-512")),
                console=(("note", "Tagged as production"),),
                previews=("README.md",),
            ),
        ),
    ),
    DatasetSpec(
        slug="reviews",
        name="Product Reviews",
        project="NLP",
        description=REVIEWS_DESCRIPTION,
        tags=("text", "sentiment", "multilingual"),
        clearml_ids=False,
        task_urls=False,
        compression=0.31,
        versions=(
            VersionSpec(
                key="reviews-v1",
                version="1.0",
                name="Initial crawl",
                parents=(),
                created="2025-10-14T06:00:00Z",
                updated="2025-10-14T06:47:33Z",
                ops=(
                    add("README.md", "config.json", "data/train.csv", "data/test.csv"),
                    add("data/reviews.jsonl", "data/vocab.tsv"),
                    link(
                        "raw/amazon_2023.jsonl.gz", "s3://acme-nlp-raw/reviews/amazon_2023.jsonl.gz"
                    ),
                    link(
                        "raw/yelp_2022.tar",
                        "https://data.example.com/yelp/yelp_2022.tar",
                        size=False,
                        hashed=False,
                    ),
                ),
                description="Crawled reviews, *English only*.",
                tags=("baseline",),
                task="crawl_reviews",
                console=(),
                previews=("README.md", "data/train.csv"),
            ),
            VersionSpec(
                key="reviews-v2",
                version="1.1",
                name="French and German",
                parents=("reviews-v1",),
                created="2025-12-09T10:20:00Z",
                updated="2025-12-09T11:02:10Z",
                ops=(
                    modify("data/train.csv", "data/test.csv", "data/reviews.jsonl"),
                    modify("data/vocab.tsv", "config.json"),
                    add("data/val.csv"),
                    link(
                        "raw/yelp_2022.tar",
                        "https://data.example.com/yelp/yelp_2022.tar",
                        hashed=False,
                    ),
                    link(
                        "raw/tripadvisor_fr.parquet",
                        "s3://acme-nlp-raw/reviews/tripadvisor_fr.parquet",
                    ),
                    link(
                        "raw/imdb 50k.csv",
                        "https://datasets.example.org/imdb/imdb%2050k.csv",
                        size=False,
                        hashed=False,
                    ),
                ),
                description=(
                    "Adds French and German reviews and a validation split.\n\n"
                    "The size of `raw/yelp_2022.tar` is now known, which counts as a change."
                ),
                task="clean_and_split",
                console=(
                    ("warning", "raw/imdb 50k.csv: size unknown, link recorded without hash"),
                ),
                previews=("data/reviews.jsonl", "data/vocab.tsv", "config.json"),
            ),
            VersionSpec(
                key="reviews-v3",
                version="2.0",
                name="LLM relabel",
                parents=("reviews-v2",),
                created="2026-02-02T19:00:00Z",
                updated="2026-02-02T19:00:00Z",
                ops=(
                    modify("data/train.csv", "data/val.csv", "data/test.csv"),
                    remove("raw/amazon_2023.jsonl.gz"),
                    add("LICENSE.txt"),
                ),
                description=(
                    "**Draft.** Labels re-done with an LLM judge; `raw/amazon_2023.jsonl.gz` is"
                    " dropped (licence expired). Upload not finished, so the compressed size is"
                    " unknown."
                ),
                tags=("needs review",),
                status="draft",
                task="relabel_with_llm",
                compressed=False,
                previews=("data/train.csv", "LICENSE.txt"),
            ),
        ),
    ),
    DatasetSpec(
        slug="signs",
        name="Street Signs",
        project="Vision",
        description=SIGNS_DESCRIPTION,
        tags=("images", "detection", "street level"),
        clearml_ids=False,
        task_urls=True,
        compression=0.95,
        versions=(
            VersionSpec(
                key="signs-2025.11",
                version="2025.11",
                name="Hand-labelled seed set",
                parents=(),
                created="2025-11-21T15:10:00Z",
                updated="2025-11-21T15:10:00Z",
                ops=(
                    add("README.md", "LICENSE.txt", "labels.tsv"),
                    add(*signs("stop", 1, 5), *signs("yield", 1, 5), *signs("no_entry", 1, 5)),
                    add(*signs("speed_limit_30", 1, 5)),
                ),
                description="Uploaded by hand from a laptop, hence no task.",
                tags=("baseline",),
                status=None,
                compressed=False,
                extra=(("uploaded_by", "j.doe"), ("camera", {"model": "DC-200", "fps": 30})),
                previews=("images/stop/stop_001.png", "LICENSE.txt"),
            ),
            VersionSpec(
                key="signs-2026.01",
                version="2026.01",
                name="Two more classes",
                parents=("signs-2025.11",),
                created="2026-01-08T08:00:00Z",
                updated="2026-01-08T08:21:37Z",
                ops=(
                    add(*signs("speed_limit_50", 1, 5), *signs("pedestrian_crossing", 1, 5)),
                    modify("labels.tsv", "README.md", "images/yield/yield_003.png"),
                ),
                description="Adds `speed_limit_50` and `pedestrian_crossing`.",
                task="crop_signs",
            ),
            VersionSpec(
                key="signs-2026.02",
                version="2026.02",
                name="February drive",
                parents=("signs-2026.01",),
                created="2026-02-27T22:05:00Z",
                updated="2026-02-27T23:31:44Z",
                ops=(
                    add(*signs("stop", 6, 60), *signs("yield", 6, 60)),
                    add(*signs("no_entry", 6, 60), *signs("speed_limit_30", 6, 60)),
                    add(*signs("speed_limit_50", 6, 60), *signs("pedestrian_crossing", 6, 60)),
                    modify("labels.tsv"),
                    link(
                        "raw/dashcam_2026-02.tar",
                        "s3://acme-vision/signs/raw/dashcam_2026-02.tar",
                    ),
                ),
                description="330 new crops from the February drive; manifest stored gzipped.",
                status="draft",
                task="crop_signs",
                extra=(
                    ("labeling_vendor", "Acme Labels Ltd."),
                    ("qa", {"passed": True, "reviewed": 330, "rejected": 4}),
                ),
                console=(("warning", "4 crops rejected by QA were not uploaded"),),
                previews=("images/no_entry/no_entry_001.png", "labels.tsv", "README.md"),
                gzip=True,
            ),
        ),
    ),
)

SITE_TOML = """\
# Settings for `dsreport build` (all optional).
[site]
title = "Example data catalog"
description = "The example catalog bundled with dsreport: pets, product reviews and street signs."
"""


# --------------------------------------------------------------------------- fake content


def sha256(text: str) -> str:
    """The sha256 hex digest of a UTF-8 string."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def md5(text: str) -> str:
    """The md5 hex digest of a UTF-8 string (32 lowercase hex, like ClearML ids)."""
    return hashlib.md5(text.encode("utf-8")).hexdigest()


SIZE_RANGES: dict[str, tuple[int, int]] = {
    ".png": (38_000, 420_000),
    ".json": (1_200, 48_000),
    ".jsonl": (200_000, 9_000_000),
    ".csv": (4_000, 2_500_000),
    ".tsv": (2_000, 300_000),
    ".txt": (300, 12_000),
    ".md": (900, 6_000),
}
"""Plausible file sizes by extension (bytes, low inclusive, high exclusive)."""
LINK_SIZES = (50_000_000, 4_000_000_000)
"""Plausible sizes of linked objects."""


def fake_size(path: str, digest: str, link: bool = False) -> int:
    """A plausible size for ``path``, derived from its hash so that it is deterministic."""
    low, high = LINK_SIZES if link else SIZE_RANGES.get(Path(path).suffix, (1_000, 100_000))
    return low + int(digest[:12], 16) % (high - low)


def file_entry(slug: str, path: str, vid: str) -> Entry:
    """A file entry whose (fake) bytes are introduced by version ``vid``."""
    digest = sha256(f"{slug}/{path}@{vid}")
    return {"path": path, "size": fake_size(path, digest), "hash": digest, "origin": vid}


def link_entry(op: Op, vid: str) -> Entry:
    """A link entry for a ``link`` operation of version ``vid``."""
    digest = sha256(f"{op.target}@{vid}")
    return {
        "path": op.paths[0],
        "link": op.target,
        "size": fake_size(op.paths[0], digest, link=True) if op.size_known else None,
        "hash": digest if op.hash_known else None,
        "origin": vid,
    }


def apply_ops(slug: str, vid: str, merged: Content, ops: Iterable[Op]) -> Content:
    """The content of version ``vid``: ``ops`` applied to its parents' merged content.

    Untouched entries keep their ``origin``; every entry an op writes gets ``vid``.
    """
    content = dict(merged)
    for op in ops:
        for path in op.paths:
            present = path in content
            if op.kind == "add":
                assert not present, f"{vid}: add of existing {path}"
                content[path] = file_entry(slug, path, vid)
            elif op.kind == "modify":
                assert present and "link" not in content[path], f"{vid}: modify of {path}"
                content[path] = file_entry(slug, path, vid)
            elif op.kind == "remove":
                assert present, f"{vid}: remove of missing {path}"
                del content[path]
            elif op.kind in ("copy", "rename"):
                assert present and op.target not in content, f"{vid}: {op.kind} of {path}"
                content[op.target] = {**content[path], "path": op.target, "origin": vid}
                if op.kind == "rename":
                    del content[path]
            elif op.kind == "link":
                content[path] = link_entry(op, vid)
            else:
                raise ValueError(f"unknown operation {op.kind!r}")
    return content


@dataclass(frozen=True)
class Changes:
    """What a version changed against its parents' merged content (as section 1 derives it)."""

    added: list[str]
    """Paths new in the version."""
    modified: list[str]
    """Paths whose hash (or, for links without hashes, size) changed."""
    removed: list[str]
    """Paths gone from the version."""
    size_change: int
    """Total size after minus total size before."""
    uploaded: int
    """Bytes of added and modified files (links are recorded, not uploaded)."""


def total_size(content: Content) -> int:
    """Sum of the known sizes."""
    return sum(int(e["size"]) for e in content.values() if e["size"] is not None)


def compute_changes(before: Content, after: Content) -> Changes:
    """The changes from ``before`` to ``after``."""
    added = sorted(set(after) - set(before))
    removed = sorted(set(before) - set(after))
    modified = []
    for path in sorted(set(after) & set(before)):
        old, new = before[path], after[path]
        hashed = old["hash"] is not None and new["hash"] is not None
        if (old["hash"] != new["hash"]) if hashed else (old["size"] != new["size"]):
            modified.append(path)
    uploaded = sum(int(after[p]["size"]) for p in added + modified if "link" not in after[p])
    return Changes(added, modified, removed, total_size(after) - total_size(before), uploaded)


def merge_parents(contents: dict[str, Content], parents: Iterable[str]) -> Content:
    """The parents' contents merged in order: later parents win on the same path."""
    merged: Content = {}
    for parent in parents:
        merged.update(contents[parent])
    return merged


# --------------------------------------------------------------------------- previews


def png(width: int, height: int, pixel: Callable[[int, int], tuple[int, int, int]]) -> bytes:
    """A valid 8-bit RGB PNG whose pixel ``(x, y)`` has the colour ``pixel(x, y)``."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    rows = b"".join(
        b"\x00" + bytes(c for x in range(width) for c in pixel(x, y)) for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


def animal_png(base: tuple[int, int, int], spot: tuple[int, int, int]) -> bytes:
    """A 64x48 gradient with a round 'head' in the middle."""

    def pixel(x: int, y: int) -> tuple[int, int, int]:
        if (x - 32) ** 2 + (y - 26) ** 2 < 14**2:
            return spot
        shade = (x + y) / (64 + 48)
        r, g, b = (int(c * (0.55 + 0.45 * shade)) for c in base)
        return (r, g, b)

    return png(64, 48, pixel)


def sign_png(shape: str) -> bytes:
    """A 48x48 traffic sign on a grey-blue street gradient: ``octagon`` (stop) or ``no_entry``."""

    def pixel(x: int, y: int) -> tuple[int, int, int]:
        dx, dy = abs(x - 23.5), abs(y - 23.5)
        inside = (
            max(dx, dy) <= 19 and dx + dy <= 27 if shape == "octagon" else dx**2 + dy**2 <= 19**2
        )
        if inside:
            bar = dy <= 3.5 and dx <= 13 if shape == "no_entry" else 18 <= y <= 29 and dx <= 14
            return (245, 245, 245) if bar else (200, 16, 32)
        return (90 + y, 100 + y, 120 + y)

    return png(48, 48, pixel)


def text(s: str) -> bytes:
    """UTF-8 bytes of a text file."""
    return s.encode("utf-8")


def json_bytes(obj: object) -> bytes:
    """Pretty JSON, as the catalog writes it."""
    return text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n")


def table(rows: list[list[object]], delimiter: str = ",") -> bytes:
    """CSV (or TSV) with ``\\n`` line ends."""
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return text(buf.getvalue())


def pets_readme(version: str, paths: list[str]) -> bytes:
    """The pets README, as it reads in ``version``."""
    counts = {
        kind: sum(p.startswith(f"images/{kind}/") for p in paths)
        for kind in ("cats", "dogs", "birds")
    }
    rows = "\n".join(f"| {kind} | {n} |" for kind, n in counts.items() if n)
    return text(
        f"# Pet Images {version}\n\n"
        "Photos for the *pet classifier*. Each image has exactly **one** animal.\n\n"
        f"| folder | images |\n| --- | ---: |\n{rows}\n\n"
        "## Layout\n\n"
        "- `images/<class>/` the photos\n"
        "- `annotations/` boxes and labels\n"
        "- `splits/` train / val / test lists\n\n"
        "```bash\nclearml-data get --project Vision --name 'Pet Images'\n```\n\n"
        "Questions? See the [team wiki](https://example.com/wiki/pets).\n"
    )


def cats_json(version: str, paths: list[str]) -> bytes:
    """A sample of ``annotations/cats.json``."""
    poses = ["sitting", "lying", "standing", "playing"]
    images = [p for p in paths if p.startswith("images/cats/cat_")][:5]
    return json_bytes(
        {
            "class": "cat",
            "version": version,
            "annotations": [
                {
                    "file": p,
                    "bbox": [4 + 3 * i, 6 + 2 * i, 40 - i, 36 - i],
                    "pose": poses[i % 4],
                    "occluded": i == 3,
                }
                for i, p in enumerate(images)
            ],
        }
    )


def split_list(version: str, paths: list[str]) -> bytes:
    """The head of a split file: 20 image paths."""
    images = [p for p in paths if p.startswith("images/")]
    return text("".join(f"{p}\n" for p in images[:20]))


REVIEWS = [
    ["r000001", 5, "en", "Great kettle", "Boils fast, and the handle stays cool.", "positive"],
    ["r000002", 1, "en", "Broke", 'Lid hinge snapped; support said "not covered".', "negative"],
    ["r000003", 3, "en", "OK for the price", "Does the job, a bit noisy.", "neutral"],
    ["r000004", 4, "en", "Nice, but", "Good sound, short cable (1,2 m).", "positive"],
    ["r000005", 2, "en", "Meh", "Colour faded after 3 washes.\nWould not buy again.", "negative"],
    ["r000006", 5, "fr", "Très bien", "Livraison rapide, produit conforme 👍", "positive"],
    ["r000007", 1, "de", "Enttäuschend", "Nach zwei Tagen defekt. Schade!", "negative"],
    ["r000008", 4, "en", "Solid", "Sturdy build; instructions unclear.", "positive"],
    ["r000009", 3, "fr", "Moyen", "Ni bon ni mauvais, l'emballage était abîmé.", "neutral"],
    ["r000010", 5, "de", "Super", "Genau wie beschrieben – gerne wieder.", "positive"],
    ["r000011", 1, "en", "Do not buy", "Stopped charging. <b>Avoid</b>.", "negative"],
    ["r000012", 4, "en", "Good value", "Works as advertised, 10/10 for the price.", "positive"],
]
"""Sample reviews: id, rating, language, title, text, label."""


def reviews_csv(version: str, paths: list[str]) -> bytes:
    """The head of a reviews split."""
    english = version == "1.0"
    rows = [r for r in REVIEWS if not english or r[2] == "en"]
    return table([["id", "rating", "lang", "title", "text", "label"], *rows])


def reviews_jsonl(version: str, paths: list[str]) -> bytes:
    """The head of ``data/reviews.jsonl``."""
    keys = ["id", "rating", "lang", "title", "text", "label"]
    return text(
        "".join(
            json.dumps(dict(zip(keys, r, strict=True)), ensure_ascii=False) + "\n" for r in REVIEWS
        )
    )


def vocab_tsv(version: str, paths: list[str]) -> bytes:
    """The head of the tokenizer vocabulary."""
    tokens = ["<pad>", "<unk>", "the", "and", "▁de", "▁la", "▁und", "good", "not", "très", "!"]
    rows: list[list[object]] = [["id", "token", "count", "doc_freq"]]
    rows += [[i, tok, 1_000_000 // (i + 1), 400_000 // (i + 2)] for i, tok in enumerate(tokens)]
    return table(rows, delimiter="\t")


def reviews_config(version: str, paths: list[str]) -> bytes:
    """``config.json`` of the reviews dataset."""
    return json_bytes(
        {
            "tokenizer": {"type": "bpe", "vocab_size": 32000, "lowercase": False},
            "languages": ["en", "fr", "de"],
            "splits": {"train": 0.9, "val": 0.05, "test": 0.05},
            "label_map": {"negative": 0, "neutral": 1, "positive": 2},
            "seed": 1234,
            "dedupe": True,
            "min_length": None,
        }
    )


def reviews_readme(version: str, paths: list[str]) -> bytes:
    """The reviews README."""
    return text(
        f"# Product Reviews {version}\n\n"
        "Sentiment-labelled product reviews.\n\n"
        "| label | meaning |\n| --- | --- |\n"
        "| positive | 4–5 stars |\n| neutral | 3 stars |\n| negative | 1–2 stars |\n\n"
        "1. Text is NFC-normalised.\n2. HTML is stripped.\n\n"
        "```python\nimport pandas as pd\n\ndf = pd.read_csv('data/train.csv')\n```\n"
    )


def license_txt(version: str, paths: list[str]) -> bytes:
    """A short licence text."""
    return text(
        "Creative Commons Attribution 4.0 International (CC BY 4.0)\n\n"
        "You are free to:\n"
        "  Share - copy and redistribute the material in any medium or format\n"
        "  Adapt - remix, transform, and build upon the material for any purpose\n\n"
        "Under the following terms:\n"
        "  Attribution - You must give appropriate credit, provide a link to the\n"
        "  license, and indicate if changes were made.\n\n"
        "Full text: https://creativecommons.org/licenses/by/4.0/legalcode\n"
    )


def signs_labels(version: str, paths: list[str]) -> bytes:
    """The head of ``labels.tsv``: one row per image."""
    rows: list[list[object]] = [["file", "class", "x", "y", "w", "h", "night"]]
    images = [p for p in paths if p.startswith("images/")]
    for i, p in enumerate(images[:: max(1, len(images) // 15)][:15]):
        rows.append([p, p.split("/")[1], 10 + i, 20 + 2 * i, 48, 48, i % 4 == 0])
    return table(rows, delimiter="\t")


def signs_readme(version: str, paths: list[str]) -> bytes:
    """The signs README."""
    return text(
        f"# Street Signs {version}\n\n"
        "Crops of traffic signs, **48×48 px**, from dash-cam footage.\n\n"
        "- `labels.tsv`: one row per crop (file, class, box, night)\n"
        "- `raw/`: a link to the full footage\n"
    )


PreviewMaker = Callable[[str, list[str]], bytes]
"""Makes a preview sample from the version number and the sorted paths of the version."""

PREVIEWS: dict[tuple[str, str], PreviewMaker] = {
    ("pets", "README.md"): pets_readme,
    ("pets", "annotations/cats.json"): cats_json,
    ("pets", "splits/train.txt"): split_list,
    ("pets", "images/cats/cat_001.png"): lambda v, p: animal_png((230, 140, 60), (90, 60, 40)),
    ("pets", "images/dogs/dog_009.png"): lambda v, p: animal_png((120, 160, 90), (140, 100, 60)),
    ("pets", "images/birds/bird_001.png"): lambda v, p: animal_png((90, 160, 230), (250, 210, 40)),
    ("reviews", "README.md"): reviews_readme,
    ("reviews", "data/train.csv"): reviews_csv,
    ("reviews", "data/reviews.jsonl"): reviews_jsonl,
    ("reviews", "data/vocab.tsv"): vocab_tsv,
    ("reviews", "config.json"): reviews_config,
    ("reviews", "LICENSE.txt"): license_txt,
    ("signs", "LICENSE.txt"): license_txt,
    ("signs", "README.md"): signs_readme,
    ("signs", "labels.tsv"): signs_labels,
    ("signs", "images/stop/stop_001.png"): lambda v, p: sign_png("octagon"),
    ("signs", "images/no_entry/no_entry_001.png"): lambda v, p: sign_png("no_entry"),
}
"""Preview sample makers, by dataset slug and the path of the file they sample."""


# --------------------------------------------------------------------------- console logs

RESET = "\x1b[0m"


def sgr(s: str, codes: str) -> str:
    """``s`` wrapped in an ANSI SGR sequence (``codes`` like ``1;31`` or ``38;5;208``)."""
    return f"\x1b[{codes}m{s}{RESET}"


LEVELS = {
    "note": sgr("NOTE", "38;2;95;175;255"),  # truecolor
    "warning": sgr("WARNING", "1;38;5;214"),  # bold, 256-colour
    "error": sgr(" ERROR ", "1;97;41"),  # bold, bright white on red
}
CLASS_COLOURS = [208, 34, 39, 170, 226, 196]
"""256-colour palette for the class-balance bars."""


def mib(n: int) -> str:
    """Bytes as ClearML prints them."""
    return f"{n / 2**20:.2f} MiB"


def parse_time(stamp: str) -> datetime:
    """An RFC 3339 ``…Z`` string as an aware datetime."""
    return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


def console_log(
    ds: DatasetSpec,
    spec: VersionSpec,
    vid: str,
    task: dict[str, str] | None,
    content: Content,
    changes: Changes,
) -> str:
    """A ClearML-like console log for uploading a version, with colours and progress lines."""
    start = parse_time(spec.created)
    tick = iter(range(0, 10_000, 3))

    def stamp() -> str:
        t = start + timedelta(seconds=next(tick), milliseconds=137)
        return t.strftime("%Y-%m-%d %H:%M:%S,") + f"{t.microsecond // 1000:03d}"

    info = sgr("INFO", "32")
    files = [e for e in content.values() if "link" not in e]
    links = len(content) - len(files)
    n = len(files)
    rate = f"{800 + n * 7.31:.2f}"
    lines = []
    if task is not None:
        lines.append(f"ClearML Task: created new task id={task['id']}")
    lines.append(f"{stamp()} - clearml.Task - {info} - No repository found, storing script code")
    if task is not None and "url" in task:
        lines.append(f"ClearML results page: {sgr(task['url'], '4')}")
    project_id = md5(f"project:{ds.project}")
    page = f"https://app.clear.ml/datasets/simple/{project_id}/experiments/{vid}"
    lines.append(f"ClearML dataset page: {sgr(page, '4')}")
    lines.append(f"Generating SHA2 hash for {n} files")
    lines.append(
        f"  0%|          | 0/{n} [00:00<?, ?it/s]\r"
        f" 50%|{'█' * 5}{' ' * 5}| {n // 2}/{n} [00:00<00:00, {rate}it/s]\r"
        f"100%|{'█' * 10}| {n}/{n} [00:00<00:00, {rate}it/s]"
    )
    lines.append("Hash generation completed")
    summary = ", ".join(
        [
            sgr(f"+{len(changes.added)} added", "92"),
            sgr(f"~{len(changes.modified)} modified", "93"),
            sgr(f"-{len(changes.removed)} removed", "91"),
        ]
    )
    lines.append(f"{sgr('Changes', '1')}: {summary} ({changes.size_change:+,} bytes)")
    lines += [f"  {sgr('removed', '2;90')} {p}" for p in changes.removed[:5]]
    lines += [
        f"{stamp()} - {ds.slug} - {LEVELS[level]} - {msg}" for level, msg in spec.console or ()
    ]
    classes = sorted({p.split("/")[1] for p in content if p.startswith("images/")})
    if classes:
        lines.append(sgr("Class balance:", "1;3"))
    for i, cls in enumerate(classes):
        count = sum(p.startswith(f"images/{cls}/") for p in content)
        width = max(1, min(24, count // 2))
        bar = sgr("█" * width, f"38;5;{CLASS_COLOURS[i % len(CLASS_COLOURS)]}")
        lines.append(f"  {cls:<20} {bar} {count}")
    uploaded = [p for p in changes.added + changes.modified if "link" not in content[p]]
    packed = round(changes.uploaded * ds.compression)
    if links:
        lines.append(f"{stamp()} - clearml.Dataset - {info} - {links} external links recorded")
    lines.append(f"Compressing local files, chunk 1 [remaining {len(uploaded)} files]")
    lines.append(
        f"Uploading dataset changes ({len(uploaded)} files compressed to {mib(packed)})"
        " to https://files.clear.ml"
    )
    lines.append("Uploading  10%\rUploading  50%\rUploading 100%")
    lines.append(
        f"File compression and upload completed: total size {mib(packed)},"
        f" 1 chunk(s) stored (average size {mib(packed)})"
    )
    done = "finalized" if spec.status in (None, "final") else "saved"
    status = sgr(spec.status or "completed", "38;2;0;200;120")
    lines.append(
        f"{stamp()} - clearml.Dataset - {info} - Dataset {sgr(ds.name, '1')}"
        f" version {spec.version} {done}: {status}"
    )
    lines.append(sgr(f"Get it with: clearml-data get --id {vid}", "3"))
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- catalog


def version_id(ds: DatasetSpec, key: str) -> str:
    """The catalog id of the version that ``ds``'s table calls ``key``."""
    return md5(f"dsreport-example/{ds.slug}/{key}") if ds.clearml_ids else key


def task_of(ds: DatasetSpec, spec: VersionSpec) -> dict[str, str] | None:
    """The version's ``task`` object (id, name, and url if the dataset's tasks have one)."""
    if spec.task is None:
        return None
    task_id = md5(f"task:{ds.slug}:{spec.key}")
    task = {"id": task_id, "name": spec.task}
    if ds.task_urls:
        project_id = md5(f"project:{ds.project}")
        task["url"] = f"https://app.clear.ml/projects/{project_id}/experiments/{task_id}/output/log"
    return task


def clearml_counters(
    content: Content, changes: Changes, compressed: int | None
) -> dict[str, object]:
    """The runtime counters ClearML keeps for a version, as an importer would copy them."""
    links = sum("link" in e for e in content.values())
    return {
        "ds_file_count": len(content) - links,
        "ds_link_count": links,
        "ds_total_size": total_size(content),
        "ds_total_size_compressed": compressed,
        "ds_change_add": len(changes.added),
        "ds_change_remove": len(changes.removed),
        "ds_change_modify": len(changes.modified),
        "ds_change_size": changes.size_change,
    }


def manifest_bytes(content: Content, compress: bool) -> bytes:
    """The manifest: one compact JSON object a line, sorted by path; gzip with mtime 0."""
    data = text(
        "".join(
            json.dumps(content[p], separators=(",", ":"), ensure_ascii=False) + "\n"
            for p in sorted(content)
        )
    )
    return gzip.compress(data, compresslevel=9, mtime=0) if compress else data


def build_catalog() -> dict[str, bytes]:
    """Every file of the example catalog, by POSIX path relative to the catalog folder."""
    files: dict[str, bytes] = {"dsreport.toml": text(SITE_TOML)}
    for ds in DATASETS:
        files[f"{ds.slug}/dataset.json"] = json_bytes(
            {
                "format": 1,
                "name": ds.name,
                "project": ds.project,
                "description": ds.description,
                "tags": list(ds.tags),
            }
        )
        contents: dict[str, Content] = {}
        for spec in ds.versions:
            vid = version_id(ds, spec.key)
            parents = [version_id(ds, key) for key in spec.parents]
            merged = merge_parents(contents, parents)
            content = contents[vid] = apply_ops(ds.slug, vid, merged, spec.ops)
            changes = compute_changes(merged, content)
            compressed = round(changes.uploaded * ds.compression) if spec.compressed else None
            assert compressed is None or 0 < compressed < total_size(content), vid
            task = task_of(ds, spec)
            meta: dict[str, object] = {
                "format": 1,
                "id": vid,
                "name": spec.name,
                "version": spec.version,
                "parents": parents,
                "created": spec.created,
                "updated": spec.updated,
                "task": task,
                "description": spec.description,
                "tags": list(spec.tags),
                "archived": spec.archived,
                "size_compressed": compressed,
            }
            if spec.status is not None:
                meta["status"] = spec.status
            extra = clearml_counters(content, changes, compressed) if spec.counters else {}
            extra.update(spec.extra)
            if extra:
                meta["extra"] = extra
            base = f"{ds.slug}/versions/{vid}"
            files[f"{base}/version.json"] = json_bytes(meta)
            name = "manifest.jsonl.gz" if spec.gzip else "manifest.jsonl"
            files[f"{base}/{name}"] = manifest_bytes(content, spec.gzip)
            if spec.console is not None:
                log = console_log(ds, spec, vid, task, content, changes)
                files[f"{base}/console.log"] = text(log)
            paths = sorted(content)
            for path in spec.previews:
                assert path in content, f"{vid}: preview of missing {path}"
                files[f"{base}/preview/{path}"] = PREVIEWS[ds.slug, path](spec.version, paths)
    return files


def write_catalog(out: Path, files: dict[str, bytes]) -> None:
    """Replace ``out`` with ``files``; refuse to delete a folder that is not a catalog."""
    if out.exists():
        if not out.is_dir():
            sys.exit(f"make_example: {out} exists and is not a folder")
        if any(out.iterdir()) and not (out / "dsreport.toml").is_file():
            sys.exit(f"make_example: {out} is not empty and has no dsreport.toml; not deleting it")
        shutil.rmtree(out)
    for rel in sorted(files):
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(files[rel])


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "out", nargs="?", type=Path, default=DEFAULT_OUT, help=f"default: {DEFAULT_OUT}"
    )
    args = parser.parse_args(argv)
    files = build_catalog()
    write_catalog(args.out, files)
    print(f"wrote {len(files)} files ({sum(map(len, files.values())):,} bytes) to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
