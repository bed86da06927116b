"""Estimate a version's compressed size from samples compressed while the files are hashed.

What is estimated: the size of a zip archive of the files, each compressed on its own with
deflate (zlib level 1), stored instead when that does not make it smaller, plus the zip headers.
ClearML's ``size_compressed`` is the size of such archives.

How: compressing everything would cost more than hashing (zlib runs at 40 MB/s on
incompressible data, sha256 at 1.5 GB/s), so only a sample is compressed. The data is seen as
64 KiB chunks; a fixed share of them, spread evenly through each file (systematic sampling, from a
phase taken from the file's path so runs agree), is compressed as the file is read. Trees up to
:data:`FULL_BELOW` are compressed whole. The ratio is taken per file extension (images and text
compress very differently) and applied to that extension's total size; extensions without a
sample take the overall ratio. The result is labelled as an estimate in ``version.json``.

Only the standard library is imported: worker processes import this module.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Sequence

CHUNK = 64 << 10
"""The sampling unit, in bytes."""
FULL_BELOW = 2 << 20
"""Trees up to this size are compressed whole."""
BUDGET_BASE = 1 << 20
"""Bytes compressed at least (when the tree is bigger)…"""
BUDGET_SHARE = 1 / 8192
"""…plus this share of the tree."""
METHOD = "zlib-1 sample estimate"
"""How ``size_compressed`` was measured, as written in ``version.json``'s ``extra``."""
LOCAL_HEADER, CENTRAL_HEADER, END_RECORD = 30, 46, 22
"""Fixed sizes of the zip records (each file's two headers also hold its name)."""


def sample_fraction(total_bytes: int) -> float:
    """The share of chunks to compress for a tree of *total_bytes*."""
    if total_bytes <= FULL_BELOW:
        return 1.0
    return min(1.0, (BUDGET_BASE + total_bytes * BUDGET_SHARE) / total_bytes)


def path_phase(path: str) -> float:
    """Where a file's samples start, in [0, 1): from its path, so that every run agrees."""
    return zlib.crc32(path.encode("utf-8", "surrogateescape")) / 2**32


def sample_chunks(data: memoryview, offset: int, fraction: float, phase: float) -> tuple[int, int]:
    """Compress the sampled chunks of *data*, which starts at *offset* (a multiple of CHUNK).

    Returns (bytes compressed, their compressed size). Chunk *j* of a file is sampled when
    ``floor(j * fraction + phase)`` steps up at it, which takes *fraction* of the chunks evenly.
    """
    sampled = compressed = 0
    first = offset // CHUNK
    last = first + -(-len(data) // CHUNK)
    if fraction <= 0 or (
        fraction < 1 and math.floor(last * fraction + phase) == math.floor(first * fraction + phase)
    ):
        return 0, 0  # no chunk of this piece is in the sample
    for start in range(0, len(data), CHUNK):
        j = first + start // CHUNK
        if fraction >= 1 or math.floor((j + 1) * fraction + phase) > math.floor(
            j * fraction + phase
        ):
            piece = data[start : start + CHUNK]
            sampled += len(piece)
            # A zip stores a member uncompressed when deflate does not help.
            compressed += min(len(piece), len(zlib.compress(piece, 1)))
    return sampled, compressed


def _extension(path: str) -> str:
    """The extension of a path's last name, lower case (``""`` when it has none)."""
    head, dot, ext = path.rpartition(".")
    return "." + ext.lower() if dot and "/" not in ext and head and head[-1] != "/" else ""


def estimate_size(
    paths: Sequence[str], sizes: Sequence[int], sampled: Sequence[int], compressed: Sequence[int]
) -> int:
    """Estimated zip size of files given as columns: path, size, bytes sampled, compressed size."""
    headers = END_RECORD + len(paths) * (LOCAL_HEADER + CENTRAL_HEADER)
    headers += 2 * len("".join(paths).encode("utf-8"))
    ratios: dict[str, list[int]] = {}
    for path, raw, packed in zip(paths, sampled, compressed, strict=True):
        if raw:
            row = ratios.setdefault(_extension(path), [0, 0])
            row[0] += raw
            row[1] += packed
    all_raw = sum(row[0] for row in ratios.values())
    overall = sum(row[1] for row in ratios.values()) / all_raw if all_raw else 1.0
    body = overall * sum(sizes)
    if len(ratios) > 1:
        # Several kinds of files: weigh each extension's ratio by its total size (with one
        # kind sampled, every file takes its ratio: the overall one).
        totals: dict[str, int] = {}
        for path, size in zip(paths, sizes, strict=True):
            ext = _extension(path)
            totals[ext] = totals.get(ext, 0) + size
        body = sum(
            total * (ratios[ext][1] / ratios[ext][0] if ext in ratios else overall)
            for ext, total in totals.items()
        )
    return headers + round(body)
