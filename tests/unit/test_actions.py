"""Planning the dataset actions: how delete closes the lineage over deleted versions."""

from __future__ import annotations

import pytest

from dsreport.actions import spliced_parents


@pytest.mark.parametrize(
    ("parents", "doomed", "expected"),
    [
        # a chain closes over the gap
        ({"a": (), "x": ("a",), "b": ("x",)}, {"x"}, {"b": ("a",)}),
        # a deleted root leaves its children without parents
        ({"x": (), "b": ("x",), "c": ("b",)}, {"x"}, {"b": ()}),
        # several deleted versions in a row
        ({"a": (), "x": ("a",), "y": ("x",), "b": ("y",)}, {"x", "y"}, {"b": ("a",)}),
        # merge order is kept; a parent met twice keeps its last place (where it wins)
        (
            {"y": (), "z": (), "x": ("y", "z"), "b": ("x", "y")},
            {"x"},
            {"b": ("z", "y")},
        ),
        ({"y": (), "z": (), "x": ("y", "z"), "b": ("y", "x")}, {"x"}, {"b": ("y", "z")}),
        # a surviving parent beside a deleted one stays where it was
        ({"a": (), "c": (), "x": ("a",), "b": ("c", "x")}, {"x"}, {"b": ("c", "a")}),
        # versions with no deleted parent are not touched
        ({"a": (), "x": ("a",), "b": ("a",)}, {"x"}, {}),
    ],
)
def test_spliced_parents(
    parents: dict[str, tuple[str, ...]], doomed: set[str], expected: dict[str, tuple[str, ...]]
) -> None:
    assert spliced_parents(parents, doomed) == expected


def test_spliced_parents_handles_long_deleted_chains_without_recursion() -> None:
    parents: dict[str, tuple[str, ...]] = {"root": ()}
    previous = "root"
    for i in range(5000):
        parents[f"x{i}"] = (previous,)
        previous = f"x{i}"
    parents["tip"] = (previous,)
    doomed = {f"x{i}" for i in range(5000)}
    assert spliced_parents(parents, doomed) == {"tip": ("root",)}
