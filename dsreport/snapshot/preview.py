"""Small previews of a version's files, kept in ``versions/<id>/preview/``.

What is kept (caps from ``[preview]`` in ``dsreport.toml``; see :class:`PreviewSettings`):

- ``.csv``: the header and the first ``max_rows`` records, cut at record ends (quoted newlines
  respected), bytes unchanged; ``.tsv``: the first ``max_rows + 1`` lines; ``.jsonl``/``.ndjson``:
  the first ``max_rows`` lines. At most ``TABLE_READ_FACTOR * max_text_bytes`` bytes are read;
- text (``.txt``, ``.md``, ``.json``, ``.yaml``, source code, … and files without an extension
  that hold UTF-8 text): the first ``max_text_bytes`` bytes, cut at a line end when one is near;
- the top-level ``README.md`` (or ``README``, ``README.txt``…) first of all, as the version's
  rendered README;
- images (``.png .jpg .jpeg .gif .webp`` and, converted to PNG, ``.bmp .tif .tiff``): a thumbnail
  whose longest side is at most ``max_image_px``, decoded at reduced scale where the format allows
  (JPEG ``draft``), refused past :data:`MAX_IMAGE_PIXELS`.

A preview has the file's own path (``preview/data/train.csv`` previews ``data/train.csv``), in
the file's own format; images that browsers do not show get ``.png`` appended
(``preview/scans/a.tif.png``). At most ``max_files`` previews, chosen for variety: the README,
then one file per (folder, extension) in turn, in path order. Paths matching ``exclude`` are never
previewed, nor empty files, nor paths longer than :data:`MAX_PREVIEW_PATH` bytes. Previews are
remembered by content hash and settings in the catalog's private folder, so a snapshot of
unchanged files does not decode them again.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import hashlib
import io
import os
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from dsreport.fsutil import atomic_write_bytes
from dsreport.globs import compile_globs

if TYPE_CHECKING:
    from dsreport.entry import Entry
    from dsreport.model import PreviewSection

TABLE_READ_FACTOR = 64
"""Tables (CSV, TSV, JSONL) are read up to this many times ``max_text_bytes`` (at least 64 KiB)."""
MAX_IMAGE_PIXELS = 64_000_000
"""Images with more pixels are not decoded (decompression bombs)."""
MAX_PREVIEW_PATH = 1024
"""Files whose path is longer (in bytes) are not previewed (the preview path must stay short)."""
FORMAT_VERSION = 1
"""Bumped when the preview bytes change for the same file and settings (invalidates the cache)."""
SNIFF_BYTES = 8192
"""Bytes read from a file without extension to tell text from binary."""

TABLE_EXTS = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl"}
TEXT_EXTS = frozenset(
    {
        ".txt", ".md", ".markdown", ".rst", ".json", ".geojson", ".yaml", ".yml", ".toml",
        ".ini", ".cfg", ".conf", ".xml", ".html", ".htm", ".log", ".py", ".r", ".sql", ".sh",
        ".tex", ".srt", ".vtt", ".names", ".labels", ".js", ".css",
    }
)  # fmt: skip
IMAGE_EXTS = {
    ".png": "PNG",
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".gif": "GIF",
    ".webp": "WEBP",
    ".bmp": "PNG",
    ".tif": "PNG",
    ".tiff": "PNG",
}
"""Image extensions and the format of their thumbnail (PNG for those browsers do not show)."""
_KNOWN_EXTENSIONS = frozenset({*TABLE_EXTS, *TEXT_EXTS, *IMAGE_EXTS})
PREVIEWABLE_RULE = hashlib.sha256(" ".join(sorted(_KNOWN_EXTENSIONS)).encode()).hexdigest()[:12]
"""Names the rule of :func:`previewable` (its extensions), for rows it gave that are kept."""
README_NAMES = frozenset({"readme.md", "readme.markdown", "readme", "readme.txt", "readme.rst"})


@dataclass(frozen=True)
class PreviewSettings:
    """The ``[preview]`` settings, as plain values: those of
    :class:`~dsreport.model.PreviewSection` (which validates them, and says what each means),
    handed to a snapshot's main process, which does not import pydantic."""

    enabled: bool
    max_rows: int
    max_text_bytes: int
    max_image_px: int
    max_files: int
    exclude: tuple[str, ...]

    @classmethod
    def of(cls, section: PreviewSection) -> PreviewSettings:
        """The settings of a validated ``[preview]`` section."""
        return cls(**dataclasses.asdict(section))


@dataclass
class PreviewReport:
    """What :func:`write_previews` did."""

    kept: list[str] = field(default_factory=list)
    """Paths previewed, in the order chosen."""
    failed: list[tuple[str, str]] = field(default_factory=list)
    """(path, why) of files chosen but not previewable."""
    reused: int = 0
    """Previews taken from the cache."""


def _extension(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    dot = name.rfind(".")
    return name[dot:].lower() if dot > 0 else ""


def preview_kind(path: str) -> str | None:
    """``csv``, ``tsv``, ``jsonl``, ``text``, ``image``, ``sniff`` (no extension) or ``None``."""
    ext = _extension(path)
    if not ext:
        return "sniff"
    if ext in TABLE_EXTS:
        return TABLE_EXTS[ext]
    if ext in IMAGE_EXTS:
        return "image"
    return "text" if ext in TEXT_EXTS else None


def preview_name(path: str) -> str:
    """Where the preview of *path* goes, relative to ``preview/``."""
    ext = _extension(path)
    if ext in IMAGE_EXTS and IMAGE_EXTS[ext] == "PNG" and ext != ".png":
        return path + ".png"
    return path


def previewable(paths: Sequence[str]) -> list[int]:
    """The rows of *paths* that :func:`choose` may take, by their extension (a known one, or
    none): a snapshot picks them out while its files are hashed, and makes entries of those
    only."""
    known = _KNOWN_EXTENSIONS
    rows: list[int] = []
    add = rows.append
    for i, path in enumerate(paths):
        dot = path.rfind(".")
        if dot <= path.rfind("/") + 1 or path[dot:].lower() in known:
            add(i)
    return rows


def choose(candidates: Sequence[Entry], config: PreviewSettings) -> Iterator[Entry]:
    """Files (manifest entries) in the order they should be tried: README first, then variety.

    Files are grouped by (folder, extension); the groups take turns, each giving its files in
    path order, so 20 previews of a tree of images and tables show all kinds of files.
    """
    excluded = compile_globs(config.exclude) if config.exclude else None
    known = _KNOWN_EXTENSIONS
    groups: dict[tuple[str, str], list[Entry]] = {}
    # Trees have millions of files: each is looked at once, with as few steps as possible
    # (this is preview_kind's test, with the extension kept for the group).
    for c in candidates:
        path = c[0]
        slash = path.rfind("/")
        dot = path.rfind(".")
        if dot > slash + 1:
            ext = path[dot:].lower()
            if ext not in known:
                continue
        else:
            ext = ""
        if (
            not c[1]
            or (len(path) > MAX_PREVIEW_PATH // 4 and len(path.encode()) > MAX_PREVIEW_PATH)
            or (excluded is not None and excluded(path))
        ):
            continue
        if slash < 0 and path.lower() in README_NAMES:
            yield c
            continue
        key = (path[:slash] if slash > 0 else "", ext)
        group = groups.get(key)
        if group is None:
            group = groups[key] = []
        group.append(c)
    queues = list(groups.values())
    turn = 0
    while queues:
        queues = [q for q in queues if len(q) > turn]
        for q in queues:
            yield q[turn]
        turn += 1


class NoPreview(Exception):
    """The file cannot be previewed (the message says why)."""


def _decode_head(data: bytes, complete: bool) -> str:
    """Decode UTF-8, dropping a character cut at the end of a partial read."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        return decoder.decode(data, final=complete)
    except UnicodeDecodeError:
        raise NoPreview("not UTF-8 text") from None


def _read_head(f: BinaryIO, limit: int) -> tuple[bytes, bool]:
    """Up to *limit* bytes; and whether that is the whole file."""
    data = f.read(limit + 1)
    return data[:limit], len(data) <= limit


def text_preview(f: BinaryIO, limit: int, *, sniff: bool = False) -> bytes:
    """The head of a text file: at most *limit* bytes, cut at a line end when one is near.

    With *sniff* (a file without extension), the file must look like text: no NUL and valid
    UTF-8 in its first :data:`SNIFF_BYTES`.
    """
    data, complete = _read_head(f, max(limit, SNIFF_BYTES) if sniff else limit)
    if sniff:
        if b"\x00" in data:
            raise NoPreview("not text")
        _decode_head(data, complete)
    if len(data) > limit:
        data, complete = data[:limit], False
    text = _decode_head(data, complete)
    if not complete:
        cut = text.rfind("\n")
        if cut >= len(text) // 2:
            text = text[: cut + 1]
    return text.encode("utf-8")


def _lines(text: str) -> list[str]:
    """Lines with their ends, split on ``\\n`` only (the last one may have no end)."""
    parts = text.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def line_preview(f: BinaryIO, kind: str, config: PreviewSettings) -> bytes:
    """The first lines of a TSV (header and ``max_rows`` lines) or JSONL (``max_rows``) file."""
    limit = max(64 << 10, TABLE_READ_FACTOR * config.max_text_bytes)
    data, complete = _read_head(f, limit)
    text = _decode_head(data, complete)
    lines = _lines(text)
    if not complete and lines and not lines[-1].endswith("\n"):
        lines.pop()  # cut by the read limit
    wanted = config.max_rows + (1 if kind == "tsv" else 0)
    return "".join(lines[:wanted]).encode("utf-8")


def csv_preview(f: BinaryIO, config: PreviewSettings) -> bytes:
    """The header and first ``max_rows`` records of a CSV file, cut at a record end."""
    limit = max(64 << 10, TABLE_READ_FACTOR * config.max_text_bytes)
    data, complete = _read_head(f, limit)
    text = _decode_head(data, complete)
    consumed: list[str] = []

    def feed() -> Iterator[str]:
        for line in io.StringIO(text, newline=""):
            consumed.append(line)
            yield line

    ends = [0]  # lines consumed after each record
    try:
        for _row in csv.reader(feed()):
            ends.append(len(consumed))
            if len(ends) > config.max_rows + 1:
                break
    except csv.Error:
        return line_preview(io.BytesIO(data), "tsv", config)
    if not complete and len(ends) <= config.max_rows + 1 and len(ends) > 1:
        ends.pop()  # the last record may be cut by the read limit
    return "".join(consumed[: ends[-1]]).encode("utf-8")


def image_preview(f: BinaryIO, path: str, config: PreviewSettings) -> bytes:
    """A thumbnail whose longest side is at most ``max_image_px``, in the preview's format."""
    from PIL import Image, ImageOps

    target = IMAGE_EXTS[_extension(path)]
    size = (config.max_image_px, config.max_image_px)
    Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(f) as opened:
                opened.draft("RGB", size)  # JPEG: decode at 1/2, 1/4 or 1/8 scale
                image = ImageOps.exif_transpose(opened)
                image.thumbnail(size)
                if target == "JPEG" and image.mode not in ("RGB", "L"):
                    image = image.convert("RGB")
                elif image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
                    image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
                out = io.BytesIO()
                options = {"quality": 85} if target in ("JPEG", "WEBP") else {}
                image.save(out, format=target, **options)
                return out.getvalue()
        # Decoders of hostile or damaged images raise many kinds of errors (OSError, ValueError,
        # SyntaxError, struct.error, EOFError…): any of them means "no preview", never a crash.
        except Image.DecompressionBombError:
            raise NoPreview(f"image larger than {MAX_IMAGE_PIXELS:,} pixels") from None
        except Image.DecompressionBombWarning:
            raise NoPreview(f"image larger than {MAX_IMAGE_PIXELS:,} pixels") from None
        except Exception as exc:  # noqa: BLE001 - see the comment above
            raise NoPreview(f"not an image Pillow can read ({type(exc).__name__})") from None


def make_preview(f: BinaryIO, path: str, config: PreviewSettings) -> bytes:
    """The preview bytes of the open file *f* at *path*; raises :class:`NoPreview`."""
    kind = preview_kind(path)
    if kind == "csv":
        return csv_preview(f, config)
    if kind in ("tsv", "jsonl"):
        return line_preview(f, kind, config)
    if kind == "image":
        return image_preview(f, path, config)
    return text_preview(f, config.max_text_bytes, sniff=kind == "sniff")


def _cache_key(candidate: Entry, config: PreviewSettings) -> str:
    settings = (
        f"{FORMAT_VERSION}\0{preview_name(candidate.path)}\0{preview_kind(candidate.path)}\0"
        f"{config.max_rows}\0{config.max_text_bytes}\0{config.max_image_px}\0{candidate.hash}"
    )
    return hashlib.sha256(settings.encode("utf-8")).hexdigest()


def write_previews(
    candidates: Sequence[Entry],
    config: PreviewSettings,
    open_file: Callable[[str], BinaryIO],
    out_dir: Path,
    cache_dir: Path,
) -> PreviewReport:
    """Write up to ``max_files`` previews into *out_dir*, reusing and refreshing *cache_dir*.

    *open_file(path)* opens a file of the data folder, raising ``OSError`` when it is no longer
    the file that was hashed. The cache keeps what this call used, nothing else.
    """
    report = PreviewReport()
    used: set[str] = set()
    tries = 0
    for candidate in choose(candidates, config):
        if len(report.kept) >= config.max_files or tries >= 3 * config.max_files:
            break
        tries += 1
        key = _cache_key(candidate, config)
        cached, refused = cache_dir / key, cache_dir / f"{key}.none"
        try:
            if cached.exists():
                data = cached.read_bytes()
                report.reused += 1
            elif refused.exists():
                report.failed.append((candidate.path, refused.read_text(encoding="utf-8")))
                used.add(refused.name)
                continue
            else:
                with open_file(candidate.path) as f:
                    data = make_preview(f, candidate.path, config)
                cache_dir.mkdir(parents=True, exist_ok=True)
                atomic_write_bytes(cached, data)  # a cut write must not be reused later
            used.add(cached.name)
            target = out_dir / preview_name(candidate.path)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        except NoPreview as exc:
            cache_dir.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(refused, str(exc).encode("utf-8"))
            used.add(refused.name)
            report.failed.append((candidate.path, str(exc)))
            continue
        except OSError as exc:
            report.failed.append((candidate.path, f"cannot preview it: {exc.strerror or exc}"))
            continue
        report.kept.append(candidate.path)
    _prune(cache_dir, used)
    return report


def _prune(cache_dir: Path, used: set[str]) -> None:
    """Remove cached previews this snapshot did not use."""
    try:
        names = os.listdir(cache_dir)
    except OSError:
        return
    for name in names:
        if name not in used:
            (cache_dir / name).unlink(missing_ok=True)
