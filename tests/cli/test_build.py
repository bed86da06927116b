"""``dsreport build``: atomic, incremental, refuses bad catalogs and foreign folders."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from dsreport.resources import example_catalog_dir
from tests.builders import CatalogBuilder, edit_json

Run = Callable[..., Result]


@pytest.fixture
def small(builder: CatalogBuilder) -> CatalogBuilder:
    builder.dataset("pets", name="Pets")
    builder.version("pets", "v1", {"a.txt": "a", "b.txt": "b"})
    builder.version("pets", "v2", {"a.txt": "a2", "b.txt": "b"}, parents=["v1"], version="1.1.0")
    return builder


def snapshot(site: Path) -> dict[str, tuple[int, int]]:
    """Each file's (inode, mtime_ns): equal when the file was not rewritten."""
    return {
        p.relative_to(site).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
        for p in site.rglob("*")
        if p.is_file()
    }


def test_build_writes_every_page(run: Run, small: CatalogBuilder, tmp_path: Path) -> None:
    result = run("build", small.root, "-o", tmp_path / "site")
    assert result.exit_code == 0, result.output
    site = tmp_path / "site"
    for page in (
        "index.html",
        "d/pets/index.html",
        "d/pets/archive.html",
        "d/pets/versions.csv",
        "v/v1/index.html",
        "v/v1/full.html",
        "v/v2/index.html",
    ):
        assert (site / page).is_file(), page
    assert "Open file://" in result.output
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".site")], "no staging left"


def test_second_build_rewrites_nothing_and_a_change_rewrites_only_what_it_touches(
    run: Run, small: CatalogBuilder, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    run("build", small.root, "-o", site)
    before = snapshot(site)
    result = run("build", small.root, "-o", site)
    assert "(0 written," in result.output
    after = snapshot(site)
    assert {k: v for k, v in after.items() if not k.startswith(".dsreport")} == {
        k: v for k, v in before.items() if not k.startswith(".dsreport")
    }
    # A new version: its own pages and the dataset's pages change; assets and v1's pages do not.
    small.version("pets", "v3", {"a.txt": "a3"}, parents=["v2"], version="1.2.0")
    run("build", small.root, "-o", site)
    changed = {k for k, v in snapshot(site).items() if before.get(k) != v}
    assert "v/v3/index.html" in changed and "d/pets/index.html" in changed
    assert "v/v1/full.html" not in changed
    assert not any(k.startswith("assets/") for k in changed)


def test_broken_catalog_is_refused_and_the_old_site_stays(
    run: Run, small: CatalogBuilder, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    run("build", small.root, "-o", site)
    before = snapshot(site)
    edit_json(small.root / "pets" / "versions" / "v2" / "version.json", parents=["missing"])
    result = run("build", small.root, "-o", site)
    assert result.exit_code == 1
    assert "parents[0]: unknown version id 'missing'" in result.stderr
    assert snapshot(site) == before


def test_a_build_that_fails_halfway_leaves_the_old_site_whole(
    run: Run, small: CatalogBuilder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    run("build", small.root, "-o", site)
    before = {p: p.read_bytes() for p in site.rglob("*") if p.is_file()}
    small.version("pets", "v3", {"a.txt": "a3"}, parents=["v2"], version="1.2.0")

    from dsreport import site as site_module

    written: list[str] = []
    original = site_module.SiteWriter.write

    def failing_write(self: site_module.SiteWriter, rel: str, data: bytes) -> None:
        written.append(rel)
        if len(written) == 12:
            raise OSError(28, "No space left on device", rel)
        original(self, rel, data)

    monkeypatch.setattr(site_module.SiteWriter, "write", failing_write)
    result = run("build", small.root, "-o", site)
    assert result.exit_code == 1
    assert "No space left on device" in result.stderr
    assert len(written) == 12
    assert {p: p.read_bytes() for p in site.rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["catalog", "site"]


def test_build_refuses_a_folder_it_did_not_make(
    run: Run, small: CatalogBuilder, tmp_path: Path
) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "mine.txt").write_text("keep")
    result = run("build", small.root, "-o", tmp_path / "docs")
    assert result.exit_code == 1
    assert "not made by dsreport build" in result.stderr
    assert (tmp_path / "docs" / "mine.txt").read_text() == "keep"


def test_build_output_defaults_to_the_config(
    run: Run, small: CatalogBuilder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (small.root / "dsreport.toml").write_text('[site]\ntitle = "Zoo"\n[build]\noutput = "public"\n')
    monkeypatch.chdir(tmp_path)
    assert run("build", small.root).exit_code == 0
    assert "<title>Zoo</title>" in (tmp_path / "public" / "index.html").read_text()


def test_versions_csv_neutralises_formulas(
    run: Run, builder: CatalogBuilder, tmp_path: Path
) -> None:
    builder.dataset("x")
    builder.version("x", "v1", {"a": "a"}, name='=HYPERLINK("http://evil")', tags=["@cmd", "-2"])
    run("build", builder.root, "-o", tmp_path / "site")
    text = (tmp_path / "site" / "d" / "x" / "versions.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in text and "'@cmd -2" in text


def test_example_builds(run: Run, tmp_path: Path) -> None:
    result = run("build", example_catalog_dir(), "-o", tmp_path / "site")
    assert result.exit_code == 0, result.output
    status = json.loads((tmp_path / "site" / ".dsreport-build.json").read_text())
    assert len(status["files"]) > 50


def test_missing_graphviz_is_one_clear_line(
    run: Run, small: CatalogBuilder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    result = run("build", small.root, "-o", tmp_path / "site")
    assert result.exit_code == 1
    assert "Graphviz's 'dot' was not found" in result.stderr
    assert not (tmp_path / "site").exists()


def test_progress_is_quiet_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    from dsreport import progress

    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    monkeypatch.setenv("CI", "true")
    assert not progress.progress_wanted()
    monkeypatch.delenv("CI")
    assert progress.progress_wanted()


def test_rebuild_reads_only_new_manifests(
    run: Run, small: CatalogBuilder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dsreport import summary

    site = tmp_path / "site"
    run("build", small.root, "-o", site)
    reads: list[str] = []
    original = summary.read_content
    monkeypatch.setattr(
        summary, "read_content", lambda catalog, vid: reads.append(vid) or original(catalog, vid)
    )
    run("build", small.root, "-o", site)
    assert reads == []
    small.version("pets", "v3", {"a.txt": "a3"}, parents=["v2"], version="1.2.0")
    run("build", small.root, "-o", site)
    assert sorted(reads) == ["v2", "v3"]
    # Changing a manifest invalidates its summary and its descendants'.
    reads.clear()
    manifest = small.root / "pets" / "versions" / "v1" / "manifest.jsonl"
    manifest.write_bytes(manifest.read_bytes())
    run("build", small.root, "-o", site)
    assert sorted(reads) == ["v1", "v2", "v3"]
