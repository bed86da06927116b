"""``clearml.previews``: reported tables and samples into preview files (pure)."""

from __future__ import annotations

import json

import pytest

from dsreport.clearml.previews import (
    MAX_PREVIEW_BYTES,
    PlannedPreview,
    image_suffix,
    plan_previews,
    sample_preview,
    table_csv,
    unique_names,
)
from dsreport.clearml.records import MediaEvent, PlotEvent

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 20
JPG = b"\xff\xd8\xff\xe0" + b"\0" * 20
GIF = b"GIF89a" + b"\0" * 20
WEBP = b"RIFF\x10\0\0\0WEBPVP8 " + b"\0" * 20


def table(header: object, cells: object) -> str:
    return json.dumps(
        {"data": [{"type": "table", "header": {"values": header}, "cells": {"values": cells}}]}
    )


def test_a_table_plot_becomes_csv() -> None:
    csv = table_csv(table([["a"], ["b c"]], [[1, 2], ["x,y", None]]))
    assert csv == b'a,b c\n1,"x,y"\n2,\n'
    assert (
        table_csv(table(["h1", "h2", "h3"], [[True], [{"k": 1}]]))
        == b'h1,h2,h3\ntrue,"{""k"":1}",\n'
    )
    assert table_csv(json.dumps({"data": [{"type": "scatter"}]})) is None
    assert table_csv("not json") is None
    assert table_csv(json.dumps([1])) is None


@pytest.mark.parametrize(
    ("data", "suffix"),
    [(PNG, ".png"), (JPG, ".jpg"), (GIF, ".gif"), (WEBP, ".webp"), (b"<svg", None)],
)
def test_images_are_known_by_their_bytes(data: bytes, suffix: str | None) -> None:
    assert image_suffix(data) == suffix


def media(metric: str, variant: str, url: str = "http://f/x.png", iteration: int = 0) -> MediaEvent:
    return MediaEvent(metric=metric, variant=variant, iteration=iteration, url=url)


def test_previews_are_named_after_the_entry_they_sample() -> None:
    plots = [
        PlotEvent("Tables", "summary", 0, table(["a"], [[1]])),
        PlotEvent("__Dataset Summary", "Details", 0, table(["a"], [[1]])),
        PlotEvent("Genealogy", "", 0, json.dumps({"data": [{"type": "sankey"}]})),
    ]
    samples = [
        media("Images", "cat.png"),
        media("Images", "dog.png"),  # two entries have this name: not named after either
        media("JSON", "meta.json", "http://f/JSON_meta.json_0.txt"),
        media("Videos", "clip.mp4", "http://f/clip.mp4"),
        media("HTML", "page.html", "http://f/page.html"),
        media("loss", "curve", "http://f/curve.webm"),
        media("samples", "a/b", "http://f/s.png"),
    ]
    paths = ["img/cat.png", "a/dog.png", "b/dog.png", "meta/meta.json"]
    planned = plan_previews(plots, samples, paths)
    assert [(p.name, p.table is not None) for p in planned] == [
        ("Tables/summary.csv", True),
        ("img/cat.png", False),
        ("Images/dog.png", False),
        ("meta/meta.json", False),
        ("samples/a_b", False),
    ]


def test_of_a_sample_reported_at_several_iterations_the_last_is_kept() -> None:
    planned = plan_previews(
        [],
        [
            media("x", "y", "http://f/1.png", 1),
            media("x", "y", "http://f/3.png", 3),
            media("x", "y", "http://f/2.png", 2),
        ],
        [],
    )
    assert [p.media.url for p in planned if p.media] == ["http://f/3.png"]


def planned(metric: str, name: str) -> PlannedPreview:
    return PlannedPreview(name=name, media=media(metric, name))


@pytest.mark.parametrize(
    ("metric", "name", "data", "result"),
    [
        ("Images", "img/cat.png", PNG, ("img/cat.png", PNG)),
        ("Images", "img/cat.jpeg", JPG, ("img/cat.jpeg.jpg", JPG)),
        (
            "Images",
            "img/fake.png",
            b"<svg onload=alert(1)>",
            ("img/fake.png.txt", b"<svg onload=alert(1)>"),
        ),
        ("JSON", "meta/c.json", b'{"k": 1}', ("meta/c.json", b'{"k": 1}')),
        ("JSON", "meta/c.json", b"{broken", ("meta/c.json.txt", b"{broken")),
        ("Tables", "data/v.tsv", b"a,b\n", ("data/v.tsv.csv", b"a,b\n")),
        ("notes", "notes/readme.md", b"# hi", ("notes/readme.md", b"# hi")),
        ("notes", "notes/x", b"text", ("notes/x.txt", b"text")),
        ("bin", "bin/x", b"\xff\xfe\x00", None),
        ("bin", "bin/y", b"a\x00b", None),
    ],
)
def test_a_downloaded_sample_is_kept_by_what_its_bytes_are(
    metric: str, name: str, data: bytes, result: tuple[str, bytes] | None
) -> None:
    assert sample_preview(planned(metric, name), data) == result


def test_a_too_large_sample_is_dropped() -> None:
    assert sample_preview(planned("Images", "a.png"), PNG + b"\0" * MAX_PREVIEW_BYTES) is None


def test_unique_names_rename_duplicates_and_drop_unsafe_or_clashing_names() -> None:
    got = unique_names(
        [
            ("a.png", b"1"),
            ("a.png", b"2"),
            ("../x", b"3"),
            ("d", b"4"),
            ("d/e", b"5"),
            ("ok\x1b.txt", b"6"),
        ]
    )
    assert got == {"a.png": b"1", "a-2.png": b"2", "d": b"4"}
