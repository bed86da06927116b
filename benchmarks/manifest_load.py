"""Load-and-validate a 1M-entry manifest, as a ratio to a bare orjson parse of the same file.

    python benchmarks/manifest_load.py [--entries N] [--repeat R]

Both are timed in this one run, on this machine, best of R; the ratio is what to compare between
machines. Target (issue 3): load-and-validate <= 3x the bare parse.
"""

from __future__ import annotations

import argparse
import hashlib
import tempfile
import time
from pathlib import Path

import orjson

from dsreport.catalog.manifest import parse_manifest, read_manifest_bytes


def generate(path: Path, entries: int) -> None:
    """A sorted manifest: files in nested folders, every tenth entry a link."""
    with path.open("wb") as f:
        for i in range(entries):
            p = f"data/part{i // 10_000:03d}/folder{i // 1000:04d}/file_{i:07d}.bin"
            digest = hashlib.sha256(p.encode()).hexdigest()
            if i % 10 == 0:
                row = {
                    "path": p,
                    "link": f"s3://bucket/{p}",
                    "size": i,
                    "hash": None,
                    "origin": "v1",
                }
            else:
                row = {"path": p, "size": i * 3, "hash": digest, "origin": f"v{i % 7 + 1}"}
            f.write(orjson.dumps(row) + b"\n")


def best(repeat: int, func: object) -> float:
    """Best wall time of *repeat* calls."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    """Generate, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "manifest.jsonl"
        generate(path, args.entries)
        size = path.stat().st_size

        def bare() -> None:
            data = path.read_bytes()
            [orjson.loads(line) for line in data.splitlines()]

        def ours() -> None:
            entries, problems = parse_manifest(read_manifest_bytes(path), "manifest.jsonl")
            assert not problems and len(entries) == args.entries

        reference = best(args.repeat, bare)
        measured = best(args.repeat, ours)
    print(f"manifest: {args.entries:,} entries, {size / 1e6:.0f} MB")
    print(f"bare orjson parse:     {reference:.2f} s")
    print(f"load and validate:     {measured:.2f} s")
    print(f"ratio: {measured / reference:.2f}x   (target <= 3x)")


if __name__ == "__main__":
    main()
