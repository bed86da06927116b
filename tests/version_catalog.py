"""A catalog for the version pages' tests: ordinary content, hostile names, previews and logs."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from dsreport.cli import cli
from tests.builders import CatalogBuilder, FileSpec, sha

HOSTILE_PATHS = (
    "</script><img src=x onerror=alert(1)>.csv",
    "=cmd|' /C calc'!A0",
    "+SUM(1,2).txt",
    "@import.txt",
    "-2+3.txt",
    "ünïcödé/файл.txt",
    "wide/\uff01.txt",  # U+FF01 sorts before U+1F600 by code point, after it in UTF-16
    "wide/\U0001f600.txt",
)
NEAR_HASHES = ("00000000" + "0" * 55 + "1", "00000000" + "f" * 56)
"""Two hashes that differ only after their first 32 bits."""
BIG_SIZE = 2**60 + 1
"""A size JavaScript numbers cannot hold exactly."""


def png_bytes(width: int = 2, height: int = 2) -> bytes:
    """A small valid PNG (red pixels)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    raw = b"".join(b"\0" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


CONSOLE = b"".join(
    [
        b"\x1b]0;pwned title\x07starting \x1b[1mjob\x1b[0m\n",
        b"\x1b[31mred\x1b[0m \x1b[38;5;208morange\x1b[0m \x1b[38;2;10;200;120mtrue\x1b[0m"
        b" \x1b[3mitalic\x1b[23m \x1b[4munder\x1b[24m\n",
        b"see \x1b]8;;https://evil.example/\x1b\\the docs\x1b]8;;\x1b\\ now\n",
        b"progress 10%\rprogress 50%\rprogress 100%\n",
        b"<script>alert(1)</script> <img src=x onerror=alert(2)>\n",
        b"caf\xe9 not utf-8\n",
        b"\x1b[2J\x1b[H\x1b[?25lcleared\x1b[?25h\x07\n",
        b"x" * 20_000 + b"\n",
        *(f"step {i}: loss {1 / (i + 1):.4f}\n".encode() for i in range(300)),
    ]
)
"""A console log with colours, escapes that must vanish, hostile text and a very long line."""

MARKDOWN = """# Notes

Raw <img src=x onerror=alert(1)> HTML, a [bad link](javascript:alert(1)) and a
![remote image](https://example.org/pixel.png).

## Details

| a | b |
|---|---|
| 1 | 2 |
"""


def write_previews(folder: Path) -> None:
    """Preview files of every kind, several of them hostile."""
    (folder / "data").mkdir(parents=True)
    (folder / "notes").mkdir()
    (folder / "data" / "train.csv").write_text(
        "text,label\n</script><script>alert(1)</script>,1\n<img src=x onerror=alert(2)>,0\n"
        '=HYPERLINK("http://x"),1\n"multi\nline",0\n'
    )
    (folder / "data" / "rows.jsonl").write_text(
        '{"id": 1, "html": "</script><script>alert(3)</script>"}\n'
        '{"id": 2, "nested": {"a": [1, 2]}}\nnot json at all\n'
    )
    (folder / "data" / "ragged.tsv").write_text("a\tb\tc\n1\n1\t2\t3\t4\n")
    (folder / "config.json").write_text(
        '{"html": "</script><img src=x onerror=alert(4)>", "n": [1,2]}'
    )
    (folder / "logo.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(5)"><script>alert(6)</script></svg>'
    )
    (folder / "fake.png").write_bytes(b"<svg onload=alert(7)></svg>")
    (folder / "real.png").write_bytes(png_bytes())
    (folder / "notes" / "README.md").write_text(MARKDOWN)
    (folder / "huge.txt").write_bytes(b"A" * 2_000_000)
    (folder / "latin1.txt").write_bytes(b"caf\xe9 cr\xe8me br\xfbl\xe9e\n")
    (folder / "secret.txt").symlink_to("/etc/passwd")


def contents(count: int) -> list[dict[str, FileSpec]]:
    """Three versions: the first, one with changes, links and hostile names, and a third."""
    first: dict[str, FileSpec] = {
        f"images/{kind}/{kind}_{i:03d}.png": (1000 + 7 * i, sha(f"{kind}{i}"))
        for kind in ("cats", "dogs")
        for i in range(count // 2)
    }
    first["README.md"] = "readme v1"
    second = dict(first)
    for i in range(0, count // 2, 10):
        second[f"images/cats/cats_{i:03d}.png"] = (5000 + i, sha(f"cat changed {i}"))
    for i in range(1, count // 2, 25):
        del second[f"images/dogs/dogs_{i:03d}.png"]
    for path in HOSTILE_PATHS:
        second[path] = f"content of {path}"
    second["raw/footage.bin"] = ("s3://bucket/raw/footage.bin", 123_456, None)
    second["raw/web.bin"] = ("https://example.org/web.bin", None, None)
    second["raw/js.bin"] = ("javascript:alert(8)", 10, sha("js"))
    second["huge/file.bin"] = (BIG_SIZE, sha("big"))
    third = dict(second)
    third["README.md"] = "readme v3"
    third["images/birds/bird_000.png"] = (77, sha("bird"))
    # Hashes that share their first 32 bits: sorting by hash must still be exact.
    third["same-prefix/high.bin"] = (1, NEAR_HASHES[1])
    third["same-prefix/low-1.bin"] = (1, NEAR_HASHES[0])
    third["same-prefix/low-2.bin"] = (1, NEAR_HASHES[0])
    return [first, second, third]


def build_demo(root: Path, count: int = 400) -> dict[str, Any]:
    """Write the demo catalog into *root*; returns what tests check against."""
    builder = CatalogBuilder(root)
    builder.dataset("demo", name="Demo <b>set</b>", project="Tests")
    first, second, third = contents(count)
    builder.version("demo", "v1", first, version="1.0.0", name="Demo first")
    folder = builder.version(
        "demo",
        "v2",
        second,
        version="1.1.0",
        name="Demo <script>second</script>",
        parents=["v1"],
        description="Second *version* with <img src=x onerror=alert(9)> and ![x](https://example.org/x.png)",
        task={"id": "t-1", "name": "make demo", "url": "https://tasks.example/t-1"},
        tags=("release", "with space"),
        status="final",
        size_compressed=4242,
        extra={"ds_file_count": 999, "note": "</script><script>alert(10)</script>"},
    )
    write_previews(folder / "preview")
    (folder / "console.log").write_bytes(CONSOLE)
    builder.version("demo", "v3", third, version="1.2.0", name="Demo third", parents=["v2"])
    return {"builder": builder, "contents": {"v1": first, "v2": second, "v3": third}}


def build_site(catalog: Path, site: Path) -> None:
    """``dsreport build CATALOG -o SITE``, which must succeed."""
    result = CliRunner().invoke(cli, ["build", str(catalog), "-o", str(site)])
    assert result.exit_code == 0, result.output


def built_demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The demo catalog, built (for a module fixture): ``{"builder", "contents", "site"}``."""
    root = tmp_path_factory.mktemp("version-pages")
    info = build_demo(root / "catalog")
    build_site(root / "catalog", root / "site")
    info["site"] = root / "site"
    return info
