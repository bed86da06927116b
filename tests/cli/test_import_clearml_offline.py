"""``dsreport import clearml`` on offline sessions written by hand: bad input of every kind.

(The session the real SDK writes in offline mode is tested in test_import_clearml_server.py.)
These sessions are shaped exactly like the SDK's (``task.json``, ``log.jsonl``,
``metrics.jsonl``, ``data/…/state.json``) but hold what a careless or hostile producer could.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from dsreport.catalog.load import load_catalog
from tests.builders import CatalogBuilder, edit_json, sha
from tests.clearml_helpers import clean_env, need_clearml, read_manifest, run_dsreport, tree

Run = Callable[..., Result]
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63f8cfc0f01f0005050200"
    "5fc8f1d20000000049454e44ae426082"
)


def session(
    root: Path,
    tid: str,
    files: dict[str, Any] | None = None,
    *,
    links: list[dict[str, Any]] | None = None,
    state: dict[str, Any] | None = None,
    name: str = "sensors",
    project: str = "Field",
    version: str = "0.1.0",
    parents: list[str] | None = None,
    log: list[str] | None = None,
    metrics: list[dict[str, Any]] | None = None,
    samples: dict[str, bytes] | None = None,
) -> Path:
    """Write an offline session folder like the SDK's; return it.

    *files* maps relative paths to text (size and hash made from it) or to a raw entry dict.
    """
    folder = root / tid
    hidden = f"{project}/.datasets/{name}"
    artifacts = f"data/{hidden}/{name}.{tid}/artifacts"
    offline_folder = f"/nowhere/.clearml/cache/offline/{tid}"
    entries = []
    for path, spec in (files if files is not None else {"a.txt": "alpha\n"}).items():
        if isinstance(spec, str):
            entries.append(
                {
                    "relative_path": path,
                    "hash": sha(spec),
                    "size": len(spec.encode()),
                    "parent_dataset_id": tid,
                    "artifact_name": None,
                    "local_path": f"/nowhere/{path}",
                }
            )
        else:
            entries.append({"relative_path": path, **spec})
    doc = {
        "dataset_file_entries": entries,
        "dataset_link_entries": links or [],
        "dependency_graph": {tid: parents or []},
        "dirty": True,
        "file_count": len(entries),
        "id": tid,
        "total_size": 0,
    }
    doc.update(state or {})
    (folder / artifacts / "state").mkdir(parents=True)
    (folder / artifacts / "state" / "state.json").write_text(json.dumps(doc))
    task = {
        "id": tid,
        "name": name,
        "comment": "Readings",
        "tags": ["field"],
        "system_tags": ["dataset"],
        "project_name": hidden,
        "offline_folder": offline_folder,
        "hyperparams": {
            "properties": {
                "version": {"section": "properties", "name": "version", "value": version}
            }
        },
        "execution": {
            "artifacts": [
                {
                    "key": "state",
                    "type": "dict",
                    "uri": f"file://{offline_folder}/{artifacts}/state/state.json",
                    "timestamp": 1767225600,
                }
            ]
        },
    }
    (folder / "task.json").write_text(json.dumps(task))
    events = [
        {"timestamp": 1767225600000 + i, "type": "log", "task": tid, "msg": m}
        for i, m in enumerate(log if log is not None else ["hello", "\x1b[31mred\x1b[0m"])
    ]
    (folder / "log.jsonl").write_text(json.dumps(events) + "\n")
    if metrics is not None:
        (folder / "metrics.jsonl").write_text(json.dumps(metrics) + "\n")
    for key, data in (samples or {}).items():
        (folder / "data" / key).parent.mkdir(parents=True, exist_ok=True)
        (folder / "data" / key).write_bytes(data)
    return folder


def zip_folder(folder: Path) -> Path:
    target = folder.with_suffix(".zip")
    with zipfile.ZipFile(target, "w") as z:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                z.write(path, path.relative_to(folder).as_posix())
    return target


TID = "offline-" + "a" * 32
TID2 = "offline-" + "b" * 32


def test_a_session_folder_imports_with_every_field(run: Run, tmp_path: Path) -> None:
    key = (
        f"Field/.datasets/sensors/sensors.{TID}/metrics/Images/dot.png/Images_dot.png_00000000.png"
    )
    metrics = [
        {
            "timestamp": 1767225601000,
            "type": "training_debug_image",
            "task": TID,
            "iter": 0,
            "metric": "Images",
            "variant": "dot.png",
            "key": key,
            "url": f"/nowhere/.clearml/cache/offline/{TID}/data/{key}",
        },
        {
            "timestamp": 1767225602000,
            "type": "plot",
            "task": TID,
            "iter": 0,
            "metric": "Tables",
            "variant": "summary",
            "plot_str": json.dumps(
                {
                    "data": [
                        {
                            "type": "table",
                            "header": {"values": [["t"], ["v"]]},
                            "cells": {"values": [[1, 2], [0.5, "a,b"]]},
                        }
                    ]
                }
            ),
        },
    ]
    src = session(
        tmp_path / "s",
        TID,
        {"img/dot.png": "png", "a.txt": "alpha\n"},
        metrics=metrics,
        samples={key: PNG},
    )
    result = run("import", "clearml", src, "--catalog", tmp_path / "c")
    assert result.exit_code == 0, result.output
    assert (
        f"Imported 1 version of 1 dataset from {src}: 1 new, 0 updated, 0 unchanged (1 draft)."
        in result.stdout
    )
    assert run("validate", tmp_path / "c").exit_code == 0
    catalog = load_catalog(tmp_path / "c")
    version = catalog.versions[TID]
    meta = version.meta
    assert (version.dataset, meta.name, meta.version, meta.status) == (
        "sensors",
        "sensors",
        "0.1.0",
        "draft",
    )
    assert meta.created == "2026-01-01T00:00:00Z" and meta.updated == "2026-01-01T00:00:02Z"
    assert meta.tags == ("field",) and meta.description == "Readings" and meta.parents == ()
    assert meta.extra is not None and meta.extra["clearml_source"] == "offline"
    assert meta.size_compressed is None  # a draft: its data was never compressed
    assert catalog.datasets["sensors"].meta.project == "Field"
    assert (version.folder / "console.log").read_bytes() == b"hello\n\x1b[31mred\x1b[0m\n"
    assert (version.preview_dir / "img" / "dot.png").read_bytes() == PNG
    assert (version.preview_dir / "Tables" / "summary.csv").read_text() == 't,v\n1,0.5\n2,"a,b"\n'


def test_zip_and_folder_import_the_same_catalog(run: Run, tmp_path: Path) -> None:
    src = session(tmp_path / "s", TID)
    assert run("import", "clearml", src, "--catalog", tmp_path / "a").exit_code == 0
    assert run("import", "clearml", zip_folder(src), "--catalog", tmp_path / "b").exit_code == 0
    assert {k: v[0] for k, v in tree(tmp_path / "a").items()} == {
        k: v[0] for k, v in tree(tmp_path / "b").items()
    }


def test_a_folder_of_sessions_imports_each_once_and_reimport_is_idempotent(
    run: Run, tmp_path: Path
) -> None:
    session(tmp_path / "s", TID)
    zip_folder(session(tmp_path / "s", TID2, name="other"))  # the folder and its zip: once
    result = run("import", "clearml", tmp_path / "s", "--catalog", tmp_path / "c")
    assert result.exit_code == 0, result.output
    assert "2 new" in result.stdout
    before = tree(tmp_path / "c")
    result = run("import", "clearml", tmp_path / "s", "--catalog", tmp_path / "c")
    assert "0 new, 0 updated, 2 unchanged" in result.stdout
    assert tree(tmp_path / "c") == before


@pytest.mark.parametrize(
    ("path", "why"),
    [
        ("/etc/passwd", "expected a relative path, got an absolute one"),
        ("../outside", "expected no '..' segment"),
        ("a/../../outside", "expected no '..' segment"),
        ("a\\..\\..\\outside", "holds a '..' or '.' segment between backslashes"),
        ("C:\\Windows\\x", "looks like a Windows absolute path"),
        ("\\\\server\\share", "looks like a Windows absolute path"),
        ("a\x1b[2Jb", "holds a control, bidirectional-override or surrogate character"),
        ("invoice\u202efdp.exe", "holds a control, bidirectional-override or surrogate character"),
        ("a\x00b", "a path cannot hold a NUL character"),
        ("a//b", "expected no empty segment"),
        ("", "expected a relative POSIX path, got an empty string"),
        ("x" * 300, "has a segment longer than 255 bytes"),
    ],
)
def test_a_hostile_relative_path_refuses_the_version_and_names_it(
    run: Run, tmp_path: Path, path: str, why: str
) -> None:
    session(tmp_path / "s", TID, {"ok.txt": "fine", path: "evil"})
    session(tmp_path / "s", TID2, name="other")
    result = run("import", "clearml", tmp_path / "s", "--catalog", tmp_path / "c")
    assert result.exit_code == 1
    refusal = [line for line in result.stderr.splitlines() if line.startswith("refused:")]
    assert len(refusal) == 1 and f"refused: version {TID}:" in refusal[0]
    assert why in refusal[0]
    assert f"({path!r})" in refusal[0]  # named, escaped by repr
    assert "\x1b" not in result.stderr and "\u202e" not in result.stderr
    assert (
        "Error: 1 version was refused (listed above); everything else was imported" in result.stderr
    )
    catalog = load_catalog(tmp_path / "c")
    assert list(catalog.versions) == [TID2]  # the other session is imported, the bad one not


@pytest.mark.parametrize(
    ("entry", "why"),
    [
        ({"hash": "abc", "size": 1}, "hash: expected a sha256 (64 hex digits), got 'abc'"),
        ({"hash": "g" * 64, "size": 1}, "hash: expected a sha256 (64 hex digits)"),
        ({"hash": None, "size": 1}, "hash: expected a sha256 (64 hex digits), got None"),
        ({"hash": "a" * 64, "size": -1}, "size: expected a size in bytes, got -1"),
        ({"hash": "a" * 64, "size": "12"}, "size: expected a size in bytes, got '12'"),
        ({"hash": "a" * 64}, "size: expected a size in bytes, got None"),
        (
            {"hash": "a" * 64, "size": 1, "parent_dataset_id": "../x"},
            "parent_dataset_id: not a version id",
        ),
    ],
)
def test_a_bad_hash_or_size_refuses_the_version(
    run: Run, tmp_path: Path, entry: dict[str, Any], why: str
) -> None:
    src = session(tmp_path / "s", TID, {"data/x.bin": entry})
    result = run("import", "clearml", src, "--catalog", tmp_path / "c")
    assert result.exit_code == 1
    assert f"dataset_file_entries[0] ('data/x.bin').{why}" in result.stderr
    assert not (tmp_path / "c" / "sensors").exists()


def test_an_uppercase_hash_is_the_same_hash(run: Run, tmp_path: Path) -> None:
    src = session(
        tmp_path / "s", TID, {"x": {"hash": "AB" * 32, "size": 3, "parent_dataset_id": TID}}
    )
    assert run("import", "clearml", src, "--catalog", tmp_path / "c").exit_code == 0
    assert read_manifest(tmp_path / "c" / "sensors" / "versions" / TID)["x"]["hash"] == "ab" * 32


def test_links_without_size_or_hash_and_old_sdk_states_import(run: Run, tmp_path: Path) -> None:
    links = [
        {"relative_path": "raw/a.bin", "link": "s3://bucket/a.bin", "parent_dataset_id": TID},
        {
            "relative_path": "raw/b.bin",
            "link": "gs://b/b.bin",
            "size": 7,
            "hash": None,
            "parent_dataset_id": TID,
        },
        {"relative_path": "raw/c.bin", "link": "https://x/c", "size": None, "hash": "c" * 64},
    ]
    src = session(tmp_path / "s", TID, links=links)
    old = session(tmp_path / "t", TID2, name="old", state={"dataset_link_entries": None})
    state = old / "data/Field/.datasets/old" / f"old.{TID2}" / "artifacts/state/state.json"
    doc = json.loads(state.read_text())
    del doc["dataset_link_entries"]  # written by an SDK that had no links yet
    state.write_text(json.dumps(doc))
    result = run("import", "clearml", src, "--catalog", tmp_path / "c")
    assert result.exit_code == 0, result.output
    manifest = read_manifest(tmp_path / "c" / "sensors" / "versions" / TID)
    assert manifest["raw/a.bin"] == {
        "path": "raw/a.bin",
        "link": "s3://bucket/a.bin",
        "size": None,
        "hash": None,
        "origin": TID,
    }
    assert manifest["raw/b.bin"]["size"] == 7 and manifest["raw/b.bin"]["hash"] is None
    assert manifest["raw/c.bin"]["hash"] == "c" * 64 and manifest["raw/c.bin"]["origin"] == TID
    result = run("import", "clearml", old, "--catalog", tmp_path / "c")
    assert result.exit_code == 0, result.output
    assert (
        f"note: version {TID2}: its state has no dataset_link_entries (an old SDK): no links"
        in result.stderr
    )
    assert run("validate", tmp_path / "c").exit_code == 0


def test_local_path_is_never_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)  # opening it for reading would block the import forever
    files = {
        "a.txt": {"hash": sha("x"), "size": 1, "parent_dataset_id": TID, "local_path": str(secret)},
        "b.txt": {"hash": sha("y"), "size": 1, "parent_dataset_id": TID, "local_path": str(fifo)},
    }
    src = session(tmp_path / "s", TID, files)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "dsreport",
            "import",
            "clearml",
            str(src),
            "--catalog",
            str(tmp_path / "c"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    for _, (data, _, _) in tree(tmp_path / "c").items():
        assert b"TOP-SECRET" not in data and str(secret).encode() not in data


def test_a_corrupt_zip_is_one_clear_line_and_nothing_is_written(run: Run, tmp_path: Path) -> None:
    good = zip_folder(session(tmp_path / "s", TID))
    data = bytearray(good.read_bytes())
    (tmp_path / "cut.zip").write_bytes(bytes(data[: len(data) // 2]))
    result = run("import", "clearml", tmp_path / "cut.zip", "--catalog", tmp_path / "c")
    assert result.exit_code == 1
    assert (
        result.stderr.strip()
        == f"Error: {tmp_path / 'cut.zip'}: not a readable zip file (File is not a zip file)"
    )
    # A member whose bytes were damaged: the CRC check catches it.
    at = data.find(b'"Readings"')
    data[at + 1 : at + 9] = b"XXXXXXXX"
    (tmp_path / "crc.zip").write_bytes(bytes(data))
    result = run("import", "clearml", tmp_path / "crc.zip", "--catalog", tmp_path / "c")
    assert result.exit_code == 1
    assert "cannot read task.json: Bad CRC-32" in result.stderr
    (tmp_path / "empty.zip").write_bytes(b"")
    assert (
        "not a readable zip file"
        in run("import", "clearml", tmp_path / "empty.zip", "--catalog", tmp_path / "c").stderr
    )
    assert not (tmp_path / "c").exists()


def test_not_a_session_is_one_clear_line(run: Run, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = run("import", "clearml", tmp_path / "empty", "--catalog", tmp_path / "c")
    assert result.exit_code == 1
    assert "holds no ClearML offline session" in result.stderr
    result = run("import", "clearml", tmp_path / "missing", "--catalog", tmp_path / "c")
    assert "not found (expected an offline session folder or zip)" in result.stderr
    src = session(tmp_path / "s", TID)
    (src / "task.json").write_text("{not json")
    assert (
        "task.json is not valid JSON"
        in run("import", "clearml", src, "--catalog", tmp_path / "c").stderr
    )


def test_a_parent_that_is_gone_is_left_out_and_its_files_get_an_origin(
    run: Run, tmp_path: Path
) -> None:
    gone = "f" * 32
    files = {
        "old.txt": {"hash": sha("old"), "size": 3, "parent_dataset_id": gone},
        "new.txt": {"hash": sha("new"), "size": 3, "parent_dataset_id": TID},
    }
    src = session(tmp_path / "s", TID, files, parents=[gone])
    result = run("import", "clearml", src, "--catalog", tmp_path / "c")
    assert result.exit_code == 0, result.output
    assert (
        f"note: version {TID}: parent {gone} no longer on the server and not in the catalog"
        in result.stderr
    )
    catalog = load_catalog(tmp_path / "c")
    meta = catalog.versions[TID].meta
    assert meta.parents == () and meta.extra is not None
    assert meta.extra["clearml_missing_parents"] == [gone]
    assert {e["origin"] for e in read_manifest(catalog.versions[TID].folder).values()} == {TID}
    assert run("validate", tmp_path / "c").exit_code == 0


def test_a_parent_already_in_the_catalog_is_kept(run: Run, tmp_path: Path) -> None:
    session(tmp_path / "s1", TID)
    child = session(
        tmp_path / "s2",
        TID2,
        {"a.txt": {"hash": sha("alpha\n"), "size": 6, "parent_dataset_id": TID}, "b.txt": "b"},
        parents=[TID],
        version="0.2.0",
    )
    assert run("import", "clearml", tmp_path / "s1", "--catalog", tmp_path / "c").exit_code == 0
    result = run("import", "clearml", child, "--catalog", tmp_path / "c")
    assert result.exit_code == 0, result.output
    catalog = load_catalog(tmp_path / "c")
    assert catalog.versions[TID2].meta.parents == (TID,)
    assert read_manifest(catalog.versions[TID2].folder)["a.txt"]["origin"] == TID
    assert len(catalog.datasets) == 1


def test_a_taken_folder_gets_another_slug_and_a_taken_id_is_refused(
    run: Run, tmp_path: Path, builder: CatalogBuilder
) -> None:
    builder.dataset("sensors", name="Hand-made sensors")
    builder.version("sensors", "hand-1", {"x": "x"})
    session(tmp_path / "s", TID)
    result = run("import", "clearml", tmp_path / "s", "--catalog", builder.root)
    assert result.exit_code == 0, result.output
    catalog = load_catalog(builder.root)
    assert catalog.versions[TID].dataset == "sensors-2"
    assert catalog.datasets["sensors"].meta.name == "Hand-made sensors"
    result = run("import", "clearml", tmp_path / "s", "--catalog", builder.root)
    assert "0 new, 0 updated, 1 unchanged" in result.stdout  # the slug stays sensors-2
    builder.version("sensors", TID2, {"x": "x"})
    session(tmp_path / "t", TID2, name="other")
    result = run("import", "clearml", tmp_path / "t", "--catalog", builder.root)
    assert result.exit_code == 1
    assert (
        f"refused: version {TID2}: id already used by sensors/versions/{TID2}, "
        "which was not imported from ClearML" in result.stderr
    )


def test_an_invalid_catalog_is_refused_before_anything_is_read(
    run: Run, tmp_path: Path, builder: CatalogBuilder
) -> None:
    builder.dataset("broken")
    folder = builder.version("broken", "v1", {"x": "x"})
    edit_json(folder / "version.json", parents=["nope"])
    result = run("import", "clearml", session(tmp_path / "s", TID), "--catalog", builder.root)
    assert result.exit_code == 1
    assert (
        "invalid catalog: broken/versions/v1/version.json: parents[0]: unknown version id 'nope'"
        in result.stderr
    )
    assert not (builder.root / "sensors").exists()


def test_slugs_come_from_dataset_names(run: Run, tmp_path: Path) -> None:
    session(tmp_path / "s", TID, name="Café Photos (2024)!")
    session(tmp_path / "s", TID2, name="café photos 2024", project="Other")
    assert run("import", "clearml", tmp_path / "s", "--catalog", tmp_path / "c").exit_code == 0
    catalog = load_catalog(tmp_path / "c")
    assert {v.dataset for v in catalog.versions.values()} == {
        "cafe-photos-2024",
        "cafe-photos-2024-2",
    }
    assert catalog.versions[TID2].dataset == "cafe-photos-2024-2"  # "Other" sorts after "Field"


def test_the_progress_bar_counts_versions(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import contextlib

    import dsreport.clearml.importer as importer

    bars: list[tuple[str, int, int]] = []

    @contextlib.contextmanager
    def recorder(total: int, label: str) -> Any:
        done = [0]

        def advance(n: int) -> None:
            done[0] += n

        yield advance
        bars.append((label, total, done[0]))

    monkeypatch.setattr(importer, "progress", recorder)
    session(tmp_path / "s", TID)
    session(tmp_path / "s", TID2, name="other")
    assert run("import", "clearml", tmp_path / "s", "--catalog", tmp_path / "c").exit_code == 0
    assert bars == [("Reading ClearML states", 2, 2), ("Importing 2 versions of 2 datasets", 2, 2)]


def test_a_server_source_without_the_sdk_says_how_to_install_it(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "clearml.backend_api.session", None)  # import fails
    result = run("import", "clearml", "server", "--catalog", tmp_path / "c")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "Error: reading a ClearML server needs the clearml package: pip install 'dsreport[clearml]'"
    )


def test_a_server_without_credentials_is_one_clear_line(tmp_path: Path) -> None:
    need_clearml()
    result = run_dsreport(
        "import", "clearml", "server", "--catalog", tmp_path / "c", env=clean_env(tmp_path)
    )
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "Error: no ClearML credentials for the configured ClearML server: set "
        "CLEARML_API_ACCESS_KEY and CLEARML_API_SECRET_KEY (or run clearml-init to write "
        "clearml.conf)"
    )
    assert not (tmp_path / "c").exists()


def test_a_session_without_a_state_is_skipped_with_a_note(run: Run, tmp_path: Path) -> None:
    src = session(tmp_path / "s", TID)
    session(tmp_path / "s", TID2, name="other")
    for state in src.rglob("state.json"):
        state.unlink()
    result = run("import", "clearml", tmp_path / "s", "--catalog", tmp_path / "c")
    assert result.exit_code == 0, result.output
    assert (
        f"note: version {TID} skipped: the session holds no state.json (or several)"
        in result.stderr
    )
    assert list(load_catalog(tmp_path / "c").versions) == [TID2]
