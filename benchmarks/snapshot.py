"""``dsreport snapshot`` against minimal reference passes over the same trees, in one run.

    python benchmarks/snapshot.py [--files N] [--big-mib M] [--big-files K] [--repeat R]
                                  [--workdir DIR] [--keep]

Builds two trees: N files of 1-10 KB in folders of 1,000 (default 100,000 files) and K files
making M MiB (default 4 files, 1 GiB), all random bytes. Then, each as a separate process, as a
user would run them:

- *reference pass*: a few lines of Python that walk the tree, read every file in 1 MiB blocks and
  sha256 them, on 2 processes (the floor for hashing with hashlib);
- *snapshot*: ``dsreport snapshot TREE --catalog NEW --dataset bench`` (no hash cache: every file
  is hashed), as a ratio to the reference pass, warm (files in the page cache) and cold (after
  ``echo 3 > /proc/sys/vm/drop_caches``, when this process may write it);
- *stat walk*: ``scandir`` + ``lstat`` of every entry, and a *re-snapshot* of the unchanged tree
  (every hash from the cache), as a ratio to the stat walk;
- ``dvc add`` of the tree, timed, where ``dvc`` is installed.

The start-up of ``dsreport`` (interpreter and imports: what any run of the command pays before
it looks at the tree) is printed too, and the re-snapshot ratio without it.

Times are wall-clock, best of R, each command and its reference taking turns (these machines
are noisy: a slow spell then hits both); cold runs once. Every command runs with byte-code
caching on (``PYTHONDONTWRITEBYTECODE`` is dropped), as an installed ``dsreport`` does.
Targets (issue 7): snapshot <= 1.5x the reference pass; re-snapshot <= 1.5x the stat walk;
>= 10x faster than ``dvc add``.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REFERENCE = r"""
import hashlib, os, sys
from concurrent.futures import ProcessPoolExecutor
def walk(d):
    with os.scandir(d) as it:
        for e in it:
            if e.is_dir(follow_symlinks=False): yield from walk(e.path)
            elif e.is_file(follow_symlinks=False): yield e.path
def digest(paths):
    out = []
    for p in paths:
        h = hashlib.sha256()
        with open(p, "rb", buffering=0) as f:
            while b := f.read(1 << 20): h.update(b)
        out.append(h.hexdigest())
    return out
if __name__ == "__main__":
    paths = list(walk(sys.argv[1]))
    chunks = [paths[i:i + 500] for i in range(0, len(paths), 500)]
    with ProcessPoolExecutor(2) as pool:
        n = sum(len(r) for r in pool.map(digest, chunks))
    print(n)
"""

STAT_WALK = r"""
import os, sys
def walk(d):
    n = 0
    with os.scandir(d) as it:
        for e in it:
            st = e.stat(follow_symlinks=False)
            n += walk(e.path) if e.is_dir(follow_symlinks=False) else 1
    return n
print(walk(sys.argv[1]))
"""


def make_small_tree(root: Path, files: int) -> int:
    """*files* files of 1-10 KB of random bytes, 1,000 per folder; returns the bytes written."""
    rng = random.Random(7)
    total = 0
    for i in range(files):
        folder = root / f"part{i // 1000:04d}"
        if i % 1000 == 0:
            folder.mkdir(parents=True)
        size = rng.randint(1000, 10_000)
        (folder / f"file{i:07d}.bin").write_bytes(rng.randbytes(size))
        total += size
    return total


def make_big_tree(root: Path, mib: int, count: int) -> int:
    """*count* files of random bytes making *mib* MiB; returns the bytes written."""
    rng = random.Random(8)
    root.mkdir(parents=True)
    each = (mib << 20) // count
    block = rng.randbytes(1 << 20)
    for i in range(count):
        with (root / f"big{i}.bin").open("wb") as f:
            for j in range(each >> 20):
                # A different block each MiB (rotate the random block), cheap to make.
                f.write(block[j % 1024 :] + block[: j % 1024])
    return each * count


ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
"""The commands' environment: with byte-code caching, as an installed program runs."""


def run(cmd: list[str], cwd: Path | None = None) -> float:
    """Wall time of a command (fails loudly if the command fails)."""
    start = time.perf_counter()
    subprocess.run(
        cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=cwd, env=ENV
    )
    return time.perf_counter() - start


def best(repeat: int, func: Callable[[], float]) -> float:
    """Best of *repeat* timings."""
    return min(func() for _ in range(repeat))


def best_pair(
    repeat: int, func: Callable[[], float], reference: Callable[[], float]
) -> tuple[float, float]:
    """Best of *repeat* timings of *func* and of *reference*, run in turns."""
    times = [(func(), reference()) for _ in range(repeat)]
    return min(t for t, _ in times), min(r for _, r in times)


def drop_caches() -> str | None:
    """Empty the page cache; return why it cannot be done, or ``None``."""
    try:
        os.sync()
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3\n")
    except OSError as exc:
        return f"{exc.strerror or exc}"
    return None


def main() -> None:
    """Build the trees, time everything, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--big-mib", type=int, default=1024)
    parser.add_argument("--big-files", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=None, help="where to build (a temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the trees afterwards")
    parser.add_argument("--dvc", help="the dvc program to compare with [default: dvc on PATH]")
    parser.add_argument(
        "--no-cold", action="store_true", help="do not empty the page cache (a shared machine)"
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="dsreport-bench-", dir=args.workdir))
    python = sys.executable
    ref_script, stat_script = work / "reference.py", work / "statwalk.py"
    ref_script.write_text(REFERENCE)
    stat_script.write_text(STAT_WALK)
    snapshot = [python, "-m", "dsreport", "snapshot"]
    counter = iter(range(1_000_000))

    def fresh_catalog() -> Path:
        catalog = work / f"catalog{next(counter)}"
        subprocess.run(
            [python, "-m", "dsreport", "init", str(catalog)], check=True, stdout=subprocess.DEVNULL
        )
        return catalog

    try:
        trees = {}
        start = time.perf_counter()
        trees["small"] = (work / "small", make_small_tree(work / "small", args.files))
        trees["big"] = (work / "big", make_big_tree(work / "big", args.big_mib, args.big_files))
        print(
            f"trees built in {time.perf_counter() - start:.0f} s "
            f"(cpus: {os.cpu_count()}, python {sys.version.split()[0]})"
        )
        cannot_drop = "--no-cold given" if args.no_cold else drop_caches()
        run([*snapshot, "--help"])  # write the byte-code caches
        startup = best(
            args.repeat,
            lambda: run([python, "-c", "import dsreport.cli, dsreport.snapshot.record"]),
        )
        print(f"dsreport start-up (interpreter and imports): {startup:.2f} s")
        for label, (tree, size) in trees.items():
            n = args.files if label == "small" else args.big_files
            print(f"\n== {label} tree: {n:,} files, {size / 1e6:,.0f} MB")

            def snap(catalog: Path, tree: Path = tree) -> float:
                return run([*snapshot, str(tree), "--catalog", str(catalog), "--dataset", "bench"])

            run([python, str(ref_script), str(tree)])  # warm the page cache
            ours, ref = best_pair(
                args.repeat,
                lambda: snap(fresh_catalog()),
                lambda tree=tree: run([python, str(ref_script), str(tree)]),
            )
            print(f"reference pass, warm:   {ref:6.2f} s  ({size / ref / 1e9:.2f} GB/s)")
            print(f"snapshot, warm:         {ours:6.2f} s  ratio {ours / ref:.2f}x (target 1.5x)")
            if cannot_drop is None:
                drop_caches()
                ref_cold = run([python, str(ref_script), str(tree)])
                catalog = fresh_catalog()
                drop_caches()
                ours_cold = snap(catalog)
                print(f"reference pass, cold:   {ref_cold:6.2f} s")
                ratio = ours_cold / ref_cold
                print(f"snapshot, cold:         {ours_cold:6.2f} s  ratio {ratio:.2f}x")
            else:
                print(f"cold: not measured (cannot write /proc/sys/vm/drop_caches: {cannot_drop})")
            catalog = fresh_catalog()
            snap(catalog)
            again, walk = best_pair(
                args.repeat,
                lambda catalog=catalog: snap(catalog),
                lambda tree=tree: run([python, str(stat_script), str(tree)]),
            )
            child = best(
                args.repeat,
                lambda catalog=catalog, tree=tree: run(
                    [
                        *snapshot,
                        str(tree),
                        "--catalog",
                        str(catalog),
                        "--dataset",
                        "bench",
                        "--parent",
                        "latest",
                    ]
                ),
            )
            print(f"stat walk:              {walk:6.2f} s")
            ratio = again / walk
            print(f"re-snapshot, unchanged: {again:6.2f} s  ratio {ratio:.2f}x (target 1.5x)")
            print(
                f"  without start-up:     {again - startup:6.2f} s  "
                f"ratio {(again - startup) / walk:.2f}x"
            )
            print(f"  as a child (--parent latest): {child:6.2f} s  ratio {child / walk:.2f}x")
            dvc = args.dvc or shutil.which("dvc")
            if dvc is None:
                print("dvc add: not measured (dvc is not installed; see --dvc)")
            else:
                repo = work / f"dvc-{label}"
                shutil.copytree(tree, repo / "data")
                subprocess.run(
                    [dvc, "init", "--no-scm"], cwd=repo, check=True, stdout=subprocess.DEVNULL
                )
                first = run([dvc, "add", "data"], cwd=repo)
                second = run([dvc, "add", "data"], cwd=repo)
                print(f"dvc add:                {first:6.2f} s  ({first / ours:.1f}x the snapshot)")
                print(f"dvc add, unchanged:     {second:6.2f} s  ({second / again:.1f}x)")
    finally:
        if args.keep:
            print(f"\nkept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
