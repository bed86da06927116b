"""``dsreport init``: a new catalog, empty or filled with the bundled example."""

from __future__ import annotations

import shutil
from pathlib import Path

from dsreport.catalog.load import CONFIG_NAME
from dsreport.errors import DsreportError
from dsreport.fsutil import aside_dir, swap_in
from dsreport.resources import example_catalog_dir

EMPTY_CONFIG = """\
# dsreport catalog settings (all optional). See `dsreport schema --kind config`.
[site]
title = "Dataset catalog"
description = ""
"""


def init_catalog(target: Path, *, example: bool = False) -> Path:
    """Create a catalog at *target*: refused when *target* exists and is not an empty folder.

    The catalog is written aside and renamed into place, so a failure leaves nothing behind.
    """
    if target.exists():
        if not target.is_dir():
            raise DsreportError("exists and is not a folder", file=str(target))
        if any(target.iterdir()):
            raise DsreportError(
                "folder is not empty: choose a new or empty folder", file=str(target)
            )
    staging = aside_dir(target)
    try:
        if example:
            source = example_catalog_dir()
            if not source.is_dir():
                raise DsreportError(
                    "the bundled example catalog is missing from this installation",
                    file=str(source),
                )
            shutil.copytree(source, staging, dirs_exist_ok=True)
        else:
            (staging / CONFIG_NAME).write_text(EMPTY_CONFIG, encoding="utf-8")
        if target.exists():
            target.rmdir()
        swap_in(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target
