"""``dsreport build``: the version pages, their shared content data, and incremental rebuilds."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from html import unescape
from pathlib import Path

import pytest
from click.testing import Result

from dsreport.render import version_pages
from tests.builders import CatalogBuilder, sha
from tests.version_catalog import build_demo

Run = Callable[..., Result]


def plan(site: Path, vid: str) -> dict[str, object]:
    html = (site / "v" / vid / "index.html").read_text()
    found = re.search(r'data-plan="([^"]*)"', html)
    assert found
    return json.loads(unescape(found.group(1)))  # type: ignore[no-any-return]


def data_files(site: Path) -> dict[str, int]:
    """Content data files and their inodes."""
    return {p.relative_to(site).as_posix(): p.stat().st_ino for p in (site / "c").rglob("*.js")}


def test_build_writes_both_pages_of_every_version(tmp_path: Path, run: Run) -> None:
    info = build_demo(tmp_path / "catalog")
    result = run("build", tmp_path / "catalog", "-o", tmp_path / "site")
    assert result.exit_code == 0, result.output
    site = tmp_path / "site"
    for vid, files in info["contents"].items():
        page = (site / "v" / vid / "index.html").read_text()
        assert (site / "v" / vid / "full.html").is_file()
        rows = re.findall(r"<tr><td title=", page)
        assert len(rows) == min(100, len(files))
        if len(files) > 100:
            assert f"Showing the first 100 of {len(files):,} entries" in page
        data = plan(site, vid)
        assert data["total"] == len(files)
        for path, _key, _rows in [*data["full"], *data["deltas"]]:  # type: ignore[misc]
            assert (site / path).is_file()
    page = (site / "v" / "v2" / "index.html").read_text()
    # Hostile text is escaped everywhere, including inside the plan's JSON.
    assert "<script>" not in page and "<img src=x" not in page
    assert "&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;.csv" in page
    full = (site / "v" / "v2" / "full.html").read_text()
    assert "&#34;ds_file_count&#34;: 999" in full
    assert "&lt;/script&gt;&lt;script&gt;alert(10)" in full


def test_a_rebuild_after_a_new_version_keeps_every_data_file(tmp_path: Path, run: Run) -> None:
    builder = CatalogBuilder(tmp_path / "catalog")
    builder.dataset("d")
    files: dict[str, object] = {f"f/{i:05d}.bin": (i, sha(str(i))) for i in range(3000)}
    builder.version("d", "a", files)  # type: ignore[arg-type]
    files["f/00007.bin"] = (1, sha("changed"))
    builder.version("d", "b", files, parents=["a"], version="1.1.0")  # type: ignore[arg-type]
    site = tmp_path / "site"
    assert run("build", builder.root, "-o", site).exit_code == 0
    before = data_files(site)
    page_a = (site / "v" / "a" / "index.html").stat().st_ino
    files["f/00011.bin"] = (2, sha("changed again"))
    del files["f/02000.bin"]
    builder.version("d", "c", files, parents=["b"], version="1.2.0")  # type: ignore[arg-type]
    result = run("build", builder.root, "-o", site)
    assert result.exit_code == 0
    after = data_files(site)
    assert {k: after[k] for k in before} == before, "unchanged data files are kept (hard-linked)"
    (new,) = set(after) - set(before)
    assert plan(site, "c")["deltas"][-1][0] == new  # type: ignore[index]
    assert (site / new).stat().st_size < 500
    assert (site / "v" / "a" / "index.html").stat().st_ino == page_a


def test_special_console_logs_and_empty_versions_do_not_break_the_build(
    tmp_path: Path, run: Run
) -> None:
    builder = CatalogBuilder(tmp_path / "catalog")
    builder.dataset("d")
    empty = builder.version("d", "empty", {})
    os.mkfifo(empty / "console.log")  # reading it would block the build forever
    linked = builder.version("d", "linked", {"a": "a"}, parents=["empty"], version="1.1.0")
    (linked / "console.log").symlink_to("/etc/passwd")
    (linked / "preview").symlink_to("/etc")
    result = run("build", builder.root, "-o", tmp_path / "site")
    assert result.exit_code == 0, result.output
    page = (tmp_path / "site" / "v" / "empty" / "index.html").read_text()
    assert "This version holds no files." in page
    assert "The console log is not a regular file: not shown." in page
    page = (tmp_path / "site" / "v" / "linked" / "index.html").read_text()
    assert "The console log is not a regular file: not shown." in page
    assert "No previews were recorded for this version." in page
    assert "root:" not in page


def test_a_huge_console_log_shows_its_start_and_end(
    tmp_path: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(version_pages, "MAX_CONSOLE_BYTES", 4000)
    builder = CatalogBuilder(tmp_path / "catalog")
    builder.dataset("d")
    folder = builder.version("d", "v", {"a": "a"})
    (folder / "console.log").write_bytes(
        b"".join(f"line {i:05d}\n".encode() for i in range(1, 10_001))
    )
    assert run("build", builder.root, "-o", tmp_path / "site").exit_code == 0
    page = (tmp_path / "site" / "v" / "v" / "index.html").read_text()
    assert '<div class="cl" id="L1">' in page
    assert '<a class="ln" href="#L10000">10000</a><span class="lt">line 10000</span>' in page
    gap = re.search(r"… ([0-9,]+) lines not shown …", page)
    assert gap
    shown = len(re.findall(r'<div class="cl" id="L', page))
    assert shown + int(gap.group(1).replace(",", "")) == 10_000
    assert 'CONSOLE <span class="tab-count">10,000</span>' in page


def test_a_rebuild_reads_only_the_manifests_it_needs(
    tmp_path: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    builder = CatalogBuilder(tmp_path / "catalog")
    builder.dataset("d")
    files: dict[str, object] = {f"f/{i:04d}": (i, sha(str(i))) for i in range(500)}
    builder.version("d", "a", files)  # type: ignore[arg-type]
    builder.version("d", "b", {**files, "new": "b"}, parents=["a"], version="1.1.0")  # type: ignore[arg-type]
    builder.version("d", "x", {**files, "other": "x"}, parents=["a"], version="1.2.0")  # type: ignore[arg-type]
    site = tmp_path / "site"
    assert run("build", builder.root, "-o", site).exit_code == 0
    first = {p: (site / p).read_bytes() for p in data_files(site)}
    read: list[str] = []
    real = version_pages.read_content

    def spy(catalog: object, vid: str) -> object:
        read.append(vid)
        return real(catalog, vid)  # type: ignore[arg-type]

    monkeypatch.setattr(version_pages, "read_content", spy)
    builder.version("d", "c", {**files, "new": "b", "c": "c"}, parents=["b"], version="1.3.0")  # type: ignore[arg-type]
    assert run("build", builder.root, "-o", site).exit_code == 0
    assert sorted(read) == ["b", "c"], "the new version and the parent it is a delta on"
    assert all((site / p).read_bytes() == data for p, data in first.items())
    # A data file missing from the site is noticed: the versions using it are published anew.
    victim = sorted(first)[0]
    (site / victim).unlink()
    read.clear()
    assert run("build", builder.root, "-o", site).exit_code == 0
    assert (site / victim).read_bytes() == first[victim]
    assert read, "the versions that used the altered file were read again"
    read.clear()
    assert run("build", builder.root, "-o", site).exit_code == 0
    assert read == []
