"""The last steps of a snapshot, made fast for millions of files, against their definitions.

Each function is compared with a plain implementation of what it means: the manifest writer,
origins, changes, the choice of previews and the compressed size.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from unittest import mock

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dsreport.catalog import write
from dsreport.catalog.manifest import origins_of_file_lines, parse_manifest
from dsreport.catalog.write import assign_origins, entry_dict, manifest_bytes
from dsreport.diff import (
    Changes,
    changes_on_same_paths,
    compute_changes,
    entry_changed,
    total_size,
)
from dsreport.globs import compile_globs
from dsreport.model import Entry, PreviewSection, path_problem
from dsreport.snapshot import compressed, preview

# Paths are mostly plain (the fast case), some hold anything but surrogates: quotes,
# backslashes, control characters, non-ASCII text.
_plain_path = st.from_regex(r"[a-z0-9]{1,3}(/[a-zA-Z0-9 ,._-]{1,8}){0,2}", fullmatch=True)
_any_path = st.text(st.characters(blacklist_categories=("Cs",)), max_size=8)
_path = st.one_of(_plain_path, _plain_path, _any_path)
_hash = st.sampled_from(["0" * 64, "1" * 64, "a\\b", 'q"', "é\n"])
_origin = st.sampled_from(["v1", "v2", "", "ü", "\x00"])


@st.composite
def _entries(draw: st.DrawFn, paths: st.SearchStrategy[str] = _path) -> list[Entry]:
    """Files (mostly with a plain hash) and links, on distinct paths."""
    result = []
    for path in draw(st.lists(paths, unique=True, max_size=12)):
        if draw(st.integers(0, 5)):
            digest = draw(st.one_of(st.just("f" * 64), _hash))
            size = draw(st.one_of(st.integers(0, 2**63), st.none()))
            result.append(Entry(path, size, digest, draw(_origin)))
        else:
            link = draw(st.sampled_from(["s3://b/x", 'https://h/"q"']))
            size = draw(st.one_of(st.integers(0, 9), st.none()))
            digest = draw(st.one_of(st.none(), _hash))
            result.append(Entry(path, size, digest, draw(_origin), link))
    return result


# --- the manifest ---------------------------------------------------------------------------


def _manifest_by_definition(entries: Sequence[Entry]) -> bytes:
    ordered = sorted(entries, key=lambda e: e.path)
    return b"".join(orjson.dumps(entry_dict(e)) + b"\n" for e in ordered)


@given(_entries(), st.sampled_from([1, 2, 3, write.BLOCK]))
def test_manifest_bytes_match_the_definition_whatever_the_blocks(
    entries: list[Entry], block: int
) -> None:
    # Small blocks mix blocks built as text and blocks written entry by entry.
    with mock.patch.object(write, "BLOCK", block):
        assert manifest_bytes(reversed(entries)) == _manifest_by_definition(entries)


@given(st.lists(_plain_path, unique=True, min_size=1, max_size=12))
def test_manifest_bytes_of_plain_files_are_built_as_text(paths: list[str]) -> None:
    entries = [Entry(p, i, f"{i:064x}", "v") for i, p in enumerate(paths)]
    assert write._file_lines(sorted(entries)) == _manifest_by_definition(entries)


@given(
    st.lists(st.tuples(_path, st.integers(0, 2**63), _origin), max_size=12),
    st.sampled_from([1, 2, 3, write.BLOCK]),
)
def test_file_manifest_bytes_from_columns_match_the_definition(
    files: list[tuple[str, int, str]], block: int
) -> None:
    rows = sorted({path: (size, origin) for path, size, origin in files}.items())
    entries = [Entry(path, size, f"{size:064x}", origin) for path, (size, origin) in rows]
    paths, sizes = [e.path for e in entries], [e.size or 0 for e in entries]
    hashes, origins = [e.hash or "" for e in entries], [e.origin for e in entries]
    with mock.patch.object(write, "BLOCK", block):
        made = write.file_manifest_bytes(paths, sizes, hashes, origins)
    assert made == _manifest_by_definition(entries)


@pytest.mark.parametrize(
    "odd",
    [
        Entry('say "hi"', 1, "h", "v"),
        Entry("back\\slash", 1, "h", "v"),
        Entry("tab\there", 1, "h", "v"),
        Entry("a", 1, "line\nbreak", "v"),
        Entry("a", 1, "h", "\x1f"),
        Entry("a", 1, None, "v"),
        Entry("a", 1, "h", "v", "s3://b/a"),
    ],
)
def test_a_block_with_an_entry_json_escapes_or_a_link_is_written_entry_by_entry(
    odd: Entry,
) -> None:
    block = [Entry("0", 2, "h", "v"), odd]
    assert write._file_lines(block) is None
    assert manifest_bytes(block) == _manifest_by_definition(block)


def test_manifest_bytes_keep_non_ascii_text_and_sizes_as_orjson_writes_them() -> None:
    entries = [
        Entry("données/été.csv", 0, "h", "v"),
        Entry("😀\u2028\x7f", None, "h", "v"),
        Entry("big", 2**64 - 1, "h", "v"),
        Entry("neg", -1, "h", "v"),
    ]
    assert write._file_lines(sorted(entries)) is not None
    assert manifest_bytes(entries) == _manifest_by_definition(entries)


def test_manifest_bytes_of_many_blocks_and_of_nothing() -> None:
    entries = [Entry(f"d/{i:06d}", i, f"{i:064x}", "v") for i in range(2 * write.BLOCK + 7)]
    entries[write.BLOCK + 3] = entries[write.BLOCK + 3]._replace(link="s3://b/x")
    assert manifest_bytes(reversed(entries)) == _manifest_by_definition(entries)
    assert manifest_bytes([]) == b""


@pytest.mark.parametrize("where", ["path", "hash", "origin"])
def test_manifest_bytes_refuse_surrogates_as_orjson_does(where: str) -> None:
    bad = Entry("a", 1, "h", "v")._replace(**{where: "\udc80"})
    with pytest.raises(orjson.JSONEncodeError):
        _manifest_by_definition([bad])
    with pytest.raises(orjson.JSONEncodeError):
        manifest_bytes([Entry("0", 1, "h", "v"), bad])


_real_path = st.from_regex(
    r"[a-z0-9]{1,3}(/[a-zA-Z0-9 ,._\"\\\n-]{1,8}){0,2}", fullmatch=True
).filter(lambda path: path_problem(path) is None)  # (what a walk finds: no "." segment)


@given(
    st.lists(
        st.tuples(_real_path, st.integers(0, 2**40), st.sampled_from(["v1", "v.2", "A_3-x"])),
        max_size=30,
    ),
    st.integers(0, 4),
)
def test_origins_of_file_lines_are_those_the_parser_finds(
    files: list[tuple[str, int, str]], change: int
) -> None:
    rows = sorted({path: (size, origin) for path, size, origin in files}.items())
    paths, sizes = [p for p, _ in rows], [size for _, (size, _) in rows]
    hashes, origins = [f"{size:064x}" for size in sizes], [origin for _, (_, origin) in rows]
    data = write.file_manifest_bytes(paths, sizes, hashes, origins)
    parsed, problems = parse_manifest(data, "m")
    assert not problems
    assert origins_of_file_lines(data, paths, sizes, hashes) == [e.origin for e in parsed]
    if not rows:
        return
    # Anything else than exactly those lines, with valid origins, is refused.
    other = {
        0: data.replace(b'"origin":"', b'"origin":"bad id ', 1),
        1: data.replace(f'"hash":"{hashes[0]}"'.encode(), b'"hash":"' + b"f" * 64 + b'"', 1),
        2: data + data[: data.index(b"\n") + 1],
        3: data[: -len(b'"}\n')] + b'","link":"s3://b/x"}\n',
        4: data.replace(b'"origin":"', b'"origin": "', 1),
    }[change]
    assert origins_of_file_lines(other, paths, sizes, hashes) is None


def test_a_path_holding_the_origin_key_does_not_fool_the_origins_of_file_lines() -> None:
    # A quote in a path is escaped in the manifest: the key's text inside a path is not a key.
    paths = ['a"origin":"evil', 'b/"origin":"x"}', "c"]
    sizes, hashes, origins = [1, 2, 3], ["a" * 64, "b" * 64, "c" * 64], ["v1", "v2", "v3"]
    data = write.file_manifest_bytes(paths, sizes, hashes, origins)
    assert b'\\"origin\\":\\"evil' in data
    assert origins_of_file_lines(data, paths, sizes, hashes) == origins


# --- origins and changes --------------------------------------------------------------------

_small_path = st.sampled_from(["a", "b", "c/d", "é"])


def _origins_by_definition(vid: str, entries: list[Entry], base: dict[str, Entry]) -> list[Entry]:
    return [
        e._replace(
            origin=base[e.path].origin
            if e.path in base and not entry_changed(base[e.path], e)
            else vid
        )
        for e in entries
    ]


@given(_entries(_small_path), _entries(_small_path))
def test_assign_origins_matches_the_definition(entries: list[Entry], parents: list[Entry]) -> None:
    base = {e.path: e for e in parents}
    assert assign_origins("v", entries, base) == _origins_by_definition("v", entries, base)
    assert assign_origins("v", iter(entries), {}) == _origins_by_definition("v", entries, {})


def test_unchanged_files_share_the_base_entries() -> None:
    base = {"a": Entry("a", 1, "h", "p"), "b": Entry("b", 1, "h", "p")}
    entries = [Entry("a", 1, "h", ""), Entry("b", 2, "h", "")]
    a, b = assign_origins("v", entries, base)
    assert a is base["a"]
    assert b == Entry("b", 2, "h", "p")  # same hash, other size: kept origin, own entry


def _changes_by_definition(base: dict[str, Entry], content: dict[str, Entry]) -> Changes:
    def known(entries: Iterable[Entry]) -> int:
        return sum(e.size for e in entries if e.size is not None)

    return Changes(
        added=tuple(sorted(p for p in content if p not in base)),
        modified=tuple(
            sorted(p for p in content if p in base and entry_changed(base[p], content[p]))
        ),
        removed=tuple(sorted(p for p in base if p not in content)),
        size_change=known(content.values()) - known(base.values()),
    )


@given(_entries(_small_path), _entries(_small_path), st.booleans())
def test_compute_changes_matches_the_definition(
    old: list[Entry], new: list[Entry], shared: bool
) -> None:
    base = {e.path: e for e in old}
    # As in a snapshot, unchanged entries may be the base's own objects.
    content = {e.path: base.get(e.path, e) if shared else e for e in reversed(new)}
    assert compute_changes(base, content) == _changes_by_definition(base, content)
    assert total_size(content.values()) == sum(e.size or 0 for e in content.values())


@given(
    _entries(_small_path),
    st.lists(st.tuples(st.sampled_from(["0" * 64, "1" * 64, "2" * 64]), st.integers(0, 2))),
    st.sampled_from(["v9", "v1"]),
)
def test_changes_on_same_paths_match_assign_origins_and_compute_changes(
    old: list[Entry], news: list[tuple[str, int]], vid: str
) -> None:
    base = {e.path: e for e in sorted(old)}
    paths = list(base)
    # New columns on the base's paths: some files keep their hash (and maybe their size).
    hashes = [news[k][0] if k < len(news) else (e.hash or "") for k, e in enumerate(base.values())]
    sizes = [news[k][1] if k < len(news) else (e.size or 0) for k, e in enumerate(base.values())]
    got = changes_on_same_paths(vid, paths, sizes, hashes, base)
    if any(e.link is not None or e.hash is None for e in base.values()):
        assert got is None
        return
    assert got is not None
    entries, changes = got
    expected = assign_origins(
        vid, [Entry(*row, "") for row in zip(paths, sizes, hashes, strict=True)], base
    )
    assert entries == expected
    # Unchanged files are the base's very entries, as assign_origins gives them.
    assert [e is b for e, b in zip(entries, expected, strict=True)] == [
        e is b for e, b in zip(expected, base.values(), strict=True)
    ]
    assert changes == compute_changes(base, dict(zip(paths, entries, strict=True)))
    if paths:  # other paths, or the same in another order: not this case
        assert changes_on_same_paths(vid, paths[1:], sizes[1:], hashes[1:], base) is None
    if len(paths) > 1:
        swapped = [paths[1], paths[0], *paths[2:]]
        assert changes_on_same_paths(vid, swapped, sizes, hashes, base) is None


# --- previews and the compressed size -------------------------------------------------------


def _extension(path: str) -> str:
    """The last name's extension, lower case (none for a name that only starts with a dot)."""
    name = path.rsplit("/", 1)[-1]
    dot = name.rfind(".")
    return name[dot:].lower() if dot > 0 else ""


_file_path = st.one_of(
    st.from_regex(
        r"/?(README|[a-c]{1,2}/){0,2}[.a-cA-C]{0,3}(\.(csv|JPG|Md|tif|bin|)?)?", fullmatch=True
    ),
    _any_path,
)


def _choose_by_definition(candidates: Sequence[Entry], config: PreviewSection) -> list[Entry]:
    excluded = compile_globs(config.exclude)
    readmes: list[Entry] = []
    groups: dict[tuple[str, str], list[Entry]] = {}
    for c in candidates:
        if (
            not c.size
            or preview.preview_kind(c.path) is None
            or len(c.path.encode()) > preview.MAX_PREVIEW_PATH
            or excluded(c.path)
        ):
            continue
        if "/" not in c.path and c.path.lower() in preview.README_NAMES:
            readmes.append(c)
            continue
        folder = c.path.rpartition("/")[0]
        groups.setdefault((folder, _extension(c.path)), []).append(c)
    turns = max(map(len, groups.values()), default=0)
    return readmes + [q[t] for t in range(turns) for q in groups.values() if t < len(q)]


@given(
    st.lists(st.tuples(_file_path, st.integers(0, 2)), max_size=30),
    st.sampled_from([(), ("*.csv",), ("a/**", "/")]),
)
def test_choose_matches_the_definition(
    files: list[tuple[str, int]], exclude: tuple[str, ...]
) -> None:
    entries = [Entry(p, size, "h", "v") for p, size in files]
    config = PreviewSection(exclude=exclude)
    assert list(preview.choose(entries, config)) == _choose_by_definition(entries, config)


@given(st.lists(st.tuples(_file_path, st.integers(0, 2)), max_size=30))
def test_only_previewable_rows_can_be_chosen(files: list[tuple[str, int]]) -> None:
    entries = [Entry(p, size, "h", "v") for p, size in files]
    rows = preview.previewable([e.path for e in entries])
    assert rows == sorted(rows)
    picked = [entries[i] for i in rows]
    config = PreviewSection()
    assert list(preview.choose(picked, config)) == list(preview.choose(entries, config))


def test_choose_skips_paths_too_long_to_preview() -> None:
    long = "é" * (preview.MAX_PREVIEW_PATH // 2) + ".txt"  # short in characters, not in bytes
    entries = [Entry(long, 1, "h", "v"), Entry("ok.txt", 1, "h", "v")]
    assert [e.path for e in preview.choose(entries, PreviewSection())] == ["ok.txt"]


def _estimate_by_definition(
    paths: list[str], sizes: list[int], sampled: list[int], packed: list[int]
) -> int:
    """Each extension's sampled ratio (else the overall one) applied to its total size."""
    headers = compressed.END_RECORD + len(paths) * (
        compressed.LOCAL_HEADER + compressed.CENTRAL_HEADER
    )
    headers += 2 * sum(len(p.encode()) for p in paths)
    ratios: dict[str, tuple[int, int]] = {}
    totals: dict[str, int] = {}
    for path, size, raw, small in zip(paths, sizes, sampled, packed, strict=True):
        ext = _extension(path)
        totals[ext] = totals.get(ext, 0) + size
        if raw:
            raw_sum, small_sum = ratios.get(ext, (0, 0))
            ratios[ext] = (raw_sum + raw, small_sum + small)
    overall = sum(small for _, small in ratios.values()) / sum(raw for raw, _ in ratios.values())
    if len(ratios) == 1:
        return headers + round(overall * sum(sizes))
    ratio = {ext: small / raw for ext, (raw, small) in ratios.items()}
    # Summed in the order the extensions come first, as floats are.
    return headers + round(sum(t * ratio.get(ext, overall) for ext, t in totals.items()))


@given(st.lists(st.tuples(_file_path, st.integers(0, 10**9), st.integers(0, 3)), min_size=1))
def test_estimate_size_matches_the_definition(files: list[tuple[str, int, int]]) -> None:
    files[0] = (files[0][0], files[0][1] or 1, 1)  # something is sampled
    paths = [p for p, _, _ in files]
    sizes = [size for _, size, _ in files]
    sampled = [size if k else 0 for _, size, k in files]
    packed = [size // k if k else 0 for _, size, k in files]
    expected = _estimate_by_definition(paths, sizes, sampled, packed)
    assert compressed.estimate_size(paths, sizes, sampled, packed) == expected


@pytest.mark.parametrize("lengths", [(2, 1), (1, 2)])
def test_estimate_size_refuses_columns_of_other_lengths(lengths: tuple[int, int]) -> None:
    paths, sampled = ["a"] * lengths[0], [1] * lengths[1]
    with pytest.raises(ValueError):
        compressed.estimate_size(paths, [1] * len(paths), sampled, sampled)
