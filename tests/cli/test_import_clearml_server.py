"""``dsreport import clearml`` against the ClearML stand-in, with datasets the real SDK made.

One stand-in server and one set of datasets serve the whole module (module-scoped fixture): the
unmodified ``clearml`` SDK makes, in subprocesses with a fresh HOME each,

- "pets" (project Demo): v1 (files, an http link, previews, a producing task, published) ->
  v2 (chain: a file changed, one added, images removed) and v3 (branch, archived) -> v4 (merge
  of v2 and v3) -> a draft (files added, never uploaded);
- "cats" (project Mut): c1 -> c2 and c1 -> leaf; later (the last test) c3 on c2, c2 archived,
  leaf and c1 deleted, the dataset renamed, and the offline session imported into the server;
- "sensors": an offline-mode session (folder and zip).

Every import runs ``python -m dsreport`` in a subprocess, as a user would.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from dsreport.catalog.load import load_catalog
from tests.clearml_helpers import (
    Faults,
    clean_env,
    finish_script,
    load_standin,
    need_clearml,
    read_manifest,
    run_dsreport,
    standin_path,
    start_script,
    start_server,
    tree,
)

Run = Callable[..., Result]


@dataclass
class World:
    """The server, the datasets the SDK made, and what the SDK reports about them."""

    server: Any
    faults: Faults
    env: dict[str, str]
    tmp: Path
    pets: dict[str, str]
    cats: dict[str, str]
    offline: dict[str, Any]
    sdk: dict[str, Any]

    def env_for(self, name: str) -> dict[str, str]:
        """The server's variables and a fresh HOME."""
        home = self.tmp / "homes" / name
        home.mkdir(parents=True, exist_ok=True)
        return clean_env(home, self.env)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    need_clearml()
    module = load_standin(standin_path())
    faults = Faults()
    server = start_server(module, faults)
    tmp = tmp_path_factory.mktemp("clearml")
    try:
        env = server.env()
        # The three scripts run at once (the offline one mostly waits for the SDK's exit flush).
        jobs = {
            "offline": start_script(
                "make_offline.py", tmp / "offline", env=clean_env(tmp / "offline")
            ),
            "pets": start_script("make_pets.py", tmp / "pets", env=clean_env(tmp / "pets", env)),
            "cats": start_script("make_cats.py", tmp / "cats", env=clean_env(tmp / "cats", env)),
        }
        for proc in jobs.values():  # all of them, before any can fail the fixture
            proc.wait(timeout=300)
        results = {name: finish_script(proc, tmp / name) for name, proc in jobs.items()}
        pets, cats = results["pets"], results["cats"]
        ids = [v for k, v in pets.items() if k != "task"] + list(cats.values())
        proc = start_script(
            "sdk_report.py", tmp / "report", *ids, env=clean_env(tmp / "report", env)
        )
        sdk = finish_script(proc, tmp / "report")
        yield World(
            server=server,
            faults=faults,
            env=env,
            tmp=tmp,
            pets=pets,
            cats=cats,
            offline=results["offline"],
            sdk=sdk,
        )
    finally:
        server.stop()


@pytest.fixture(scope="module")
def imported(world: World) -> Path:
    """The catalog of a first import of everything on the server."""
    catalog = world.tmp / "catalog"
    result = run_dsreport(
        "import", "clearml", "server", "--catalog", catalog, env=world.env_for("first")
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        f"Imported 8 versions of 2 datasets from {world.env['CLEARML_API_HOST']}: "
        "8 new, 0 updated, 0 unchanged (1 draft)."
    )
    return catalog


def version_folder(catalog: Path, slug: str, vid: str) -> Path:
    return catalog / slug / "versions" / vid


def version_json(catalog: Path, slug: str, vid: str) -> dict[str, Any]:
    return json.loads((version_folder(catalog, slug, vid) / "version.json").read_text())


def test_import_matches_what_the_sdk_reports_entry_for_entry(world: World, imported: Path) -> None:
    assert run_dsreport("validate", imported, env=world.env_for("v")).returncode == 0
    slugs = {"pets": world.pets, "cats": world.cats}
    checked = 0
    for slug, ids in slugs.items():
        for key, vid in ids.items():
            if key == "task":
                continue
            sdk = world.sdk[vid]
            manifest = read_manifest(version_folder(imported, slug, vid))
            assert sorted(manifest) == sdk["files"]
            for path, (size, digest, origin) in sdk["file_entries"].items():
                assert manifest[path] == {
                    "path": path,
                    "size": size,
                    "hash": digest,
                    "origin": origin,
                }
            for path, (link, size, digest, origin) in sdk["link_entries"].items():
                assert manifest[path] == {
                    "path": path,
                    "link": link,
                    "size": size,
                    "hash": digest,
                    "origin": origin,
                }
            assert len(manifest) == len(sdk["file_entries"]) + len(sdk["link_entries"])
            assert version_json(imported, slug, vid)["parents"] == sdk["graph"][vid]
            checked += 1
    assert checked == 8


def test_import_carries_over_the_version_fields(world: World, imported: Path) -> None:
    p = world.pets
    v1 = version_json(imported, "pets", p["v1"])
    assert v1["name"] == "pets" and v1["version"] == "1.0.0"
    assert v1["description"] == "First *pets*"
    assert v1["tags"] == world.server.store.tasks[p["v1"]]["tags"]  # in ClearML's order
    assert sorted(v1["tags"]) == ["external files", "raw"]
    assert v1["status"] == "published" and v1["archived"] is False
    web, project = world.env["CLEARML_WEB_HOST"], _project_of(world, p["task"])
    assert v1["task"] == {
        "id": p["task"],
        "name": "build pets",
        "url": f"{web}/projects/{project}/experiments/{p['task']}",
    }
    assert v1["created"].endswith("Z") and v1["updated"] >= v1["created"]
    assert version_json(imported, "pets", p["v3"])["archived"] is True
    assert version_json(imported, "pets", p["v4"])["parents"] == [p["v2"], p["v3"]]
    draft = version_json(imported, "pets", p["draft"])
    assert draft["status"] == "draft" and draft["size_compressed"] is None
    assert draft["extra"]["clearml_dirty"] is True
    dataset = json.loads((imported / "pets" / "dataset.json").read_text())
    assert (dataset["name"], dataset["project"]) == ("pets", "Demo")
    # Merge order: v3 is the later parent, so its a.txt (the one of v1) wins over v2's.
    manifest = read_manifest(version_folder(imported, "pets", p["v4"]))
    assert manifest["a.txt"]["origin"] == p["v1"]
    assert manifest["d.txt"]["origin"] == p["v2"] and manifest["e.txt"]["origin"] == p["v3"]
    assert manifest["ref/x.csv"]["link"].endswith("/external/x.csv")
    assert manifest["ref/x.csv"]["size"] == 8 and manifest["ref/x.csv"]["hash"] is None


def _project_of(world: World, task_id: str) -> str:
    return str(world.server.store.tasks[task_id]["project"])


def test_extra_keeps_clearml_counters_raw_and_size_compressed_counts_each_chunk_once(
    world: World, imported: Path
) -> None:
    tasks = world.server.store.tasks
    p = world.pets
    for vid in p.values():
        if vid == p["task"]:
            continue
        extra = version_json(imported, "pets", vid)["extra"]
        for key, value in tasks[vid]["runtime"].items():
            assert extra[key] == value
        assert extra["clearml_source"] == world.env["CLEARML_API_HOST"]
        assert extra["clearml_status"] == tasks[vid]["status"]

    def data_sizes(vid: str) -> int:
        return sum(
            a["content_size"]
            for a in tasks[vid]["execution"]["artifacts"]
            if a["key"] == "data" or a["key"].startswith("data_")
        )

    merge = version_json(imported, "pets", p["v4"])
    expected = sum(data_sizes(p[k]) for k in ("v1", "v2", "v3", "v4"))
    assert merge["size_compressed"] == expected
    # ClearML's own counter adds both parents' totals, so v1's chunk is counted twice there.
    assert merge["extra"]["ds_total_size_compressed"] == expected + data_sizes(p["v1"])


def test_import_writes_previews_and_the_console_log(world: World, imported: Path) -> None:
    folder = version_folder(imported, "pets", world.pets["v1"])
    previews = sorted(
        p.relative_to(folder / "preview").as_posix()
        for p in (folder / "preview").rglob("*")
        if p.is_file()
    )
    assert previews == ["Tables/summary.csv", "img/dot.png", "meta/c.json"]
    assert (folder / "preview" / "Tables" / "summary.csv").read_text() == "x,y\n1,2\n3,4\n"
    assert (folder / "preview" / "img" / "dot.png").read_bytes().startswith(b"\x89PNG")
    assert json.loads((folder / "preview" / "meta" / "c.json").read_text()) == {"k": 1}
    console = (folder / "console.log").read_text()
    assert "\x1b[32mgreen\x1b[0m checked\n" in console
    assert "Generating SHA2 hash for 4 files" in console


def test_reimport_changes_nothing_when_nothing_changed(world: World, imported: Path) -> None:
    before = tree(imported)
    result = run_dsreport(
        "import", "clearml", "server", "--catalog", imported, env=world.env_for("again")
    )
    assert result.returncode == 0, result.stderr
    assert "0 new, 0 updated, 8 unchanged" in result.stdout
    assert tree(imported) == before  # same bytes, same inodes, same time stamps


def test_project_and_dataset_select_what_is_imported(world: World) -> None:
    catalog = world.tmp / "only-cats"
    result = run_dsreport(
        "import",
        "clearml",
        "server",
        "--catalog",
        catalog,
        "--project",
        "Mut",
        env=world.env_for("sel"),
    )
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in catalog.iterdir()) == ["cats"]
    result = run_dsreport(
        "import",
        "clearml",
        "server",
        "--catalog",
        catalog,
        "--dataset",
        "pets",
        env=world.env_for("sel2"),
    )
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in catalog.iterdir()) == ["cats", "pets"]
    assert len(load_catalog(catalog).versions) == 8


@pytest.mark.parametrize(
    ("fault", "args", "message"),
    [
        (
            {"deny_login": True},
            (),
            "cannot log in to the configured ClearML server: Failed getting token (error 401",
        ),
        (
            {"fail": {"events.get_task_events": 500}},
            (),
            "answered events.get_task_events with error 500: injected fault",
        ),
        (
            {"fail": {"tasks.get_all": 503}},
            ("--retries", "1"),
            "kept answering tasks.get_all with error 503 (busy or down)",
        ),
        (
            {"hang": {"tasks.get_all": 4.0}},
            ("--timeout", "1", "--retries", "0"),
            "did not answer tasks.get_all within 1 s",
        ),
    ],
    ids=["wrong-credentials", "server-error", "busy", "timeout"],
)
def test_server_failures_are_one_clear_line_and_nothing_is_half_imported(
    world: World, imported: Path, fault: dict[str, Any], args: tuple[str, ...], message: str
) -> None:
    catalog = world.tmp / "failures" / "catalog"
    if not catalog.exists():
        shutil.copytree(imported, catalog)
    before = tree(catalog)
    fresh = world.tmp / "failures" / "fresh"
    for key, value in fault.items():
        setattr(world.faults, key, value)
    try:
        for target in (catalog, fresh):
            result = run_dsreport(
                "import", "clearml", "server", "--catalog", target, *args, env=world.env_for("fail")
            )
            assert result.returncode == 1
            assert message in result.stderr, result.stderr
            assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    finally:
        world.faults.clear()
    assert tree(catalog) == before
    assert not fresh.exists()


def test_an_offline_session_made_by_the_sdk_imports_from_its_folder_and_its_zip(
    world: World, run: Run
) -> None:
    off = world.offline
    folder, zipped = world.tmp / "offline-folder", world.tmp / "offline-zip"
    for source, catalog in ((off["folder"], folder), (off["zip"], zipped)):
        result = run("import", "clearml", source, "--catalog", catalog)
        assert result.exit_code == 0, result.output
        assert "1 new" in result.stdout and "(1 draft)" in result.stdout
        assert run("validate", catalog).exit_code == 0
    assert {k: v[0] for k, v in tree(folder).items()} == {k: v[0] for k, v in tree(zipped).items()}
    version = load_catalog(folder).versions[off["id"]]
    manifest = read_manifest(version.folder)
    assert sorted(manifest) == off["files"]
    for path, (size, digest, origin) in off["file_entries"].items():
        assert manifest[path] == {"path": path, "size": size, "hash": digest, "origin": origin}
    meta = version.meta
    assert meta.parents == tuple(off["graph"][off["id"]]) == ()
    assert (version.dataset, meta.version, meta.status, meta.tags) == (
        "sensors",
        "0.3.0",
        "draft",
        ("offline",),
    )
    assert meta.description == "Readings taken *offline*"
    previews = sorted(
        p.relative_to(version.preview_dir).as_posix()
        for p in version.preview_dir.rglob("*")
        if p.is_file()
    )
    assert previews == ["img/dot.png", "meta.json"]
    assert "\x1b[33mcalibrated\x1b[0m\n" in (version.folder / "console.log").read_text()
    before = tree(folder)
    assert (
        "0 new, 0 updated, 1 unchanged"
        in run("import", "clearml", off["folder"], "--catalog", folder).stdout
    )
    assert tree(folder) == before


def test_the_site_builds_from_the_imported_catalog(world: World, imported: Path) -> None:
    """The imported catalog builds into a site with a page per dataset and per version."""
    site = world.tmp / "site"
    result = run_dsreport("build", imported, "-o", site, env=world.env_for("build"))
    assert result.returncode == 0, result.stderr
    from dsreport.catalog.load import load_catalog

    catalog = load_catalog(imported, manifests=False)
    for slug in catalog.datasets:
        assert (site / "d" / slug / "index.html").is_file()
    for vid in catalog.versions:
        assert (site / "v" / vid / "index.html").is_file()
        assert (site / "v" / vid / "full.html").is_file()


def test_reimport_picks_up_new_archived_deleted_and_renamed(world: World) -> None:
    """Runs last: it changes the server (cats) for good."""
    catalog = world.tmp / "changes"
    env = world.env_for("changes")
    assert (
        run_dsreport("import", "clearml", "server", "--catalog", catalog, env=env).returncode == 0
    )
    c = world.cats
    proc = start_script(
        "change_cats.py",
        world.tmp / "change",
        json.dumps(c),
        world.offline["zip"],
        env=clean_env(world.tmp / "change", world.env),
    )
    new = finish_script(proc, world.tmp / "change")
    result = run_dsreport("import", "clearml", "server", "--catalog", catalog, env=env)
    assert result.returncode == 0, result.stderr
    assert "; 1 removed (deleted on the server)." in result.stdout
    assert f"note: version {c['c1']} was deleted on the server; kept as a parent" in result.stderr
    assert run_dsreport("validate", catalog, env=env).returncode == 0
    loaded = load_catalog(catalog)
    assert new["c3"] in loaded.versions and c["leaf"] not in loaded.versions
    assert loaded.versions[new["c3"]].meta.parents == (c["c2"],)
    assert loaded.versions[c["c2"]].meta.archived is True
    kept = loaded.versions[c["c1"]].meta
    assert kept.extra is not None and kept.extra["clearml_deleted"] is True
    # The rename changes the dataset's name, not its folder.
    assert loaded.datasets["cats"].meta.name == "felines"
    # The offline session imported into the server keeps its version as a hyperparameter.
    sensors = loaded.versions[new["sensors"]].meta
    assert sensors.version == "0.3.0"
    assert sorted(read_manifest(loaded.versions[new["sensors"]].folder)) == world.offline["files"]
    # A fresh catalog never saw c1: c2 is imported without it, its files keep an origin.
    fresh = world.tmp / "fresh-after-changes"
    result = run_dsreport("import", "clearml", "server", "--catalog", fresh, env=env)
    assert result.returncode == 0, result.stderr
    assert f"note: version {c['c2']}: parent {c['c1']} no longer on the server" in result.stderr
    assert run_dsreport("validate", fresh, env=env).returncode == 0
    c2 = load_catalog(fresh).versions[c["c2"]]
    assert c2.meta.parents == () and c2.meta.extra is not None
    assert c2.meta.extra["clearml_missing_parents"] == [c["c1"]]
    assert {e["origin"] for e in read_manifest(c2.folder).values()} == {c["c2"]}
