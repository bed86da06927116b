"""The CONTENT data scheme: full copies and deltas rebuild every version exactly, and are shared."""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dsreport.model import Entry
from dsreport.render import content
from dsreport.render.content import (
    FIRST_PART_ROWS,
    HASH_WIDTH,
    NO_HASH,
    PART_ROWS,
    Published,
    data_file,
    decode_hash,
    decode_rows,
    encode_hashes,
    encode_rows,
    full_copy,
    publish,
    rebuild,
)
from dsreport.render.content_cache import CONTENT_CACHE, ContentCache, view_of


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


hashes = st.one_of(st.none(), st.binary(min_size=32, max_size=32).map(bytes.hex))
paths = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00/"),
    min_size=1,
    max_size=12,
)
sizes = st.one_of(st.none(), st.integers(0, 2**63 - 1))


@st.composite
def entry_lists(draw: st.DrawFn) -> list[Entry]:
    names = sorted(set(draw(st.lists(paths, max_size=30))))
    out = []
    for name in names:
        link = draw(st.one_of(st.none(), st.text(max_size=20)))
        size, hash_ = draw(sizes), draw(hashes)
        if link is None:
            size = size if size is not None else 0
            hash_ = hash_ if hash_ is not None else digest(name)
        out.append(Entry(name, size, hash_, draw(st.sampled_from(["v1", "v2", "x.y-z"])), link))
    return out


@given(entry_lists())
def test_rows_decode_to_the_entries_they_encode(entries: list[Entry]) -> None:
    assert decode_rows(encode_rows(entries)) == entries


@given(st.lists(st.binary(min_size=32, max_size=32).map(bytes.hex), max_size=50))
def test_encoded_hashes_sort_like_their_hex(values: list[str]) -> None:
    encoded = encode_hashes(values)
    assert len(encoded) == HASH_WIDTH * len(values)
    pieces = [encoded[i * HASH_WIDTH : (i + 1) * HASH_WIDTH] for i in range(len(values))]
    assert [decode_hash(p) for p in pieces] == values
    assert sorted(pieces) == [pieces[values.index(v)] for v in sorted(values)]


def test_an_unknown_hash_is_its_own_marker() -> None:
    assert encode_hashes([None]) == NO_HASH
    assert decode_hash(NO_HASH) is None


def test_data_files_are_named_by_their_data_and_inert_in_a_page() -> None:
    rows = [Entry("</script><script>alert(1)</script>", 1, digest("a"), "v1")]
    first = data_file(encode_rows(rows), 1)
    again = data_file(encode_rows(rows), 1)
    assert first == again
    assert first.path == f"c/{first.key[:2]}/{first.key[2:]}.js"
    assert first.key == hashlib.sha256(first.data.split(b",", 2)[2][:-3]).hexdigest()[:40]
    assert b"<" not in first.data and b">" not in first.data
    assert decode_rows(content._payload(first)) == rows
    other = data_file(encode_rows([rows[0]._replace(size=2)]), 1)
    assert other.path != first.path


def test_a_full_copy_starts_with_a_small_part() -> None:
    entries = [
        Entry(f"f{i:06d}", i, digest(str(i)), "v1")
        for i in range(FIRST_PART_ROWS + 2 * PART_ROWS + 5)
    ]
    parts = full_copy(entries)
    assert [p.rows for p in parts] == [FIRST_PART_ROWS, PART_ROWS, PART_ROWS, 5]
    assert rebuild(parts, []) == entries
    assert full_copy([]) == []


def lineage_step(rng: random.Random, entries: list[Entry], vid: str, changes: int) -> list[Entry]:
    """A child: some entries modified, removed and added at random places."""
    by_path = {e.path: e for e in entries}
    for path in rng.sample(sorted(by_path), min(changes, len(by_path))):
        action = rng.random()
        if action < 0.4:
            del by_path[path]
        else:
            by_path[path] = by_path[path]._replace(
                size=rng.randrange(1000), hash=digest(vid + path), origin=vid
            )
    for k in range(changes):
        path = f"{rng.choice('abc')}/{rng.randrange(10**5)}-{vid}-{k}"
        by_path[path] = Entry(path, k, digest(path), vid)
    return [by_path[p] for p in sorted(by_path)]


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10**6), st.integers(1, 25), st.integers(0, 30))
def test_every_version_rebuilds_exactly_from_its_plan(
    seed: int, versions: int, changes: int
) -> None:
    rng = random.Random(seed)
    root = [Entry(f"{rng.choice('abc')}/{i}", i, digest(str(i)), "v0") for i in range(200)]
    root.sort()
    published: dict[str, Published] = {"v0": publish(root, [])}
    entries = {"v0": root}
    for n in range(1, versions):
        vid = f"v{n}"
        parents = rng.sample(sorted(published), min(len(published), rng.choice([1, 1, 1, 2])))
        merged: dict[str, Entry] = {}
        for p in parents:
            merged.update({e.path: e for e in entries[p]})
        entries[vid] = lineage_step(rng, [merged[p] for p in sorted(merged)], vid, changes)
        published[vid] = publish(entries[vid], [published[p] for p in parents])
    for vid, pub in published.items():
        assert rebuild(pub.plan.full, pub.plan.deltas) == entries[vid], vid
        assert pub.plan.total == len(entries[vid])


def test_a_chain_of_small_changes_shares_one_full_copy() -> None:
    rng = random.Random(1)
    current = sorted(
        Entry(f"d/{rng.randrange(10**9)}", i, digest(str(i)), "v0") for i in range(5000)
    )
    chain = [publish(current, [])]
    for n in range(1, 30):
        current = lineage_step(rng, current, f"v{n}", 5)
        chain.append(publish(current, [chain[-1]]))
    assert {p.plan.full for p in chain} == {chain[0].plan.full}
    assert [len(p.plan.deltas) for p in chain] == list(range(30))
    assert all(p.plan.deltas[-1].size < chain[0].plan.full_bytes / 100 for p in chain[1:])


def test_a_long_chain_gets_a_new_full_copy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(content, "MAX_CHAIN", 3)
    rng = random.Random(2)
    current = sorted(Entry(f"d/{i}", i, digest(str(i)), "v0") for i in range(300))
    chain = [publish(current, [])]
    for n in range(1, 6):
        current = lineage_step(rng, current, f"v{n}", 2)
        chain.append(publish(current, [chain[-1]]))
    assert [len(p.plan.deltas) for p in chain] == [0, 1, 2, 3, 0, 1]
    assert rebuild(chain[5].plan.full, chain[5].plan.deltas) == current


def test_a_big_change_is_published_as_a_full_copy() -> None:
    before = [Entry(f"d/{i:04d}", i, digest(str(i)), "v0") for i in range(1000)]
    after = [e._replace(hash=digest(f"new {e.path}"), origin="v1") for e in before]
    parent = publish(before, [])
    child = publish(after, [parent])
    assert child.plan.deltas == () and child.plan.full != parent.plan.full


def test_deltas_on_a_merge_use_the_nearest_parent() -> None:
    base = [Entry(f"d/{i:04d}", i, digest(str(i)), "v0") for i in range(500)]
    far = [
        e._replace(hash=digest(f"far {e.path}"), origin="far") if i % 3 else e
        for i, e in enumerate(base)
    ]
    near = [*base[:-1], base[-1]._replace(size=7, origin="near")]
    pub_far, pub_near = publish(far, []), publish(near, [])
    merge = publish(near, [pub_far, pub_near])
    assert merge.plan.full == pub_near.plan.full
    payload = orjson.loads(merge.plan.deltas[-1].data.split(b",", 2)[2][:-3])
    assert payload["p"] == [] and payload["d"] == [] and payload["i"] == []


def test_the_content_cache_reuses_only_intact_files(tmp_path: Path) -> None:
    entries = [Entry(f"f/{i:04d}", i, digest(str(i)), "v1") for i in range(1500)]
    published = publish(entries, [])
    site = tmp_path / "site"
    for f in published.plan.files():
        (site / f.path).parent.mkdir(parents=True, exist_ok=True)
        (site / f.path).write_bytes(f.data)
    cache = ContentCache(None, {})
    cache.put("key", view_of(published, 100))
    (site / CONTENT_CACHE).write_bytes(cache.dump())
    again = ContentCache.load(site)
    view = again.get("key")
    assert view is not None and view.first == tuple(entries[:100]) and view.origins == ("v1",)
    assert [again.data(f) for f in view.plan.files()] == [f.data for f in published.plan.files()]
    assert again.get("other") is None
    first = published.plan.full[0]
    (site / first.path).write_bytes(first.data.replace(b"f/0000", b"f/000X"))
    assert ContentCache.load(site).get("key") is None


def test_a_content_cache_of_other_settings_is_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / CONTENT_CACHE).write_bytes(ContentCache(None, {}).dump())
    assert ContentCache.load(tmp_path).site == tmp_path
    monkeypatch.setattr(content, "PART_ROWS", 10)
    assert ContentCache.load(tmp_path).site is None
    (tmp_path / CONTENT_CACHE).write_bytes(b"not json")
    assert ContentCache.load(tmp_path).site is None
