"""``dsreport init`` and ``dsreport schema``; the example catalog against the schema."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import Result

from dsreport.catalog.load import load_catalog, read_content
from dsreport.diff import changes_from_parents
from dsreport.resources import example_catalog_dir

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

Run = Callable[..., Result]


def test_init_makes_an_empty_valid_catalog(run: Run, tmp_path: Path) -> None:
    result = run("init", tmp_path / "new")
    assert result.exit_code == 0
    assert sorted(p.name for p in (tmp_path / "new").iterdir()) == ["dsreport.toml"]
    assert (
        run("validate", tmp_path / "new").output.strip()
        == "Catalog is valid: 0 datasets, 0 versions."
    )


def test_init_accepts_an_empty_folder_and_refuses_a_non_empty_one(run: Run, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    assert run("init", tmp_path / "empty", "--example").exit_code == 0
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("mine")
    result = run("init", tmp_path / "full", "--example")
    assert result.exit_code == 1
    assert "full: folder is not empty: choose a new or empty folder" in result.stderr
    assert [p.name for p in (tmp_path / "full").iterdir()] == ["keep.txt"]
    (tmp_path / "file").write_text("x")
    assert "exists and is not a folder" in run("init", tmp_path / "file").stderr


def test_init_example_is_a_valid_catalog_with_every_feature(run: Run, tmp_path: Path) -> None:
    assert run("init", tmp_path / "ex", "--example").exit_code == 0
    result = run("validate", tmp_path / "ex")
    assert result.exit_code == 0, result.output
    catalog = load_catalog(tmp_path / "ex")
    projects = {d.meta.project for d in catalog.datasets.values()}
    assert len(catalog.datasets) >= 3 and len(projects) >= 2
    biggest = max(catalog.datasets.values(), key=lambda d: len(d.version_ids))
    versions = [catalog.versions[v] for v in biggest.version_ids]
    assert len(versions) >= 12
    assert any(len(v.meta.parents) == 2 for v in versions), "a two-parent merge"
    assert sum(v.meta.archived for v in versions) >= 2
    parents = [p for v in versions for p in v.meta.parents]
    assert len(parents) > len(set(parents)), "a branch: one version with two children"
    links = [e for vid in catalog.versions for e in read_content(catalog, vid).values() if e.link]
    assert {e.link.split(":")[0] for e in links if e.link} >= {"s3", "https"}
    assert any(e.size is None for e in links) and any(e.hash for e in links)
    previews = {p.suffix for v in catalog.versions.values() for p in v.preview_dir.rglob("*.*")}
    assert previews >= {".csv", ".tsv", ".jsonl", ".png", ".txt", ".json", ".md"}
    logs = [
        v.console_path.read_bytes() for v in catalog.versions.values() if v.console_path.exists()
    ]
    assert any(b"\x1b[38;5;" in log and b"\x1b[38;2;" in log for log in logs), "256 and true colour"
    assert any(b"\r" in log.replace(b"\r\n", b"") for log in logs), "progress lines"
    descriptions = [d.meta.description for d in catalog.datasets.values()]
    descriptions += [v.meta.description for v in catalog.versions.values()]
    assert any("|---" in d or "| ---" in d for d in descriptions), "a Markdown table"
    assert any("```" in d for d in descriptions), "a code block"
    assert any(v.meta.tags for v in catalog.versions.values())
    assert any(v.manifest_path.name.endswith(".gz") for v in catalog.versions.values())


def test_example_merge_changes_depend_on_parent_order(tmp_path: Path) -> None:
    catalog = load_catalog(example_catalog_dir())
    merge = next(v for v in catalog.versions.values() if len(v.meta.parents) == 2)
    content = read_content(catalog, merge.id)
    parents = [read_content(catalog, p) for p in merge.meta.parents]
    in_order = changes_from_parents(content, parents)
    reversed_order = changes_from_parents(content, parents[::-1])
    assert in_order != reversed_order


def test_example_is_small(tmp_path: Path) -> None:
    total = sum(p.stat().st_size for p in example_catalog_dir().rglob("*") if p.is_file())
    assert total < 400_000


def test_schema_prints_draft_2020_12(run: Run) -> None:
    schema = json.loads(run("schema").output)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)
    assert set(schema["$defs"]) >= {
        "DatasetJson",
        "VersionJson",
        "FileEntry",
        "LinkEntry",
        "ManifestEntry",
    }
    assert schema["$defs"]["VersionJson"]["additionalProperties"] is False
    version = json.loads(run("schema", "--kind", "version").output)
    assert version["$ref"] == "#/$defs/VersionJson"


def _validator(run: Run, kind: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(
        json.loads(run("schema", "--kind", kind).output), format_checker=jsonschema.FormatChecker()
    )


def test_every_file_of_the_example_validates_against_the_schema(run: Run) -> None:
    import gzip

    root = example_catalog_dir()
    validators = {kind: _validator(run, kind) for kind in ("dataset", "version", "entry", "config")}
    whole = jsonschema.Draft202012Validator(json.loads(run("schema").output))
    checked = 0

    def check(kind: str, doc: Any, where: Path) -> None:
        nonlocal checked
        errors = [e.message for e in validators[kind].iter_errors(doc)]
        assert not errors, f"{where}: {errors}"
        assert whole.is_valid(doc), where
        checked += 1

    check("config", tomllib.loads((root / "dsreport.toml").read_text()), root / "dsreport.toml")
    for path in root.glob("*/dataset.json"):
        check("dataset", json.loads(path.read_text()), path)
    for path in root.glob("*/versions/*/version.json"):
        check("version", json.loads(path.read_text()), path)
    for path in root.glob("*/versions/*/manifest.jsonl*"):
        data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
        for line in data.splitlines():
            check("entry", json.loads(line), path)
    assert checked > 500


@pytest.mark.parametrize("kind", ["dataset", "version", "entry", "config"])
def test_schema_rejects_what_validate_rejects(run: Run, kind: str) -> None:
    validator = _validator(run, kind)
    assert not validator.is_valid({"format": 1, "unknown": True})
