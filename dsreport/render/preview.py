"""The PREVIEW tab: a version's preview files, read defensively and turned into inert page data.

Previews are hostile input like everything in a catalog. Each file becomes one :class:`Preview`:

- CSV, TSV and JSONL: a table of the first rows (cells are text, escaped by the template);
- images (PNG, JPEG, GIF, WebP, BMP, AVIF): copied into the site under a name made of their hash,
  only when their bytes are really that kind of image (magic bytes, and for PNG and GIF their
  structure); anything else that claims to be an image gets a "cannot preview" note;
- SVG: shown as source text, never rendered (an SVG can hold scripts);
- JSON: pretty-printed (or shown as text with a note when it is not valid JSON);
- Markdown: rendered safely (no raw HTML; images become links, so the page makes no outside
  request);
- any other text: its head; binary data: a note.

Only regular files are read: symbolic links (which could point anywhere), FIFOs (which would block
the build) and other special files are listed with a note. Reads are capped, so a huge file costs
no more than its head; invalid UTF-8 shows as U+FFFD with a note.
"""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from markupsafe import Markup

from dsreport.render.markdown import Node, markdown_tree, tree_html
from dsreport.site import content_hash

MAX_FILES = 50
"""Previews shown per version (the rest are counted)."""
MAX_TEXT_BYTES = 64 * 1024
"""Bytes of a text preview shown."""
MAX_PARSE_BYTES = 512 * 1024
"""Bytes read of a table, JSON or Markdown file."""
MAX_IMAGE_BYTES = 8 * 1024 * 1024
"""Largest image copied into the site."""
MAX_ROWS = 100
"""Rows of a table shown."""
MAX_COLUMNS = 50
"""Columns of a table shown."""
MAX_CELL = 500
"""Characters of a table cell shown."""

TABLE_DELIMITERS = {".csv": ",", ".tsv": "\t", ".tab": "\t"}
JSONL = {".jsonl", ".ndjson"}
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp", ".avif"}
MARKDOWN = {".md", ".markdown"}


@dataclass(frozen=True)
class ImageFile:
    """An image copied into the site."""

    path: str
    """Its path in the site (``c/<hh>/<hash>.png``)."""
    kind: str
    """``PNG``, ``JPEG``, …"""
    width: int | None
    height: int | None


@dataclass(frozen=True)
class Preview:
    """One preview, ready for the template."""

    name: str
    """Its path inside the version's ``preview/`` folder."""
    kind: str
    """``table``, ``image``, ``text``, ``json``, ``markdown``, ``svg`` or ``none``."""
    size: int | None
    """Its size in bytes (``None`` when it could not be read)."""
    notes: tuple[str, ...] = ()
    """What the reader should know: truncation, invalid UTF-8, why it cannot be shown."""
    header: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    text: str = ""
    html: Markup | None = None
    image: ImageFile | None = None
    data: bytes = field(default=b"", repr=False)
    """Bytes to publish at ``image.path``."""


@dataclass(frozen=True)
class Previews:
    """Every preview of a version."""

    items: tuple[Preview, ...]
    more: int
    """Preview files not shown (past :data:`MAX_FILES`)."""


def _walk(folder: Path, rel: str = "") -> Iterator[tuple[str, Path, os.stat_result | None]]:
    """(name, path, lstat) of every entry below *folder*, sorted, without following links."""
    try:
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        name = f"{rel}{entry.name}"
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            yield name, Path(entry.path), None
            continue
        if stat.S_ISDIR(info.st_mode):
            yield from _walk(Path(entry.path), name + "/")
        else:
            yield name, Path(entry.path), info


def collect_previews(folder: Path) -> Previews:
    """Read the previews in *folder* (a version's ``preview/``), if it is there."""
    try:
        if not stat.S_ISDIR(os.lstat(folder).st_mode):
            return Previews((), 0)
    except OSError:
        return Previews((), 0)
    items: list[Preview] = []
    more = 0
    for name, path, info in _walk(folder):
        if len(items) >= MAX_FILES:
            more += 1
            continue
        items.append(read_preview(name, path, info))
    return Previews(tuple(items), more)


def _read(path: Path, limit: int) -> bytes:
    """Up to *limit* bytes of a regular file, never following a link or opening a FIFO."""
    # O_NOFOLLOW and O_NONBLOCK: a file swapped for a link or a FIFO since it was listed is
    # refused, never followed or waited on.
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError("not a regular file")
        with os.fdopen(fd, "rb", closefd=False) as f:
            return f.read(limit)
    finally:
        os.close(fd)


def read_preview(name: str, path: Path, info: os.stat_result | None) -> Preview:
    """One preview file as page data."""
    if info is None:
        return Preview(name, "none", None, ("Cannot preview: the file cannot be read.",))
    if stat.S_ISLNK(info.st_mode):
        return Preview(name, "none", None, ("Not previewed: a symbolic link.",))
    if not stat.S_ISREG(info.st_mode):
        return Preview(name, "none", None, ("Not previewed: not a regular file.",))
    size = info.st_size
    suffix = Path(name).suffix.lower()
    try:
        if suffix in IMAGE_SUFFIXES:
            return _image(name, path, size)
        data = _read(path, MAX_PARSE_BYTES + 1)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        return Preview(
            name, "none", size, (f"Cannot preview: the file cannot be read ({reason}).",)
        )
    truncated = len(data) > MAX_PARSE_BYTES or size > len(data)
    data = data[:MAX_PARSE_BYTES]
    if suffix == ".svg":
        return _as_text(
            name,
            size,
            data,
            truncated,
            "svg",
            "SVG shown as source: images that can hold scripts are not rendered.",
        )
    if b"\0" in data[:8192]:
        return Preview(name, "none", size, ("Cannot preview: binary data.",))
    if suffix in TABLE_DELIMITERS:
        return _delimited(name, size, data, truncated, TABLE_DELIMITERS[suffix])
    if suffix in JSONL:
        return _jsonl(name, size, data, truncated)
    if suffix == ".json":
        return _json(name, size, data, truncated)
    if suffix in MARKDOWN:
        return _markdown(name, size, data, truncated)
    return _as_text(name, size, data, truncated, "text")


def _decode(data: bytes, truncated: bool) -> tuple[str, list[str]]:
    """Text of *data* and notes (a cut character at the end of a truncated read is dropped)."""
    if truncated:
        # A cut can split a character: drop an incomplete one at the end.
        for cut in range(0, 4):
            try:
                return data[: len(data) - cut].decode("utf-8"), []
            except UnicodeDecodeError:
                continue
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError:
        return data.decode("utf-8", "replace"), [
            "Not valid UTF-8: undecodable bytes are shown as \ufffd."
        ]


def _size_note(size: int, shown: int) -> str:
    """The note on a preview shown in part."""
    return f"Showing the first {shown:,} of {size:,} bytes."


def _as_text(
    name: str, size: int, data: bytes, truncated: bool, kind: str, note: str | None = None
) -> Preview:
    """The head of a file as text, with *note* and the notes of its reading."""
    notes = [note] if note else []
    shown = data[:MAX_TEXT_BYTES]
    text, decode_notes = _decode(shown, truncated or len(data) > MAX_TEXT_BYTES)
    notes += decode_notes
    if truncated or len(data) > MAX_TEXT_BYTES:
        notes.append(_size_note(size, len(shown)))
    return Preview(name, kind, size, tuple(notes), text=text)


def _cell(value: str) -> str:
    """A table cell, capped at :data:`MAX_CELL` characters."""
    return value if len(value) <= MAX_CELL else value[:MAX_CELL] + "…"


def _table(
    name: str, size: int, header: list[str], rows: list[list[str]], notes: list[str], more: bool
) -> Preview:
    """A table preview: rows padded to one width, capped in rows, columns and cell length."""
    width = max([len(header), *(len(r) for r in rows)]) if rows or header else 0
    if width > MAX_COLUMNS:
        notes.append(f"Showing the first {MAX_COLUMNS} of {width} columns.")
        width = MAX_COLUMNS
    header = (header + [""] * width)[:width]
    shown = [tuple(_cell(c) for c in (r + [""] * width)[:width]) for r in rows[:MAX_ROWS]]
    if len(rows) > MAX_ROWS or more:
        notes.append(f"Showing the first {len(shown):,} rows.")
    return Preview(
        name, "table", size, tuple(notes), header=tuple(_cell(h) for h in header), rows=tuple(shown)
    )


def _delimited(name: str, size: int, data: bytes, truncated: bool, delimiter: str) -> Preview:
    """A CSV or TSV file as a table (the first row is the header)."""
    text, notes = _decode(data, truncated)
    if truncated:
        text = text[: text.rfind("\n") + 1] or text  # the last line may be cut
    rows: list[list[str]] = []
    try:
        # No csv.Sniffer: it raises on single-column and ragged files.
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            rows.append(row)
            if len(rows) > MAX_ROWS + 1:
                break
    except csv.Error as exc:
        notes.append(f"Cannot read it as a table ({exc}); shown as text.")
        return _as_text(name, size, data, truncated, "text", " ".join(notes))
    if not rows:
        return Preview(name, "table", size, ("The file is empty.",))
    return _table(name, size, rows[0], rows[1:], notes, truncated)


def _json_cell(value: Any) -> str:
    """A JSONL value as a cell: strings as they are, the rest as JSON."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _jsonl(name: str, size: int, data: bytes, truncated: bool) -> Preview:
    """A JSONL file as a table: a column per key (in order of use), ``(value)`` for the rest."""
    text, notes = _decode(data, truncated)
    lines = text.split("\n")
    if truncated:
        lines = lines[:-1]
    records: list[Any] = []
    bad = 0
    for line in lines:
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except ValueError:
            bad += 1
            records.append(_Invalid(line))
        if len(records) > MAX_ROWS:
            break
    header: list[str] = []
    for record in records:
        keys = record.keys() if isinstance(record, dict) else ["(value)"]
        header.extend(k for k in keys if k not in header)
    rows = []
    for record in records:
        if isinstance(record, dict):
            rows.append([_json_cell(record[k]) if k in record else "" for k in header])
        else:
            shown = record.line if isinstance(record, _Invalid) else _json_cell(record)
            rows.append(["" if k != "(value)" else shown for k in header])
    if bad:
        notes.append(f"{bad} line{'s' if bad != 1 else ''} not valid JSON (shown as text).")
    if not records:
        return Preview(name, "table", size, ("The file is empty.",))
    return _table(name, size, header, rows, notes, truncated or len(records) > MAX_ROWS)


@dataclass(frozen=True)
class _Invalid:
    line: str


def _json(name: str, size: int, data: bytes, truncated: bool) -> Preview:
    """A JSON file, pretty-printed, or as text with a note when it is not valid JSON."""
    if truncated:
        return _as_text(name, size, data, truncated, "text", "Too large to show as formatted JSON.")
    text, notes = _decode(data, False)
    try:
        value = json.loads(text)
    except ValueError as exc:
        return _as_text(name, size, data, False, "text", f"Not valid JSON ({exc}); shown as text.")
    pretty = json.dumps(value, indent=2, ensure_ascii=False)
    if len(pretty) > MAX_TEXT_BYTES:
        pretty = pretty[:MAX_TEXT_BYTES]
        notes.append("Showing the start of the formatted JSON.")
    return Preview(name, "json", size, tuple(notes), text=pretty)


_DEMOTE = {"h3": "h4", "h4": "h5", "h5": "h6"}


def local_only(nodes: list[Node], *, demote: bool = False) -> list[Node]:
    """The tree with images turned into links: a preview must not load anything from outside.

    With *demote*, headings go one level down (a preview's title is an ``h3``)."""
    out: list[Node] = []
    for node in nodes:
        if isinstance(node, str):
            out.append(node)
            continue
        tag, attrs, *children = node
        if demote and tag in _DEMOTE:
            tag = _DEMOTE[tag]
        if tag == "img":
            label = attrs.get("alt") or attrs.get("src", "")
            out.append(
                [
                    "a",
                    {"href": attrs["src"], "rel": "nofollow noopener noreferrer"},
                    f"[image: {label}]",
                ]
            )
        else:
            out.append([tag, attrs, *local_only(children, demote=demote)])
    return out


def _markdown(name: str, size: int, data: bytes, truncated: bool) -> Preview:
    """A Markdown file, rendered safely."""
    text, notes = _decode(data, truncated)
    if truncated:
        notes.append(_size_note(size, len(data)))
    return Preview(
        name,
        "markdown",
        size,
        tuple(notes),
        html=tree_html(local_only(markdown_tree(text), demote=True)),
    )


# -- images ---------------------------------------------------------------------------------------


def image_kind(data: bytes) -> tuple[str, str, int | None, int | None] | None:
    """(kind, file suffix, width, height) when *data* is an image we can show, else ``None``."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return _png(data)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 14 and data.rstrip(b"\0")[-1:] == b";":
        width, height = struct.unpack("<HH", data[6:10])
        return "GIF", ".gif", width, height
    if data.startswith(b"\xff\xd8\xff") and b"\xff\xd9" in data[-64:]:
        return "JPEG", ".jpg", None, None
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP" and len(data) >= 16:
        return "WebP", ".webp", None, None
    if data[:2] == b"BM" and len(data) >= 26 and struct.unpack("<I", data[2:6])[0] == len(data):
        return "BMP", ".bmp", None, None
    if data[4:8] == b"ftyp" and data[8:12] in (b"avif", b"avis"):
        return "AVIF", ".avif", None, None
    return None


def _png(data: bytes) -> tuple[str, str, int, int] | None:
    """Walk a PNG's chunks: every CRC right, IHDR first, IEND last."""
    pos = 8
    width = height = 0
    seen_header = False
    while pos + 12 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        if len(body) != length or pos + 12 + length > len(data):
            return None
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        if zlib.crc32(kind + body) != crc:
            return None
        if not seen_header:
            if kind != b"IHDR" or length < 8:
                return None
            width, height = struct.unpack(">II", body[:8])
            seen_header = True
        if kind == b"IEND":
            return "PNG", ".png", width, height
        pos += 12 + length
    return None


def _image(name: str, path: Path, size: int) -> Preview:
    """An image, copied when its bytes are an image we can show."""
    if size > MAX_IMAGE_BYTES:
        return Preview(
            name,
            "none",
            size,
            (f"Cannot preview: the image is larger than {MAX_IMAGE_BYTES // 2**20} MB.",),
        )
    data = _read(path, MAX_IMAGE_BYTES + 1)
    found = image_kind(data)
    if found is None:
        claimed = Path(name).suffix.lstrip(".").upper()
        return Preview(name, "none", size, (f"Cannot preview: not a valid {claimed} image.",))
    kind, suffix, width, height = found
    digest = content_hash(data)
    image = ImageFile(f"c/{digest[:2]}/{digest[2:40]}{suffix}", kind, width, height)
    return Preview(name, "image", size, (), image=image, data=data)
