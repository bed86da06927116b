"""``dsreport list``, ``show`` and ``diff``: through the CLI, every flag and bad input."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from dsreport.terminal import cell_width
from tests.builders import CatalogBuilder

Run = Callable[..., Result]

ESC_TAG = "\x1b[31mred\nline"


@pytest.fixture
def catalog(builder: CatalogBuilder, monkeypatch: pytest.MonkeyPatch) -> Path:
    """pets: v1 (archived) -> v2 -> v3; signs: s1 (a name that looks like a formula)."""
    monkeypatch.delenv("DSREPORT_CATALOG", raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    builder.dataset("pets", name="Pet Images")
    builder.version(
        "pets", "v1", {"a.txt": "a", "b.txt": "b"}, archived=True, tags=["baseline"], name="first"
    )
    builder.version(
        "pets",
        "v2",
        {"a.txt": "a2", "b.txt": "b", "c.txt": "c"},
        parents=["v1"],
        version="1.1.0",
        name="second",
        tags=["release", "My Tag", ESC_TAG],
        task={"id": "t1", "name": "build pets", "url": "https://ci.example/t1"},
        description="Line one\n\x1b[2Jcleared?",
        status="final",
        size_compressed=1234,
    )
    builder.version(
        "pets",
        "v3",
        {"a.txt": "a2", "c.txt": "c", "l": ("s3://b/l", None, None)},
        parents=["v2"],
        version="2.0.0",
        name="third",
        tags=["=cmd", "needs review"],
    )
    builder.dataset("signs")
    builder.version("signs", "s1", {"x.png": "x"}, version="2025.11", name="=HYPERLINK(1)")
    return builder.root


def table_ids(result: Result) -> list[str]:
    """The ID column of a table (the first column whose header is ID)."""
    lines = result.stdout.splitlines()
    header = lines[0].split()
    col = header.index("ID")
    return [line.split()[col] for line in lines[1:]]


def test_list_shows_active_versions_of_every_dataset(run: Run, catalog: Path) -> None:
    result = run("list", "--catalog", catalog)
    assert result.exit_code == 0, result.output
    header = result.stdout.splitlines()[0].split()
    assert header == ["DATASET", "ID", "NAME", "VERSION", "TAGS", "SIZE", "FILES", "UPDATED"] + [
        "STATUS"
    ]
    assert table_ids(result) == ["v2", "v3", "s1"]
    assert "\x1b" not in result.stdout and "\\x1b[31mred\\nline" in result.stdout


def test_list_one_dataset_drops_the_dataset_column(run: Run, catalog: Path) -> None:
    result = run("list", "pets", "--catalog", catalog)
    assert result.stdout.splitlines()[0].split()[0] == "ID"
    assert table_ids(result) == ["v2", "v3"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--archived"], ["v1"]),
        (["--state", "archived"], ["v1"]),
        (["--state", "all"], ["v1", "v2", "v3", "s1"]),
        (["--tag", "release"], ["v2"]),
        (["--tag", "Release"], []),
        (["--tag", ESC_TAG], ["v2"]),
        (["--search", "MY TAG"], ["v2"]),
        (["--search", "2.0"], ["v3"]),
        (["--search", "V"], ["v2", "v3"]),
        (["--search", "t", "--search", "review"], ["v3"]),
        (["--search", "hyperlink"], ["s1"]),
        (["--state", "all", "--search", "baseline"], ["v1"]),
        (["--tag", "release", "--tag", "=cmd"], []),
    ],
)
def test_list_filters(run: Run, catalog: Path, args: list[str], expected: list[str]) -> None:
    result = run("list", "--catalog", catalog, "--format", "json", *args)
    assert result.exit_code == 0, result.output
    assert [row["id"] for row in json.loads(result.stdout)] == expected


def test_list_state_all_shows_the_archived_column(run: Run, catalog: Path) -> None:
    lines = run("list", "pets", "--state", "all", "--catalog", catalog).stdout.splitlines()
    assert lines[0].split()[-1] == "ARCHIVED"
    assert lines[1].split()[0] == "v1" and lines[1].split()[-1] == "yes"


def test_list_json_has_every_field(run: Run, catalog: Path) -> None:
    rows = json.loads(run("list", "pets", "--format", "json", "--catalog", catalog).stdout)
    v2 = rows[0]
    assert v2 == {
        "dataset": "pets",
        "id": "v2",
        "name": "second",
        "version": "1.1.0",
        "tags": ["release", "My Tag", ESC_TAG],
        "size": 4,
        "size_compressed": 1234,
        "files": 3,
        "links": 0,
        "created": v2["created"],
        "updated": v2["updated"],
        "status": "final",
        "archived": False,
        "parents": ["v1"],
    }
    assert rows[1]["links"] == 1 and rows[1]["files"] == 2


def test_list_csv_neutralises_formulas_and_keeps_data(run: Run, catalog: Path) -> None:
    result = run("list", "--format", "csv", "--state", "all", "--catalog", catalog)
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["id"] for r in rows] == ["v1", "v2", "v3", "s1"]
    assert rows[3]["name"] == "'=HYPERLINK(1)"
    assert json.loads(rows[1]["tags"]) == ["release", "My Tag", ESC_TAG]
    assert rows[1]["size"] == "4" and rows[1]["archived"] == "false"
    assert json.loads(rows[2]["parents"]) == ["v2"]


def test_list_table_fits_the_terminal(
    run: Run, catalog: Path, builder: CatalogBuilder, monkeypatch: pytest.MonkeyPatch
) -> None:
    builder.version("signs", "s2", {"y": "y"}, parents=["s1"], version="2026", name="n" * 300)
    monkeypatch.setenv("COLUMNS", "70")
    lines = run("list", "--catalog", catalog).stdout.splitlines()
    assert all(cell_width(line) <= 70 for line in lines)
    assert any("n…" in line for line in lines)
    assert table_ids(run("list", "signs", "--catalog", catalog)) == ["s1", "s2"]


def test_list_finds_the_catalog_by_option_env_or_current_folder(
    run: Run, catalog: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(catalog)
    assert table_ids(run("list")) == ["v2", "v3", "s1"]
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DSREPORT_CATALOG", str(catalog))
    assert table_ids(run("list")) == ["v2", "v3", "s1"]
    monkeypatch.setenv("DSREPORT_CATALOG", str(tmp_path / "nowhere"))
    assert table_ids(run("list", "--catalog", catalog)) == ["v2", "v3", "s1"]


def test_list_nothing_matches_is_said_on_stderr(run: Run, catalog: Path) -> None:
    result = run("list", "--tag", "nope", "--catalog", catalog)
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "No version of the catalog matches (state=active, tag='nope')." in result.stderr
    empty = run("list", "--tag", "x", "--catalog", catalog, "--format", "json")
    assert json.loads(empty.stdout) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope"], "Error: --dataset: unknown dataset 'nope' (known: 'pets', 'signs')"),
        (["Pet Images"], "that is the display name of 'pets': give its folder name"),
        (["--archived", "--state", "all"], "Error: --archived contradicts --state all"),
    ],
)
def test_list_bad_input(run: Run, catalog: Path, args: list[str], message: str) -> None:
    result = run("list", "--catalog", catalog, *args)
    assert result.exit_code == 1
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_reading_commands_refuse_a_missing_or_invalid_catalog(
    run: Run, catalog: Path, tmp_path: Path
) -> None:
    result = run("list", "--catalog", tmp_path / "nowhere")
    assert result.exit_code == 1
    assert "nowhere: catalog folder not found" in result.stderr
    (catalog / "pets" / "versions" / "v3" / "version.json").write_text("{")
    for args in (["list"], ["show", "v2"], ["diff", "v1", "v2"]):
        result = run(*args, "--catalog", catalog)
        assert result.exit_code == 1
        assert "invalid catalog: pets/versions/v3/version.json" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1


def test_show_prints_the_version_info(run: Run, catalog: Path) -> None:
    result = run("show", "v2", "--catalog", catalog)
    assert result.exit_code == 0, result.output
    fields = {}
    for line in result.stdout.splitlines():
        key, _, value = line.partition("  ")
        if key.strip():
            fields[key.strip()] = value.strip()
    assert fields["name"] == "second"
    assert fields["id"] == "v2"
    assert fields["dataset"] == "pets (Pet Images)"
    assert fields["version"] == "1.1.0"
    assert fields["status"] == "final"
    assert fields["archived"] == "no"
    assert fields["tags"] == "release, My Tag, \\x1b[31mred\\nline"
    assert fields["task"] == "build pets (id t1)"
    assert "https://ci.example/t1" in result.stdout
    assert fields["size"] == "4 B (4 bytes)"
    assert fields["compressed"] == "1.23 kB (1,234 bytes)"
    assert fields["files"] == "3" and fields["links"] == "0"
    assert fields["changes"] == "1 added, 1 modified, 0 removed; size +2 B"
    assert fields["parents"] == "v1 (pets 1.0.0: first)"
    assert fields["children"] == "v3 (pets 2.0.0: third)"
    assert fields["description"] == "Line one"
    assert "\\x1b[2Jcleared?" in result.stdout and "\x1b" not in result.stdout
    assert "created" in fields and "updated" in fields


def test_show_json(run: Run, catalog: Path) -> None:
    data = json.loads(run("show", "v3", "--format", "json", "--catalog", catalog).stdout)
    assert data["id"] == "v3" and data["dataset"] == {"slug": "pets", "name": "Pet Images"}
    assert data["size"] == {"original": 3, "compressed": None}
    assert data["unknown_sizes"] == 1
    assert (data["files"], data["links"]) == (2, 1)
    assert data["changes"] == {"added": 1, "modified": 0, "removed": 1, "size_change": -1}
    assert data["parents"] == [
        {"id": "v2", "dataset": "pets", "name": "second", "version": "1.1.0"}
    ]
    assert data["children"] == []
    assert data["task"] is None and data["tags"] == ["=cmd", "needs review"]
    root = json.loads(run("show", "v1", "--format", "json", "--catalog", catalog).stdout)
    assert root["changes"]["added"] == 2 and root["archived"] is True


def test_show_unknown_id(run: Run, catalog: Path) -> None:
    result = run("show", "nope\x1b", "--catalog", catalog)
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "Error: unknown version id 'nope\\x1b' (see 'dsreport list' for the ids)"
    )


def test_diff_table_with_summary(run: Run, catalog: Path) -> None:
    result = run("diff", "v1", "v3", "--catalog", catalog)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["CHANGE", "PATH", "SIZE", "A", "SIZE", "B"]
    assert [line.split()[:2] for line in lines[1:-1]] == [
        ["modified", "a.txt"],
        ["removed", "b.txt"],
        ["added", "c.txt"],
        ["added", "l"],
    ]
    assert lines[-1] == "2 added, 1 modified, 1 removed; size +1 B (from v1 to v3)"


def test_diff_csv_and_json(run: Run, catalog: Path) -> None:
    rows = list(
        csv.DictReader(
            io.StringIO(run("diff", "v1", "v3", "--format", "csv", "--catalog", catalog).stdout)
        )
    )
    assert [(r["change"], r["path"]) for r in rows] == [
        ("modified", "a.txt"),
        ("removed", "b.txt"),
        ("added", "c.txt"),
        ("added", "l"),
    ]
    assert rows[0]["size_a"] == "1" and rows[0]["size_b"] == "2"
    assert rows[3]["link_b"] == "s3://b/l" and rows[3]["size_b"] == ""
    data = json.loads(run("diff", "v1", "v3", "--format", "json", "--catalog", catalog).stdout)
    assert data["summary"] == {"added": 2, "modified": 1, "removed": 1, "size_change": 1}
    assert data["files"][1] == {
        "change": "removed",
        "path": "b.txt",
        "a": {"size": 1, "hash": data["files"][1]["a"]["hash"], "link": None, "origin": "v1"},
        "b": None,
    }


def test_diff_across_datasets_and_with_itself(run: Run, catalog: Path) -> None:
    result = run("diff", "s1", "v1", "--catalog", catalog)
    assert result.stdout.splitlines()[-1].startswith("2 added, 0 modified, 1 removed;")
    same = run("diff", "v2", "v2", "--catalog", catalog)
    assert same.exit_code == 0 and same.stdout.strip() == "No differences from v2 to v2."


def test_diff_unknown_id(run: Run, catalog: Path) -> None:
    result = run("diff", "v1", "zz", "--catalog", catalog)
    assert result.exit_code == 1
    assert "unknown version id 'zz'" in result.stderr
