"""The selection bar's commands, copied from the page and run verbatim in a POSIX shell."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from playwright.sync_api import Page

from dsreport.catalog.load import load_catalog
from dsreport.cli import cli
from tests.builders import CatalogBuilder

OpenPage = Callable[..., Page]
HOSTILE_TAG = "it's $(touch pwned) `touch pwned2`; rm -rf ~ \"\\x\n2nd line"


@pytest.fixture
def world(tmp_path: Path) -> dict[str, Path]:
    """A catalog, its site, and a bin folder whose `dsreport` runs this checkout."""
    b = CatalogBuilder(tmp_path / "catalog")
    b.dataset("pets", name="Pets")
    previous: list[str] = []
    for i, tags in enumerate([["raw"], ["raw", "cats"], ["cats"], ["dogs"], ["dogs", "it's"], []]):
        vid = f"v{i}.{'x' * i}"
        b.version(
            "pets",
            vid,
            {"a": f"a{i}"},
            parents=previous,
            version=f"1.{i}.0",
            tags=tags,
            name=f"Version {i}",
        )
        previous = [vid]
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "dsreport"
    shim.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} -m dsreport "$@"\n')
    shim.chmod(0o755)
    site = tmp_path / "site"
    rebuild({"catalog": b.root, "site": site})
    return {"catalog": b.root, "site": site, "bin": bin_dir, "cwd": tmp_path}


def rebuild(world: dict[str, Path]) -> None:
    result = CliRunner().invoke(cli, ["build", str(world["catalog"]), "-o", str(world["site"])])
    assert result.exit_code == 0, result.output


@pytest.fixture
def site_root(world: dict[str, Path]) -> Path:
    return world["site"]


def run_copied(page: Page, world: dict[str, Path], button: str) -> None:
    """Click the action, copy its command, run it verbatim in /bin/sh in the catalog folder."""
    page.get_by_role("button", name=button, exact=True).click()
    page.get_by_role("button", name="Copy").click()
    command = page.locator("#command-text").input_value()
    assert command.startswith("dsreport ")
    env = {**os.environ, "PATH": f"{world['bin']}{os.pathsep}{os.environ['PATH']}", "CI": "true"}
    result = subprocess.run(
        ["/bin/sh", "-c", command],
        cwd=world["catalog"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, (command, result.stdout, result.stderr)
    rebuild(world)


def state(world: dict[str, Path]) -> dict[str, tuple[bool, tuple[str, ...]]]:
    catalog = load_catalog(world["catalog"], manifests=False)
    return {vid: (v.meta.archived, v.meta.tags) for vid, v in catalog.versions.items()}


def test_checkbox_tag_then_archive(open_page: OpenPage, world: dict[str, Path]) -> None:
    before = state(world)
    page = open_page(world["site"] / "d/pets/index.html")
    boxes = page.locator("#versions-table tbody input.ds-row-check")
    boxes.nth(1).check()
    boxes.nth(3).check()
    chosen = page.evaluate("DS.get('dataset','pets').rows.filter(r => !r.archived).map(r => r.id)")
    chosen = [chosen[1], chosen[3]]
    page.fill("#tag-input", HOSTILE_TAG)
    typed = page.locator("#tag-input").input_value()  # what a text input keeps of it
    assert typed == HOSTILE_TAG.replace("\n", " ")  # Chromium turns it into a space
    run_copied(page, world, "Add tag")
    after = state(world)
    for vid, (_archived, tags) in after.items():
        expected = before[vid][1] + ((typed,) if vid in chosen else ())
        assert tags == expected, vid
    assert not (world["catalog"] / "pwned").exists() and not (world["catalog"] / "pwned2").exists()
    page.reload()
    page.locator("#versions-table tbody input.ds-row-check").nth(1).check()
    page.locator("#versions-table tbody input.ds-row-check").nth(3).check()
    run_copied(page, world, "Archive")
    archived = {vid for vid, (a, _t) in state(world).items() if a}
    assert archived == set(chosen)


def test_filtered_then_all(open_page: OpenPage, world: dict[str, Path]) -> None:
    page = open_page(world["site"] / "d/pets/index.html")
    page.select_option("#tag-filter", "dogs")
    page.get_by_role("button", name="Select ▾").click()
    page.get_by_role("button", name="Filtered").click()
    run_copied(page, world, "Archive")
    assert {vid for vid, (a, t) in state(world).items() if a} == {
        vid for vid, (_a, t) in state(world).items() if "dogs" in t
    }
    # In the archive: restore one of them, then delete the other after selecting All.
    page = open_page(world["site"] / "d/pets/archive.html")
    page.locator("#versions-table tbody input.ds-row-check").first.check()
    first = page.evaluate("DS.get('dataset','pets').rows.filter(r => r.archived)[0].id")
    run_copied(page, world, "Restore")
    assert state(world)[first][0] is False
    page = open_page(world["site"] / "d/pets/archive.html")
    page.get_by_role("button", name="Select ▾").click()
    page.get_by_role("button", name="All", exact=True).click()
    doomed = [vid for vid, (a, _t) in state(world).items() if a]
    assert len(doomed) == 1
    # The doomed version has a non-archived child, so delete refuses and changes nothing.
    page.get_by_role("button", name="Delete", exact=True).click()
    command = page.locator("#command-text").input_value()
    env = {**os.environ, "PATH": f"{world['bin']}{os.pathsep}{os.environ['PATH']}", "CI": "true"}
    refused = subprocess.run(
        ["/bin/sh", "-c", command],
        cwd=world["catalog"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert doomed[0] in state(world)
    # Selecting All in the active view and archiving it makes everything archived.
    page = open_page(world["site"] / "d/pets/index.html")
    page.get_by_role("button", name="Select ▾").click()
    page.get_by_role("button", name="All", exact=True).click()
    run_copied(page, world, "Archive")
    assert all(a for a, _t in state(world).values())
    page = open_page(world["site"] / "d/pets/archive.html")
    page.get_by_role("button", name="Select ▾").click()
    page.get_by_role("button", name="All", exact=True).click()
    run_copied(page, world, "Delete")
    assert state(world) == {}
