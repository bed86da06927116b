"""``catalog.stage.apply_changes``: folders built aside, swapped in, untouched when unchanged."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dsreport.catalog.stage import FolderChange, apply_changes
from dsreport.errors import DsreportError


def files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_a_new_folder_is_written_whole(tmp_path: Path) -> None:
    results = apply_changes(
        tmp_path / "cat", [FolderChange("pets", write={"a/b.txt": b"b", "c": b"c"})]
    )
    assert files(tmp_path / "cat") == {"pets/a/b.txt": b"b", "pets/c": b"c"}
    assert results["pets"].added == {"a/b.txt", "c"} and results["pets"].changed


def test_an_unchanged_folder_is_not_touched(tmp_path: Path) -> None:
    apply_changes(tmp_path, [FolderChange("pets", write={"a": b"1", "b/c": b"2"})])
    inode = (tmp_path / "pets").stat().st_ino
    stamp = (tmp_path / "pets" / "a").stat().st_mtime_ns
    results = apply_changes(tmp_path, [FolderChange("pets", write={"a": b"1"})])
    assert not results["pets"].changed
    assert (tmp_path / "pets").stat().st_ino == inode
    assert (tmp_path / "pets" / "a").stat().st_mtime_ns == stamp


def test_a_changed_folder_keeps_unchanged_files_as_they_were(tmp_path: Path) -> None:
    apply_changes(
        tmp_path, [FolderChange("pets", write={"same": b"1", "old": b"2", "gone/x": b"3"})]
    )
    same = (tmp_path / "pets" / "same").stat()
    results = apply_changes(
        tmp_path,
        [FolderChange("pets", write={"same": b"1", "old": b"22", "new": b"4"}, drop=("gone",))],
    )
    r = results["pets"]
    assert (r.added, r.modified, r.removed) == ({"new"}, {"old"}, {"gone/x"})
    assert files(tmp_path / "pets") == {"new": b"4", "old": b"22", "same": b"1"}
    kept = (tmp_path / "pets" / "same").stat()
    assert (kept.st_ino, kept.st_mtime_ns) == (same.st_ino, same.st_mtime_ns)
    assert r.touches("gone") and not r.touches("same-folder")
    assert [p.name for p in tmp_path.iterdir()] == ["pets"]  # nothing left aside


def test_dropping_a_folder_and_rewriting_it_removes_stale_files(tmp_path: Path) -> None:
    apply_changes(
        tmp_path, [FolderChange("d", write={"versions/v1/a": b"a", "versions/v1/b": b"b"})]
    )
    apply_changes(
        tmp_path, [FolderChange("d", write={"versions/v1/a": b"a"}, drop=("versions/v1",))]
    )
    assert files(tmp_path / "d") == {"versions/v1/a": b"a"}


def test_a_folder_is_removed(tmp_path: Path) -> None:
    apply_changes(
        tmp_path, [FolderChange("d", write={"x": b"x"}), FolderChange("e", write={"y": b"y"})]
    )
    results = apply_changes(tmp_path, [FolderChange("d", remove=True)])
    assert results["d"].removed == {"x"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e"]


def test_a_failure_while_building_leaves_every_folder_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    apply_changes(
        tmp_path, [FolderChange("a", write={"x": b"old"}), FolderChange("b", write={"y": b"old"})]
    )
    before = files(tmp_path)
    import dsreport.catalog.stage as stage

    real = stage._write_new
    calls = []

    def full_disk(path: Path, data: bytes) -> None:
        calls.append(path)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real(path, data)

    monkeypatch.setattr(stage, "_write_new", full_disk)
    with pytest.raises(OSError):
        apply_changes(
            tmp_path,
            [FolderChange("a", write={"x": b"new"}), FolderChange("b", write={"y": b"new"})],
        )
    assert files(tmp_path) == before
    assert sorted(os.listdir(tmp_path)) == ["a", "b"]  # the half-built folder is gone too


def test_paths_that_leave_the_folder_are_refused(tmp_path: Path) -> None:
    with pytest.raises(DsreportError, match="refusing to write '../x'"):
        apply_changes(tmp_path, [FolderChange("d", write={"../x": b"x"})])
    with pytest.raises(DsreportError, match="refusing to write '/abs'"):
        apply_changes(tmp_path, [FolderChange("d", drop=("/abs",))])
    assert not (tmp_path / "d").exists() and not (tmp_path.parent / "x").exists()
