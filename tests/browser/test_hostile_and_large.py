"""Hostile text everywhere renders literally and runs nothing; long histories stay readable."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from playwright.sync_api import Page, expect

from dsreport.cli import cli
from tests.builders import CatalogBuilder

OpenPage = Callable[..., Page]

XSS = '"><img src=/nonexistent/x.png onerror="window.pwned=1"><script>window.pwned=2</script>'
PAYLOADS = [
    XSS,
    "</script><script>window.pwned=3</script>",
    "{{ 7*7 }} {% raw %}",
    '<b>bold</b> "];a -> b; // \\N \\',
    '=HYPERLINK("http://evil")',
    "line\u2028sep \u2029 ok",
]


def build(root: Path, out: Path) -> Path:
    result = CliRunner().invoke(cli, ["build", str(root), "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("hostile")
    b = CatalogBuilder(tmp / "catalog")
    (b.root / "dsreport.toml").write_text(
        '[site]\ntitle = "<script>window.pwned=4</script>"\n'
        'description = "[x](javascript:window.pwned=5)"\n'
    )
    b.dataset(
        "evil",
        name=XSS,
        project=PAYLOADS[1],
        description="\n\n".join(PAYLOADS)
        + "\n\n[click](javascript:window.pwned=6) ![i](javascript:x)",
        tags=PAYLOADS,
    )
    files = {p: p for p in ["<img src=x onerror=alert(1)>.png", "a/</script>.txt", "=cmd.csv"]}
    b.version(
        "evil",
        "v1",
        files,
        name=XSS,
        version=PAYLOADS[3],
        tags=PAYLOADS,
        description="\n\n".join(PAYLOADS),
        status=XSS,
        task={"id": XSS, "name": PAYLOADS[1], "url": "javascript:window.pwned=7"},
        extra={"x": XSS},
    )
    b.version(
        "evil",
        "v2",
        files,
        parents=["v1"],
        version="2",
        name=PAYLOADS[3],
        tags=[PAYLOADS[3]],
        archived=True,
        task={"id": "t", "name": "task", "url": "https://example.invalid/task"},
    )
    return build(b.root, tmp / "site")


@pytest.fixture
def site_root(request: pytest.FixtureRequest) -> Path:
    name = "hostile_site" if "hostile" in request.node.name else "large_site"
    return Path(request.getfixturevalue(name))


@pytest.mark.parametrize(
    "path",
    ["index.html", "d/evil/index.html", "d/evil/archive.html", "v/v1/index.html", "v/v1/full.html"],
)
def test_hostile_text_renders_literally_and_runs_nothing(
    open_page: OpenPage, hostile_site: Path, path: str
) -> None:
    page = open_page(hostile_site / path)
    page.wait_for_timeout(100)
    assert page.evaluate("window.pwned") is None
    assert page.locator("img[onerror], script:not([src])").count() == 0
    assert page.locator('a[href^="javascript:" i]').count() == 0
    body = page.locator("body").inner_text()
    assert "<script>window.pwned=4</script>" in body  # the title, as text
    if path.startswith("d/"):
        assert "onerror=" in body


def test_hostile_lineage_and_commands(open_page: OpenPage, hostile_site: Path) -> None:
    page = open_page(hostile_site / "d/evil/index.html")
    expect(page.locator("#lineage svg text.name").first).to_contain_text('"><img')
    page.locator("#versions-table tbody input.ds-row-check").first.check()
    page.fill("#tag-input", "x'; rm -rf ~ #")
    page.get_by_role("button", name="Add tag").click()
    expect(page.locator("#command-text")).to_have_value(
        "dsreport tag v1 --add 'x'\"'\"'; rm -rf ~ #'"
    )
    assert page.evaluate("window.pwned") is None


def test_hostile_site_is_valid_html(
    check_html: Callable[[list[Path]], list[str]], hostile_site: Path
) -> None:
    assert check_html(sorted(hostile_site.rglob("*.html"))) == []


def test_hostile_csv_is_neutralised(hostile_site: Path) -> None:
    text = (hostile_site / "d/evil/versions.csv").read_text(encoding="utf-8-sig")
    assert not re.search(r'(^|,)"?[=+@-]', text, re.MULTILINE)


@pytest.fixture(scope="module")
def large_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """150 versions: a long chain, a branch of 30 and a merge back."""
    tmp = tmp_path_factory.mktemp("large")
    b = CatalogBuilder(tmp / "catalog")
    b.dataset("long")
    previous: list[str] = []
    for i in range(120):
        vid = f"m{i:03d}"
        b.version("long", vid, {"a": f"a{i}", "b": "b"}, parents=previous, version=f"1.{i}.0")
        previous = [vid]
    branch = ["m050"]
    for i in range(30):
        vid = f"b{i:03d}"
        b.version("long", vid, {"a": f"a{i}", "c": "c"}, parents=branch, version=f"1.50.{i + 1}")
        branch = [vid]
    b.version(
        "long",
        "merge",
        {"a": "m", "b": "b", "c": "c"},
        parents=["m119", branch[0]],
        version="2.0.0",
    )
    return build(b.root, tmp / "site")


def test_large_history_shows_a_window_with_collapsed_runs(
    open_page: OpenPage, large_site: Path
) -> None:
    page = open_page(large_site / "d/long/index.html")
    nodes = page.locator("#lineage .node[data-vid]")
    assert 0 < nodes.count() <= 70
    expect(page.locator("#lineage .node.selected")).to_have_attribute("data-vid", "merge")
    more = page.locator("#lineage .node.more")
    assert more.count() >= 1
    hidden_before = nodes.count()
    more.first.click()
    expect(page.locator("#lineage .node.more")).to_have_count(0)
    assert page.locator("#lineage .node[data-vid]").count() > hidden_before


def test_selecting_a_far_version_moves_the_graph_to_its_window(
    open_page: OpenPage, large_site: Path
) -> None:
    page = open_page(large_site / "d/long/index.html")
    page.fill("#version-filter", "1.3.0")
    page.locator("#versions-table tbody tr.ds-row").first.locator("td").nth(2).click()
    expect(page.locator("#lineage .node.selected")).to_have_attribute("data-vid", "m003")
    # Its window ends with a stub leading on to the next window.
    stubs = page.locator("#lineage .node.stub")
    assert stubs.count() >= 1
    target = stubs.first.get_attribute("data-vid")
    stubs.first.click()
    expect(page.locator("#lineage .node.selected")).to_have_attribute("data-vid", str(target))
    expect(page.locator("#version-info")).to_contain_text(str(target))
