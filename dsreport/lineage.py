"""Lineage: ancestors, descendants, cycles and topological order of versions (pure functions)."""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

Parents = Mapping[str, Sequence[str]]
"""Each version's parent ids, by version id."""


def children_of(parents: Parents) -> dict[str, list[str]]:
    """Each version's children, by id, in the order the versions appear in *parents*."""
    children: dict[str, list[str]] = {vid: [] for vid in parents}
    for vid, ps in parents.items():
        for p in dict.fromkeys(ps):
            if p in children:
                children[p].append(vid)
    return children


def _reach(start: Iterable[str], step: Mapping[str, Sequence[str]]) -> set[str]:
    seen: set[str] = set()
    stack = list(start)
    while stack:
        vid = stack.pop()
        if vid in seen:
            continue
        seen.add(vid)
        stack.extend(step.get(vid, ()))
    return seen


def ancestors(parents: Parents, vid: str) -> set[str]:
    """Every version *vid* descends from (not *vid* itself, unless there is a cycle)."""
    return _reach(parents.get(vid, ()), parents)


def descendants(
    parents: Parents, vid: str, children: Mapping[str, Sequence[str]] | None = None
) -> set[str]:
    """Every version that descends from *vid*. Pass *children* to reuse a computed map."""
    kids = children if children is not None else children_of(parents)
    return _reach(kids.get(vid, ()), kids)


def find_cycles(parents: Parents) -> list[list[str]]:
    """Every cycle of the parent relation, each as the ids along it (first id repeated last).

    Parents that are not keys of *parents* (unknown ids) are ignored here.
    """
    white, grey, black = 0, 1, 2
    color = dict.fromkeys(parents, white)
    cycles: list[list[str]] = []
    for root in parents:
        if color[root] != white:
            continue
        # Iterative DFS: a recursive one would overflow on long chains.
        path: list[str] = [root]
        iters = [iter(parents[root])]
        color[root] = grey
        while iters:
            nxt = next(iters[-1], None)
            if nxt is None:
                color[path.pop()] = black
                iters.pop()
                continue
            if nxt not in color:
                continue
            if color[nxt] == grey:
                cycles.append(path[path.index(nxt) :] + [nxt])
            elif color[nxt] == white:
                color[nxt] = grey
                path.append(nxt)
                iters.append(iter(parents[nxt]))
    return cycles


def topological_order(parents: Parents, key: Callable[[str], Any] | None = None) -> list[str]:
    """Versions with every parent before its children; among ready versions, smallest *key* first.

    Raises ``ValueError`` if the parent relation has a cycle.
    """
    sort_key = key or (lambda vid: vid)
    pending = {vid: len({p for p in ps if p in parents}) for vid, ps in parents.items()}
    children = children_of(parents)
    ready = [(sort_key(vid), vid) for vid, n in pending.items() if n == 0]
    heapq.heapify(ready)
    order: list[str] = []
    while ready:
        _, vid = heapq.heappop(ready)
        order.append(vid)
        for child in children[vid]:
            pending[child] -= 1
            if pending[child] == 0:
                heapq.heappush(ready, (sort_key(child), child))
    if len(order) != len(parents):
        raise ValueError("the parent relation has a cycle")
    return order
