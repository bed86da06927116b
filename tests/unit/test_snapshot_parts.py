"""The pure parts of ``dsreport snapshot``: globs, slugs, numbers, estimates, previews, caches."""

from __future__ import annotations

import hashlib
import io
import math
import os
import zlib
from array import array
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dsreport.catalog.write import assign_origins, entry_dict, manifest_bytes
from dsreport.diff import entry_changed
from dsreport.fsutil import Background
from dsreport.globs import compile_globs
from dsreport.model import Entry, PreviewSection
from dsreport.snapshot import compressed, hashcache, hashing, plan, preview, record, walk
from dsreport.snapshot.clock import is_racy
from dsreport.snapshot.content import Content
from dsreport.snapshot.walk import Folder, Walk, _classify

# --- globs ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "matches", "misses"),
    [
        ("secrets/**", ["secrets/a", "secrets/b/c"], ["x/secrets/a", "secretsx/a"]),
        ("*.bak", ["a.bak", "d/e/f.bak"], ["a.bak/x", "a.bakx"]),
        ("**/tmp/*.x", ["tmp/q.x", "a/b/tmp/q.x"], ["tmp/q/r.x", "atmp/q.x"]),
        ("data/[!a]*.csv", ["data/b.csv"], ["data/a.csv", "data/b/c.csv"]),
        ("data/?.csv", ["data/a.csv"], ["data/ab.csv", "data//.csv"]),
        ("/README.md", ["README.md"], ["docs/README.md"]),
        ("a+b(1).txt", ["a+b(1).txt"], ["aab(1).txt"]),
    ],
)
def test_globs(pattern: str, matches: list[str], misses: list[str]) -> None:
    match = compile_globs([pattern])
    assert all(match(p) for p in matches), matches
    assert not any(match(p) for p in misses), misses


def test_no_globs_match_nothing() -> None:
    assert not compile_globs([])("anything")


# --- slugs, parents, version numbers --------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Pets", "pets"),
        ("Pets & Friends (v2)!", "pets-friends-v2"),
        ("Café Crème", "cafe-creme"),
        ("  --weird__name..  ", "weird__name"),
        ("v1.2_beta", "v1.2_beta"),
        ("x" * 100, "x" * 64),
    ],
)
def test_slugify(name: str, slug: str) -> None:
    assert plan.slugify(name) == slug


def test_slugify_of_a_name_without_ascii_letters_is_a_stable_hash() -> None:
    slug = plan.slugify("数据")
    assert slug == "dataset-" + hashlib.sha256("数据".encode()).hexdigest()[:8]


@given(st.text())
def test_slugify_always_gives_a_valid_slug(name: str) -> None:
    import re

    from dsreport.model import SLUG_PATTERN

    assert re.fullmatch(SLUG_PATTERN, plan.slugify(name))


def test_version_ids_are_32_hex() -> None:
    from dsreport.model import Catalog, CatalogConfig

    catalog = Catalog(root=Path("."), config=CatalogConfig(), datasets={}, versions={})
    vid = plan.new_version_id(catalog)
    assert len(vid) == 32 and int(vid, 16) >= 0 and vid == vid.lower()


# --- the racy rule --------------------------------------------------------------------------


def test_a_file_is_racy_from_the_stamp_on() -> None:
    assert is_racy(1_000, 1_000)
    assert is_racy(1_001, 1_000)
    assert not is_racy(999, 1_000)


# --- compressed size ------------------------------------------------------------------------


def test_small_trees_are_compressed_whole_and_big_ones_sampled() -> None:
    assert compressed.sample_fraction(1 << 20) == 1.0
    big = compressed.sample_fraction(1 << 30)
    assert 0 < big < 0.01
    assert big * (1 << 30) == pytest.approx((1 << 20) + (1 << 30) / 8192)


def test_sampling_takes_the_share_asked_evenly(tmp_path: Path) -> None:
    path = tmp_path / "random.bin"
    path.write_bytes(os.urandom(100 * compressed.CHUNK))
    fd = os.open(path, os.O_RDONLY)
    try:
        sampled, packed = compressed.sample_file(fd, 100 * compressed.CHUNK, False, 0.1, 0.5)
        assert sampled == 10 * compressed.CHUNK
        assert packed == sampled  # random data is stored, not deflated
        whole = compressed.sample_file(fd, 100 * compressed.CHUNK, False, 1.0, 0.0)
        assert whole[0] == 100 * compressed.CHUNK
    finally:
        os.close(fd)


@given(
    size=st.integers(0, 10_000 * compressed.CHUNK),
    fraction=st.floats(1e-6, 1.0),
    phase=st.floats(0.0, 1.0, exclude_max=True),
)
def test_sampled_chunks_follow_their_definition(size: int, fraction: float, phase: float) -> None:
    chunks = -(-size // compressed.CHUNK)
    expected = [
        j
        for j in range(chunks)
        if fraction >= 1
        or math.floor((j + 1) * fraction + phase) > math.floor(j * fraction + phase)
    ]
    assert compressed.sampled_chunks(size, fraction, phase) == expected
    assert compressed.sample_count(size, fraction, phase) == len(expected)


@given(
    files=st.lists(
        st.tuples(st.text(min_size=1, max_size=8), st.integers(0, 5 * compressed.CHUNK)),
        max_size=40,
    ),
    fraction=st.floats(1e-3, 1.0),
)
def test_the_files_to_sample_are_those_with_a_sampled_chunk(
    files: list[tuple[str, int]], fraction: float
) -> None:
    paths, sizes = [p for p, _ in files], [s for _, s in files]
    for rows in (list(range(0, len(files), 2)), list(range(len(files)))):
        expected = []
        for i in rows:
            phase = zlib.crc32(paths[i].encode("utf-8", "surrogateescape")) / 2**32
            if compressed.sample_count(sizes[i], fraction, phase):
                expected.append((i, phase))
        assert compressed.files_to_sample(rows, paths, sizes, fraction) == expected
        # The same with the phases made beforehand (while the files are hashed).
        crcs = compressed.path_crcs(paths)
        assert compressed.files_to_sample(rows, paths, sizes, fraction, crcs) == expected


def test_holes_of_a_sparse_file_are_sampled_as_zeros_without_reading(tmp_path: Path) -> None:
    path = tmp_path / "holes"
    size = 64 * compressed.CHUNK
    with path.open("wb") as f:
        f.truncate(size)
        f.seek(3 * compressed.CHUNK)
        f.write(os.urandom(compressed.CHUNK))
    fd = os.open(path, os.O_RDONLY)
    try:
        plain = compressed.sample_file(fd, size, False, 1.0, 0.0)
        sparse = compressed.sample_file(fd, size, True, 1.0, 0.0)
    finally:
        os.close(fd)
    assert plain == sparse
    zeros = len(zlib.compress(bytes(compressed.CHUNK), 1))
    assert plain == (size, 63 * zeros + compressed.CHUNK)


def test_the_estimate_weighs_each_extension() -> None:
    # Text compresses 10:1 in the sample, images not at all; no sample of .bin: overall ratio.
    paths = ["a.txt", "b.txt", "c.png", "d.bin"]
    sizes = [1000, 9000, 5000, 100]
    sampled = [1000, 0, 1000, 0]
    packed = [100, 0, 1000, 0]
    headers = compressed.END_RECORD + 4 * (76 + 2 * 5)
    overall = 1100 / 2000
    expected = headers + round(10_000 * 0.1 + 5000 * 1.0 + 100 * overall)
    assert compressed.estimate_size(paths, sizes, sampled, packed) == expected


def test_an_empty_version_is_an_empty_zip() -> None:
    assert compressed.estimate_size([], [], [], []) == compressed.END_RECORD


# --- hashing --------------------------------------------------------------------------------


def test_sparse_and_plain_reading_agree(tmp_path: Path) -> None:
    path = tmp_path / "holes"
    with path.open("wb") as f:
        f.truncate(5 * hashing.BLOCK + 123)
        f.seek(2 * hashing.BLOCK + 7)
        f.write(b"data")
    body = path.read_bytes()
    fd = os.open(path, os.O_RDONLY)
    try:
        for sparse in (True, False):
            digest, complete = hashing.read_into_hash(fd, len(body), sparse)
            assert digest == hashlib.sha256(body).hexdigest()
            assert complete
    finally:
        os.close(fd)


def test_a_file_shorter_than_its_stat_is_incomplete(tmp_path: Path) -> None:
    path = tmp_path / "short"
    path.write_bytes(b"abc")
    fd = os.open(path, os.O_RDONLY)
    try:
        assert hashing.read_into_hash(fd, 10, False)[1] is False
    finally:
        os.close(fd)


def test_batches_are_ranges_of_rows_or_the_rows_given() -> None:
    assert hashing.make_batches(hashing.ONE_BATCH, 2) == [range(hashing.ONE_BATCH)]
    n = 100_000
    batches = hashing.make_batches(n, 2)
    # Consecutive ranges covering every row, big at first, shrinking to the tail size.
    assert [b.start for b in batches[1:]] == [b.stop for b in batches[:-1]]
    assert batches[0].start == 0 and batches[-1].stop == n
    sizes = [len(b) for b in batches]
    assert sizes[0] == hashing.BATCH_FILES and max(sizes) == hashing.BATCH_FILES
    assert sizes[:-1] == sorted(sizes[:-1], reverse=True)
    assert min(sizes[:-1]) == hashing.BATCH_TAIL
    assert len(batches) < n / 2_000, "few batches: each costs the main process messages"
    # Each batch is at most a quarter of what is left (two workers): they finish together.
    left = n
    for size in sizes[:-1]:
        assert size <= max(hashing.BATCH_TAIL, left // 4)
        left -= size
    rows = list(range(0, 3 * hashing.ONE_BATCH, 2))
    cut = hashing.make_batches(rows, 2)
    assert [row for batch in cut for row in batch] == rows
    assert all(isinstance(batch, list) for batch in cut) and len(cut) > 1


def _walk_of(root: Path, names: list[str]) -> Walk:
    """A walk of the files *names* (of one folder, in order) in *root*."""
    st = root.stat()
    walk = Walk(folders=[Folder((), "", st.st_dev, st.st_ino)])
    walk.paths, walk.names, walk.folder = list(names), list(names), [0] * len(names)
    return walk


def test_files_read_travel_as_columns_and_come_back_as_the_same_rows() -> None:
    rows: list[hashing.Row] = [
        (3, "a" * 64, 10, -5, 7, 2**64 - 1, True, None),
        (4, None, 0, 0, 0, 0, False, "cannot open it: Permission denied"),
        (5, "b" * 64, 0, 1, 2, 3, False, None),
    ]
    files = hashing.ReadFiles.of(rows)
    assert files.rows() == rows
    assert files.errors == {1: "cannot open it: Permission denied"}
    assert files.span() == range(3, 6)
    assert hashing.ReadFiles.of([rows[0], rows[2]]).span() is None  # row 4 not among them
    assert hashing.ReadFiles.of([]).rows() == []


def test_big_files_are_handed_back_unread_and_cached_hashes_reused(tmp_path: Path) -> None:
    for name, body in [("a", b"same"), ("b", b"same too"), ("big", bytes(hashing.BIG_FILE))]:
        (tmp_path / name).write_bytes(body)
    (tmp_path / "small").write_bytes(b"s")
    (tmp_path / "z").write_bytes(b"z")
    cached = [(tmp_path / name).stat() for name in ("a", "b", "z")]
    cache = hashing.CacheIndex(
        {"a": 0, "b": 1, "z": 2},
        array("Q", [st.st_size for st in cached]),
        array("q", [st.st_mtime_ns for st in cached]),
        array("q", [st.st_ctime_ns for st in cached]),
        array("Q", [st.st_ino for st in cached]),
    )
    walk = _walk_of(tmp_path, ["a", "b", "big", "small", "z"])
    fd = os.open(tmp_path, os.O_RDONLY)
    try:
        files, hits, big, read, rest = hashing.hash_batch(fd, walk, range(5), cache, True)
        assert big == [2]
        assert read == 1 and rest == []
        [small] = (hashing.Hashed(*row) for row in files.rows())
        assert small.hash == hashlib.sha256(b"s").hexdigest() and small.steady
        assert small.seq == 3
        # Files 0-1 are the cache's rows 0-1 (one run); file 4 is row 2.
        assert hits == [[0, 0, 2], [4, 2, 1]]
        # A cache with the walk's own paths needs no lookup: row i is file i.
        same = hashing.CacheIndex(None, cache.size, cache.mtime_ns, cache.ctime_ns, cache.ino)
        assert hashing.hash_batch(fd, _walk_of(tmp_path, ["a", "b"]), range(2), same, True)[1] == [
            [0, 0, 2]
        ]
        # Without deferring, the big file is read.
        [row] = hashing.hash_batch(fd, walk, [2], None, False)[0].rows()
        assert row[1] == hashlib.sha256(bytes(hashing.BIG_FILE)).hexdigest()
        # Past the bytes a batch may read, the rest of it is handed back unread.
        files, hits, big, read, rest = hashing.hash_batch(fd, walk, range(5), None, False, 1)
        assert [r[0] for r in files.rows()] == [0] and read == len(b"same")
        assert rest == range(1, 5) and hits == big == []
        files, _, _, read, rest = hashing.hash_batch(fd, walk, [2, 3, 4], None, False, 1)
        assert read == hashing.BIG_FILE and rest == [3, 4]
    finally:
        os.close(fd)


def test_a_manifest_drafted_batch_by_batch_is_kept_only_when_it_holds() -> None:
    paths = [f"d/{i:02d}.txt" for i in range(10)]
    digests = [hashlib.sha256(p.encode()).hexdigest() for p in paths]
    sizes = array("Q", range(10, 20))
    vid = "f" * 32

    def read(rows: list[int]) -> hashing.ReadFiles:
        return hashing.ReadFiles.of([(i, digests[i], sizes[i], 1, 2, 3, True, None) for i in rows])

    def content(hashes: list[str | None]) -> Content:
        n = len(hashes)
        return Content(
            hashes, sizes, array("Q", bytes(8 * n)), array("Q", bytes(8 * n)), hashcache.HashCache()
        )

    expected = manifest_bytes(Entry(p, sizes[i], digests[i], vid) for i, p in enumerate(paths))

    def drafted() -> record._Draft:
        draft = record._Draft(paths, vid)
        # Batches come back in any order; one has a hole (a big file sent alone, back later).
        for rows in ([6, 7, 8, 9], [0, 1, 3, 4, 5], [2]):
            draft.read(read(rows))
        return draft

    draft = drafted()
    assert draft.manifest(content(list(digests))) == expected
    assert draft.manifest(content(list(digests))) is None, "asked once: the drafts are let go"
    # A file read again to another hash, or not recorded: the draft is not the manifest.
    assert drafted().manifest(content([*digests[:4], "0" * 64, *digests[5:]])) is None
    assert drafted().manifest(content([*digests[:9], None])) is None
    # A batch with a file that could not be read is not drafted.
    partial = record._Draft(paths, vid)
    partial.read(read(list(range(5))))
    failed = read(list(range(5, 10)))
    partial.read(failed._replace(errors={0: "cannot read it"}))
    assert partial.manifest(content(list(digests))) is None


# --- the hash cache -------------------------------------------------------------------------


def test_the_cache_round_trips_and_refuses_damage(tmp_path: Path) -> None:
    path = tmp_path / "cache.bin"
    cache = hashcache.HashCache()
    cache.add("a", (1, 2, 3, 4), "a" * 64, 5, 6)
    cache.add("b/c\nd", (7, -8, 9, 2**64 - 1), "b" * 64, 0, 0)
    cache.derived = {"by": "a test", "rows": [1]}
    hashcache.save_cache(path, "/data", cache)
    assert hashcache.load_cache(path, "/data") == cache
    # The paths just walked, when they are the cache's, are taken as they are (not decoded).
    walked = ["a", "b/c\nd"]
    assert hashcache.load_cache(path, "/data", walked).path is walked
    for other in (["a", "b/c\ne"], ["a"], []):
        assert hashcache.load_cache(path, "/data", other) == cache
    assert hashcache.load_cache(path, "/other") == hashcache.HashCache()
    # The workers may start once the stat columns are loaded, before the hashes (checked
    # already: a damaged hash would have made the whole cache empty).
    ready: list[tuple[list[str], list[int], list[str]]] = []
    loaded = hashcache.load_cache(
        path, "/data", ready=lambda c: ready.append((list(c.path), list(c.ino), list(c.hashes)))
    )
    assert ready == [(["a", "b/c\nd"], [4, 2**64 - 1], [])] and loaded == cache
    body = path.read_bytes()
    damaged = [
        body[:-1],
        body + b"0",
        body[:-64] + b"A" * 64,
        body.replace(b'"count":2', b'"count":3'),
        body.replace(b"little", b"big"),
        b"not a cache",
        body.replace(b"b/c", b"\xff/c"),
    ]
    # A cache cut short by a crash (it is not flushed to disk) is empty, or holds zeros where
    # its data did not reach the disk: in its paths, its hashes or anywhere from the header on.
    paths_at = body.index(b"a\0b/c")
    hashes_at = len(body) - 128
    damaged += [
        b"",
        bytes(len(body)),
        body[:paths_at] + bytes(len(body) - paths_at),
        body[:paths_at] + bytes(4) + body[paths_at + 4 :],
        body[:hashes_at] + bytes(64) + body[hashes_at + 64 :],
        body[:-10] + bytes(10),
    ]
    assert all(d != body for d in damaged)
    for damage in damaged:
        path.write_bytes(damage)
        # (The workers start with the cache as it is ready: empty, for a damaged one.)
        seen: list[hashcache.HashCache] = []
        assert hashcache.load_cache(path, "/data", ready=seen.append) == hashcache.HashCache()
        assert seen == [hashcache.HashCache()]
    # Derived values that are not an object are dropped; the cache is still used.
    path.write_bytes(body.replace(b'"derived":{"by":"a test","rows":[1]}', b'"derived":[1,2]'))
    assert hashcache.load_cache(path, "/data") == replace(cache, derived={})
    # Zeros in the stat columns load, but match no file: no file has inode 0.
    columns_at = paths_at + len(b"a\0b/c\nd\0")
    path.write_bytes(body[:columns_at] + bytes(4 * 8 * 2) + body[columns_at + 4 * 8 * 2 :])
    zeroed = hashcache.load_cache(path, "/data")
    assert list(zeroed.ino) == [0, 0] and zeroed.hashes == cache.hashes


# --- previews -------------------------------------------------------------------------------


def _entries(*paths: str) -> list[Entry]:
    return [Entry(p, 10, "0" * 64, "v") for p in paths]


def test_previews_are_chosen_for_variety_readme_first() -> None:
    entries = _entries(
        "a/1.csv", "a/2.csv", "a/3.csv", "b/1.png", "b/2.png", "c/x.bin", "README.md", "LICENSE"
    )
    chosen = [e.path for e in preview.choose(entries, PreviewSection())]
    assert chosen == ["README.md", "a/1.csv", "b/1.png", "LICENSE", "a/2.csv", "b/2.png", "a/3.csv"]


@pytest.mark.parametrize(
    ("path", "kind", "name"),
    [
        ("a.CSV", "csv", "a.CSV"),
        ("x/y.tsv", "tsv", "x/y.tsv"),
        ("r.ndjson", "jsonl", "r.ndjson"),
        ("p.JPG", "image", "p.JPG"),
        ("scan.tiff", "image", "scan.tiff.png"),
        ("notes.md", "text", "notes.md"),
        ("LICENSE", "sniff", "LICENSE"),
        (".env", "sniff", ".env"),
        ("model.bin", None, "model.bin"),
    ],
)
def test_preview_kinds_and_names(path: str, kind: str | None, name: str) -> None:
    assert preview.preview_kind(path) == kind
    assert preview.preview_name(path) == name


def test_text_heads_cut_at_a_line_end_and_a_character_boundary() -> None:
    body = ("é" * 30 + "\n") * 10
    head = preview.text_preview(io.BytesIO(body.encode()), 100)
    assert head == (("é" * 30 + "\n").encode())
    no_newline = preview.text_preview(io.BytesIO(("é" * 100).encode()), 101)
    assert no_newline == ("é" * 50).encode()
    with pytest.raises(preview.NoPreview):
        preview.text_preview(io.BytesIO(b"\xff\xfe bad"), 100)
    with pytest.raises(preview.NoPreview):
        preview.text_preview(io.BytesIO(b"text\x00binary"), 100, sniff=True)


def test_csv_heads_keep_whole_records_and_survive_bad_csv() -> None:
    config = PreviewSection(max_rows=2)
    body = b'h1,h2\n1,"a\nb"\n2,x\n3,y\n'
    assert preview.csv_preview(io.BytesIO(body), config) == b'h1,h2\n1,"a\nb"\n2,x\n'
    nul = b"h\n\x00a\nb\nc\n"
    assert preview.csv_preview(io.BytesIO(nul), config) == b"h\n\x00a\nb\n"


def test_a_csv_head_cut_by_the_read_limit_drops_the_cut_record() -> None:
    config = PreviewSection(max_rows=50, max_text_bytes=1)  # reads 64 KiB at most
    row = b"x" * 1000 + b"\n"
    body = b"h\n" + row * 100
    head = preview.csv_preview(io.BytesIO(body), config)
    assert head == b"h\n" + row * 50
    short = preview.csv_preview(
        io.BytesIO(b"h\n" + row * 70), PreviewSection(max_rows=100, max_text_bytes=1)
    )
    assert short.endswith(b"\n") and short.count(b"\n") == 1 + (65536 - 2) // 1001


def test_decompression_bombs_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from PIL import Image

    out = io.BytesIO()
    Image.new("L", (400, 400)).save(out, format="PNG")
    monkeypatch.setattr(preview, "MAX_IMAGE_PIXELS", 10_000)
    with pytest.raises(preview.NoPreview, match="larger than 10,000 pixels"):
        preview.image_preview(io.BytesIO(out.getvalue()), "x.png", PreviewSection())


# --- the shared writers, fast paths against their definitions --------------------------------

_entry = st.builds(
    Entry,
    path=st.sampled_from(["a", "b", "c/d", "é"]),
    size=st.one_of(st.none(), st.integers(0, 5)),
    hash=st.one_of(st.none(), st.sampled_from(["0" * 64, "1" * 64])),
    origin=st.sampled_from(["", "p1", "p2"]),
    link=st.one_of(st.none(), st.sampled_from(["s3://x", "s3://y"])),
)


@given(st.lists(_entry, unique_by=lambda e: e.path), st.lists(_entry, unique_by=lambda e: e.path))
def test_assign_origins_matches_its_definition(entries: list[Entry], base: list[Entry]) -> None:
    content = {e.path: e for e in base}
    expected = [
        e._replace(
            origin=content[e.path].origin
            if e.path in content and not entry_changed(content[e.path], e)
            else "v"
        )
        for e in entries
    ]
    assert assign_origins("v", entries, content) == expected


@given(st.lists(_entry, unique_by=lambda e: e.path))
def test_manifest_bytes_matches_its_definition(entries: list[Entry]) -> None:
    import orjson

    ordered = sorted(entries, key=lambda e: e.path)
    assert manifest_bytes(entries) == b"".join(orjson.dumps(entry_dict(e)) + b"\n" for e in ordered)


# --- helpers of the snapshot ----------------------------------------------------------------


def test_background_raises_its_error_when_waited_for_unless_the_block_failed() -> None:
    def fail() -> None:
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space left"), Background(fail):
        pass
    with pytest.raises(KeyError), Background(fail):  # the block's own error wins
        raise KeyError("the block's")
    done: list[int] = []
    task = Background(lambda: done.append(1))
    task.wait()
    task.wait()  # (waiting again is harmless)
    assert done == [1]


class _Entry:
    """A listing entry whose type the listing did not give and whose lstat fails."""

    def __init__(self, name: str, kind: str) -> None:
        self.name, self.kind = name, kind

    def is_file(self, follow_symlinks: bool = True) -> bool:
        if self.kind == "lost":
            raise PermissionError(13, "Permission denied")
        return self.kind == "file"

    def is_symlink(self) -> bool:
        return self.kind == "link"


def test_entries_whose_type_cannot_be_told_are_reported() -> None:
    entries = [_Entry("a", "file"), _Entry("b", "lost"), _Entry("c", "link")]
    files, listing = _classify(entries)  # type: ignore[arg-type]
    assert files == ["a"]
    problem = "cannot stat it: Permission denied"
    assert listing == [("b", walk.OTHER, None, problem), ("c", walk.LINK, None, None)]
