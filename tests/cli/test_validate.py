"""``dsreport validate``: every problem listed with its file, line and field; exit 1."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from tests.builders import CatalogBuilder, edit_json, sha

Run = Callable[..., Result]


@pytest.fixture
def catalog(builder: CatalogBuilder) -> CatalogBuilder:
    """A small valid catalog: a chain, a branch and a merge, with a link."""
    builder.dataset("pets", name="Pets")
    builder.version("pets", "v1", {"a.txt": "a", "b.txt": "b"})
    builder.version("pets", "v2", {"a.txt": "a2", "b.txt": "b"}, parents=["v1"], version="1.1.0")
    builder.version("pets", "v3", {"a.txt": "a", "c.txt": "c"}, parents=["v1"], version="1.2.0")
    builder.version(
        "pets",
        "v4",
        {"a.txt": "a2", "b.txt": "b", "c.txt": "c", "l": ("s3://b/l", None, None)},
        parents=["v2", "v3"],
        version="2.0.0",
    )
    return builder


def version_dir(catalog: CatalogBuilder, vid: str) -> Path:
    return catalog.root / "pets" / "versions" / vid


def problems(result: Result) -> list[str]:
    return [line for line in result.stdout.splitlines() if line.strip()]


def test_valid_catalog_passes(run: Run, catalog: CatalogBuilder) -> None:
    result = run("validate", catalog.root)
    assert result.exit_code == 0, result.output
    assert "Catalog is valid: 1 dataset, 4 versions." in result.output


def test_invalid_json_is_reported_with_line_and_column(run: Run, catalog: CatalogBuilder) -> None:
    (version_dir(catalog, "v2") / "version.json").write_text('{"format": 1,\n "id": "v2",,}')
    result = run("validate", catalog.root)
    assert result.exit_code == 1
    assert problems(result) == [
        "pets/versions/v2/version.json: Invalid JSON: key must be a string at line 2 column 13"
    ]
    assert result.stderr.strip() == "Error: 1 problem found"


def test_every_problem_is_listed_not_only_the_first(run: Run, catalog: CatalogBuilder) -> None:
    path = version_dir(catalog, "v1") / "version.json"
    edit_json(path, name=3, archived="no", color="red", created="2026-13-01T00:00:00Z", tags=...)
    edit_json(catalog.root / "pets" / "dataset.json", format=2)
    found = problems(run("validate", catalog.root))
    assert found == [
        "pets/dataset.json: format: Input should be 1, got 2",
        "pets/versions/v1/version.json: name: Input should be a valid string, got 3",
        "pets/versions/v1/version.json: created: not a valid date-time: month must be in 1..12",
        "pets/versions/v1/version.json: tags: required key is missing",
        "pets/versions/v1/version.json: archived: Input should be a valid boolean, got 'no'",
        "pets/versions/v1/version.json: color: unknown key (not part of format 1)",
    ]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"id": "v 1"}, "id: String should match pattern"),
        ({"id": "other"}, "id: must equal the folder name 'v1', got 'other'"),
        ({"parents": ["nope"]}, "parents[0]: unknown version id 'nope'"),
        ({"created": "2026-01-01 10:00"}, "created: expected an RFC 3339 date-time"),
        (
            {"updated": "2026-02-30T00:00:00Z"},
            "updated: not a valid date-time: day is out of range",
        ),
        ({"size_compressed": 10**30}, "size_compressed: Input should be less than or equal to"),
        ({"size_compressed": -1}, "size_compressed: Input should be greater than or equal to 0"),
        ({"task": {"id": "t"}}, "task.name: required key is missing"),
        ({"format": "1"}, "format: Input should be 1"),
    ],
)
def test_version_json_fields(
    run: Run, catalog: CatalogBuilder, change: dict[str, object], expected: str
) -> None:
    edit_json(version_dir(catalog, "v1") / "version.json", **change)
    result = run("validate", catalog.root)
    assert result.exit_code == 1
    assert any(
        p.startswith("pets/versions/v1/version.json: " + expected) for p in problems(result)
    ), result.output


def test_duplicate_ids_across_datasets(run: Run, catalog: CatalogBuilder) -> None:
    catalog.dataset("birds")
    catalog.version("birds", "v1", {"x": "x"})
    found = problems(run("validate", catalog.root))
    assert found == [
        "pets/versions/v1/version.json: id: id 'v1' is already used by birds/versions/v1"
    ]


def test_cycles_are_reported(run: Run, catalog: CatalogBuilder) -> None:
    edit_json(version_dir(catalog, "v1") / "version.json", parents=["v4"])
    found = problems(run("validate", catalog.root))
    assert any("parents: parents form a cycle: " in p for p in found), found


def test_dataset_slug_and_missing_files(run: Run, catalog: CatalogBuilder) -> None:
    (catalog.root / "Bad Name").mkdir()
    (version_dir(catalog, "v2") / "manifest.jsonl").unlink()
    (version_dir(catalog, "v3") / "version.json").unlink()
    found = problems(run("validate", catalog.root))
    assert found == [
        "Bad Name: dataset folder name must be a slug: [a-z0-9][a-z0-9._-]*",
        "pets/versions/v2/manifest.jsonl: file is missing (or manifest.jsonl.gz)",
        "pets/versions/v3/version.json: file is missing",
    ]


def test_unreadable_file_is_reported(run: Run, catalog: CatalogBuilder) -> None:
    # As root every mode is readable, so make the file unreadable by turning it into a folder.
    path = version_dir(catalog, "v1") / "version.json"
    path.unlink()
    path.mkdir()
    found = problems(run("validate", catalog.root))
    assert found == ["pets/versions/v1/version.json: cannot read the file: Is a directory"]


def test_manifest_problems_have_lines(run: Run, catalog: CatalogBuilder) -> None:
    manifest = version_dir(catalog, "v2") / "manifest.jsonl"
    rows = manifest.read_bytes().splitlines()
    rows[0] = rows[0].replace(b'"size":', b'"size":-')
    rows.append(b'{"path": "zz", "size": 1, "hash": "' + b"0" * 63 + b'", "origin": "v2"}')
    rows.append(b"garbage \xff")
    rows.append(b'{"path": "zzz", "size": 1, "hash": "' + sha("x").encode() + b'", "orig')
    manifest.write_bytes(b"\n".join(rows) + b"\n")
    found = problems(run("validate", catalog.root))
    assert [p.split(": ")[0:2] for p in found] == [
        ["pets/versions/v2/manifest.jsonl:1", "size"],
        ["pets/versions/v2/manifest.jsonl:3", "hash"],
        ["pets/versions/v2/manifest.jsonl:4", "not valid UTF-8 (byte 0xff at column 9)"],
        ["pets/versions/v2/manifest.jsonl:5", "invalid JSON"],
    ]


def test_huge_integer_in_a_manifest(run: Run, catalog: CatalogBuilder) -> None:
    manifest = version_dir(catalog, "v1") / "manifest.jsonl"
    rows = manifest.read_text().splitlines()
    rows[0] = json.dumps({**json.loads(rows[0]), "size": 10**40})
    manifest.write_text("\n".join(rows) + "\n")
    found = problems(run("validate", catalog.root))
    assert found[0].startswith(
        "pets/versions/v1/manifest.jsonl:1: size: Input should be less than or equal"
    )


def test_gzip_manifests_garbage_and_truncated(run: Run, catalog: CatalogBuilder) -> None:
    catalog.version("pets", "v5", {"x": "x"}, parents=["v4"], gz=True)
    assert run("validate", catalog.root).exit_code == 0
    gz = version_dir(catalog, "v5") / "manifest.jsonl.gz"
    gz.write_bytes(gzip.compress(gzip.decompress(gz.read_bytes()) + b"{oops\n"))
    assert problems(run("validate", catalog.root))[0].startswith(
        "pets/versions/v5/manifest.jsonl.gz:2: invalid JSON"
    )
    gz.write_bytes(gz.read_bytes()[:-12])
    assert problems(run("validate", catalog.root)) == [
        "pets/versions/v5/manifest.jsonl.gz: cannot read the manifest: "
        "Compressed file ended before the end-of-stream marker was reached"
    ]


def test_origin_must_be_the_version_or_an_ancestor(run: Run, catalog: CatalogBuilder) -> None:
    # v3 is on the other branch: v2 cannot have content that v3 introduced.
    manifest = version_dir(catalog, "v2") / "manifest.jsonl"
    rows = [json.loads(r) for r in manifest.read_text().splitlines()]
    rows[1]["origin"] = "v3"
    manifest.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert problems(run("validate", catalog.root)) == [
        "pets/versions/v2/manifest.jsonl:2: origin: "
        "'v3' is neither this version nor one of its ancestors"
    ]


def test_both_manifest_forms_and_bad_config(run: Run, catalog: CatalogBuilder) -> None:
    folder = version_dir(catalog, "v1")
    (folder / "manifest.jsonl.gz").write_bytes(
        gzip.compress((folder / "manifest.jsonl").read_bytes())
    )
    (catalog.root / "dsreport.toml").write_text("[site]\ntitle = 3\n[nope]\n")
    found = problems(run("validate", catalog.root))
    assert found == [
        "dsreport.toml: site.title: Input should be a valid string, got 3",
        "dsreport.toml: nope: unknown key (not part of format 1)",
        "pets/versions/v1: holds both manifest.jsonl and manifest.jsonl.gz: keep one",
    ]


def test_hostile_text_in_messages_cannot_drive_the_terminal(
    run: Run, catalog: CatalogBuilder
) -> None:
    edit_json(version_dir(catalog, "v1") / "version.json", parents=["\x1b]0;pwned\x07\n"])
    result = run("validate", catalog.root)
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "\\x1b]0;pwned\\x07\\n" in result.output


def test_missing_catalog_folder(run: Run, tmp_path: Path) -> None:
    result = run("validate", tmp_path / "nothing")
    assert result.exit_code == 1
    assert result.stderr.strip().endswith("nothing: catalog folder not found (expected a folder)")
