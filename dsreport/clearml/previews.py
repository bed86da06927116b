"""Previews from what the SDK reported: tables (plots) and debug samples (media) (pure).

When a dataset is uploaded, the SDK reports samples of its files: images (metric ``Images``),
JSON files (``JSON``, stored as ``.txt``), CSV heads (``Tables``: a table plot, or CSV text as a
debug sample), and videos, audio and HTML pages. Users report more with the dataset's logger.
The catalog keeps those the site can show, as files under ``preview/`` whose extension says what
they are: tables as ``.csv``, JSON as ``.json``, other text as it was named (``.csv``, ``.tsv``,
``.jsonl``, ``.md``) or ``.txt``, images as ``.png``, ``.jpg``, ``.gif`` or ``.webp`` (checked by
their bytes, not their name). Videos, audio, HTML (unsafe to show), non-table plots and
ClearML's own ``__…`` plots (lineage, summary) are left out.

A preview is named after the file it samples when the reported name matches exactly one
entry's file name (``b.csv`` -> ``data/b.csv``), else ``<metric>/<variant>``. Of a sample
reported at several iterations, the last is kept.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

import orjson

from dsreport.clearml.records import MediaEvent, PlotEvent
from dsreport.clearml.state import hostile_path_problem

MAX_PREVIEW_BYTES = 2 * 1024 * 1024
"""A larger sample is not kept (the SDK itself samples files of up to 5 MB)."""
MAX_PREVIEWS = 100
"""Previews kept per version, at most."""
SDK_METRICS = ("Images", "JSON", "Tables")
"""Metrics of the samples the SDK reports for a dataset's own files."""
SKIPPED_METRICS = ("Videos", "Audio", "HTML")
"""Metrics of samples the site cannot show (or must not: HTML)."""
SKIPPED_SUFFIXES = frozenset(
    (".mp4", ".webm", ".avi", ".mov", ".mkv", ".wav", ".mp3", ".ogg", ".flac", ".m4a")
    + (".html", ".htm", ".svg")
)
"""Samples stored under these extensions are not downloaded."""
TEXT_SUFFIXES = (".csv", ".tsv", ".jsonl", ".json", ".md", ".txt")
"""Text previews keep these extensions; other text gets ``.txt``."""
_IMAGE_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", ".png"),
    (b"\xff\xd8\xff", ".jpg"),
    (b"GIF87a", ".gif"),
    (b"GIF89a", ".gif"),
)
_UNSAFE_SEGMENT = re.compile(r"[\x00-\x1f\x7f-\x9f/\\\u2028\u2029]")


@dataclass(frozen=True)
class PlannedPreview:
    """A preview to keep: a table already converted, or a sample still to download."""

    name: str
    """Path under ``preview/`` (its extension may still change once the bytes are known)."""
    table: bytes | None = None
    """CSV bytes of a table plot."""
    media: MediaEvent | None = None
    """The debug sample to download."""


def image_suffix(data: bytes) -> str | None:
    """``.png``, ``.jpg``, ``.gif`` or ``.webp`` when *data* starts like such an image."""
    for magic, suffix in _IMAGE_MAGIC:
        if data.startswith(magic):
            return suffix
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ".webp"
    return None


def safe_segment(text: str) -> str:
    """*text* as one harmless path segment (no slash, control character, or dot-only name)."""
    text = _UNSAFE_SEGMENT.sub("_", text).strip()[:100]
    text = "".join(c if not ("\ud800" <= c <= "\udfff") else "_" for c in text)
    return "_" if text in ("", ".", "..") else text


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (list, dict)):
        return orjson.dumps(value).decode()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _header(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return " ".join(_cell(v) for v in value)
    return _cell(value)


def table_csv(plot: str) -> bytes | None:
    """CSV bytes of a Plotly table plot (``None`` when the plot is not a table)."""
    try:
        doc = orjson.loads(plot)
    except orjson.JSONDecodeError:
        return None
    data = doc.get("data") if isinstance(doc, dict) else None
    if not isinstance(data, list) or not data or not isinstance(data[0], dict):
        return None
    table = data[0]
    if table.get("type") != "table":
        return None
    header = (
        table.get("header", {}).get("values") if isinstance(table.get("header"), dict) else None
    )
    cells = table.get("cells", {}).get("values") if isinstance(table.get("cells"), dict) else None
    headers = [_header(h) for h in header] if isinstance(header, list) else []
    columns = [c if isinstance(c, list) else [c] for c in cells] if isinstance(cells, list) else []
    width = max(len(headers), len(columns))
    depth = max((len(c) for c in columns), default=0)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if headers:
        writer.writerow(headers + [""] * (width - len(headers)))
    for row in range(depth):
        writer.writerow(
            [
                _cell(columns[c][row]) if c < len(columns) and row < len(columns[c]) else ""
                for c in range(width)
            ]
        )
    return out.getvalue().encode("utf-8", "replace")


def _latest(events: Iterable[Any]) -> list[Any]:
    """Of events with the same metric and variant, the one of the last iteration."""
    latest: dict[tuple[str, str], Any] = {}
    for e in events:
        key = (e.metric, e.variant)
        if key not in latest or e.iteration >= latest[key].iteration:
            latest[key] = e
    return list(latest.values())


def _base_name(metric: str, variant: str, by_basename: dict[str, list[str]]) -> str:
    matches = by_basename.get(variant, [])
    if len(matches) == 1:
        return matches[0]
    return f"{safe_segment(metric)}/{safe_segment(variant)}"


def plan_previews(
    plots: Sequence[PlotEvent], media: Sequence[MediaEvent], paths: Iterable[str]
) -> list[PlannedPreview]:
    """Choose the previews of a version from its reported plots and samples.

    *paths* are the version's entry paths, to name previews after the files they sample.
    """
    by_basename: dict[str, list[str]] = {}
    if plots or media:
        for path in paths:
            by_basename.setdefault(path.rpartition("/")[2], []).append(path)
    planned: list[PlannedPreview] = []
    for plot in sorted(_latest(plots), key=lambda p: (p.metric, p.variant)):
        if plot.metric.startswith("__"):
            continue
        csv_bytes = table_csv(plot.plot)
        if csv_bytes is None or len(csv_bytes) > MAX_PREVIEW_BYTES:
            continue
        name = _base_name(plot.metric, plot.variant, by_basename)
        planned.append(PlannedPreview(name=_with_suffix(name, ".csv"), table=csv_bytes))
    for sample in sorted(_latest(media), key=lambda m: (m.metric, m.variant)):
        if sample.metric in SKIPPED_METRICS:
            continue
        if PurePosixPath(sample.url.split("?")[0]).suffix.lower() in SKIPPED_SUFFIXES:
            continue
        if sample.metric in SDK_METRICS:
            name = _base_name(sample.metric, sample.variant, by_basename)
        else:
            name = f"{safe_segment(sample.metric)}/{safe_segment(sample.variant)}"
        planned.append(PlannedPreview(name=name, media=sample))
    return planned[:MAX_PREVIEWS]


def _with_suffix(name: str, suffix: str) -> str:
    return name if name.endswith(suffix) else name + suffix


def sample_preview(planned: PlannedPreview, data: bytes) -> tuple[str, bytes] | None:
    """The preview file (name, bytes) for a downloaded sample, or ``None`` if it is not shown.

    Images keep their bytes and get the extension their bytes say; text is kept as UTF-8
    (JSON only when it parses); anything else is dropped.
    """
    if planned.media is None or len(data) > MAX_PREVIEW_BYTES:
        return None
    metric, name = planned.media.metric, planned.name
    suffix = image_suffix(data)
    if suffix is not None:
        return _with_suffix(name, suffix), data
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if "\x00" in text:
        return None
    if metric == "Tables":
        return _with_suffix(name, ".csv"), data
    if metric == "JSON" or name.endswith(".json"):
        try:
            orjson.loads(data)
        except orjson.JSONDecodeError:
            return name + ".txt", data
        return _with_suffix(name, ".json"), data
    if name.endswith(TEXT_SUFFIXES):
        return name, data
    return name + ".txt", data


def unique_names(previews: Sequence[tuple[str, bytes]]) -> dict[str, bytes]:
    """Previews by name, renaming later duplicates (``a.png`` -> ``a-2.png``) and dropping
    any name that is not a safe relative path, or that is a folder of another preview."""
    result: dict[str, bytes] = {}
    for name, data in previews:
        if hostile_path_problem(name):
            continue
        candidate, n = name, 1
        while candidate in result:
            n += 1
            path = PurePosixPath(name)
            candidate = str(path.with_name(f"{path.stem}-{n}{path.suffix}"))
        if not _clashes(candidate, result):
            result[candidate] = data
    return result


def _clashes(name: str, taken: dict[str, bytes]) -> bool:
    """True when *name* is a folder of a taken name or a taken name is a folder of it."""
    return any(t.startswith(name + "/") or name.startswith(t + "/") for t in taken)
