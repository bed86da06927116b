"""The catalog home and the dataset page, driven in Chromium from file:// as a user would."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from playwright.sync_api import Page, expect

from dsreport.catalog.load import load_catalog
from dsreport.cli import cli
from dsreport.resources import example_catalog_dir
from dsreport.versioning import version_key

OpenPage = Callable[..., Page]


@pytest.fixture(scope="module")
def example_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled example built once for the module."""
    site = tmp_path_factory.mktemp("example") / "site"
    result = CliRunner().invoke(cli, ["build", str(example_catalog_dir()), "-o", str(site)])
    assert result.exit_code == 0, result.output
    return site


@pytest.fixture
def site_root(example_site: Path) -> Path:
    return example_site


@pytest.fixture(scope="module")
def pets() -> dict[str, Any]:
    """Facts about the example's biggest dataset, from the catalog itself."""
    catalog = load_catalog(example_catalog_dir(), manifests=False)
    versions = [catalog.versions[v] for v in catalog.datasets["pets"].version_ids]
    active = sorted(
        (v for v in versions if not v.meta.archived),
        key=lambda v: version_key(v.meta.version),
        reverse=True,
    )
    archived = [v for v in versions if v.meta.archived]
    merge = next(v for v in versions if len(v.meta.parents) == 2)
    return {"versions": versions, "active": active, "archived": archived, "merge": merge}


def rows(page: Page) -> list[str]:
    """Version names of the listed rows, in order."""
    return page.locator("#versions-table tbody tr.ds-row td:nth-child(2)").all_inner_texts()


def download_text(page: Page, click: Callable[[], None]) -> tuple[str, str]:
    with page.expect_download() as info:
        click()
    download = info.value
    return download.suggested_filename, Path(download.path()).read_text(encoding="utf-8-sig")


def test_home_lists_every_dataset_and_search_filters(
    open_page: OpenPage, example_site: Path
) -> None:
    page = open_page(example_site / "index.html")
    table = page.locator("#datasets-table tbody tr")
    expect(table).to_have_count(3)
    expect(page.locator("#datasets-table")).to_contain_text("Pet Images")
    expect(page.locator("#datasets-table")).to_contain_text("Vision")
    page.fill("#dataset-search", "nlp")
    expect(page.locator("#datasets-table tbody tr:visible")).to_have_count(1)
    expect(page.locator("#dataset-count")).to_have_text("1 of 3 datasets")
    page.fill("#dataset-search", "")
    page.get_by_role("link", name="Pet Images").click()
    expect(page).to_have_url(re.compile(r"/d/pets/index\.html"))


def test_versions_list_shows_active_versions_newest_first(
    open_page: OpenPage, example_site: Path, pets: dict[str, Any]
) -> None:
    page = open_page(example_site / "d/pets/index.html")
    assert rows(page) == [v.meta.name for v in pets["active"]]
    expect(page.locator("#versions-count")).to_have_text(
        f"{len(pets['active'])} of {len(pets['active'])} versions"
    )


def test_sort_by_any_column(open_page: OpenPage, example_site: Path, pets: dict[str, Any]) -> None:
    page = open_page(example_site / "d/pets/index.html")
    header = page.locator("th", has=page.get_by_role("button", name="Size", exact=True))
    header.get_by_role("button").click()
    expect(header).to_have_attribute("aria-sort", "ascending")
    data = page.evaluate("DS.get('dataset', 'pets').rows")
    by_name = {r["name"]: r for r in data}
    sizes = [by_name[n]["size"] for n in rows(page)]
    assert sizes == sorted(sizes)
    header.get_by_role("button").click()
    expect(header).to_have_attribute("aria-sort", "descending")
    sizes = [by_name[n]["size"] for n in rows(page)]
    assert sizes == sorted(sizes, reverse=True)
    page.get_by_role("button", name="Name", exact=True).click()
    names = rows(page)
    assert names == sorted(names, key=str.lower)
    page.get_by_role("button", name="Version", exact=True).click()
    assert rows(page) == [v.meta.name for v in reversed(pets["active"])]


def test_filter_by_text_and_by_tag(open_page: OpenPage, example_site: Path) -> None:
    page = open_page(example_site / "d/pets/index.html")
    page.fill("#version-filter", "birds")
    names = rows(page)
    assert names and all("bird" in n.lower() for n in names)
    page.fill("#version-filter", "1.10.0")
    expect(page.locator("#versions-table tbody tr.ds-row")).to_have_count(1)
    page.fill("#version-filter", "")
    page.select_option("#tag-filter", "merge")
    expect(page.locator("#versions-table tbody tr.ds-row")).to_have_count(1)
    expect(page.locator("#versions-count")).to_contain_text("1 of ")


def test_choose_the_displayed_columns(open_page: OpenPage, example_site: Path) -> None:
    page = open_page(example_site / "d/pets/index.html")
    expect(page.locator("#versions-table th", has_text="Files")).to_have_count(1)
    page.get_by_role("button", name="Columns").click()
    page.get_by_label("Files").uncheck()
    expect(page.locator("#versions-table th", has_text="Files")).to_have_count(0)
    name, text = download_text(
        page,
        lambda: (
            page.get_by_role("button", name="Download").click(),
            page.get_by_role("button", name="Download all items").click(),
        ),
    )
    assert name == "pets-versions.csv"
    header = next(csv.reader(io.StringIO(text)))
    assert header == ["ID", "Name", "Version", "Tags", "Size", "Updated", "Status"]


def test_open_archive_and_back(
    open_page: OpenPage, example_site: Path, pets: dict[str, Any]
) -> None:
    page = open_page(example_site / "d/pets/index.html")
    page.get_by_role("link", name="OPEN ARCHIVE").click()
    expect(page).to_have_url(re.compile(r"archive\.html"))
    assert sorted(rows(page)) == sorted(v.meta.name for v in pets["archived"])
    expect(page.get_by_role("button", name="Delete")).to_be_hidden()  # bar hidden until a selection
    page.get_by_role("link", name="EXIT ARCHIVE").click()
    expect(page).to_have_url(re.compile(r"/index\.html"))


def test_lineage_selects_and_the_panel_and_url_follow(
    open_page: OpenPage, example_site: Path, pets: dict[str, Any]
) -> None:
    page = open_page(example_site / "d/pets/index.html")
    merge = pets["merge"]
    node = page.locator(f'#lineage .node[data-vid="{merge.id}"]')
    node.click()
    expect(node).to_have_class(re.compile(r"\bselected\b"))
    expect(page.locator("#version-info")).to_contain_text(merge.meta.name)
    expect(page.locator("#version-info")).to_contain_text(merge.id)
    assert page.evaluate("location.hash") == f"#v={merge.id}"
    expect(page.locator("#versions-table tr.is-current")).to_contain_text(merge.meta.name)
    # Merges show every parent: one edge per parent link in the window.
    parent_links = sum(len(v.meta.parents) for v in pets["versions"])
    expect(page.locator("#lineage path.edge")).to_have_count(parent_links)
    for parent in merge.meta.parents:
        expect(page.locator(f'#lineage .node[data-vid="{parent}"]')).to_have_count(1)


def test_a_link_to_a_version_opens_it_selected(
    open_page: OpenPage, example_site: Path, pets: dict[str, Any]
) -> None:
    target = pets["active"][-1]
    page = open_page(example_site / "index.html")
    page.goto((example_site / "d/pets/index.html").as_uri() + f"#v={target.id}")
    expect(page.locator("#version-info")).to_contain_text(target.id)
    expect(page.locator(f'#lineage .node.selected[data-vid="{target.id}"]')).to_have_count(1)
    # An archived version's link opens the archive view with it selected.
    archived = pets["archived"][0]
    page.goto((example_site / "index.html").as_uri())
    page.goto((example_site / "d/pets/index.html").as_uri() + f"#v={archived.id}")
    expect(page).to_have_url(re.compile(r"archive\.html#v=" + archived.id))
    expect(page.locator("#version-info")).to_contain_text(archived.id)


def test_selecting_a_row_updates_panel_graph_and_url(
    open_page: OpenPage, example_site: Path, pets: dict[str, Any]
) -> None:
    page = open_page(example_site / "d/pets/index.html")
    second = pets["active"][1]
    page.locator("#versions-table tbody tr.ds-row").nth(1).locator("td").nth(2).click()
    expect(page.locator("#version-info")).to_contain_text(second.id)
    expect(page.locator(f'#lineage .node.selected[data-vid="{second.id}"]')).to_have_count(1)
    assert page.evaluate("location.hash") == f"#v={second.id}"


def test_details_button_opens_the_version_page(
    open_page: OpenPage, example_site: Path, pets: dict[str, Any]
) -> None:
    page = open_page(example_site / "d/pets/index.html")
    latest = pets["active"][0]
    page.get_by_role("link", name=f"Details of {latest.meta.name} {latest.meta.version}").click()
    expect(page).to_have_url(re.compile(rf"/v/{latest.id}/index\.html"))


def test_panel_shows_version_info(
    open_page: OpenPage, example_site: Path, pets: dict[str, Any]
) -> None:
    page = open_page(example_site / "d/pets/index.html")
    info = page.locator("#version-info")
    for label in (
        "Version name",
        "Dataset ID",
        "Parent task",
        "Size",
        "Compressed",
        "Files",
        "Links",
        "Changes",
    ):
        expect(info.locator("dt", has_text=label)).to_have_count(1)
    expect(info).to_contain_text("added")
    page.get_by_role("link", name="Full details").first.click()
    expect(page).to_have_url(re.compile(r"/full\.html"))


def test_selection_bar_gives_exact_commands(
    open_page: OpenPage, example_site: Path, pets: dict[str, Any]
) -> None:
    page = open_page(example_site / "d/pets/index.html")
    boxes = page.locator("#versions-table tbody input.ds-row-check")
    boxes.nth(0).check()
    boxes.nth(2).check()
    bar = page.locator("#selection-bar")
    expect(bar).to_be_visible()
    expect(page.locator("#selection-count")).to_have_text("2 selected")
    ids = [pets["active"][0].id, pets["active"][2].id]
    page.get_by_role("button", name="Archive").click()
    expect(page.locator("#command-text")).to_have_value("dsreport archive " + " ".join(ids))
    page.fill("#tag-input", "it's a $(tag)")
    page.get_by_role("button", name="Add tag").click()
    expect(page.locator("#command-text")).to_have_value(
        "dsreport tag " + " ".join(ids) + " --add 'it'\"'\"'s a $(tag)'"
    )
    page.get_by_role("button", name="Copy").click()
    expect(page.locator("#copy-status")).not_to_have_text("")
    name, text = download_text(
        page, lambda: page.get_by_role("button", name="Download selection").click()
    )
    assert [r[0] for r in csv.reader(io.StringIO(text))][1:] == ids
    page.get_by_role("button", name="Clear selection").click()
    expect(bar).to_be_hidden()


def test_header_checkbox_and_its_menu(
    open_page: OpenPage, example_site: Path, pets: dict[str, Any]
) -> None:
    page = open_page(example_site / "d/pets/index.html")
    total = len(pets["active"])
    page.fill("#version-filter", "bird")
    listed = page.locator("#versions-table tbody tr.ds-row").count()
    page.locator("#check-all").check()
    expect(page.locator("#selection-count")).to_have_text(f"{listed} selected")
    page.get_by_role("button", name="Select ▾").click()
    page.get_by_role("button", name="All", exact=True).click()
    expect(page.locator("#selection-count")).to_have_text(re.compile(rf"^{total} selected"))
    page.get_by_role("button", name="Select ▾").click()
    page.get_by_role("button", name="None").click()
    expect(page.locator("#selection-bar")).to_be_hidden()
    page.get_by_role("button", name="Select ▾").click()
    page.get_by_role("button", name="Filtered").click()
    expect(page.locator("#selection-count")).to_have_text(f"{listed} selected")


def test_archive_view_offers_restore_and_delete(
    open_page: OpenPage, example_site: Path, pets: dict[str, Any]
) -> None:
    page = open_page(example_site / "d/pets/archive.html")
    page.locator("#check-all").check()
    ids = [r["id"] for r in page.evaluate("DS.get('dataset', 'pets').rows") if r["archived"]]
    page.get_by_role("button", name="Restore").click()
    expect(page.locator("#command-text")).to_have_value("dsreport restore " + " ".join(ids))
    page.get_by_role("button", name="Delete").click()
    expect(page.locator("#command-text")).to_have_value("dsreport delete " + " ".join(ids))
    expect(page.get_by_role("button", name="Archive")).to_have_count(0)


def test_downloads_onscreen_and_all(
    open_page: OpenPage, example_site: Path, pets: dict[str, Any]
) -> None:
    page = open_page(example_site / "d/pets/index.html")
    page.fill("#version-filter", "1.")
    page.get_by_role("button", name="Download").click()
    name, text = download_text(
        page, lambda: page.get_by_role("button", name="Download all items").click()
    )
    listed = len(rows(page))
    assert len(list(csv.reader(io.StringIO(text)))) == listed + 1
    page.get_by_role("button", name="Download").click()
    name, text = download_text(
        page, lambda: page.get_by_role("button", name="Download onscreen items").click()
    )
    assert name == "pets-onscreen.csv"
    assert 1 < len(list(csv.reader(io.StringIO(text)))) <= listed + 1


def test_keyboard_only(open_page: OpenPage, example_site: Path, pets: dict[str, Any]) -> None:
    page = open_page(example_site / "d/pets/index.html")
    page.locator("#versions-table tr.is-current").focus()
    page.keyboard.press("ArrowDown")
    expect(page.locator("#version-info")).to_contain_text(pets["active"][1].id)
    page.keyboard.press("x")
    expect(page.locator("#selection-count")).to_have_text("1 selected")
    page.locator(f'#lineage .node[data-vid="{pets["active"][2].id}"]').focus()
    page.keyboard.press("Enter")
    expect(page.locator("#version-info")).to_contain_text(pets["active"][2].id)
    page.get_by_role("button", name="Columns").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#columns-list")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#columns-list")).to_be_hidden()


@pytest.fixture
def no_js_page(browser: Any, example_site: Path) -> Iterator[Page]:
    context = browser.new_context(java_script_enabled=False)
    yield context.new_page()
    context.close()


def test_without_javascript_table_panel_and_lineage_are_there(
    no_js_page: Page, example_site: Path, pets: dict[str, Any]
) -> None:
    page = no_js_page
    page.goto((example_site / "d/pets/index.html").as_uri())
    expect(page.locator("#versions-table table tbody tr")).to_have_count(len(pets["active"]))
    expect(page.locator("#version-info")).to_contain_text(pets["active"][0].id)
    expect(page.locator("#lineage svg .node")).not_to_have_count(0)
    expect(page.get_by_role("link", name="Download CSV")).to_be_visible()
    page.goto((example_site / "index.html").as_uri())
    expect(page.locator("#datasets-table tbody tr")).to_have_count(3)


def test_every_page_is_valid_html(
    check_html: Callable[[list[Path]], list[str]], example_site: Path
) -> None:
    pages = sorted(example_site.rglob("*.html"))
    assert check_html(pages) == []


@pytest.mark.parametrize(
    "path", ["index.html", "d/pets/index.html", "d/pets/archive.html", "d/reviews/index.html"]
)
def test_no_serious_accessibility_violations(
    open_page: OpenPage,
    example_site: Path,
    run_axe: Callable[..., list[dict[str, Any]]],
    format_axe: Callable[[list[dict[str, Any]]], str],
    path: str,
) -> None:
    page = open_page(example_site / path)
    violations = run_axe(
        page, options={"preload": False}
    )  # axe would XHR the CSS: file:// blocks it
    assert not violations, format_axe(violations)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_light_and_dark_follow_the_system(
    open_page: OpenPage, example_site: Path, page: Page, scheme: str
) -> None:
    page.emulate_media(color_scheme=scheme)
    open_page(example_site / "d/pets/index.html")
    background = page.evaluate("getComputedStyle(document.documentElement).backgroundColor")
    assert (background == "rgb(255, 255, 255)") == (scheme == "light")
