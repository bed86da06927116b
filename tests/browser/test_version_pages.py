"""The version details page (CONTENT, PREVIEW, CONSOLE, Expand) and the full-details page, driven
in Chromium from ``file://`` as a user would."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from dsreport.csvsafe import neutralise_cell
from tests.builders import CatalogBuilder, sha
from tests.version_catalog import BIG_SIZE, NEAR_HASHES, build_site, built_demo

HEADER = ["path", "size", "hash", "origin", "link"]
# axe would fetch the stylesheets with XHR, which file:// refuses (logged as console errors).
AXE_OPTIONS = {"preload": False}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return built_demo(tmp_path_factory)


@pytest.fixture
def site_root(demo: dict[str, Any]) -> Path:
    return Path(demo["site"])


def entries(demo: dict[str, Any], vid: str) -> list[tuple[str, Any, Any, str, Any]]:
    """The version's manifest, as (path, size, hash, origin, link), in manifest order."""
    content = demo["builder"].contents[vid]
    return [
        (e.path, e.size, e.hash, e.origin, e.link) for e in (content[p] for p in sorted(content))
    ]


def goto(page: Page, site: Path, vid: str, fragment: str = "", name: str = "index.html") -> Page:
    page.goto((site / "v" / vid / name).as_uri() + fragment)
    return page


def loaded(page: Page) -> None:
    page.wait_for_function("() => window.DS && DS.content && DS.content.done")


def shown_paths(page: Page) -> list[str]:
    return page.locator("#content-table tr.ds-row td:first-child").all_inner_texts()


# -- tabs and Expand ---------------------------------------------------------------------------


def test_tabs_switch_and_keep_the_tab_in_the_url(page: Page, site_root: Path) -> None:
    goto(page, site_root, "v2")
    expect(page.locator("#tab-content")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#panel-preview")).to_be_hidden()
    page.click("#tab-preview")
    expect(page).to_have_url(re.compile(r"#preview$"))
    expect(page.locator("#panel-preview")).to_be_visible()
    expect(page.locator("#panel-content")).to_be_hidden()
    page.keyboard.press("ArrowRight")
    expect(page.locator("#tab-console")).to_be_focused()
    expect(page.locator("#tab-console")).to_have_attribute("aria-selected", "true")
    expect(page).to_have_url(re.compile(r"#console$"))
    # The URL opens the tab it names.
    page.goto("about:blank")
    goto(page, site_root, "v2", "#preview")
    expect(page.locator("#panel-preview")).to_be_visible()
    expect(page.locator("#tab-preview")).to_have_attribute("aria-selected", "true")
    goto(page, site_root, "v2", "#preview-3")
    expect(page.locator("#preview-3")).to_be_in_viewport()


def test_expand_fills_the_window_and_escape_leaves(page: Page, site_root: Path) -> None:
    goto(page, site_root, "v2")
    loaded(page)
    button = page.locator("#expand-button")
    button.click()
    tabs = page.locator("#version-tabs")
    expect(tabs).to_have_class(re.compile(r"\bis-expanded\b"))
    expect(button).to_have_attribute("aria-pressed", "true")
    box, size = tabs.bounding_box(), page.viewport_size
    assert box is not None and size is not None
    assert (box["x"], box["y"], box["width"], box["height"]) == (
        0,
        0,
        size["width"],
        size["height"],
    )
    table_box = page.locator("#content-table .ds-vt-viewport").bounding_box()
    assert table_box is not None and table_box["height"] > size["height"] * 0.6
    # The page behind is inert while expanded.
    assert page.evaluate("document.querySelector('.site-header').inert") is True
    page.keyboard.press("Escape")
    expect(tabs).not_to_have_class(re.compile(r"\bis-expanded\b"))
    expect(button).to_have_attribute("aria-pressed", "false")
    expect(button).to_be_focused()
    assert page.evaluate("document.querySelector('.site-header').inert") is False
    # In a search box, Escape first clears the text; the next one leaves full screen.
    page.click("#tab-console")
    button.click()
    page.fill("#console-search", "loss")
    page.press("#console-search", "Escape")
    expect(tabs).to_have_class(re.compile(r"\bis-expanded\b"))
    page.press("#console-search", "Escape")
    expect(tabs).not_to_have_class(re.compile(r"\bis-expanded\b"))


# -- CONTENT -----------------------------------------------------------------------------------


def test_content_lists_every_entry_in_manifest_order(page: Page, demo: dict[str, Any]) -> None:
    goto(page, demo["site"], "v2")
    loaded(page)
    got = json.loads(page.evaluate("JSON.stringify(DS.content.entries())"))
    want = [
        [p, None if s is None else str(s), h, o, link] for p, s, h, o, link in entries(demo, "v2")
    ]
    assert got == want
    expect(page.locator("#content-status")).to_have_text(f"{len(want):,} entries")
    # Origins are links to the version that introduced the entry; links are live only for http(s).
    page.fill("#content-filter", "README")
    expect(page.locator("#content-status")).to_have_text(f"1 of {len(want):,} entries match")
    origin = page.locator("#content-table tr.ds-row td:nth-child(4) a")
    expect(origin).to_have_text("Demo first 1.0.0")
    expect(origin).to_have_attribute("href", "../../v/v1/index.html")
    page.fill("#content-filter", "raw/")
    expect(page.locator("#content-status")).to_have_text(f"3 of {len(want):,} entries match")
    links = page.locator("#content-table tr.ds-row td:nth-child(5)")
    expect(links).to_have_text(
        ["s3://bucket/raw/footage.bin", "javascript:alert(8)", re.compile("https")]
    )
    assert page.locator("#content-table a[href^='javascript']").count() == 0
    expect(links.nth(2).locator("a")).to_have_attribute("href", "https://example.org/web.bin")


def test_content_sorts_by_each_column(page: Page, demo: dict[str, Any]) -> None:
    goto(page, demo["site"], "v2")
    loaded(page)
    rows = entries(demo, "v2")
    size_button = page.get_by_role("button", name="Size")
    size_button.click()
    expect(page.locator("th[aria-sort=ascending]")).to_have_text(re.compile("Size"))
    # Unknown sizes first, then the smallest.
    smallest = sorted(rows, key=lambda e: (-1 if e[1] is None else e[1], e[0]))
    expect(page.locator("#content-table tr.ds-row td:first-child").first).to_have_text(
        smallest[0][0]
    )
    expect(page.locator("#content-table tr.ds-row td:first-child").nth(1)).to_have_text(
        smallest[1][0]
    )
    size_button.click()
    expect(page.locator("th[aria-sort=descending]")).to_have_text(re.compile("Size"))
    first = page.locator("#content-table tr.ds-row").first
    expect(first.locator("td").first).to_have_text("huge/file.bin")
    expect(first.locator("td").nth(1)).to_have_attribute("title", f"{BIG_SIZE} bytes")
    page.get_by_role("button", name="Path").click()
    page.get_by_role("button", name="Path").click()
    expect(page.locator("th[aria-sort=descending]")).to_have_text(re.compile("Path"))
    expect(page.locator("#content-table tr.ds-row td:first-child").first).to_have_text(
        max(e[0] for e in rows)
    )
    page.get_by_role("button", name="Hash").click()
    smallest_hash = min(e[2] for e in rows if e[2] is not None)
    expect(page.locator("#content-table tr.ds-row td:nth-child(3)").first).to_have_text(
        smallest_hash
    )
    page.get_by_role("button", name="Origin").click()
    expect(page.locator("#content-table tr.ds-row td:nth-child(4)").first).to_have_text(
        "Demo first 1.0.0"
    )
    page.get_by_role("button", name="Origin").click()
    expect(page.locator("#content-table tr.ds-row td:nth-child(4)").first).to_have_text(
        "this version"
    )


def test_content_sorts_by_the_whole_hash(page: Page, demo: dict[str, Any]) -> None:
    goto(page, demo["site"], "v3")
    loaded(page)
    page.get_by_role("button", name="Hash").click()
    rows = page.locator("#content-table tr.ds-row")
    expect(rows.nth(2).locator("td").nth(2)).to_have_text(NEAR_HASHES[1])
    first = [
        (r.locator("td").first.inner_text(), r.locator("td").nth(2).inner_text())
        for r in rows.all()[:3]
    ]
    assert first == [
        ("same-prefix/low-1.bin", NEAR_HASHES[0]),
        ("same-prefix/low-2.bin", NEAR_HASHES[0]),
        ("same-prefix/high.bin", NEAR_HASHES[1]),
    ]
    page.get_by_role("button", name="Hash").click()
    expect(rows.first.locator("td").nth(2)).to_have_text("–")  # unknown hashes: last, then first
    hashes = [e[2] for e in entries(demo, "v3")]
    expect(rows.nth(hashes.count(None)).locator("td").nth(2)).to_have_text(
        max(h for h in hashes if h)
    )


def test_content_sorts_paths_by_code_point_like_the_manifest(
    page: Page, demo: dict[str, Any]
) -> None:
    goto(page, demo["site"], "v2")
    loaded(page)
    page.fill("#content-filter", "wide/")
    expect(page.locator("#content-status")).to_have_text(re.compile("^2 of"))
    # U+FF01 before U+1F600, as in the manifest (JavaScript's own comparison says otherwise).
    assert shown_paths(page) == ["wide/\uff01.txt", "wide/\U0001f600.txt"]


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("cats_00", lambda p: "cats_00" in p.lower()),
        ("README", lambda p: "README" in p),
        ("readme", lambda p: "readme" in p.lower()),
        ("*.csv", lambda p: p.rsplit("/", 1)[-1].endswith(".csv")),
        ("images/**", lambda p: p.startswith("images/")),
        ("images/*/dogs_0?0.png", lambda p: re.fullmatch(r"images/[^/]*/dogs_0.0\.png", p)),
        ("</script>", lambda p: "</script>" in p),
    ],
)
def test_content_filters_by_substring_or_glob(
    page: Page, demo: dict[str, Any], text: str, rule: Any
) -> None:
    goto(page, demo["site"], "v2")
    loaded(page)
    rows = entries(demo, "v2")
    want = [e[0] for e in rows if rule(e[0])]
    assert want, "the case must match something"
    page.fill("#content-filter", text)
    expect(page.locator("#content-status")).to_have_text(
        f"{len(want):,} of {len(rows):,} entries match"
    )
    assert shown_paths(page) == want[: len(shown_paths(page))]
    expect(page.locator("#csv-filtered")).to_be_enabled()


def read_csv(path: str) -> list[list[str]]:
    text = Path(path).read_bytes().decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:], newline="")))


def csv_rows(rows: list[tuple[str, Any, Any, str, Any]]) -> list[list[str]]:
    return [
        [
            neutralise_cell(p),
            "" if s is None else str(s),
            h or "",
            neutralise_cell(o),
            neutralise_cell(link or ""),
        ]
        for p, s, h, o, link in rows
    ]


def test_content_csv_download_all_and_filtered(page: Page, demo: dict[str, Any]) -> None:
    goto(page, demo["site"], "v2")
    loaded(page)
    with page.expect_download() as info:
        page.click("#csv-all")
    assert info.value.suggested_filename == "demo-v2-content.csv"
    got = read_csv(info.value.path())
    assert got[0] == HEADER
    assert got[1:] == csv_rows(entries(demo, "v2"))
    # Formulas are neutralised, as the build's own CSV files do it.
    assert [c for c in got if c[0].startswith("'=")][0][:2] == ["'=cmd|' /C calc'!A0", "29"]
    page.fill("#content-filter", "dogs")
    expect(page.locator("#content-status")).to_have_text(re.compile("match$"))
    page.get_by_role("button", name="Size").click()
    page.get_by_role("button", name="Size").click()
    with page.expect_download() as info:
        page.click("#csv-filtered")
    got = read_csv(info.value.path())
    dogs = [e for e in entries(demo, "v2") if "dogs" in e[0]]
    dogs.sort(key=lambda e: (-e[1], e[0]))
    assert got[1:] == csv_rows(dogs)


# -- CONSOLE -----------------------------------------------------------------------------------


def test_console_search_highlights_and_steps(page: Page, site_root: Path) -> None:
    goto(page, site_root, "v2", "#console")
    count = page.locator("#console-count")
    page.fill("#console-search", "LOSS")
    expect(count).to_have_text("No matches")  # a capital letter makes the search case-sensitive
    page.fill("#console-search", "loss")
    expect(count).to_have_text("1 of 300")
    assert page.evaluate("CSS.highlights.get('ds-search').size") == 300
    page.press("#console-search", "Enter")
    expect(count).to_have_text("2 of 300")
    page.press("#console-search", "Shift+Enter")
    expect(count).to_have_text("1 of 300")
    page.click("#console-prev")
    expect(count).to_have_text("300 of 300")
    expect(page.locator("#L308")).to_be_in_viewport()
    current = page.evaluate(
        "() => { const r = [...CSS.highlights.get('ds-search-current')][0];"
        " return [r.toString(), r.startContainer.parentElement.closest('.cl').id]; }"
    )
    assert current == ["loss", "L308"]
    page.click("#console-next")
    expect(count).to_have_text("1 of 300")
    expect(page.locator("#L9")).to_be_in_viewport()


def test_console_line_links_are_permalinks(page: Page, site_root: Path) -> None:
    goto(page, site_root, "v2", "#console")
    page.click("#L4 .ln")
    expect(page).to_have_url(re.compile(r"#L4$"))
    assert page.evaluate("document.getElementById('L4').matches(':target')")
    expect(page.locator("#panel-console")).to_be_visible()
    page.goto("about:blank")
    goto(page, site_root, "v2", "#L250")
    expect(page.locator("#tab-console")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#L250")).to_be_in_viewport()


# -- full details ------------------------------------------------------------------------------


def test_full_details_show_every_field_links_and_raw_json(page: Page, site_root: Path) -> None:
    goto(page, site_root, "v2", name="full.html")
    fields = page.locator("dl.full-fields")
    for label, value in [
        ("Version name", "Demo <script>second</script>"),
        ("Version", "1.1.0"),
        ("Dataset ID", "v2"),
        ("Status", "final"),
        ("Archived", "no"),
        ("Compressed size", "4.24 KB (4,242 bytes)"),
        ("Tags", "releasewith space"),
    ]:
        expect(fields.locator(f"dt:text-is('{label}') + dd")).to_have_text(value)
    expect(fields.locator("dt:text-is('Parent task') + dd a")).to_have_attribute(
        "href", "https://tasks.example/t-1"
    )
    raw = page.locator("#raw-json")
    expect(raw).to_contain_text('"ds_file_count": 999')
    expect(raw).to_contain_text('"note": "</script><script>alert(10)</script>"')
    expect(page.locator("#extra-json")).to_contain_text('"ds_file_count": 999')
    expect(page.locator(".description em")).to_have_text("version")
    assert page.locator("main img").count() == 0
    page.click("button[data-copy-target=raw-json]")
    expect(page.locator("[data-copy-status=raw-json]")).not_to_be_empty()
    children = fields.locator("dt:text-is('Children') + dd a")
    expect(children).to_have_text(["Demo third 1.2.0"])
    fields.locator("dt:text-is('Parents') + dd a").click()
    expect(page).to_have_url(re.compile(r"/v/v1/full\.html$"))
    expect(page.locator("h1")).to_contain_text("Demo first")


# -- without JavaScript ------------------------------------------------------------------------


def test_without_javascript_the_first_rows_and_every_panel_show(
    browser: Any, demo: dict[str, Any]
) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        goto(page, demo["site"], "v2")
        rows = entries(demo, "v2")
        expect(page.locator("#content-table tbody tr")).to_have_count(100)
        expect(page.locator("#content-table tbody tr td:first-child").first).to_have_text(
            rows[0][0]
        )
        expect(page.locator("#content-table .count-note")).to_contain_text(
            f"Showing the first 100 of {len(rows):,} entries"
        )
        for panel in ("content", "preview", "console"):
            expect(page.locator(f"#panel-{panel}")).to_be_visible()
        expect(page.locator("#L1 .lt")).to_have_text("starting job")
        expect(page.locator("#expand-button")).to_be_hidden()
    finally:
        context.close()


# -- validity and accessibility ----------------------------------------------------------------


def test_version_pages_are_valid_html(site_root: Path, check_html: Any) -> None:
    pages = sorted((site_root / "v").glob("*/*.html"))
    assert len(pages) == 6
    assert check_html(pages) == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_version_pages_pass_axe(
    page: Page, site_root: Path, run_axe: Any, format_axe: Any, scheme: str
) -> None:
    page.emulate_media(color_scheme=scheme)
    for fragment in ("#content", "#preview", "#console"):
        goto(page, site_root, "v2", fragment)
        if fragment == "#content":
            loaded(page)
        violations = run_axe(page, options=AXE_OPTIONS)
        assert violations == [], f"{fragment} ({scheme}):\n" + format_axe(violations)
    goto(page, site_root, "v2", name="full.html")
    violations = run_axe(page, options=AXE_OPTIONS)
    assert violations == [], f"full.html ({scheme}):\n" + format_axe(violations)


# -- a large version ---------------------------------------------------------------------------

BIG = 260_000
"""Past 8M px of rows: the table scales its scroll range."""


@pytest.fixture(scope="module")
def big_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("big-version")
    builder = CatalogBuilder(root / "catalog")
    builder.dataset("big")
    files = {f"part{i // 10_000:02d}/file_{i:06d}.bin": (i, sha(str(i % 1000))) for i in range(BIG)}
    builder.version("big", "big1", files)
    build_site(root / "catalog", root / "site")
    return root / "site"


def test_large_version_scrolls_to_its_last_row(page: Page, big_site: Path, page_guard: Any) -> None:
    page_guard.set_root(big_site)
    goto(page, big_site, "big1")
    loaded(page)
    marks = page.evaluate(
        "['ds-content-first-rows', 'ds-content-loaded']"
        ".map(n => performance.getEntriesByName(n)[0].startTime)"
    )
    assert marks[0] < marks[1], "the first rows show before all the data has loaded"
    assert page.locator("#content-table tr.ds-row").count() < 100, "only the rows on screen"
    viewport = page.locator("#content-table .ds-vt-viewport")
    viewport.evaluate("v => { v.scrollTop = v.scrollHeight; }")
    last = page.locator(f'#content-table tr[aria-rowindex="{BIG + 1}"]')
    expect(last.locator("td").first).to_have_text(f"part25/file_{BIG - 1:06d}.bin")
    expect(last).to_be_in_viewport()
    viewport.evaluate("v => { v.scrollTop = v.scrollHeight / 2; }")
    expect(page.locator("#content-table tr.ds-row").first).not_to_have_attribute(
        "aria-rowindex", "2"
    )
    page.fill("#content-filter", "file_12345?.bin")
    expect(page.locator("#content-status")).to_have_text(f"10 of {BIG:,} entries match")
