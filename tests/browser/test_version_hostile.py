"""Hostile input on the version pages: names, paths, console lines and preview files that try to
run script, load from outside, or break the page. Each renders as inert text or a clear "cannot
preview" note; the page guard fails any test whose page opens a dialog, logs an error or makes a
request outside the site."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.version_catalog import HOSTILE_PATHS, built_demo


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return built_demo(tmp_path_factory)


@pytest.fixture
def site_root(demo: dict[str, Any]) -> Path:
    return Path(demo["site"])


def goto(page: Page, site: Path, vid: str, fragment: str = "", name: str = "index.html") -> Page:
    page.goto((site / "v" / vid / name).as_uri() + fragment)
    return page


def only_our_scripts(page: Page) -> None:
    """Every script element is one of the site's own files; nothing inline ran."""
    sources = page.evaluate("[...document.scripts].map(s => [s.type, s.getAttribute('src')])")
    for _kind, src in sources:
        assert src and re.fullmatch(
            r"\.\./\.\./(assets/js/[a-z]+\.[0-9a-f]{10}\.js|c/[0-9a-f]{2}/[0-9a-f]{38}\.js)", src
        ), src


def test_hostile_names_and_paths_render_as_text(page: Page, site_root: Path) -> None:
    goto(page, site_root, "v2")
    page.wait_for_function("() => window.DS && DS.content && DS.content.done")
    expect(page.locator("h1")).to_contain_text("Demo <script>second</script>")
    assert page.title().startswith("Demo <script>second</script> 1.1.0")
    cells = page.locator("#content-table tr.ds-row td:first-child")
    page.fill("#content-filter", "script")
    expect(cells).to_have_text(["</script><img src=x onerror=alert(1)>.csv"])
    page.fill("#content-filter", "")
    expect(page.locator("#content-status")).to_have_text(re.compile("entries$"))
    shown = set(cells.all_inner_texts())
    assert {p for p in HOSTILE_PATHS if p < "a"} <= shown  # the ones sorted first are on screen
    assert page.locator("#content-table img").count() == 0
    only_our_scripts(page)


def test_hostile_names_are_inert_without_javascript(browser: Any, site_root: Path) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        goto(page, site_root, "v2")
        static = page.locator("#content-table tbody td:first-child")
        expect(static.filter(has_text="onerror")).to_have_text(
            ["</script><img src=x onerror=alert(1)>.csv"]
        )
        assert page.locator("main img").count() == 0 or all(
            src.startswith("../../c/")
            for src in page.eval_on_selector_all(
                "main img", "i => i.map(x => x.getAttribute('src'))"
            )
        )
    finally:
        context.close()


def test_console_renders_colours_and_drops_other_escapes(page: Page, site_root: Path) -> None:
    goto(page, site_root, "v2", "#console")
    expect(page.locator("#panel-console")).to_be_visible()
    line = page.locator("#L1 .lt")
    expect(line).to_have_text("starting job")
    assert line.locator("span").evaluate("s => getComputedStyle(s).fontWeight") == "700"
    assert "pwned" not in page.title()
    red = page.locator("#L2 .lt span").first
    expect(red).to_have_text("red")
    assert red.evaluate("s => getComputedStyle(s).color") != page.locator("#L2 .lt").evaluate(
        "s => getComputedStyle(s).color"
    )
    expect(page.locator("#L3 .lt")).to_have_text("see the docs now")
    assert page.locator("#panel-console a[href*='evil']").count() == 0
    expect(page.locator("#L4 .lt")).to_have_text("progress 100%")
    expect(page.locator("#L5 .lt")).to_have_text(
        "<script>alert(1)</script> <img src=x onerror=alert(2)>"
    )
    expect(page.locator("#L6 .lt")).to_have_text("caf\ufffd not utf-8")
    expect(page.locator("#L7 .lt")).to_have_text("cleared")
    expect(page.locator("#L8 .cut")).to_have_text(" … 15,000 more characters")
    assert page.locator("#panel-console img, #panel-console script").count() == 0


def preview(page: Page, name: str) -> Any:
    return page.locator("article.preview").filter(
        has=page.locator(".preview-title", has_text=re.compile(f"^{re.escape(name)}$"))
    )


def test_previews_show_each_kind_and_hostile_files_stay_inert(page: Page, site_root: Path) -> None:
    goto(page, site_root, "v2", "#preview")
    csv_table = preview(page, "data/train.csv").locator("table")
    expect(csv_table.locator("thead th")).to_have_text(["text", "label"])
    expect(csv_table.locator("tbody tr").first.locator("td").first).to_have_text(
        "</script><script>alert(1)</script>"
    )
    expect(csv_table.locator("tbody td", has_text="multi\nline")).to_have_count(1)
    jsonl = preview(page, "data/rows.jsonl")
    expect(jsonl.locator("thead th")).to_have_text(["id", "html", "nested", "(value)"])
    expect(jsonl.locator(".preview-note")).to_have_text("1 line not valid JSON (shown as text).")
    expect(preview(page, "config.json").locator("pre")).to_contain_text('"html": "</script><img')
    svg = preview(page, "logo.svg")
    expect(svg.locator("pre")).to_contain_text("<script>alert(6)</script>")
    expect(svg.locator(".preview-note")).to_contain_text("SVG shown as source")
    expect(preview(page, "fake.png").locator(".preview-note")).to_have_text(
        "Cannot preview: not a valid PNG image."
    )
    image = preview(page, "real.png").locator("img")
    image.scroll_into_view_if_needed()
    expect(image).to_have_attribute(
        "src", re.compile(r"^\.\./\.\./c/[0-9a-f]{2}/[0-9a-f]{38}\.png$")
    )
    page.wait_for_function(
        "img => img.complete && img.naturalWidth === 2", arg=image.element_handle()
    )
    expect(preview(page, "huge.txt").locator(".preview-note")).to_have_text(
        "Showing the first 65,536 of 2,000,000 bytes."
    )
    expect(preview(page, "latin1.txt").locator(".preview-note")).to_contain_text("Not valid UTF-8")
    expect(preview(page, "latin1.txt").locator("pre")).to_have_text(
        "caf\ufffd cr\ufffdme br\ufffdl\ufffde\n"
    )
    expect(preview(page, "secret.txt").locator(".preview-note")).to_have_text(
        "Not previewed: a symbolic link."
    )
    readme = preview(page, "notes/README.md")
    expect(readme.locator("h4")).to_have_text("Notes")
    expect(readme.locator("table td")).to_have_text(["1", "2"])
    expect(readme.locator("a", has_text="[image: remote image]")).to_have_attribute(
        "href", "https://example.org/pixel.png"
    )
    expect(readme).to_contain_text("Raw <img src=x onerror=alert(1)> HTML")
    assert readme.locator("a[href^='javascript']").count() == 0
    # Nothing runnable and no image from outside anywhere on the page.
    panel = page.locator("#panel-preview")
    assert panel.locator("svg, script, iframe, object, embed").count() == 0
    assert page.evaluate("[...document.images].every(i => i.src.startsWith('file:'))")


def test_missing_content_data_leaves_the_first_rows_and_says_so(
    page: Page, demo: dict[str, Any], tmp_path: Path, page_guard: Any
) -> None:
    import shutil

    site = tmp_path / "site"
    shutil.copytree(demo["site"], site)
    html = unescape((site / "v" / "v2" / "index.html").read_text())
    missing = re.findall(r'"(c/[0-9a-f]{2}/[0-9a-f]{38}\.js)"', html)[-1]
    (site / missing).unlink()
    page_guard.set_root(site)
    page_guard.allow_console_error(r"Failed to load resource|ERR_FILE_NOT_FOUND")
    page.goto((site / "v" / "v2" / "index.html").as_uri())
    status = page.locator("#content-status")
    expect(status).to_have_text(re.compile(r"could not be loaded \(c/.*\): only the first rows"))
    expect(page.locator("#content-table tbody tr").first).to_be_visible()
    expect(page.locator("#csv-all")).to_be_disabled()
