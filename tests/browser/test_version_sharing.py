"""Content data is shared between versions: the site grows with what changed, and every version's
CONTENT, rebuilt in the browser from the shared files, equals its manifest exactly."""

from __future__ import annotations

import json
import random
import re
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from playwright.sync_api import Page

from dsreport.catalog.write import manifest_bytes
from dsreport.cli import cli
from dsreport.diff import compute_changes, merge_contents
from tests.builders import CatalogBuilder, FileSpec, sha

FILES = 3_000
VERSIONS = 20


def history(seed: int = 5) -> list[tuple[str, list[str], dict[str, FileSpec]]]:
    """(id, parents, files) of 20 versions: a chain with a branch merged back; each version
    modifies, adds and removes a few files at scattered paths."""
    rng = random.Random(seed)
    files: dict[str, FileSpec] = {
        f"{rng.choice('abcdefgh')}/{rng.randrange(10**6):06d}/{i}.dat": (
            rng.randrange(10**6),
            sha(str(i)),
        )
        for i in range(FILES)
    }
    out = [("s01", [], dict(files))]
    tips = {"main": "s01"}
    contents = {"s01": files}
    for n in range(2, VERSIONS + 1):
        vid = f"s{n:02d}"
        if n == 14:
            branch, parents = "main", [tips["main"], tips["side"]]  # the branch merged back
        elif 8 <= n <= 10:
            branch, parents = "side", [tips.get("side", tips["main"])]  # a branch off s07
        else:
            branch, parents = "main", [tips["main"]]
        base: dict[str, FileSpec] = {}
        for p in parents:
            base.update(contents[p])
        new = dict(base)
        paths = sorted(new)
        for path in rng.sample(paths, 3):
            new[path] = (rng.randrange(10**6), sha(f"{vid} {path}"))
        for path in rng.sample(paths, 2):
            del new[path]
        for k in range(3):
            new[f"{rng.choice('abcdefgh')}/{rng.randrange(10**6):06d}/new-{vid}-{k}.dat"] = (
                f"{vid}{k}"
            )
        out.append((vid, parents, new))
        contents[vid] = new
        tips[branch] = vid
    return out


@pytest.fixture(scope="module")
def shared_site(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("sharing")
    builder = CatalogBuilder(root / "catalog")
    builder.dataset("shared")
    for n, (vid, parents, files) in enumerate(history(), start=1):
        builder.version("shared", vid, files, parents=parents, version=f"1.{n}.0")
    result = CliRunner().invoke(cli, ["build", str(root / "catalog"), "-o", str(root / "site")])
    assert result.exit_code == 0, result.output
    return {"builder": builder, "site": root / "site"}


@pytest.fixture
def site_root(shared_site: dict[str, Any]) -> Path:
    return Path(shared_site["site"])


def plan_of(site: Path, vid: str) -> dict[str, Any]:
    html = (site / "v" / vid / "index.html").read_text()
    found = re.search(r'data-plan="([^"]*)"', html)
    assert found
    return json.loads(unescape(found.group(1)))  # type: ignore[no-any-return]


def test_content_data_grows_with_the_changes_not_the_versions(shared_site: dict[str, Any]) -> None:
    site: Path = shared_site["site"]
    builder: CatalogBuilder = shared_site["builder"]
    contents = builder.contents
    data = sum(f.stat().st_size for f in (site / "c").rglob("*.js"))
    one_manifest = max(len(manifest_bytes(c.values())) for c in contents.values())
    changed = 0
    for vid, version in contents.items():
        meta = json.loads((builder.root / "shared" / "versions" / vid / "version.json").read_text())
        base = merge_contents([contents[p] for p in meta["parents"]])
        changes = compute_changes(base, version)
        changed += len(manifest_bytes(version[p] for p in changes.added + changes.modified))
        changed += sum(len(p) + 3 for p in changes.removed)
    assert data <= one_manifest + changed, (data, one_manifest, changed)
    naive = sum(len(manifest_bytes(c.values())) for c in contents.values())
    assert data * 8 < naive
    # One full copy serves all 20 versions: every page starts from the same parts.
    fulls = {tuple(map(tuple, plan_of(site, vid)["full"])) for vid in contents}
    assert len(fulls) == 1
    assert all(plan_of(site, vid)["deltas"] for vid in contents if vid != "s01")


def test_every_version_rebuilt_in_the_browser_equals_its_manifest(
    page: Page, shared_site: dict[str, Any]
) -> None:
    site: Path = shared_site["site"]
    for vid, content in shared_site["builder"].contents.items():
        page.goto((site / "v" / vid / "index.html").as_uri())
        page.wait_for_function("() => window.DS && DS.content && DS.content.done")
        got = json.loads(page.evaluate("JSON.stringify(DS.content.entries())"))
        want = [
            [e.path, None if e.size is None else str(e.size), e.hash, e.origin, e.link]
            for e in (content[p] for p in sorted(content))
        ]
        assert got == want, vid
