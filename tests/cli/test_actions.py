"""``dsreport tag``, ``archive``, ``restore`` and ``delete``: every flag and bad input."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from dsreport.catalog.load import load_catalog, read_content
from tests.builders import CatalogBuilder

Run = Callable[..., Result]
NOW = "2027-01-15T08:00:00Z"
NOW_EPOCH = "1800000000"  # NOW, as SOURCE_DATE_EPOCH gives it
HOSTILE_TAGS = [
    "my tag",
    'it\'s "quoted"',
    "$(touch pwned)",
    "`id`",
    "two\nlines",
    "\x1b[31mred\x1b[0m",
    "back\\slash",
    "-starts-with-dash",
    "--remove",
    "tab\there",
    "ünï 猫",
]


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file of the catalog (not dsreport's private folder), by relative path."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.relative_to(root).as_posix().startswith(".dsreport/")
    }


def doc(root: Path, vid: str, dataset: str = "pets") -> dict[str, Any]:
    """The parsed version.json of *vid*."""
    path = root / dataset / "versions" / vid / "version.json"
    data: dict[str, Any] = json.loads(path.read_text())
    return data


@pytest.fixture
def catalog(builder: CatalogBuilder, monkeypatch: pytest.MonkeyPatch) -> Path:
    """pets: v1 (archived) -> v2 (archived) -> v3 -> v4, v1 -> v5; other: o1, o2 (archived)."""
    monkeypatch.delenv("DSREPORT_CATALOG", raising=False)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", NOW_EPOCH)
    builder.dataset("pets")
    builder.version("pets", "v1", {"a": "1", "b": "2"}, archived=True, tags=["baseline"])
    builder.version(
        "pets", "v2", {"a": "1", "b": "3", "c": "4"}, parents=["v1"], version="1.1.0", archived=True
    )
    builder.version(
        "pets", "v3", {"a": "1", "b": "3", "c": "4", "d": "5"}, parents=["v2"], version="1.2.0"
    )
    builder.version(
        "pets",
        "v4",
        {"a": "1", "b": "3", "c": "4", "d": "6"},
        parents=["v3"],
        version="2.0.0",
        tags=["release", "Cats"],
    )
    builder.version("pets", "v5", {"a": "1"}, parents=["v1"], version="1.0.1", tags=["cats"])
    builder.dataset("other")
    builder.version("other", "o1", {"x": "x"}, version="1", name="Other one")
    builder.version("other", "o2", {"x": "y"}, parents=["o1"], version="2", archived=True)
    return builder.root


def valid(run: Run, root: Path) -> None:
    result = run("validate", root)
    assert result.exit_code == 0, result.output


def test_archive_and_restore(run: Run, catalog: Path) -> None:
    before = snapshot(catalog)
    result = run("archive", "v3", "v4", "--catalog", catalog)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "archived  v3 (pets 1.2.0)",
        "archived  v4 (pets 2.0.0)",
        "Archived 2 versions.",
    ]
    assert doc(catalog, "v3")["archived"] is True and doc(catalog, "v3")["updated"] == NOW
    after = snapshot(catalog)
    changed = {p for p in after if after[p] != before[p]}
    assert changed == {"pets/versions/v3/version.json", "pets/versions/v4/version.json"}
    valid(run, catalog)
    result = run("restore", "v3", "v1", "--catalog", catalog)
    assert result.stdout.splitlines() == [
        "restored  v1 (pets 1.0.0)",
        "restored  v3 (pets 1.2.0)",
        "Restored 2 versions.",
    ]
    assert doc(catalog, "v1")["archived"] is False and doc(catalog, "v3")["archived"] is False
    assert doc(catalog, "v4")["archived"] is True


def test_no_op_is_reported_and_touches_nothing(run: Run, catalog: Path) -> None:
    before = snapshot(catalog)
    mtime = (catalog / "pets" / "versions" / "v1" / "version.json").stat().st_mtime_ns
    result = run("archive", "v1", "v2", "--catalog", catalog)
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "unchanged  v1 (pets 1.0.0): already archived",
        "unchanged  v2 (pets 1.1.0): already archived",
        "Nothing to change: all 2 versions already as asked.",
    ]
    result = run("restore", "v3", "--catalog", catalog)
    assert result.stdout.splitlines() == [
        "unchanged  v3 (pets 1.2.0): not archived",
        "Nothing to change: 1 version already as asked.",
    ]
    result = run("tag", "v4", "--add", "release", "--remove", "nope", "--catalog", catalog)
    assert result.stdout.splitlines()[0] == (
        "unchanged  v4 (pets 2.0.0): has release already; has no nope"
    )
    assert snapshot(catalog) == before
    assert (catalog / "pets" / "versions" / "v1" / "version.json").stat().st_mtime_ns == mtime


def test_mixed_changes_and_no_ops(run: Run, catalog: Path) -> None:
    result = run("archive", "v1", "v3", "--catalog", catalog)
    assert result.stdout.splitlines()[-1] == "Archived 1 version; 1 version unchanged."
    assert doc(catalog, "v1")["updated"] != NOW  # the no-op keeps its time


def test_tag_add_and_remove_keep_order(run: Run, catalog: Path) -> None:
    result = run(
        "tag", "v4", "v5", "--add", "new", "--add", "cats", "--remove", "Cats", "--catalog", catalog
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "tagged  v5 (pets 1.0.1): + new",
        "tagged  v4 (pets 2.0.0): + new, cats; - Cats",
        "Tagged 2 versions.",
    ]
    assert doc(catalog, "v4")["tags"] == ["release", "new", "cats"]
    assert doc(catalog, "v5")["tags"] == ["cats", "new"]
    assert doc(catalog, "v4")["updated"] == NOW
    valid(run, catalog)


def test_tags_are_stored_literally_and_shown_safely(run: Run, catalog: Path) -> None:
    args = [a for t in HOSTILE_TAGS for a in ("--add", t)]
    result = run("tag", "v3", *args, "--catalog", catalog)
    assert result.exit_code == 0, result.output
    assert doc(catalog, "v3")["tags"] == HOSTILE_TAGS
    assert "\x1b" not in result.output and "\\x1b[31mred\\x1b[0m" in result.output
    assert "two\\nlines" in result.output and len(result.stdout.splitlines()) == 2
    assert not Path("pwned").exists()
    valid(run, catalog)
    shown = run("show", "v3", "--catalog", catalog).stdout
    assert "\x1b" not in shown and "two\\nlines" in shown
    listed = json.loads(
        run("list", "--tag", "two\nlines", "--format", "json", "--catalog", catalog).stdout
    )
    assert [r["id"] for r in listed] == ["v3"]
    result = run(
        "tag", "v3", *[a for t in HOSTILE_TAGS for a in ("--remove", t)], "--catalog", catalog
    )
    assert doc(catalog, "v3")["tags"] == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "Error: give at least one --add TAG or --remove TAG"),
        (["--add", ""], "Error: --add: a tag cannot be empty"),
        (["--remove", ""], "Error: --remove: a tag cannot be empty"),
        (["--add", "x", "--remove", "x"], "Error: tags both added and removed: x"),
        (["--add", "bad\udcff"], "Error: --add: a tag must be valid UTF-8 text, got 'bad\\udcff'"),
    ],
)
def test_tag_bad_options(run: Run, catalog: Path, args: list[str], message: str) -> None:
    before = snapshot(catalog)
    result = run("tag", "v3", *args, "--catalog", catalog)
    assert result.exit_code == 1
    assert result.stderr.strip() == message
    assert snapshot(catalog) == before


def test_dry_run_changes_nothing(run: Run, catalog: Path) -> None:
    before = snapshot(catalog)
    result = run("archive", "--dataset", "pets", "--all", "--dry-run", "--catalog", catalog)
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "would archive  v5 (pets 1.0.1)",
        "would archive  v3 (pets 1.2.0)",
        "would archive  v4 (pets 2.0.0)",
        "Would archive 3 versions (dry run: nothing was changed).",
    ]
    result = run("tag", "v3", "--add", "x", "--dry-run", "--catalog", catalog)
    assert result.stdout.splitlines()[0] == "would tag  v3 (pets 1.2.0): + x"
    result = run("delete", "v1", "v2", "--force", "--dry-run", "--catalog", catalog)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == (
        "Would delete 2 versions and rewire 3 dependants (dry run: nothing was changed)."
    )
    assert snapshot(catalog) == before
    assert not (catalog / ".dsreport").exists()


@pytest.mark.parametrize(
    ("action", "args", "changed"),
    [
        ("archive", ["--all"], {"v3", "v4", "v5"}),
        ("restore", ["--all"], {"v1", "v2"}),
        ("archive", ["--filter", "tag=cats"], {"v5"}),
        ("archive", ["--filter", "text=CATS"], {"v4", "v5"}),
        ("archive", ["--filter", "text=1.", "--filter", "text=v"], {"v3", "v5"}),
        ("restore", ["--filter", "text=1.1"], {"v2"}),
        ("restore", ["--filter", "tag=baseline"], {"v1"}),
        ("tag", ["--all", "--add", "t"], {"v3", "v4", "v5"}),
        ("tag", ["--filter", "state=all", "--add", "t"], {"v1", "v2", "v3", "v4", "v5"}),
        ("tag", ["--filter", "state=archived", "--add", "t"], {"v1", "v2"}),
    ],
)
def test_dataset_selection(
    run: Run, catalog: Path, action: str, args: list[str], changed: set[str]
) -> None:
    before = snapshot(catalog)
    result = run(action, "--dataset", "pets", *args, "--catalog", catalog)
    assert result.exit_code == 0, result.output
    after = snapshot(catalog)
    touched = {p.split("/")[2] for p in after if after[p] != before.get(p)}
    assert touched == changed
    valid(run, catalog)


def test_delete_all_deletes_the_archived_versions(run: Run, catalog: Path) -> None:
    result = run("delete", "--dataset", "other", "--all", "--catalog", catalog)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["deleted  o2 (other 2)", "Deleted 1 version."]
    assert not (catalog / "other" / "versions" / "o2").exists()
    assert (catalog / "other" / "versions" / "o1" / "version.json").exists()
    valid(run, catalog)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["zz", "v1", "yy\x1b"], "Error: unknown version ids 'zz', 'yy\\x1b'; nothing changed"),
        (
            ["v3", "o1", "--dataset", "pets"],
            "Error: --dataset: not versions of dataset 'pets': 'o1' is in 'other'; nothing changed",
        ),
        (
            ["--dataset", "pets", "--filter", "tag=none"],
            "Error: --filter: no version of dataset "
            "'pets' matches (state=active, tag='none'); nothing changed",
        ),
        (
            [],
            "Error: no version selected: give version ids, or --dataset NAME with --all or "
            "--filter KEY=VALUE",
        ),
        (["--dataset", "pets"], "Error: no version selected"),
        (
            ["v3", "--dataset", "pets", "--all"],
            "Error: give version ids, or --all or --filter, not both",
        ),
        (["--all"], "Error: --all needs --dataset NAME"),
        (["--filter", "tag=x"], "Error: --filter needs --dataset NAME"),
        (
            ["--dataset", "pets", "--all", "--filter", "tag=x"],
            "Error: --all and --filter cannot be combined",
        ),
        (["--dataset", "nope", "--all"], "Error: --dataset: unknown dataset 'nope'"),
        (["--dataset", "pets", "--filter", "colour=red"], "Error: --filter: expected KEY=VALUE"),
    ],
)
def test_bad_selections_change_nothing(
    run: Run, catalog: Path, args: list[str], message: str
) -> None:
    before = snapshot(catalog)
    for action in ("archive", "tag"):
        extra = ["--add", "t"] if action == "tag" else []
        result = run(action, *args, *extra, "--catalog", catalog)
        assert result.exit_code == 1
        assert result.stderr.startswith(message), result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    assert snapshot(catalog) == before


def test_an_invalid_catalog_is_refused_before_any_change(run: Run, catalog: Path) -> None:
    manifest = catalog / "other" / "versions" / "o1" / "manifest.jsonl"
    manifest.write_text(manifest.read_text().replace('"size":1', '"size":-1'))
    before = snapshot(catalog)
    for args in (
        ["archive", "v3"],
        ["tag", "v3", "--add", "x"],
        ["restore", "v1"],
        ["delete", "v1"],
    ):
        result = run(*args, "--catalog", catalog)
        assert result.exit_code == 1
        assert result.stderr.startswith(
            "Error: invalid catalog: other/versions/o1/manifest.jsonl:1: size:"
        )
        assert "run 'dsreport validate' for the list" in result.stderr
    assert snapshot(catalog) == before


def test_delete_only_archived_versions(run: Run, catalog: Path) -> None:
    before = snapshot(catalog)
    result = run("delete", "v1", "v3", "v4", "--force", "--catalog", catalog)
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "Error: only archived versions can be deleted, and 'v3', 'v4' are not archived "
        "(archive first); nothing changed"
    )
    result = run("delete", "--dataset", "pets", "--filter", "state=all", "--catalog", catalog)
    assert result.exit_code == 1 and "'v5', 'v3', 'v4' are not archived" in result.stderr
    assert snapshot(catalog) == before


def test_delete_refuses_while_active_versions_depend_on_it(run: Run, catalog: Path) -> None:
    before = snapshot(catalog)
    result = run("delete", "v2", "--catalog", catalog)
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "Error: 'v3', 'v4' are not archived and depend on versions to delete (archive or "
        "delete them too, or give --force to delete anyway and rewire them); nothing changed"
    )
    assert snapshot(catalog) == before


def test_delete_force_rewires_dependants_and_stays_valid(run: Run, catalog: Path) -> None:
    result = run("delete", "v2", "--force", "--catalog", catalog)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "deleted  v2 (pets 1.1.0)",
        "rewired  v3 (pets 1.2.0): parents v2 -> v1; 2 origins moved",
        "rewired  v4 (pets 2.0.0): 2 origins moved",
        "Deleted 1 version and rewired 2 dependants.",
    ]
    assert not (catalog / "pets" / "versions" / "v2").exists()
    assert doc(catalog, "v3")["parents"] == ["v1"] and doc(catalog, "v3")["updated"] == NOW
    loaded = load_catalog(catalog)
    # b and c came from v2; v1 holds a different b and no c: they now come from v3 itself
    assert {p: e.origin for p, e in read_content(loaded, "v3").items()} == {
        "a": "v1",
        "b": "v3",
        "c": "v3",
        "d": "v3",
    }
    assert {p: e.origin for p, e in read_content(loaded, "v4").items()} == {
        "a": "v1",
        "b": "v3",
        "c": "v3",
        "d": "v4",
    }
    valid(run, catalog)


def test_delete_moves_origins_to_the_surviving_version_with_the_same_content(
    run: Run, builder: CatalogBuilder
) -> None:
    builder.dataset("d")
    builder.version("d", "a", {"a": "1"})
    builder.version("d", "x", {"a": "1", "b": "3"}, parents=["a"], version="1.1", archived=True)
    builder.version("d", "c", {"b": "3"}, version="0.9")
    builder.version("d", "m", {"a": "1", "b": "3"}, parents=["c", "x"], version="2")
    assert {e.origin for e in builder.contents["m"].values()} == {"a", "x"}
    result = run("delete", "x", "--force", "--catalog", builder.root)
    assert result.exit_code == 0, result.output
    loaded = load_catalog(builder.root)
    assert loaded.versions["m"].meta.parents == ("c", "a")
    assert {p: e.origin for p, e in read_content(loaded, "m").items()} == {"a": "a", "b": "c"}
    valid(run, builder.root)


def test_delete_rewires_archived_dependants_without_force(run: Run, catalog: Path) -> None:
    run("archive", "v3", "v4", "v5", "--catalog", catalog)
    result = run("delete", "v1", "--catalog", catalog)
    assert result.exit_code == 0, result.output
    assert doc(catalog, "v2")["parents"] == [] and doc(catalog, "v5")["parents"] == []
    valid(run, catalog)


def test_delete_a_whole_lineage_with_gz_manifests(run: Run, builder: CatalogBuilder) -> None:
    builder.dataset("g")
    builder.version("g", "g1", {"a": "1"}, gz=True, archived=True)
    builder.version("g", "g2", {"a": "1", "b": "2"}, parents=["g1"], version="2", gz=True)
    result = run("delete", "g1", "--force", "--catalog", builder.root)
    assert result.exit_code == 0, result.output
    loaded = load_catalog(builder.root)
    assert loaded.versions["g2"].manifest_path.name == "manifest.jsonl.gz"
    assert {e.origin for e in read_content(loaded, "g2").values()} == {"g2"}
    valid(run, builder.root)


def test_catalog_from_env_and_current_folder(
    run: Run, catalog: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(catalog)
    assert run("archive", "v3").exit_code == 0
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DSREPORT_CATALOG", str(catalog))
    assert run("archive", "v4").exit_code == 0
    assert doc(catalog, "v3")["archived"] and doc(catalog, "v4")["archived"]
    result = run("archive", "v5", "--catalog", tmp_path / "missing")
    assert result.exit_code == 1 and "missing: catalog folder not found" in result.stderr


def test_private_folder_is_ignored_by_git_and_the_loader(run: Run, catalog: Path) -> None:
    run("archive", "v3", "--catalog", catalog)
    private = catalog / ".dsreport"
    assert (private / ".gitignore").read_text().splitlines()[-1] == "*"
    assert sorted(p.name for p in private.iterdir()) == [".gitignore", "lock"]
    valid(run, catalog)


def test_ids_of_several_datasets_without_dataset(run: Run, catalog: Path) -> None:
    result = run("archive", "o1", "v3", "--catalog", catalog)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "archived  o1 (other 1)",
        "archived  v3 (pets 1.2.0)",
        "Archived 2 versions.",
    ]
    assert doc(catalog, "o1", "other")["archived"] is True
    result = run("archive", "v4", "v4", "--catalog", catalog)  # an id given twice counts once
    assert result.stdout.splitlines()[-1] == "Archived 1 version."


def test_wait_must_be_a_number_of_seconds(run: Run, catalog: Path) -> None:
    result = run("archive", "v3", "--wait", "-1", "--catalog", catalog)
    assert result.exit_code == 2 and "--wait" in result.stderr
