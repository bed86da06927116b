"""Actions are all or nothing (exceptions, ``kill -9``) and never lose a concurrent change."""

from __future__ import annotations

import fcntl
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import Result

import dsreport.catalog.journal as journal
from tests.builders import CatalogBuilder
from tests.cli.test_actions import doc, snapshot

Run = Callable[..., Result]
EPOCH = "1800000000"


@pytest.fixture
def catalog(builder: CatalogBuilder, monkeypatch: pytest.MonkeyPatch) -> Path:
    """pets: v1 -> v2 -> v3 -> v4 (v1 archived), each with a few files."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    monkeypatch.delenv("DSREPORT_CATALOG", raising=False)
    builder.dataset("pets")
    parents: list[str] = []
    for i in range(1, 5):
        files = {f"f{j}": f"{i}-{j}" for j in range(3)}
        builder.version(
            "pets", f"v{i}", files, parents=parents, version=f"1.{i}.0", archived=i == 1
        )
        parents = [f"v{i}"]
    return builder.root


def env(**extra: str) -> dict[str, str]:
    """The environment for a ``dsreport`` subprocess: quiet, reproducible times."""
    environ = {k: v for k, v in os.environ.items() if k != "DSREPORT_CATALOG"}
    environ.update(CI="1", SOURCE_DATE_EPOCH=EPOCH, **extra)
    return environ


def dsreport(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "dsreport", *(str(a) for a in args)]


@pytest.fixture
def ram_dir(tmp_path: Path) -> Iterator[Path]:
    """A scratch folder in RAM (``/dev/shm``) when there is one, else under ``tmp_path``.

    The tests that start many subprocesses use it: a process killed with SIGKILL leaves the
    page cache intact, so what they check does not depend on fsync, which on a disk costs most
    of their time (each fsync also flushes the catalog copies just written).
    """
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        with tempfile.TemporaryDirectory(dir=shm, prefix="dsreport-test-") as folder:
            yield Path(folder)
    else:
        yield tmp_path


def test_failure_while_staging_changes_nothing(
    run: Run, catalog: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(catalog)
    real = journal._write_new
    calls = 0

    def failing(path: Path, data: bytes, *, sync: bool) -> None:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise OSError(28, "No space left on device", str(path))
        real(path, data, sync=sync)

    monkeypatch.setattr(journal, "_write_new", failing)
    result = run("archive", "v2", "v3", "v4", "--catalog", catalog)
    assert result.exit_code == 1
    assert result.stderr.strip().endswith(": No space left on device")
    assert snapshot(catalog) == before
    assert sorted(p.name for p in (catalog / ".dsreport").iterdir()) == [".gitignore", "lock"]


def test_failure_after_the_commit_point_is_finished_by_the_next_reader(
    run: Run, catalog: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = os.replace
    calls = 0

    def failing(src: str | Path, dst: str | Path) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise OSError(5, "Input/output error", str(dst))
        real(src, dst)

    monkeypatch.setattr(journal.os, "replace", failing)
    result = run("archive", "v2", "v3", "v4", "--catalog", catalog)
    monkeypatch.setattr(journal.os, "replace", real)
    assert result.exit_code == 1 and "Input/output error" in result.stderr
    # Half applied on disk, but committed: the next command that reads finishes it first.
    assert [doc(catalog, v)["archived"] for v in ("v2", "v3", "v4")] == [True, False, False]
    result = run("validate", catalog)
    assert result.exit_code == 0, result.output
    assert "finished the interrupted 'dsreport archive'" in result.stderr
    assert [doc(catalog, v)["archived"] for v in ("v2", "v3", "v4")] == [True, True, True]
    assert not (catalog / ".dsreport" / "txn").exists()


def test_every_reading_command_finishes_an_interrupted_change_first(
    run: Run, catalog: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(journal, "_apply", lambda root, txn: "archive")
    monkeypatch.setattr(journal, "_finish", lambda txn: None)
    assert run("archive", "v2", "v3", "--catalog", catalog).exit_code == 0
    monkeypatch.undo()
    assert (catalog / ".dsreport" / "txn").is_dir() and not doc(catalog, "v2")["archived"]
    result = run("list", "--catalog", catalog, "--state", "archived", "--format", "json")
    assert "finished the interrupted" in result.stderr
    assert [row["id"] for row in json.loads(result.stdout)] == ["v1", "v2", "v3"]


def test_leftover_staging_is_cleaned_by_the_next_change(run: Run, catalog: Path) -> None:
    stale = catalog / ".dsreport" / "txn.tmp-dead"
    stale.mkdir(parents=True)
    (stale / "w0").write_text("half")
    assert run("validate", catalog).exit_code == 0
    assert stale.exists()  # readers never touch what a live writer may be staging
    assert run("archive", "v2", "--catalog", catalog).exit_code == 0
    assert not stale.exists()


def test_an_unreadable_journal_is_reported_in_one_line(run: Run, catalog: Path) -> None:
    txn = catalog / ".dsreport" / "txn"
    txn.mkdir(parents=True)
    (txn / "journal.json").write_text("{not json")
    before = snapshot(catalog)
    for args in (["validate", catalog], ["archive", "v2", "--catalog", catalog]):
        result = run(*args)
        assert result.exit_code == 1
        assert "cannot finish an interrupted change: its journal is unreadable" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    assert snapshot(catalog) == before


def test_a_journal_cannot_reach_outside_the_catalog(run: Run, catalog: Path) -> None:
    txn = catalog / ".dsreport" / "txn"
    txn.mkdir(parents=True)
    (txn / "w0").write_text("pwned")
    (txn / "journal.json").write_text('{"writes": [["../outside", "w0"]], "removes": []}')
    result = run("validate", catalog)
    assert result.exit_code == 1
    assert "refusing to touch '../outside': not a path inside the catalog" in result.stderr
    assert not (catalog.parent / "outside").exists()


def test_a_busy_catalog_makes_the_second_command_fail_clearly(run: Run, catalog: Path) -> None:
    (catalog / ".dsreport").mkdir()
    with open(catalog / ".dsreport" / "lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        held.write("4242 delete\n")
        held.flush()
        before = snapshot(catalog)
        result = run("archive", "v2", "--wait", "0.2", "--catalog", catalog)
        assert result.exit_code == 1
        assert result.stderr.strip() == (
            f"Error: {catalog}: the catalog is busy: 'dsreport delete' (process 4242) is "
            "changing it; waited 0.2 s (try again when it has finished, or give --wait SECONDS)"
        )
        assert snapshot(catalog) == before
        # A dry run takes no lock.
        assert run("archive", "v2", "--dry-run", "--catalog", catalog).exit_code == 0


def test_the_second_command_waits_for_the_first(run: Run, catalog: Path) -> None:
    (catalog / ".dsreport").mkdir()
    held = open(catalog / ".dsreport" / "lock", "w")  # noqa: SIM115 - released by the thread
    fcntl.flock(held, fcntl.LOCK_EX)
    done = catalog / ".dsreport" / "first-done"

    def finish_first() -> None:
        time.sleep(0.3)
        done.write_text("")
        fcntl.flock(held, fcntl.LOCK_UN)
        held.close()

    thread = threading.Thread(target=finish_first)
    thread.start()
    result = run("archive", "v2", "--catalog", catalog)
    thread.join()
    assert result.exit_code == 0, result.output
    assert done.exists()  # it ran only after the first command let go
    assert doc(catalog, "v2")["archived"] is True


def test_concurrent_commands_lose_no_update(catalog: Path, ram_dir: Path) -> None:
    catalog = Path(shutil.copytree(catalog, ram_dir / "catalog"))
    commands = [dsreport("tag", "v3", "--add", f"t{i}", "--catalog", catalog) for i in range(4)]
    commands += [
        dsreport("archive", "v4", "--catalog", catalog),
        dsreport("tag", "v2", "v3", "--add", "both", "--catalog", catalog),
    ]
    procs = [
        subprocess.Popen(c, env=env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for c in commands
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    assert sorted(doc(catalog, "v3")["tags"]) == ["both", "t0", "t1", "t2", "t3"]
    assert doc(catalog, "v2")["tags"] == ["both"] and doc(catalog, "v4")["archived"] is True
    check = subprocess.run(dsreport("validate", catalog), env=env(), capture_output=True)
    assert check.returncode == 0


# --- kill -9 at many moments ---------------------------------------------------------------

VERSIONS = 200


@pytest.fixture
def big_catalog(ram_dir: Path) -> Path:
    """One dataset with a long chain of active versions."""
    builder = CatalogBuilder(ram_dir / "big")
    builder.dataset("big")
    parents: list[str] = []
    for i in range(VERSIONS):
        files = {f"f{j}": f"{i // 3}-{j}" for j in range(3)}
        builder.version("big", f"v{i:04d}", files, parents=parents, version=f"1.{i}.0")
        parents = [f"v{i:04d}"]
    return builder.root


def _wait_for(proc: subprocess.Popen[bytes], ready: Callable[[], bool]) -> None:
    while proc.poll() is None and not ready():
        time.sleep(0.0002)


def test_sigkill_at_any_moment_leaves_the_catalog_before_or_after(
    run: Run, big_catalog: Path, ram_dir: Path
) -> None:
    tmp_path = ram_dir
    before = snapshot(big_catalog)
    reference = tmp_path / "reference"
    shutil.copytree(big_catalog, reference)
    start = time.monotonic()
    subprocess.run(
        dsreport("archive", "--dataset", "big", "--all", "--catalog", reference),
        env=env(),
        check=True,
        capture_output=True,
    )
    duration = time.monotonic() - start
    after = snapshot(reference)
    assert sum(after[p] != before[p] for p in before) == VERSIONS

    rng = random.Random(6)
    # Kill at moments spread over a whole run, and (to hit the short windows every time) as
    # soon as the staging folder appears, and as soon as the commit point is passed.
    triggers = [("time", duration * f) for f in (0.3, 0.5, 0.7, 0.9)]
    triggers += [("staging", rng.uniform(0, 0.01)) for _ in range(2)]
    triggers += [("commit", d) for d in (0, 0.001, rng.uniform(0, 0.01), 0.02)]
    phases: Counter[str] = Counter()
    states: Counter[str] = Counter()
    for index, (kind, delay) in enumerate(triggers):
        catalog = tmp_path / f"kill{index}"
        shutil.copytree(big_catalog, catalog)
        private = catalog / ".dsreport"
        proc = subprocess.Popen(
            dsreport("archive", "--dataset", "big", "--all", "--catalog", catalog),
            env=env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if kind == "staging":
            _wait_for(proc, lambda p=private: any(p.glob("txn.tmp-*")))  # type: ignore[misc]
        elif kind == "commit":
            _wait_for(proc, lambda p=private: (p / "txn").is_dir())  # type: ignore[misc]
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if proc.returncode == 0:
            phases["finished"] += 1
        elif (private / "txn").is_dir():
            phases["committed"] += 1
        elif private.is_dir() and any(private.glob("txn.tmp-*")):
            phases["staging"] += 1
        else:
            phases["before staging"] += 1
        result = run("validate", catalog)
        assert result.exit_code == 0, (kind, delay, result.output)
        state = snapshot(catalog)
        assert state in (before, after), f"half-changed catalog after a kill ({kind}, {delay})"
        states["after" if state == after else "before"] += 1
    # The kills covered the moments that matter: before the commit point, and between the
    # commit point and the end (finished by the next reader).
    assert phases["committed"] >= 1, phases
    assert phases["staging"] + phases["before staging"] >= 1, phases
    assert states["before"] >= 1 and states["after"] >= 1, states
    # The next change cleans whatever a killed command left behind.
    last = tmp_path / f"kill{len(triggers) - 1}"
    assert run("restore", "--dataset", "big", "--all", "--catalog", last).exit_code == 0
    assert sorted(p.name for p in (last / ".dsreport").iterdir()) == [".gitignore", "lock"]
