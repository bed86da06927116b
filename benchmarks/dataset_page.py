"""A dataset of 5,000 versions (chains, branches, merges): build time, and in Chromium the time
until the dataset page is interactive and the time of a lineage selection.

    python benchmarks/dataset_page.py [--versions N] [--files F]

Targets (issue 4): whole dataset built <= 60 s on 2 cores; page interactive <= 1 s; a selection
<= 100 ms. Printed with a reference measured in the same run: loading and checking the catalog
(the work any tool must do before it can render anything).
"""

from __future__ import annotations

import argparse
import hashlib
import random
import tempfile
import time
from pathlib import Path

# The quiet Chromium launch of the other browser benchmark (run from benchmarks/, a sibling).
from content_browser import ARGS as CHROMIUM_ARGS
from content_browser import CHROMIUM

from dsreport.build import build_site
from dsreport.catalog.load import load_catalog
from dsreport.catalog.write import assign_origins, document_bytes, manifest_bytes
from dsreport.diff import merge_contents
from dsreport.model import DatasetJson, Entry, VersionJson


def generate(root: Path, versions: int, files: int, seed: int = 7) -> list[str]:
    """A history that is mostly chains, with a branch every ~40 versions and merges back."""
    rng = random.Random(seed)
    (root / "big" / "versions").mkdir(parents=True)
    (root / "big" / "dataset.json").write_bytes(
        document_bytes(
            DatasetJson(format=1, name="Big history", project="Bench", description="", tags=())
        )
    )
    contents: dict[str, dict[str, Entry]] = {}
    heads: list[str] = []
    ids: list[str] = []
    for i in range(versions):
        vid = f"{i:032x}"
        if not heads:
            parents: tuple[str, ...] = ()
        elif len(heads) > 1 and rng.random() < 0.03:
            a, b = rng.sample(heads, 2)
            parents = (a, b)
            heads.remove(b)
        else:
            parents = (rng.choice(heads),)
        if parents and rng.random() < 0.025 and len(heads) < 6:
            heads.append(vid)  # a new branch
        elif parents:
            heads[heads.index(parents[0])] = vid
        else:
            heads.append(vid)
        base = merge_contents([contents[p] for p in parents]) if parents else {}
        entries = dict(base)
        for _ in range(3 if base else files):
            path = f"data/part{rng.randrange(files // 10 + 1)}/file{rng.randrange(files)}.bin"
            digest = hashlib.sha256(f"{vid}{path}".encode()).hexdigest()
            entries[path] = Entry(path, rng.randrange(1, 10**6), digest, "")
        new = assign_origins(vid, entries.values(), base)
        contents[vid] = {e.path: e for e in new}
        folder = root / "big" / "versions" / vid
        folder.mkdir()
        stamp = f"2025-{1 + i * 12 // versions:02d}-01T00:00:00Z"
        meta = VersionJson(
            format=1,
            id=vid,
            name=f"Version {i}",
            version=f"1.{i}.0",
            parents=parents,
            created=stamp,
            updated=stamp,
            task=None,
            description=f"Version **{i}**",
            tags=("bench",) if i % 10 == 0 else (),
            archived=i % 50 == 1,
            size_compressed=None,
        )
        (folder / "version.json").write_bytes(document_bytes(meta))
        (folder / "manifest.jsonl").write_bytes(manifest_bytes(new))
        ids.append(vid)
    return ids


def browser_figures(site: Path, runs: int = 3) -> tuple[float, float]:
    """(ms until the dataset page is interactive, ms of one lineage selection), best of *runs*."""
    from playwright.sync_api import sync_playwright

    ready: list[float] = []
    selection: list[float] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for _ in range(runs):
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto((site / "d/big/index.html").as_uri())
            page.wait_for_function("performance.getEntriesByName('ds-dataset-ready').length > 0")
            ready.append(
                page.evaluate("performance.getEntriesByName('ds-dataset-ready')[0].startTime")
            )
            ms = page.evaluate(
                """() => new Promise(resolve => {
                  const all = document.querySelectorAll('#lineage .node[data-vid]:not(.selected)');
                  const nodes = [...all];
                  const node = nodes[Math.floor(nodes.length / 2)];
                  const t0 = performance.now();
                  node.dispatchEvent(new MouseEvent('click', {bubbles: true}));
                  requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - t0), 0));
                })"""
            )
            selection.append(ms)
            # A selection from the list that moves the graph to another window.
            page.close()
        browser.close()
    return min(ready), min(selection)


def main() -> None:
    """Generate, build, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--versions", type=int, default=5000)
    parser.add_argument("--files", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "catalog"
        start = time.perf_counter()
        generate(root, args.versions, args.files)
        print(f"generated {args.versions:,} versions in {time.perf_counter() - start:.1f} s")
        start = time.perf_counter()
        load_catalog(root)
        reference = time.perf_counter() - start
        start = time.perf_counter()
        build_site(root, Path(tmp) / "site")
        full = time.perf_counter() - start
        start = time.perf_counter()
        result = build_site(root, Path(tmp) / "site")
        again = time.perf_counter() - start
        ready, select = browser_figures(Path(tmp) / "site")
        print(f"reference: load and validate      {reference:6.1f} s")
        ratio = full / reference
        print(f"build, whole site (cold)          {full:6.1f} s  ({ratio:.1f}x ref.; target 60 s)")
        rewritten = len(result.rewritten)
        print(f"build again, nothing changed      {again:6.1f} s  ({rewritten} files rewritten)")
        print(f"dataset page interactive          {ready:6.0f} ms (target <= 1000 ms)")
        print(f"lineage selection                 {select:6.0f} ms (target <= 100 ms)")


if __name__ == "__main__":
    main()
