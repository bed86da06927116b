"""``dsreport snapshot``: real folders recorded as versions, through the CLI."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import re
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from dsreport.catalog import journal
from dsreport.catalog import manifest as manifest_module
from dsreport.catalog.load import load_catalog, read_content
from dsreport.catalog.write import document_bytes
from dsreport.model import Version
from dsreport.snapshot import content, hashing, processes, record
from dsreport.snapshot.record import terminate_as_interrupt

Run = Callable[..., Result]
_WROTE = re.compile(r"Wrote version (.+) \(([0-9a-f]{32})\) to ")


@pytest.fixture
def catalog(tmp_path: Path, run: Run) -> Path:
    """An empty catalog."""
    root = tmp_path / "catalog"
    assert run("init", root).exit_code == 0
    return root


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """An empty data folder."""
    folder = tmp_path / "data"
    folder.mkdir()
    return folder


def write(folder: Path, files: dict[str, str | bytes]) -> None:
    """Create files (and their folders) under *folder*."""
    for rel, body in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body.encode() if isinstance(body, str) else body)


def age(where: Path) -> None:
    """Date a file, or every file of a folder, an hour back: no hash is racy (exact counts).

    (This changes their ``ctime``: cached hashes of those files are not reused afterwards.)
    """
    past = where.stat().st_mtime - 3600
    for path in [where] if where.is_file() else where.rglob("*"):
        if path.is_file() and not path.is_symlink():
            os.utime(path, (past, past))


def snap(run: Run, data: Path, catalog: Path, *args: str, dataset: str = "pets") -> Result:
    """Run ``dsreport snapshot DATA --catalog CATALOG --dataset DATASET ARGS…``."""
    return run("snapshot", data, "--catalog", catalog, "--dataset", dataset, *args)


def written(result: Result, catalog: Path) -> Version:
    """The version a successful snapshot wrote (the catalog must be valid)."""
    assert result.exit_code == 0, result.output
    match = _WROTE.search(result.stdout)
    assert match, result.stdout
    assert load_catalog(catalog) is not None  # every manifest checked
    return load_catalog(catalog).versions[match.group(2)]


def manifest(version: Version) -> list[dict[str, Any]]:
    """The manifest lines of *version*."""
    return [json.loads(line) for line in version.manifest_path.read_text("utf-8").splitlines()]


def sha(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def sha256sum(folder: Path) -> list[str]:
    """``sha256sum`` of every file under *folder*, in byte order of the paths."""
    paths = sorted(
        (p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()),
        key=lambda p: p.encode(),
    )
    out = subprocess.run(
        ["sha256sum", "--", *paths], cwd=folder, capture_output=True, check=True, text=True
    )
    return out.stdout.splitlines()


def as_sha256sum(version: Version) -> list[str]:
    """The manifest, written the way ``sha256sum`` prints."""
    return [f"{row['hash']}  {row['path']}" for row in manifest(version)]


def warnings_of(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("warning: skipped ")]


# --- what is recorded -----------------------------------------------------------------------


def test_manifest_equals_sha256sum_line_for_line(run: Run, data: Path, catalog: Path) -> None:
    write(
        data,
        {
            "a.txt": "alpha\n",
            "b/c d.csv": "x,y\n1,2\n",
            "b/deeper/é ü.json": '{"k": 1}',
            "empty": "",
            "Z-upper.bin": os.urandom(3 << 20),
            "z-lower.bin": os.urandom(5000),
        },
    )
    version = written(snap(run, data, catalog), catalog)
    assert as_sha256sum(version) == sha256sum(data)
    rows = manifest(version)
    assert {row["origin"] for row in rows} == {version.id}
    assert [row["size"] for row in rows] == [(data / row["path"]).stat().st_size for row in rows]


def drafts(monkeypatch: pytest.MonkeyPatch) -> list[bytes | None]:
    """What the drafts of manifests made while hashing give (``None``: not kept)."""
    made: list[bytes | None] = []
    manifest_of = record._Draft.manifest

    def spied(self: record._Draft, content: Any) -> bytes | None:
        made.append(manifest_of(self, content))
        return made[-1]

    monkeypatch.setattr(record._Draft, "manifest", spied)
    return made


def test_many_files_are_hashed_by_worker_processes(
    run: Run, data: Path, catalog: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # More than one batch (512 files), and files big enough to travel alone (8 MiB): the pool.
    write(data, {f"d{i % 7}/f{i:04d}.txt": f"file {i}\n" * (i % 5) for i in range(1100)})
    write(data, {"big/one.bin": os.urandom(9 << 20), "big/two.bin": os.urandom(8 << 20)})
    age(data)
    calls = hashing.hash_calls
    drafted = drafts(monkeypatch)
    version = written(snap(run, data, catalog, "--jobs", "2"), catalog)
    assert hashing.hash_calls == calls, "hashed in worker processes, not in this one"
    assert as_sha256sum(version) == sha256sum(data)
    # The manifest was drafted batch by batch as the workers hashed (the big files, sent
    # alone, leave holes in their batches), and kept.
    assert drafted == [(version.manifest_path).read_bytes()]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_batch_reads_so_many_bytes_then_hands_back_its_rest(
    run: Run, data: Path, catalog: Path, monkeypatch: pytest.MonkeyPatch, jobs: str
) -> None:
    # So that big files do not make batches of many gigabytes between two steps of progress:
    # here every batch stops after 2 KB, and what is left of it is hashed in another.
    write(data, {f"d{i % 3}/f{i:04d}.txt": f"file {i}\n" * 100 for i in range(700)})
    age(data)
    monkeypatch.setattr(hashing, "BATCH_BYTES", 2000)
    calls = hashing.hash_calls
    result = snap(run, data, catalog, "--jobs", jobs)
    assert "Hashed 700 files; reused 0 hashes" in result.stdout
    version = written(result, catalog)
    assert as_sha256sum(version) == sha256sum(data)
    if jobs == "2":
        assert hashing.hash_calls == calls, "hashed in worker processes, not in this one"


def test_big_files_among_few_are_hashed_by_workers_one_each(
    run: Run, data: Path, catalog: Path
) -> None:
    # A round of one batch is hashed here, but its big files go to the workers, one each.
    write(data, {f"small{i}.txt": f"{i}" for i in range(5)})
    write(data, {f"big{i}.bin": os.urandom(hashing.BIG_FILE + i) for i in range(3)})
    age(data)
    calls = hashing.hash_calls
    version = written(snap(run, data, catalog, "--jobs", "2"), catalog)
    assert hashing.hash_calls == calls + 5, "the small files here, the big ones in workers"
    assert as_sha256sum(version) == sha256sum(data)


def test_a_mistake_in_the_options_stops_the_workers_at_once(
    run: Run, data: Path, catalog: Path
) -> None:
    # The workers start hashing before the catalog is read; a bad option stops them.
    write(data, {f"d{i % 3}/f{i:04d}.txt": f"file {i}\n" for i in range(2000)})
    result = snap(run, data, catalog, "--jobs", "2", "--parent", "nope")
    assert result.exit_code == 1
    assert "--parent: unknown version id 'nope'" in result.stderr
    assert multiprocessing.active_children() == []
    assert not (catalog / ".dsreport" / "hashcache").exists() or not any(
        (catalog / ".dsreport" / "hashcache").iterdir()
    ), "nothing is kept of a snapshot that did not happen"


def test_workers_start_without_fork_while_other_threads_run(
    run: Run, data: Path, catalog: Path
) -> None:
    # Forking beside other threads is unsafe: the workers then start with forkserver or spawn,
    # and the walk and the cache index travel to them pickled.
    write(data, {f"f{i:04d}.txt": f"{i}" for i in range(600)})
    age(data)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert processes.start_context().get_start_method() != "fork"
        calls = hashing.hash_calls
        version = written(snap(run, data, catalog, "--jobs", "2"), catalog)
        assert hashing.hash_calls == calls, "hashed in worker processes, not in this one"
        assert as_sha256sum(version) == sha256sum(data)
        again = snap(run, data, catalog, "--jobs", "2")
        assert "Hashed 0 files; reused 600 hashes from the cache" in again.stdout
    finally:
        stop.set()
        other.join()
    assert multiprocessing.active_children() == []


def test_a_second_snapshot_of_an_unchanged_folder_only_stats(
    run: Run, data: Path, catalog: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(data, {f"f{i}.txt": f"{i}" for i in range(20)} | {"sub/g.txt": "g"})
    age(data)
    first = snap(run, data, catalog, "--jobs", "1")
    assert "Hashed 21 files; reused 0 hashes from the cache" in first.stdout
    calls = hashing.hash_calls

    def never(*args: object) -> object:
        raise AssertionError("a file was read")

    monkeypatch.setattr(hashing, "hash_file", never)
    second = snap(run, data, catalog, "--jobs", "1", "--parent", "latest")
    assert "Hashed 0 files; reused 21 hashes from the cache" in second.stdout
    assert hashing.hash_calls == calls
    assert manifest(written(second, catalog)) == [
        {**row, "origin": row["origin"]} for row in manifest(written(first, catalog))
    ]
    monkeypatch.undo()
    for name in ("f3.txt", "f7.txt"):  # (two files apart in one batch: settled together)
        (data / name).write_text(f"changed {name}")
        age(data / name)
    third = snap(run, data, catalog, "--jobs", "1", "--parent", "latest")
    assert "Hashed 2 files; reused 19 hashes from the cache" in third.stdout
    assert hashing.hash_calls == calls + 2
    assert "  modified: f3.txt" in third.stdout and "  modified: f7.txt" in third.stdout
    assert as_sha256sum(written(third, catalog)) == sha256sum(data)
    fourth = snap(run, data, catalog, "--jobs", "1", "--parent", "latest")
    assert "Hashed 0 files; reused 21 hashes from the cache" in fourth.stdout


def test_racy_files_are_recorded_but_not_cached(
    run: Run, data: Path, catalog: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Files modified at the very moment of the snapshot (mtime not older than the clock
    # stamp) could change again without a new mtime: their hashes must not be reused.
    write(data, {"a.txt": "a", "b.txt": "b"})
    age(data)
    monkeypatch.setattr(content, "is_racy", lambda mtime, stamp: True)
    first = snap(run, data, catalog, "--jobs", "1")
    # Each file is read twice (read alike twice while racy: recorded, not cached).
    assert "Hashed 4 files; reused 0 hashes" in first.stdout
    assert as_sha256sum(written(first, catalog)) == sha256sum(data)
    monkeypatch.undo()
    second = snap(run, data, catalog, "--jobs", "1")
    assert "Hashed 2 files; reused 0 hashes" in second.stdout
    third = snap(run, data, catalog, "--jobs", "1")
    assert "Hashed 0 files; reused 2 hashes" in third.stdout


def test_a_file_changed_while_hashed_is_hashed_again(
    run: Run, data: Path, catalog: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(data, {"live.csv": "a,b\n1,2\n", "calm.txt": "calm"})
    read = hashing.read_into_hash
    changes = iter([b"a,b\n1,2\n3,4\n"])

    def changing(fd: int, *args: Any) -> tuple[str, bool, int, int]:
        result = read(fd, *args)
        if os.fstat(fd).st_ino == (data / "live.csv").stat().st_ino:
            body = next(changes, None)
            if body is not None:
                (data / "live.csv").write_bytes(body)  # a writer strikes mid-read
        return result

    monkeypatch.setattr(hashing, "read_into_hash", changing)
    drafted = drafts(monkeypatch)
    result = snap(run, data, catalog, "--jobs", "1")
    assert "note: live.csv changed while it was being hashed: hashed again" in result.stdout
    rows = {row["path"]: row for row in manifest(written(result, catalog))}
    assert rows["live.csv"]["hash"] == sha(b"a,b\n1,2\n3,4\n")
    assert rows["live.csv"]["size"] == 12
    assert drafted == [None], "the draft, with the first hash read, was not kept"


def test_a_file_that_keeps_changing_is_reported_and_not_recorded(
    run: Run, data: Path, catalog: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(data, {"log.txt": "0", "calm.txt": "calm"})
    read = hashing.read_into_hash
    counter = iter(range(1, 100))

    def always_changing(fd: int, *args: Any) -> tuple[str, bool, int, int]:
        result = read(fd, *args)
        if os.fstat(fd).st_ino == (data / "log.txt").stat().st_ino:
            with (data / "log.txt").open("a") as f:
                f.write(str(next(counter)))
        return result

    monkeypatch.setattr(hashing, "read_into_hash", always_changing)
    strict = snap(run, data, catalog, "--jobs", "1", "--strict")
    assert strict.exit_code == 1
    assert "nothing was written (--strict)" in strict.stderr
    assert not (catalog / "pets").exists()
    result = snap(run, data, catalog, "--jobs", "1")
    assert warnings_of(result) == [
        "warning: skipped log.txt: kept changing while it was being hashed (read 4 times): "
        "not recorded"
    ]
    assert [row["path"] for row in manifest(written(result, catalog))] == ["calm.txt"]


# --- hostile folders ------------------------------------------------------------------------


def test_symlinks_are_never_followed_out_of_the_folder(
    run: Run, data: Path, catalog: Path, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("do not read")
    write(data, {"real/a.txt": "inside", "real/b.txt": "b"})
    (data / "to-outside").symlink_to(secret)
    (data / "dotdot").symlink_to("../secret.txt")
    (data / "to-inside").symlink_to("real/a.txt")
    (data / "real" / "to-sibling").symlink_to("b.txt")
    (data / "to-folder").symlink_to("real")
    (data / "dangling").symlink_to("nowhere")
    (data / "loop").symlink_to("loop")
    result = snap(run, data, catalog)
    rows = {row["path"]: row["hash"] for row in manifest(written(result, catalog))}
    assert rows == {
        "real/a.txt": sha(b"inside"),
        "real/b.txt": sha(b"b"),
        "real/to-sibling": sha(b"b"),
        "to-inside": sha(b"inside"),
    }
    found = warnings_of(result)
    assert found[0].startswith("warning: skipped dangling: symlink that cannot be resolved")
    assert found[1] == (
        "warning: skipped dotdot: symlink to ../secret.txt, outside the data folder: not followed"
    )
    assert found[2].startswith("warning: skipped loop: symlink that cannot be resolved")
    assert found[3] == "warning: skipped to-folder: symlink to a folder (real): not followed"
    assert found[4] == (
        f"warning: skipped to-outside: symlink to {secret}, outside the data folder: not followed"
    )
    assert len(found) == 5


def test_fifos_sockets_and_devices_are_reported_and_never_opened(
    run: Run, data: Path, catalog: Path
) -> None:
    write(data, {"ok.txt": "ok"})
    os.mkfifo(data / "fifo")  # opening it for reading would block the snapshot forever
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(data / "sock"))
        expected = [
            "warning: skipped fifo: a FIFO: never opened",
            "warning: skipped sock: a socket: never opened",
        ]
        try:
            os.mknod(data / "null", 0o600 | 0o020000, os.makedev(1, 3))
            expected.insert(1, "warning: skipped null: a character device: never opened")
        except PermissionError:
            pass  # no CAP_MKNOD here: the FIFO and the socket make the point
        (data / "to-fifo").symlink_to("fifo")
        expected.append("warning: skipped to-fifo: symlink to a FIFO (fifo): never opened")
        result = snap(run, data, catalog)
        assert warnings_of(result) == expected
        assert [row["path"] for row in manifest(written(result, catalog))] == ["ok.txt"]
    finally:
        server.close()


def test_unreadable_files_and_folders_are_reported(
    run: Run, data: Path, catalog: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As root every mode is readable, so the refusals of the kernel are simulated.
    write(data, {"ok.txt": "ok", "secret.bin": "s", "locked/inside.txt": "i"})
    real_open = os.open

    def refusing(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if path in ("secret.bin", "locked"):
            raise PermissionError(13, "Permission denied", path)
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", refusing)
    result = snap(run, data, catalog, "--jobs", "1")
    monkeypatch.undo()
    assert warnings_of(result) == [
        "warning: skipped locked/: cannot read this folder: Permission denied",
        "warning: skipped secret.bin: cannot open it: Permission denied",
    ]
    assert [row["path"] for row in manifest(written(result, catalog))] == ["ok.txt"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_a_mode_000_file_is_reported(run: Run, data: Path, catalog: Path) -> None:
    write(data, {"ok.txt": "ok", "secret.bin": "s"})
    (data / "secret.bin").chmod(0)
    result = snap(run, data, catalog)
    assert warnings_of(result) == ["warning: skipped secret.bin: cannot open it: Permission denied"]


def test_names_that_are_not_utf8_are_reported(run: Run, data: Path, catalog: Path) -> None:
    write(data, {"ok.txt": "ok"})
    root = os.fsencode(data)
    with open(root + b"/bad\xff.txt", "wb") as f:
        f.write(b"x")
    os.mkdir(root + b"/dir\xfe")
    with open(root + b"/dir\xfe/inside.txt", "wb") as f:
        f.write(b"y")
    result = snap(run, data, catalog)
    assert warnings_of(result) == [
        "warning: skipped bad\\udcff.txt: name is not valid UTF-8 (a manifest path must be UTF-8)",
        "warning: skipped dir\\udcfe: name is not valid UTF-8 (a manifest path must be UTF-8)",
    ]
    assert [row["path"] for row in manifest(written(result, catalog))] == ["ok.txt"]


def test_names_with_newlines_and_escapes_are_recorded_literally_and_printed_safely(
    run: Run, data: Path, catalog: Path
) -> None:
    names = ["line\nbreak.txt", "\x1b[31mred.txt", "tab\there", "back\\slash", "\u202eevil"]
    write(data, {name: name for name in names})
    result = snap(run, data, catalog)
    version = written(result, catalog)
    assert {row["path"]: row["hash"] for row in manifest(version)} == {
        name: sha(name.encode()) for name in names
    }
    assert "\x1b[31mred" not in result.output and "\\x1b[31mred.txt" in result.stdout
    assert "line\\nbreak.txt" in result.stdout
    log = version.console_path.read_text("utf-8")
    assert "\x1b[31mred" not in log and "\\x1b[31mred.txt" in log


def _make_long_path(root: Path, depth: int, name: str, body: bytes) -> str:
    """Make ``root/<200 x a>/…/<name>`` (*depth* folders) with file descriptors only."""
    segment = "a" * 200
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for _ in range(depth):
            os.mkdir(segment, dir_fd=fd)
            child = os.open(segment, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = child
        out = os.open(name, os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        os.write(out, body)
        os.close(out)
    finally:
        os.close(fd)
    return "/".join([segment] * depth + [name])


def test_paths_longer_than_the_system_limit_are_hashed(run: Run, data: Path, catalog: Path) -> None:
    write(data, {"short.txt": "s"})
    long_path = _make_long_path(data, 25, "deep.txt", b"far down")
    assert len(long_path) > 4096
    with pytest.raises(OSError):
        (data / long_path).stat()  # too long for one system call
    result = snap(run, data, catalog)
    rows = {row["path"]: row["hash"] for row in manifest(written(result, catalog))}
    assert rows == {"short.txt": sha(b"s"), long_path: sha(b"far down")}
    assert not warnings_of(result)
    again = snap(run, data, catalog)
    assert "Hashed 0 files; reused 2 hashes" in again.stdout


def test_a_2_gib_sparse_file_is_hashed_correctly_without_reading_its_holes(
    run: Run, data: Path, catalog: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    size, where, payload = 2 << 30, (1 << 30) + 12345, b"data in the middle of nowhere"
    with (data / "sparse.img").open("wb") as f:
        f.truncate(size)
        f.seek(where)
        f.write(payload)
    age(data)
    expected = hashlib.sha256()
    zeros = bytes(1 << 20)
    for start in range(0, size, 1 << 20):
        block = bytearray(zeros)
        lo, hi = max(where, start), min(where + len(payload), start + (1 << 20))
        if lo < hi:
            block[lo - start : hi - start] = payload[lo - where : hi - where]
        expected.update(block)
    read_bytes = []
    real_preadv = os.preadv

    def counting(fd: int, buffers: Any, offset: int) -> int:
        n = real_preadv(fd, buffers, offset)
        read_bytes.append(n)
        return n

    monkeypatch.setattr(os, "preadv", counting)
    result = snap(run, data, catalog, "--jobs", "1")
    rows = manifest(written(result, catalog))
    assert rows[0]["size"] == size
    assert rows[0]["hash"] == expected.hexdigest()
    assert sum(read_bytes) <= 2 << 20, "only the block with data is read"


def test_the_catalog_inside_the_data_folder_is_skipped(run: Run, data: Path) -> None:
    write(data, {"a.txt": "a"})
    catalog = data / "catalog"
    assert run("init", catalog).exit_code == 0
    result = snap(run, data, catalog)
    assert warnings_of(result) == ["warning: skipped catalog/: the catalog itself: not recorded"]
    assert [row["path"] for row in manifest(written(result, catalog))] == ["a.txt"]
    inner = snap(run, catalog / "pets", catalog)
    assert inner.exit_code == 1
    assert "the data folder is inside the catalog" in inner.stderr


# --- versions, parents, datasets ------------------------------------------------------------


def test_parent_latest_bumps_the_version_and_keeps_origins(
    run: Run, data: Path, catalog: Path
) -> None:
    write(data, {"keep.txt": "k", "edit.txt": "1", "drop.txt": "d"})
    first = written(snap(run, data, catalog, "--tag", "base"), catalog)
    assert first.meta.version == "1.0.0" and first.meta.parents == ()
    assert first.meta.tags == ("base",)
    (data / "edit.txt").write_text("2")
    (data / "drop.txt").unlink()
    write(data, {"new.txt": "n"})
    result = snap(run, data, catalog, "--parent", "latest", "--description", "Second *run*")
    second = written(result, catalog)
    assert second.meta.version == "1.0.1"
    assert second.meta.parents == (first.id,)
    assert second.meta.description == "Second *run*"
    origins = {row["path"]: row["origin"] for row in manifest(second)}
    assert origins == {"edit.txt": second.id, "keep.txt": first.id, "new.txt": second.id}
    assert "Changes from the parents: 1 added, 1 modified, 1 removed; size +0 B" in result.stdout
    assert "  added:    new.txt" in result.stdout
    assert "  removed:  drop.txt" in result.stdout
    third = written(snap(run, data, catalog), catalog)
    assert third.meta.version == "1.0.2" and third.meta.parents == ()


def test_several_parents_make_a_merge(run: Run, tmp_path: Path, catalog: Path) -> None:
    base, left, right, merged = (tmp_path / n for n in ("base", "left", "right", "merged"))
    write(base, {"shared.txt": "s", "x.txt": "x0"})
    write(left, {"shared.txt": "s", "x.txt": "x0", "left.txt": "l"})
    write(right, {"shared.txt": "s", "x.txt": "x1"})
    write(merged, {"shared.txt": "s", "x.txt": "x1", "left.txt": "l", "mine.txt": "m"})
    v0 = written(snap(run, base, catalog), catalog)
    v1 = written(snap(run, left, catalog, "--parent", v0.id), catalog)
    v2 = written(snap(run, right, catalog, "--parent", v0.id, "--version", "1.5.0"), catalog)
    assert v1.meta.version == "1.0.1"
    result = snap(run, merged, catalog, "--parent", v1.id, "--parent", v2.id, "--name", "merge")
    v3 = written(result, catalog)
    assert v3.meta.parents == (v1.id, v2.id)
    assert v3.meta.version == "1.5.1"  # the highest parent's, bumped
    assert v3.meta.name == "merge"
    origins = {row["path"]: row["origin"] for row in manifest(v3)}
    assert origins == {
        "shared.txt": v0.id,
        "x.txt": v2.id,
        "left.txt": v1.id,
        "mine.txt": v3.id,
    }
    assert "Changes from the parents: 1 added, 0 modified, 0 removed" in result.stdout
    assert read_content(load_catalog(catalog), v3.id)["x.txt"].origin == v2.id


def test_a_new_name_makes_a_dataset_with_a_slug(run: Run, data: Path, catalog: Path) -> None:
    write(data, {"a.txt": "a"})
    result = snap(run, data, catalog, "--project", "Vision", dataset="Pets & Friends (v2)!")
    version = written(result, catalog)
    assert version.dataset == "pets-friends-v2"
    loaded = load_catalog(catalog)
    meta = loaded.datasets["pets-friends-v2"].meta
    assert (meta.name, meta.project) == ("Pets & Friends (v2)!", "Vision")
    assert version.meta.name == "Pets & Friends (v2)!"
    assert "Dataset 'Pets & Friends (v2)!' (pets-friends-v2, new)" in result.stdout
    # The display name and the folder name both find it again.
    by_name = written(snap(run, data, catalog, dataset="Pets & Friends (v2)!"), catalog)
    by_slug = written(snap(run, data, catalog, dataset="pets-friends-v2"), catalog)
    assert by_name.dataset == by_slug.dataset == "pets-friends-v2"
    assert [by_name.meta.version, by_slug.meta.version] == ["1.0.1", "1.0.2"]
    clash = snap(run, data, catalog, dataset="Pets, Friends: v2")
    assert clash.exit_code == 1
    assert "would go in the folder 'pets-friends-v2', which holds the dataset" in clash.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--parent", "nope"], "--parent: unknown version id 'nope'"),
        (["--version", "1.0.0"], "--version: '1.0.0' is already the number of version"),
        (["--version", "  "], "--version: expected a version number"),
        (["--tag", ""], "--tag: expected a tag, got an empty string"),
    ],
)
def test_bad_options_are_one_line_errors(
    run: Run, data: Path, catalog: Path, args: list[str], message: str
) -> None:
    write(data, {"a.txt": "a"})
    written(snap(run, data, catalog), catalog)
    result = snap(run, data, catalog, *args)
    assert result.exit_code == 1
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert len(load_catalog(catalog).versions) == 1


def test_the_same_parent_twice_is_refused(run: Run, data: Path, catalog: Path) -> None:
    write(data, {"a.txt": "a"})
    first = written(snap(run, data, catalog), catalog)
    result = snap(run, data, catalog, "--parent", first.id, "--parent", "latest")
    assert result.exit_code == 1
    assert f"--parent: version '{first.id}' is given twice" in result.stderr


def test_parent_latest_of_a_new_dataset_means_no_parent(
    run: Run, data: Path, catalog: Path
) -> None:
    write(data, {"a.txt": "a"})
    result = snap(run, data, catalog, "--parent", "latest")
    assert "note: --parent latest: the dataset has no version yet" in result.stdout
    assert written(result, catalog).meta.parents == ()


def test_missing_folders_are_one_line_errors(run: Run, tmp_path: Path, catalog: Path) -> None:
    result = snap(run, tmp_path / "nope", catalog)
    assert result.exit_code == 1
    assert "nope: data folder not found" in result.stderr
    result = snap(run, tmp_path, tmp_path / "no-catalog")
    assert result.exit_code == 1
    assert "catalog folder not found" in result.stderr


# --- the plan, made aside ---------------------------------------------------------------------


def _fresh(script: str, *args: str | Path) -> subprocess.CompletedProcess[str]:
    """Run *script* in a fresh interpreter, as the installed command runs: with no other thread
    (this one may have some, from the browser tests), a snapshot forks its helpers."""
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
    )


_SNAPSHOTS = """
    import multiprocessing, os, sys
    from dsreport.cli import cli
    from dsreport.snapshot import planner

    made_plan = planner.make_plan
    def noted(req):
        print("planned in", os.getpid(), file=sys.stderr)
        return made_plan(req)
    planner.make_plan = noted
    try:
        for extra in ([], ["--parent", "latest"]):
            cli.main(["snapshot", sys.argv[1], "--catalog", sys.argv[2], "--dataset", "pets",
                      *extra], standalone_mode=False)
    finally:
        print("main", os.getpid(), "children", multiprocessing.active_children(), file=sys.stderr)
        print(sorted(m for m in sys.modules if m.startswith(("pydantic", "dsreport.model"))))
"""


def test_the_catalog_is_loaded_by_a_forked_planner_and_never_here(
    data: Path, catalog: Path
) -> None:
    # The catalog's models (pydantic) are the planner's: this process writes the documents
    # from dicts and reads its parents' manifests without them.
    write(data, {"a.txt": "a", "b/c.csv": "x\n1\n"})
    out = _fresh(_SNAPSHOTS, data, catalog)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[-1] == "[]", "no pydantic in the main process"
    main = re.findall(r"^main (\d+) children \[\]$", out.stderr, re.M)
    planned = re.findall(r"^planned in (\d+)$", out.stderr, re.M)
    assert len(main) == 1 and len(planned) == 2 and main[0] not in planned
    versions = load_catalog(catalog).versions
    assert sorted(v.meta.version for v in versions.values()) == ["1.0.0", "1.0.1"]


@pytest.mark.parametrize("fork", [True, False], ids=["forked", "in-process"])
def test_a_problem_found_by_the_planner_is_the_same_one_line_error(
    run: Run, data: Path, catalog: Path, fork: bool
) -> None:
    write(data, {"a.txt": "a"})
    first = written(snap(run, data, catalog), catalog)
    doc = first.folder / "version.json"
    doc.write_text(doc.read_text().replace('"archived": false', '"archived": "no"'))
    if fork:
        script = "from dsreport.cli import main; main()"
        args = ["snapshot", data, "--catalog", catalog, "--dataset", "pets"]
        out = _fresh(f"import sys; sys.argv[0] = 'dsreport'; {script}", *args)
        code, stderr = out.returncode, out.stderr
    else:
        thread = threading.Thread(target=threading.Event().wait, args=(5,), daemon=True)
        thread.start()  # (forking is then unsafe: the plan is made in this process)
        result = snap(run, data, catalog)
        code, stderr = result.exit_code, result.stderr
    assert code == 1
    assert (
        f"invalid catalog: pets/versions/{first.id}/version.json: archived: Input should be a "
        "valid boolean" in stderr
    )
    assert len(stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("broken", "expected"),
    [
        ("raise ZeroDivisionError('a bug')", "ZeroDivisionError: a bug"),
        ("return lambda: None", "Can't pickle"),  # (a plan that cannot travel: a bug too)
        ("os._exit(3)", "RuntimeError: the planner process ended (exit code 3)"),
    ],
    ids=["raises", "unpicklable", "dies"],
)
def test_a_planner_that_fails_is_an_error_here(
    data: Path, catalog: Path, broken: str, expected: str
) -> None:
    write(data, {f"f{i:04d}.txt": f"{i}" for i in range(600)})
    out = _fresh(_SNAPSHOTS.replace("return made_plan(req)", broken), data, catalog)
    assert out.returncode == 1
    assert expected in out.stderr
    if "exit code" not in expected:
        assert "RuntimeError: loading the catalog failed:" in out.stderr
    assert re.search(r"^main \d+ children \[\]$", out.stderr, re.M), "no helper left"
    assert not any(catalog.glob("pets*")), "nothing written"


def test_an_interrupted_change_is_finished_before_the_plan(
    run: Run, data: Path, catalog: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(data, {"a.txt": "a"})
    first = written(snap(run, data, catalog), catalog)
    second = written(snap(run, data, catalog, "--parent", "latest"), catalog)
    # 'dsreport archive' of the second, stopped after its commit point: not applied yet.
    monkeypatch.setattr(journal, "_apply", lambda root, txn: "archive")
    monkeypatch.setattr(journal, "_finish", lambda txn: None)
    assert run("archive", second.id, "--catalog", catalog).exit_code == 0
    monkeypatch.undo()
    doc = second.folder / "version.json"
    assert (catalog / ".dsreport" / "txn").is_dir() and not json.loads(doc.read_text())["archived"]
    result = snap(run, data, catalog, "--parent", "latest")
    assert "finished the interrupted 'dsreport archive'" in result.stderr
    assert json.loads(doc.read_text())["archived"]
    third = written(result, catalog)
    assert third.meta.parents == (first.id,), "the latest active version, once archived"


def test_the_documents_written_are_the_models_own_bytes(
    run: Run, data: Path, catalog: Path
) -> None:
    write(data, {"a.txt": "a"})
    version = written(snap(run, data, catalog, "--tag", "b", "--tag", "a"), catalog)
    dataset = load_catalog(catalog).datasets["pets"]
    assert (dataset.folder / "dataset.json").read_bytes() == document_bytes(dataset.meta)
    assert (version.folder / "version.json").read_bytes() == document_bytes(version.meta)
    assert version.meta.created == version.meta.updated
    assert version.meta.tags == ("b", "a")


def calls_to(monkeypatch: pytest.MonkeyPatch, owner: object, name: str) -> list[tuple[Any, ...]]:
    """The arguments of each call to ``owner.name`` from now on (the calls go through)."""
    calls: list[tuple[Any, ...]] = []
    real = getattr(owner, name)

    def counted(*args: Any) -> Any:
        calls.append(args)
        return real(*args)

    monkeypatch.setattr(owner, name, counted)
    return calls


def thirty_files_and_a_readme(data: Path) -> None:
    """Files to snapshot again and again: none racy, and one with a preview."""
    write(data, {f"f{i:02d}.txt": f"{i}" * 900 for i in range(30)} | {"README.md": "# read me"})
    age(data)


def test_an_unchanged_folder_keeps_the_version_predicted_by_the_cache(
    run: Run, data: Path, catalog: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # While the workers stat, the version is made as the cache predicts it: kept when every
    # file is as cached, made again from what was found otherwise.
    thirty_files_and_a_readme(data)
    first = written(snap(run, data, catalog), catalog)
    made = calls_to(monkeypatch, record, "_manifest")
    # The rows that may have a preview and the compressed size are kept in the cache.
    derived = calls_to(monkeypatch, record, "previewable") + calls_to(
        monkeypatch, record._Estimate, "of"
    )
    second = snap(run, data, catalog)
    assert len(made) == 1, "the prediction was kept"
    assert derived == [], "taken from the cache"
    version = written(second, catalog)
    assert as_sha256sum(version) == sha256sum(data)
    assert (version.preview_dir / "README.md").read_text() == "# read me"
    assert {row["origin"] for row in manifest(version)} == {version.id}
    # The compressed size too: the same samples (from the cache), the same estimate.
    assert version.meta.size_compressed == first.meta.size_compressed
    assert version.meta.extra == first.meta.extra
    assert first.meta.extra and first.meta.extra["size_compressed_sampled_bytes"] > 0
    (data / "f07.txt").write_text("changed")
    age(data / "f07.txt")
    made.clear()
    drafted = drafts(monkeypatch)
    third = snap(run, data, catalog)
    assert len(made) == 2, "predicted, then made from what the workers found"
    assert drafted == [], "no draft: files found unchanged in the cache are not drafted"
    assert as_sha256sum(written(third, catalog)) == sha256sum(data)
    assert "Changes from nothing (no parent): 31 added" in third.stdout


def _cache_header(catalog: Path) -> tuple[Path, dict[str, Any]]:
    (path,) = (catalog / ".dsreport" / "hashcache").glob("*.bin")
    lines = path.read_bytes().split(b"\n", 2)
    return path, json.loads(lines[1])


def _rewrite_cache_header(catalog: Path, header: dict[str, Any]) -> None:
    path, _ = _cache_header(catalog)
    magic, _, rest = path.read_bytes().split(b"\n", 2)
    path.write_bytes(magic + b"\n" + json.dumps(header).encode() + b"\n" + rest)


@pytest.mark.parametrize(
    "spoil",
    [
        {"by": "dsreport 0.0.1; previewable 0; zlib"},  # another dsreport's
        {"previewable": [10**9]},  # no such row
        {"previewable": [3, 1]},
        {"estimate": [1, 2]},
        {"estimate": "big"},
    ],
)
def test_values_the_cache_keeps_are_used_only_when_they_are_this_dsreports(
    run: Run, data: Path, catalog: Path, monkeypatch: pytest.MonkeyPatch, spoil: dict[str, Any]
) -> None:
    thirty_files_and_a_readme(data)
    first = written(snap(run, data, catalog), catalog)
    _, header = _cache_header(catalog)
    assert header["derived"]["previewable"] == list(range(31)), "every .txt and README.md"
    assert header["derived"]["estimate"][:2] == [
        first.meta.size_compressed,
        first.meta.extra and first.meta.extra["size_compressed_sampled_bytes"],
    ]
    _rewrite_cache_header(catalog, {**header, "derived": {**header["derived"], **spoil}})
    derived = calls_to(monkeypatch, record, "previewable")
    second = written(snap(run, data, catalog), catalog)
    # Made again once, for this snapshot: the cache keeps the same (its rows are the walk's).
    assert len(derived) == 1, "made again, once"
    assert (second.preview_dir / "README.md").read_text() == "# read me"
    assert second.meta.size_compressed == first.meta.size_compressed
    # The cache was saved again, with values made by this dsreport: used from now on.
    assert _cache_header(catalog)[1]["derived"] == header["derived"]
    written(snap(run, data, catalog), catalog)
    assert len(derived) == 1


def test_a_cache_without_some_files_derives_its_own_values(
    run: Run, data: Path, catalog: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # README.md (the walk's row 0) is racy: recorded, not cached. The cache's rows are then
    # not the walk's, and the values it keeps are derived from its own rows.
    thirty_files_and_a_readme(data)
    racy_ns = time.time_ns()  # (the other files are an hour old)
    os.utime(data / "README.md", ns=(racy_ns, racy_ns))
    monkeypatch.setattr(content, "is_racy", lambda mtime, stamp: mtime >= racy_ns)
    first = written(snap(run, data, catalog), catalog)
    assert (first.preview_dir / "README.md").read_text() == "# read me"
    _, header = _cache_header(catalog)
    assert header["count"] == 30
    assert header["derived"]["previewable"] == list(range(30)), "the cache's rows: no README"
    monkeypatch.undo()
    again = snap(run, data, catalog)
    assert "Hashed 1 file; reused 30 hashes" in again.stdout
    second = written(again, catalog)
    assert (second.preview_dir / "README.md").read_text() == "# read me"
    # Sampled alike: the estimate the cache derived is the one the versions were given.
    assert second.meta.size_compressed == first.meta.size_compressed
    assert _cache_header(catalog)[1]["derived"]["previewable"] == list(range(31))


def test_a_failure_while_sampling_fails_the_snapshot_and_writes_nothing(
    run: Run, data: Path, catalog: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The sample is taken in a thread while the manifest is written: what it raises is raised
    # here (not a hang, not a version without its estimate), and the version is not written.
    write(data, {"a.txt": "a", "b.txt": "b"})

    def broken(*args: Any) -> None:
        raise ZeroDivisionError("a bug in the sample")

    monkeypatch.setattr(record, "sample_files", broken)
    with pytest.raises(ZeroDivisionError, match="a bug in the sample"):
        snap(run, data, catalog)
    assert not any(catalog.glob("*pets*")), "nothing written, nothing left aside"


def test_a_child_of_the_version_the_cache_holds_is_made_without_parsing_its_manifest(
    run: Run, data: Path, catalog: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # --parent latest, the parent recorded from this very folder: its manifest is the cache's
    # rows with their origins, and is taken as it is when nothing changed.
    thirty_files_and_a_readme(data)
    first = written(snap(run, data, catalog), catalog)
    (data / "f03.txt").write_text("changed once")
    age(data / "f03.txt")
    second = written(snap(run, data, catalog, "--parent", "latest"), catalog)
    origins = {row["path"]: row["origin"] for row in manifest(second)}
    assert origins["f03.txt"] == second.id and origins["f04.txt"] == first.id
    made = calls_to(monkeypatch, record, "_manifest")
    parsed = calls_to(monkeypatch, manifest_module, "parse_manifest")
    third = snap(run, data, catalog, "--parent", "latest")
    assert (made, parsed) == ([], []), "neither made nor parsed: the parent's manifest as it is"
    child = written(third, catalog)
    assert child.manifest_path.read_bytes() == second.manifest_path.read_bytes()
    assert (child.preview_dir / "README.md").read_text() == "# read me"
    assert "Changes from the parents: 0 added, 0 modified, 0 removed; size +0 B" in third.stdout
    # A file changed: the parent's content is made from the cache's columns, still unparsed.
    (data / "f07.txt").write_text("changed too")
    age(data / "f07.txt")
    fourth = snap(run, data, catalog, "--parent", "latest")
    assert (len(made), parsed) == (1, [])
    grandchild = written(fourth, catalog)
    assert as_sha256sum(grandchild) == sha256sum(data)
    origins = {row["path"]: row["origin"] for row in manifest(grandchild)}
    assert (origins["f07.txt"], origins["f03.txt"]) == (grandchild.id, second.id)
    assert "0 added, 1 modified, 0 removed" in fourth.stdout
    # A parent that is not what the cache holds (an older one) is read and parsed.
    fifth = snap(run, data, catalog, "--parent", first.id)
    assert [rel for _, rel in parsed] == [f"pets/versions/{first.id}/manifest.jsonl"]
    assert "0 added, 2 modified, 0 removed" in fifth.stdout
    assert as_sha256sum(written(fifth, catalog)) == sha256sum(data)


# --- previews -------------------------------------------------------------------------------


def _image(path: Path, size: tuple[int, int], fmt: str) -> None:
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, (200, 30, 30)).save(path, format=fmt)


def test_previews_keep_small_heads_of_each_kind(run: Run, data: Path, catalog: Path) -> None:
    rows = "".join(f'{i},"multi\nline {i}"\n' for i in range(50))
    write(
        data,
        {
            "README.md": "# Pets\n\nPhotos of *pets*.\n",
            "tables/train.csv": "id,text\n" + rows,
            "tables/vocab.tsv": "".join(f"w{i}\t{i}\n" for i in range(50)),
            "tables/rows.jsonl": "".join(f'{{"i": {i}}}\n' for i in range(50)),
            "notes/long.txt": "".join(f"line {i:05d}\n" for i in range(2000)),
            "notes/LICENSE": "MIT License\n",
            "blob": b"\x00\x01binary",
            "weights.bin": b"\x00" * 100,
        },
    )
    _image(data / "images/big.jpg", (2000, 1000), "JPEG")
    _image(data / "images/scan.tif", (300, 600), "TIFF")
    (data / "images/broken.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    result = snap(run, data, catalog)
    version = written(result, catalog)
    preview = version.preview_dir
    kept = sorted(p.relative_to(preview).as_posix() for p in preview.rglob("*") if p.is_file())
    assert kept == [
        "README.md",
        "images/big.jpg",
        "images/scan.tif.png",
        "notes/LICENSE",
        "notes/long.txt",
        "tables/rows.jsonl",
        "tables/train.csv",
        "tables/vocab.tsv",
    ]
    assert (preview / "README.md").read_text() == "# Pets\n\nPhotos of *pets*.\n"
    csv_head = (preview / "tables/train.csv").read_text()
    assert csv_head == "id,text\n" + "".join(f'{i},"multi\nline {i}"\n' for i in range(20))
    assert len((preview / "tables/vocab.tsv").read_text().splitlines()) == 21
    assert len((preview / "tables/rows.jsonl").read_text().splitlines()) == 20
    text = (preview / "notes/long.txt").read_bytes()
    assert len(text) <= 4096 and text.endswith(b"\n") and text.startswith(b"line 00000\n")
    from PIL import Image

    with Image.open(preview / "images/big.jpg") as thumb:
        assert (thumb.format, thumb.size) == ("JPEG", (256, 128))
    with Image.open(preview / "images/scan.tif.png") as thumb:
        assert (thumb.format, thumb.size) == ("PNG", (128, 256))
    assert "note: no preview of blob: not text" in result.stdout
    assert "note: no preview of images/broken.png: not an image Pillow can read" in result.stdout
    assert "Previews: 8 kept (README.md, " in result.stdout


def test_preview_settings_exclusions_and_opt_out(run: Run, data: Path, catalog: Path) -> None:
    (catalog / "dsreport.toml").write_text(
        "[preview]\nmax_rows = 2\nmax_files = 3\nmax_image_px = 32\n"
        'exclude = ["secrets/**", "*.log"]\n'
    )
    write(
        data,
        {
            "secrets/keys.txt": "k",
            "run.log": "log",
            "a/one.csv": "h\n1\n2\n3\n",
            "b/two.txt": "two",
            "c/three.md": "three",
            "d/four.txt": "four",
        },
    )
    _image(data / "e/pic.png", (100, 50), "PNG")
    version = written(snap(run, data, catalog), catalog)
    preview = version.preview_dir
    kept = sorted(p.relative_to(preview).as_posix() for p in preview.rglob("*"))
    assert kept == ["a", "a/one.csv", "b", "b/two.txt", "c", "c/three.md"]
    assert (version.preview_dir / "a/one.csv").read_text() == "h\n1\n2\n"
    off = written(snap(run, data, catalog, "--no-preview"), catalog)
    assert not off.preview_dir.exists()
    (catalog / "dsreport.toml").write_text('[preview]\nmax_image_px = 32\nexclude = ["[a-d]/*"]\n')
    only_image = written(snap(run, data, catalog), catalog)
    from PIL import Image

    with Image.open(only_image.preview_dir / "e/pic.png") as thumb:
        assert thumb.size == (32, 16)


def test_unchanged_files_reuse_their_previews(
    run: Run, data: Path, catalog: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _image(data / "pic.jpg", (400, 300), "JPEG")
    write(data, {"t.csv": "a\n1\n"})
    first = written(snap(run, data, catalog), catalog)
    from dsreport.snapshot import preview

    def never(*args: object) -> bytes:
        raise AssertionError("a preview was made again")

    monkeypatch.setattr(preview, "make_preview", never)
    second = written(snap(run, data, catalog), catalog)
    for name in ("pic.jpg", "t.csv"):
        assert (second.preview_dir / name).read_bytes() == (first.preview_dir / name).read_bytes()


# --- the version's other files, atomicity -----------------------------------------------------


def test_compressed_size_is_an_estimate_labelled_as_such(
    run: Run, tmp_path: Path, catalog: Path
) -> None:
    text, noise = tmp_path / "text", tmp_path / "noise"
    write(text, {f"t{i}.txt": "the same words again and again\n" * 2000 for i in range(5)})
    write(noise, {f"n{i}.bin": os.urandom(300_000) for i in range(5)})
    compressible = written(snap(run, text, catalog, dataset="text"), catalog)
    random_data = written(snap(run, noise, catalog, dataset="noise"), catalog)
    assert compressible.meta.size_compressed is not None
    assert compressible.meta.size_compressed < 0.05 * 5 * 62_000
    assert random_data.meta.size_compressed is not None
    assert 1.0 <= random_data.meta.size_compressed / 1_500_000 < 1.01
    assert compressible.meta.extra == {
        "size_compressed_method": "zlib-1 sample estimate",
        "size_compressed_sampled_bytes": 5 * 62_000,
    }


def test_the_console_output_is_the_versions_console_log(
    run: Run, data: Path, catalog: Path
) -> None:
    write(data, {"a.txt": "a"})
    os.mkfifo(data / "fifo")
    result = snap(run, data, catalog, "--tag", "t")
    version = written(result, catalog)
    log = version.console_path.read_text("utf-8")
    plain = re.sub("\x1b\\[[0-9;]*m", "", log).splitlines()
    assert plain[0] == f"$ dsreport snapshot {data} --catalog {catalog} --dataset pets --tag t"
    assert plain[-1].startswith(f"Wrote version 1.0.0 ({version.id}) to ")
    assert "warning: skipped fifo: a FIFO: never opened" in plain
    printed = result.stdout.splitlines() + result.stderr.splitlines()
    assert sorted(plain) == sorted(printed)
    assert "\x1b[33mwarning:\x1b[0m" in log  # the colours are kept for the site


def _leftovers(catalog: Path) -> list[str]:
    return sorted(p.relative_to(catalog).as_posix() for p in catalog.rglob("*.tmp"))


@pytest.mark.parametrize("when", ["hashing", "writing"])
@pytest.mark.parametrize("new_dataset", [True, False])
def test_an_interrupted_snapshot_leaves_nothing(
    run: Run,
    data: Path,
    catalog: Path,
    monkeypatch: pytest.MonkeyPatch,
    new_dataset: bool,
    when: str,
) -> None:
    write(data, {"a.txt": "a", "README.md": "# r"})
    age(data)
    if not new_dataset:
        written(snap(run, data, catalog), catalog)
    before = sorted(p.relative_to(catalog).as_posix() for p in catalog.rglob("*"))
    real_write, real_hash_tree = record.atomic_write_bytes, record.hash_tree
    staged: list[str] = []

    def interrupted(path: Path, body: bytes) -> None:
        if path.name == "console.log":  # the very last file before the rename
            raise KeyboardInterrupt
        real_write(path, body)
        staged.append(path.name)

    def interrupted_hashing(*args: Any) -> content.Content:
        real_hash_tree(*args)
        raise KeyboardInterrupt

    monkeypatch.setattr(record, "atomic_write_bytes", interrupted)
    if when == "hashing":  # (a second snapshot has written the predicted manifest by then)
        monkeypatch.setattr(record, "hash_tree", interrupted_hashing)
    result = snap(run, data, catalog)
    assert result.exit_code == 1
    assert "Aborted!" in result.stderr
    after = sorted(p.relative_to(catalog).as_posix() for p in catalog.rglob("*"))
    assert not _leftovers(catalog)
    # Only the private cache moved: no version, no dataset, no half-written folder.
    assert [p for p in after if not p.startswith(".dsreport")] == [
        p for p in before if not p.startswith(".dsreport")
    ]
    assert run("validate", catalog).exit_code == 0
    if when == "hashing":
        assert staged == ([] if new_dataset else ["manifest.jsonl"])


def test_sigterm_is_turned_into_an_interrupt() -> None:
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(KeyboardInterrupt), terminate_as_interrupt():
        os.kill(os.getpid(), signal.SIGTERM)
    assert signal.getsignal(signal.SIGTERM) == before


def test_a_cache_that_cannot_be_saved_is_a_warning(run: Run, data: Path, catalog: Path) -> None:
    write(data, {"a.txt": "a", "b.txt": "b"})
    age(data)
    (catalog / ".dsreport").mkdir(exist_ok=True)
    (catalog / ".dsreport" / "hashcache").write_text("a file where the cache folder goes")
    result = snap(run, data, catalog)
    assert as_sha256sum(written(result, catalog)) == sha256sum(data)
    assert "warning: the hash cache could not be saved:" in result.stderr
    again = snap(run, data, catalog)  # nothing cached: everything is hashed again
    assert "Hashed 2 files; reused 0 hashes" in again.stdout


def test_a_damaged_cache_is_ignored(run: Run, data: Path, catalog: Path) -> None:
    write(data, {"a.txt": "a", "b.txt": "b"})
    age(data)
    written(snap(run, data, catalog), catalog)
    (cache,) = (catalog / ".dsreport" / "hashcache").glob("*.bin")
    body = cache.read_bytes()
    cache.write_bytes(body[:-64] + b"z" * 64)  # the last hash is not hex any more
    result = snap(run, data, catalog)
    assert "Hashed 2 files; reused 0 hashes" in result.stdout
    assert as_sha256sum(written(result, catalog)) == sha256sum(data)
