"""Merged parent content, changes, stats."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from dsreport.diff import Changes, changes_from_parents, compute_changes, merge_contents
from dsreport.model import Entry
from dsreport.stats import content_stats
from tests.builders import sha


def f(path: str, size: int, digest: str = "h", origin: str = "v") -> Entry:
    return Entry(path, size, digest * 64 if len(digest) == 1 else digest, origin)


def content(*entries: Entry) -> dict[str, Entry]:
    return {e.path: e for e in entries}


def test_later_parents_win_on_the_same_path() -> None:
    first = content(f("a", 1, "a"), f("b", 2, "b"))
    second = content(f("b", 3, "c"), f("c", 4, "d"))
    merged = merge_contents([first, second])
    assert merged["b"].size == 3 and set(merged) == {"a", "b", "c"}
    assert merge_contents([second, first])["b"].size == 2


def test_file_removed_in_one_branch_but_present_in_the_other_parent_of_a_merge() -> None:
    base = content(f("keep", 1, "a"), f("gone", 2, "b"))
    branch_a = content(f("keep", 1, "a"))  # removed "gone"
    branch_b = dict(base)  # still has "gone"
    # The merge's own content: the author decides; here it keeps what branch_b had.
    merge = content(f("keep", 1, "a"), f("gone", 2, "b"))
    changes = changes_from_parents(merge, [branch_a, branch_b])
    assert changes == Changes(added=(), modified=(), removed=(), size_change=0)
    # Against branch_a alone the same file would count as added.
    assert changes_from_parents(merge, [branch_a]).added == ("gone",)
    # A merge that drops it again reports the removal against the merged parents.
    assert changes_from_parents(branch_a, [branch_a, branch_b]).removed == ("gone",)


def test_changes_added_modified_removed_and_size() -> None:
    base = content(f("same", 10, "a"), f("mod", 10, "b"), f("gone", 5, "c"))
    new = content(f("same", 10, "a"), f("mod", 12, "d"), f("new", 7, "e"))
    assert compute_changes(base, new) == Changes(("new",), ("mod",), ("gone",), 4)


def test_links_without_hashes_compare_sizes_and_targets() -> None:
    a = Entry("l", 10, None, "v", "s3://b/x")
    assert compute_changes({"l": a}, {"l": a._replace(size=11)}).modified == ("l",)
    assert compute_changes({"l": a}, {"l": a._replace(origin="w")}).modified == ()
    assert compute_changes({"l": a}, {"l": a._replace(link="s3://b/y")}).modified == ("l",)
    unknown = a._replace(size=None)
    assert compute_changes({"l": unknown}, {"l": unknown}).modified == ()
    assert compute_changes({"l": unknown}, {"l": a}).modified == ("l",)


def test_a_first_version_adds_everything() -> None:
    new = content(f("a", 1), f("b", 2))
    assert changes_from_parents(new, []) == Changes(("a", "b"), (), (), 3)


def test_content_stats_count_files_links_and_sizes() -> None:
    entries = [
        f("a", 5),
        Entry("l", None, None, "v", "https://x"),
        Entry("m", 7, None, "v", "s3://y"),
    ]
    stats = content_stats(entries)
    assert (stats.files, stats.links, stats.total_size, stats.unknown_sizes) == (1, 2, 12, 1)


entries_st = st.dictionaries(
    st.sampled_from([f"p{i}" for i in range(12)]),
    st.tuples(st.integers(0, 100), st.sampled_from("abc")),
    max_size=12,
).map(lambda d: {p: f(p, s, sha(f"{h}{s}")) for p, (s, h) in d.items()})


# Hashes follow the content (letter and size), as real hashes do.
@given(entries_st, entries_st)
def test_changes_account_for_every_path_and_byte(
    base: dict[str, Entry], new: dict[str, Entry]
) -> None:
    changes = compute_changes(base, new)
    assert set(changes.added) == new.keys() - base.keys()
    assert set(changes.removed) == base.keys() - new.keys()
    assert set(changes.modified) <= base.keys() & new.keys()
    total = content_stats(new.values()).total_size - content_stats(base.values()).total_size
    assert changes.size_change == total
    # Applying the changes to base rebuilds new's paths and contents.
    rebuilt = {p: e for p, e in base.items() if p not in changes.removed}
    rebuilt.update({p: new[p] for p in changes.added + changes.modified})
    assert {p: (e.size, e.hash) for p, e in rebuilt.items()} == {
        p: (e.size, e.hash) for p, e in new.items()
    }


@given(st.lists(entries_st, min_size=1, max_size=4))
def test_merge_is_the_last_writer_per_path(parents: list[dict[str, Entry]]) -> None:
    merged = merge_contents(parents)
    for path, entry in merged.items():
        assert entry == next(p[path] for p in reversed(parents) if path in p)
    assert set(merged) == set().union(*parents)
