"""Previews: each kind read into inert page data; hostile files get a clear note."""

from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path

import pytest

from dsreport.render import preview as previews
from dsreport.render.preview import Preview, collect_previews, image_kind
from tests.version_catalog import png_bytes, write_previews


def one(tmp_path: Path, name: str, data: bytes | str) -> Preview:
    folder = tmp_path / "preview"
    target = folder / name
    target.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        target.write_text(data, encoding="utf-8")
    else:
        target.write_bytes(data)
    (found,) = collect_previews(folder).items
    return found


def test_csv_and_tsv_become_tables(tmp_path: Path) -> None:
    found = one(tmp_path, "a.csv", 'x,y\n1,"two, three"\n4\n')
    assert found.kind == "table"
    assert found.header == ("x", "y")
    assert found.rows == (("1", "two, three"), ("4", ""))
    found = one(tmp_path / "t", "b.tsv", "x\ty\tz\n1\t2\n")
    assert found.header == ("x", "y", "z") and found.rows == (("1", "2", ""),)


def test_tables_are_capped(tmp_path: Path) -> None:
    wide = ",".join(f"c{i}" for i in range(80))
    found = one(tmp_path, "w.csv", wide + "\n" + "\n".join(["1"] * 500) + "\n")
    assert len(found.header) == previews.MAX_COLUMNS
    assert len(found.rows) == previews.MAX_ROWS
    assert "Showing the first 50 of 80 columns." in found.notes
    assert "Showing the first 100 rows." in found.notes
    found = one(tmp_path / "l", "long.csv", "a\n" + "x" * 2000 + "\n")
    assert found.rows[0][0] == "x" * previews.MAX_CELL + "…"


def test_jsonl_becomes_a_table_of_keys(tmp_path: Path) -> None:
    found = one(tmp_path, "r.jsonl", '{"a": 1, "b": "x"}\n{"b": [1], "c": null}\n42\nnot json\n')
    assert found.kind == "table"
    assert found.header == ("a", "b", "c", "(value)")
    assert found.rows == (
        ("1", "x", "", ""),
        ("", "[1]", "null", ""),
        ("", "", "", "42"),
        ("", "", "", "not json"),
    )
    assert found.notes == ("1 line not valid JSON (shown as text).",)


def test_json_is_pretty_printed_or_shown_as_text(tmp_path: Path) -> None:
    found = one(tmp_path, "c.json", '{"b":[1,2],"a":"</script>"}')
    assert found.kind == "json"
    assert found.text == '{\n  "b": [\n    1,\n    2\n  ],\n  "a": "</script>"\n}'
    found = one(tmp_path / "bad", "c.json", "{nope")
    assert found.kind == "text" and found.text == "{nope"
    assert found.notes[0].startswith("Not valid JSON")


def test_markdown_is_safe_and_loads_nothing(tmp_path: Path) -> None:
    found = one(
        tmp_path,
        "README.md",
        "# T\n<b onclick=x>raw</b> [j](javascript:alert(1)) ![i](https://x.example/i.png)\n",
    )
    html = str(found.html)
    assert found.kind == "markdown"
    assert html.startswith("<h4>T</h4>")
    assert "<b" not in html and "&lt;b onclick=x&gt;" in html
    assert 'href="javascript' not in html
    assert "<img" not in html
    assert (
        '<a href="https://x.example/i.png" rel="nofollow noopener noreferrer">[image: i]</a>'
        in html
    )


def test_text_is_capped_and_invalid_utf8_noted(tmp_path: Path) -> None:
    found = one(tmp_path, "big.txt", b"A" * 2_000_000)
    assert found.kind == "text" and len(found.text) == previews.MAX_TEXT_BYTES
    assert found.notes == ("Showing the first 65,536 of 2,000,000 bytes.",)
    found = one(tmp_path / "u", "u.txt", "é" * 40_000)  # the cap falls inside a character
    assert found.text == "é" * (previews.MAX_TEXT_BYTES // 2)
    found = one(tmp_path / "l", "l.log", b"caf\xe9\n")
    assert found.text == "caf\ufffd\n"
    assert found.notes == ("Not valid UTF-8: undecodable bytes are shown as \ufffd.",)


def test_binary_and_unreadable_tables_get_notes(tmp_path: Path) -> None:
    assert one(tmp_path, "x.bin", b"\x00\x01\x02").notes == ("Cannot preview: binary data.",)
    found = one(tmp_path / "f", "f.csv", '"' + "x" * 200_000 + '"\n')
    assert found.kind == "text"
    assert found.notes[0].startswith("Cannot read it as a table")


def test_svg_is_shown_as_source_never_rendered(tmp_path: Path) -> None:
    found = one(tmp_path, "logo.svg", "<svg onload='alert(1)'><script>alert(2)</script></svg>")
    assert found.kind == "svg" and found.image is None
    assert found.text.startswith("<svg onload=")
    assert "never" not in found.notes[0] and "not rendered" in found.notes[0]


def test_real_images_are_copied_under_their_hash(tmp_path: Path) -> None:
    data = png_bytes(3, 5)
    found = one(tmp_path, "images/cat.PNG", data)
    assert found.kind == "image" and found.data == data
    assert found.image is not None
    assert (found.image.kind, found.image.width, found.image.height) == ("PNG", 3, 5)
    assert found.image.path.startswith("c/") and found.image.path.endswith(".png")


def png_with(chunk: bytes, body: bytes) -> bytes:
    good = png_bytes()
    return (
        good[:-12]
        + struct.pack(">I", len(body))
        + chunk
        + body
        + struct.pack(">I", zlib.crc32(chunk + body))
        + good[-12:]
    )


@pytest.mark.parametrize(
    ("data", "ok"),
    [
        (png_bytes(), True),
        (png_with(b"tEXt", b"hello"), True),
        (png_bytes()[:-4] + b"\0\0\0\0", False),  # bad CRC
        (png_bytes()[:30], False),  # cut short
        (b"\x89PNG\r\n\x1a\n<svg onload=alert(1)>", False),
        (b"<svg onload=alert(1)></svg>", False),
        (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", True),
        (b"GIF89a\x01\x00", False),
        (b"\xff\xd8\xff\xe0" + b"\0" * 20 + b"\xff\xd9", True),
        (b"\xff\xd8\xff\xe0" + b"\0" * 200, False),
        (b"RIFF\x10\x00\x00\x00WEBPVP8 ", True),
        (b"", False),
    ],
)
def test_image_kind_checks_the_bytes(data: bytes, ok: bool) -> None:
    assert (image_kind(data) is not None) == ok


def test_a_fake_image_cannot_be_previewed(tmp_path: Path) -> None:
    found = one(tmp_path, "fake.png", b"<svg onload=alert(1)></svg>")
    assert found.kind == "none" and found.image is None
    assert found.notes == ("Cannot preview: not a valid PNG image.",)


def test_a_too_large_image_is_not_copied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(previews, "MAX_IMAGE_BYTES", 100)
    found = one(tmp_path, "big.png", png_bytes(50, 50) + b"\0" * 200)
    assert found.kind == "none" and found.notes[0].startswith("Cannot preview: the image is larger")


def test_links_fifos_and_other_special_files_are_never_opened(tmp_path: Path) -> None:
    folder = tmp_path / "preview"
    folder.mkdir()
    (folder / "secret.txt").symlink_to("/etc/passwd")
    (folder / "dir-link").symlink_to(tmp_path)
    os.mkfifo(folder / "pipe.csv")
    found = {p.name: p for p in collect_previews(folder).items}
    assert found["secret.txt"].notes == ("Not previewed: a symbolic link.",)
    assert found["dir-link"].notes == ("Not previewed: a symbolic link.",)
    assert found["pipe.csv"].notes == ("Not previewed: not a regular file.",)
    assert all(p.text == "" for p in found.values())


def test_a_preview_folder_that_is_a_link_is_not_followed(tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "a.txt").write_text("secret")
    (tmp_path / "preview").symlink_to(tmp_path / "elsewhere")
    assert collect_previews(tmp_path / "preview").items == ()
    assert collect_previews(tmp_path / "missing").items == ()


def test_previews_are_listed_in_order_and_capped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(previews, "MAX_FILES", 3)
    folder = tmp_path / "preview"
    write_previews(folder)
    found = collect_previews(folder)
    assert [p.name for p in found.items] == ["config.json", "data/ragged.tsv", "data/rows.jsonl"]
    assert found.more == 8
