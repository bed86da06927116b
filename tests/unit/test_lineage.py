"""Lineage: ancestors, descendants, cycles, topological order."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dsreport.lineage import ancestors, children_of, descendants, find_cycles, topological_order

# a - b - c - e (merge of c and d)
#      \- d -/
GRAPH = {"a": (), "b": ("a",), "c": ("b",), "d": ("b",), "e": ("c", "d")}


def test_ancestors_and_descendants_of_a_merge() -> None:
    assert ancestors(GRAPH, "e") == {"a", "b", "c", "d"}
    assert ancestors(GRAPH, "a") == set()
    assert descendants(GRAPH, "b") == {"c", "d", "e"}
    assert children_of(GRAPH)["b"] == ["c", "d"]


def test_topological_order_puts_parents_first_and_breaks_ties_by_key() -> None:
    assert topological_order(GRAPH) == ["a", "b", "c", "d", "e"]
    assert topological_order(GRAPH, key=lambda v: -ord(v)) == ["a", "b", "d", "c", "e"]


def test_cycles_are_found_and_topological_order_refuses_them() -> None:
    graph = {"a": ("c",), "b": ("a",), "c": ("b",), "d": ("d",), "e": ()}
    cycles = find_cycles(graph)
    assert sorted(len(c) for c in cycles) == [2, 4]
    assert all(c[0] == c[-1] for c in cycles)
    with pytest.raises(ValueError):
        topological_order(graph)
    assert find_cycles(GRAPH) == []


def test_long_chains_do_not_overflow_the_stack() -> None:
    chain = {f"v{i}": ((f"v{i - 1}",) if i else ()) for i in range(20_000)}
    assert find_cycles(chain) == []
    assert topological_order(chain)[-1] == "v19999"
    assert len(ancestors(chain, "v19999")) == 19_999


@st.composite
def dags(draw: st.DrawFn) -> dict[str, tuple[str, ...]]:
    """Random DAGs: each version's parents come from earlier versions."""
    n = draw(st.integers(1, 25))
    graph: dict[str, tuple[str, ...]] = {}
    for i in range(n):
        parents = draw(st.lists(st.integers(0, i - 1), max_size=3, unique=True)) if i else []
        graph[f"v{i}"] = tuple(f"v{p}" for p in parents)
    return graph


@given(dags())
def test_topological_order_respects_every_edge(graph: dict[str, tuple[str, ...]]) -> None:
    order = topological_order(graph)
    position = {v: i for i, v in enumerate(order)}
    assert sorted(order) == sorted(graph)
    assert all(position[p] < position[v] for v, ps in graph.items() for p in ps)
    assert find_cycles(graph) == []


@given(dags())
def test_ancestors_and_descendants_are_inverse(graph: dict[str, tuple[str, ...]]) -> None:
    kids = children_of(graph)
    for v in graph:
        for a in ancestors(graph, v):
            assert v in descendants(graph, a, kids)
