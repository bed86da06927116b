"""Estimate a version's compressed size from samples compressed while the files are hashed.

What is estimated: the size of a zip archive of the files, each compressed on its own with
deflate (zlib level 1), stored instead when that does not make it smaller, plus the zip headers.
ClearML's ``size_compressed`` is the size of such archives.

How: compressing everything would cost more than hashing (zlib runs at 40 MB/s on
incompressible data, sha256 at 1.5 GB/s), so only a sample is compressed. The data is seen as
64 KiB chunks; a fixed share of them, spread evenly through each file (systematic sampling, from a
phase taken from the file's path so runs agree), is read again and compressed once every file is
hashed (the share depends on the tree's size, known only then; the chunks were just read, so
they come from the page cache). Trees up to
:data:`FULL_BELOW` are compressed whole. The ratio is taken per file extension (images and text
compress very differently) and applied to that extension's total size; extensions without a
sample take the overall ratio. The result is labelled as an estimate in ``version.json``.

Only the standard library is imported: worker processes import this module.
"""

from __future__ import annotations

import math
import os
import zlib
from collections.abc import Sequence
from itertools import compress, repeat
from operator import ge, gt

from dsreport.snapshot.hashing import sparse_seek

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


def path_crcs(paths: Sequence[str]) -> list[int]:
    """The CRC-32 of each path (UTF-8): its phase, times 2**32 (see :func:`files_to_sample`)."""
    return list(map(zlib.crc32, map(str.encode, paths)))


def files_to_sample(
    rows: Sequence[int],
    paths: Sequence[str],
    sizes: Sequence[int],
    fraction: float,
    crcs: Sequence[int] | None = None,
) -> list[tuple[int, float]]:
    """The files at *rows* (in order) that have a chunk in the sample, with their phases.

    A file's phase is the CRC-32 of its path (UTF-8) over 2**32: every run agrees (*crcs*, when
    given, are :func:`path_crcs` of *paths*, made beforehand). A file of one chunk is in the
    sample when its phase is at least ``1 - fraction``: the candidates (those, and the bigger
    files) are picked out in bulk, so a million small files take no Python step each;
    :func:`sample_count` then decides.
    """
    every = len(rows) == len(paths)  # (then rows are 0..n-1: the columns serve as they are)
    row_sizes = sizes if every else [sizes[i] for i in rows]
    if crcs is None:
        crcs = path_crcs(paths if every else [paths[i] for i in rows])
    elif not every:
        crcs = [crcs[i] for i in rows]
    cut = (1 - fraction) * 2**32 - 1  # a little low: sample_count has the last word
    positions = range(len(crcs))
    candidates = set(compress(positions, map(ge, crcs, repeat(cut))))
    candidates.update(compress(positions, map(gt, row_sizes, repeat(CHUNK))))
    found = []
    for k in sorted(candidates):
        phase = crcs[k] / 2**32
        if sample_count(row_sizes[k], fraction, phase):
            found.append((rows[k], phase))
    return found


def sample_count(size: int, fraction: float, phase: float) -> int:
    """How many chunks of a file of *size* bytes are in the sample."""
    chunks = -(-size // CHUNK)
    return chunks if fraction >= 1 else math.floor(chunks * fraction + phase)


def sampled_chunks(size: int, fraction: float, phase: float) -> list[int]:
    """The chunks of a file of *size* bytes that are in the sample, by number.

    Chunk *j* is sampled when ``floor(j * fraction + phase)`` steps up at it, which takes
    *fraction* of the chunks evenly: the *k*-th step is at the first *j* with
    ``(j + 1) * fraction + phase >= k`` (found directly, so a huge file costs no loop over all
    of its chunks).
    """
    if fraction >= 1:
        return list(range(-(-size // CHUNK)))
    found = []
    for k in range(1, sample_count(size, fraction, phase) + 1):
        j = max(0, math.ceil((k - phase) / fraction) - 1)
        # Mend floating-point rounding, so that the definition holds exactly.
        while j > 0 and math.floor(j * fraction + phase) >= k:
            j -= 1
        while math.floor((j + 1) * fraction + phase) < k:
            j += 1
        found.append(j)
    return found


def _stored_size(piece: bytes) -> int:
    """The size of a chunk in a zip: deflated, or stored when deflate does not help."""
    return min(len(piece), len(zlib.compress(piece, 1)))


def sample_file(fd: int, size: int, sparse: bool, fraction: float, phase: float) -> tuple[int, int]:
    """Compress the sampled chunks of the open file *fd*; return (bytes, compressed size).

    In a sparse file, a chunk that lies in a hole is known to be zeros and is not read.
    """
    sampled = compressed = 0
    for j in sampled_chunks(size, fraction, phase):
        start = j * CHUNK
        n = min(CHUNK, size - start)
        if sparse and sparse_seek(fd, start, os.SEEK_DATA, size) >= start + n:
            piece = bytes(n)
        else:
            piece = os.pread(fd, n, start)
        sampled += len(piece)
        compressed += _stored_size(piece)
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
    # Only sampled files take a Python step here (compress skips the others in C).
    for path, raw, packed in compress(zip(paths, sampled, compressed, strict=True), sampled):
        row = ratios.setdefault(_extension(path), [0, 0])
        row[0] += raw
        row[1] += packed
    all_raw = sum(row[0] for row in ratios.values())
    overall = sum(row[1] for row in ratios.values()) / all_raw if all_raw else 1.0
    body = overall * sum(sizes)
    if len(ratios) > 1:
        # Several kinds of files: weigh each extension's ratio by its total size (with one
        # kind sampled, every file takes its ratio: the overall one). Each path takes a Python
        # step, kept short: sizes are summed by the path's end from the character before its
        # last dot (that end tells the extension, a dot starting a name included), then by
        # extension.
        ends: dict[str, int] = {}
        for path, size in zip(paths, sizes, strict=True):
            end = path[path.rfind(".") - 1 :]
            ends[end] = ends.get(end, 0) + size
        totals: dict[str, int] = {}
        for end, total in ends.items():
            ext = _extension(end)
            totals[ext] = totals.get(ext, 0) + total
        body = sum(
            total * (ratios[ext][1] / ratios[ext][0] if ext in ratios else overall)
            for ext, total in totals.items()
        )
    return headers + round(body)
