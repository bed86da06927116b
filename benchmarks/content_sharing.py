"""How much CONTENT data a site publishes for many versions: shared deltas vs a copy per version.

    python benchmarks/content_sharing.py [--versions 100] [--files 100000] [--changed 0.01]

Generates a chain of versions (each changes a fraction of its files at scattered paths: modified,
added and removed), publishes them with the build's own code (dsreport.render.content.publish),
and prints the bytes of the distinct data files against two references measured in the same run:

- one version's data plus the changes: a full copy of the largest version, plus for each version
  a file holding only its own changes (the least any scheme that shares data must publish);
- the same in manifest terms: one manifest.jsonl plus the changed manifest lines.

Target (issue 5): data on disk <= 1.5x the first reference. The naive ratio (a full copy per
version) is printed for comparison.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import time

import orjson

from dsreport.catalog.write import entry_dict
from dsreport.model import Entry
from dsreport.render.content import (
    Published,
    compute_delta,
    data_file,
    encode_rows,
    full_copy,
    publish,
)


def digest(text: str) -> str:
    """A made-up sha256."""
    return hashlib.sha256(text.encode()).hexdigest()


def first_version(rng: random.Random, files: int) -> list[Entry]:
    """A version with nested folders, a few links."""
    entries = []
    for i in range(files):
        folder = f"{rng.choice(('images', 'labels', 'raw'))}/{rng.randrange(500):03d}"
        path = f"{folder}/{rng.randrange(10**9):09d}.bin"
        if i % 50 == 0:
            entries.append(Entry(path, rng.randrange(10**7), None, "v000", f"s3://bucket/{path}"))
        else:
            entries.append(Entry(path, rng.randrange(10**7), digest(path), "v000"))
    unique = {e.path: e for e in entries}
    return [unique[p] for p in sorted(unique)]


def next_version(rng: random.Random, entries: list[Entry], vid: str, changed: int) -> list[Entry]:
    """A child: *changed* files touched at random places (60% modified, 20% added, 20% removed)."""
    by_path = {e.path: e for e in entries}
    paths = rng.sample(range(len(entries)), changed)
    for k, at in enumerate(paths):
        path = entries[at].path
        if k % 5 == 0:
            del by_path[path]
        elif k % 5 == 1:
            new = f"{path.rsplit('/', 1)[0]}/{rng.randrange(10**9):09d}-{vid}.bin"
            by_path[new] = Entry(new, rng.randrange(10**7), digest(new), vid)
        else:
            by_path[path] = Entry(path, rng.randrange(10**7), digest(path + vid), vid)
    return [by_path[p] for p in sorted(by_path)]


def main() -> None:
    """Generate, publish, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--versions", type=int, default=100)
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--changed", type=float, default=0.01)
    args = parser.parse_args()
    rng = random.Random(5)
    changed = max(1, int(args.files * args.changed))
    entries = first_version(rng, args.files)
    published: list[Published] = []
    files: dict[str, int] = {}
    own_deltas = 0
    manifest_changes = 0
    largest_full = 0
    largest_manifest = 0
    publish_time = 0.0
    for n in range(args.versions):
        vid = f"v{n:03d}"
        if n:
            parent = published[-1]
            entries = next_version(rng, parent.entries, vid, changed)
        start = time.perf_counter()
        current = publish(entries, published[-1:])
        publish_time += time.perf_counter() - start
        for f in current.plan.files():
            files[f.path] = f.size
        # The references: this version's own changes, as a delta and as manifest lines.
        if n:
            delta = compute_delta(
                parent.entries, parent.paths, parent.index, entries, current.index
            )
            payload = encode_rows(delta.rows) | {"d": delta.deletes, "i": delta.inserts}
            own_deltas += data_file(payload, len(delta.rows)).size
            manifest_changes += sum(len(orjson.dumps(entry_dict(e))) + 1 for e in delta.rows)
            manifest_changes += sum(len(parent.paths[i]) + 1 for i in delta.deletes)
        else:
            largest_full = sum(f.size for f in full_copy(entries))
        largest_manifest = max(
            largest_manifest, sum(len(orjson.dumps(entry_dict(e))) + 1 for e in entries)
        )
        published.append(current)
        if len(published) > 1:
            published.pop(0)  # only the parent is needed
    disk = sum(files.values())
    reference = largest_full + own_deltas
    manifests = largest_manifest + manifest_changes
    print(f"versions: {args.versions}, files each: {args.files:,}, changed each: {changed:,}")
    print(f"published data files: {len(files):,}, {disk / 1e6:.1f} MB")
    print(f"  (publishing took {publish_time:.1f} s)")
    print(f"one version's full copy: {largest_full / 1e6:.2f} MB")
    print(f"the changes, one delta per version: {own_deltas / 1e6:.2f} MB")
    print(
        f"ratio to one version's data plus the changes: {disk / reference:.2f}x  (target <= 1.5x)"
    )
    print(f"ratio to one manifest.jsonl plus the changed lines: {disk / manifests:.2f}x")
    print(f"naive ratio (a full copy per version): {args.versions * largest_full / reference:.1f}x")


if __name__ == "__main__":
    main()
