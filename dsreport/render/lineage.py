"""The lineage graph: windows of a dataset's history, laid out by Graphviz, as plain geometry.

Graphviz only ever sees numbered placeholder nodes of a fixed size (``n0``, ``n1``…): no user
text enters DOT source, so none of its escaping traps apply. Labels, links and buttons are drawn
on top of the returned geometry by the page (at build time as SVG, and by the page's script).

Large histories stay readable and cheap: the history is cut into *windows* of at most
``WINDOW`` versions along the topological order, each laid out on its own (dot costs grow
faster than linearly: 6.5 s at 5,000 nodes); parents and children outside a window appear as
dashed *stub* nodes that lead to their own window. Inside a window, a linear run longer than
``MAX_RUN`` versions is drawn collapsed (first two, a "⋯ N versions" node, last two) unless the
selected version is inside it; both variants are laid out.
"""

from __future__ import annotations

import hashlib
import shlex
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pydot

from dsreport.errors import DsreportError

WINDOW = 60
MAX_RUN = 6
NODE_W, NODE_H = 2.7, 0.95  # inches: room for name, version and size, updated time, button
STUB_H = 0.5
MORE_H = 0.45
DPI = 72


@dataclass(frozen=True)
class Node:
    """A laid-out node: a version, a stub (a version in another window) or a collapsed run."""

    key: str
    """Placeholder id used in DOT."""
    kind: str
    """``version``, ``stub`` or ``more``."""
    vid: str | None
    """The version it shows (a stub's target); ``None`` for ``more``."""
    x: float
    y: float
    w: float
    h: float
    """Top-left corner and size, in points."""
    hidden: int = 0
    """For ``more``: how many versions it stands for."""


@dataclass(frozen=True)
class Layout:
    """One drawable graph."""

    width: float
    height: float
    nodes: tuple[Node, ...]
    edges: tuple[tuple[tuple[float, float], ...], ...]
    """Each edge as the points of a cubic B-spline path (start, then triples of controls)."""
    expandable: bool = False
    """True for a collapsed variant (it has ``more`` nodes)."""

    def as_data(self) -> dict[str, Any]:
        """Compact JSON-able form for the page's script."""
        return {
            "w": round(self.width, 1),
            "h": round(self.height, 1),
            "nodes": [
                [
                    n.kind,
                    n.vid,
                    round(n.x, 1),
                    round(n.y, 1),
                    round(n.w, 1),
                    round(n.h, 1),
                    n.hidden,
                ]
                for n in self.nodes
            ],
            "edges": [[round(c, 1) for p in e for c in p] for e in self.edges],
        }


class LayoutCache:
    """Graphviz output by DOT source hash: what the previous build left, and what this one used."""

    def __init__(self, previous: Mapping[str, str] | None = None) -> None:
        self.previous = dict(previous or {})
        self.used: dict[str, str] = {}
        """Entries this build read or made: what the next build gets."""

    def get(self, key: str) -> str | None:
        """The cached output for *key*, if any."""
        value = self.used.get(key) or self.previous.get(key)
        if value is not None:
            self.used[key] = value
        return value

    def put(self, key: str, value: str) -> None:
        """Remember the output for *key*."""
        self.used[key] = value


@dataclass
class Window:
    """A part of a dataset's history laid out together."""

    members: list[str]
    """Versions in this window, in topological order."""
    runs: list[list[str]] = field(default_factory=list)
    """Linear runs longer than MAX_RUN (collapsible)."""


def plan_windows(
    order: Sequence[str],
    parents: Mapping[str, Sequence[str]],
    children: Mapping[str, Sequence[str]],
) -> list[Window]:
    """Cut a dataset's topological *order* into windows and find their collapsible runs."""
    windows = [Window(list(order[i : i + WINDOW])) for i in range(0, len(order), WINDOW)] or [
        Window([])
    ]
    for window in windows:
        inside = set(window.members)
        run: list[str] = []
        for vid in window.members:
            ps = parents.get(vid, ())
            linear = (
                run
                and len(ps) == 1
                and ps[0] == run[-1]
                and len(children.get(run[-1], ())) == 1
                and ps[0] in inside
            )
            if linear:
                run.append(vid)
            else:
                if len(run) > MAX_RUN:
                    window.runs.append(run)
                run = [vid]
        if len(run) > MAX_RUN:
            window.runs.append(run)
    return windows


def _plain_layout(graph: pydot.Dot) -> str:
    try:
        out = graph.create(prog="dot", format="plain")
    except FileNotFoundError:
        raise DsreportError(
            "Graphviz's 'dot' was not found: install Graphviz (Debian: apt-get install graphviz)"
        ) from None
    return out.decode("utf-8") if isinstance(out, bytes) else str(out)


def layout_window(
    window: Window,
    parents: Mapping[str, Sequence[str]],
    children: Mapping[str, Sequence[str]],
    *,
    collapse: bool,
    cache: LayoutCache | None = None,
    run_dot: Callable[[pydot.Dot], str] = _plain_layout,
) -> Layout:
    """Lay out one window (collapsed or expanded), reusing *cache*d Graphviz output."""
    inside = set(window.members)
    shown: list[tuple[str, str, str | None, int]] = []  # key, kind, vid, hidden
    key_of: dict[str, str] = {}
    more_of: dict[str, str] = {}
    hidden_runs: dict[str, int] = {}
    if collapse:
        for run in window.runs:
            for vid in run[2:-2]:
                more_of[vid] = f"m{window.members.index(run[2])}"
            hidden_runs[f"m{window.members.index(run[2])}"] = len(run) - 4
    for i, vid in enumerate(window.members):
        if vid in more_of:
            key = more_of[vid]
            if key not in key_of.values():
                shown.append((key, "more", None, hidden_runs[key]))
            key_of[vid] = key
            continue
        key_of[vid] = f"n{i}"
        shown.append((f"n{i}", "version", vid, 0))
    edges: list[tuple[str, str]] = []
    stubs: dict[str, str] = {}

    def stub(vid: str) -> str:
        if vid not in stubs:
            stubs[vid] = f"s{len(stubs)}"
            shown.append((stubs[vid], "stub", vid, 0))
        return stubs[vid]

    for vid in window.members:
        for p in parents.get(vid, ()):
            tail = key_of[p] if p in inside else stub(p)
            if tail != key_of[vid]:
                edges.append((tail, key_of[vid]))
        for c in children.get(vid, ()):
            if c not in inside:
                edges.append((key_of[vid], stub(c)))
    edges = list(dict.fromkeys(edges))
    graph = pydot.Dot("lineage", graph_type="digraph", rankdir="TB", nodesep="0.35", ranksep="0.5")
    graph.set_node_defaults(shape="box", fixedsize="true", label='""')
    for key, kind, _vid, _hidden in shown:
        height = {"version": NODE_H, "stub": STUB_H, "more": MORE_H}[kind]
        graph.add_node(pydot.Node(key, width=str(NODE_W), height=str(height)))
    for tail, head in edges:
        graph.add_edge(pydot.Edge(tail, head))
    digest = hashlib.sha256(graph.to_string().encode()).hexdigest()
    plain = cache.get(digest) if cache is not None else None
    if plain is None:
        plain = run_dot(graph)
        if cache is not None:
            cache.put(digest, plain)
    return _parse_plain(plain, shown, expandable=bool(hidden_runs))


def _parse_plain(
    plain: str, shown: list[tuple[str, str, str | None, int]], *, expandable: bool
) -> Layout:
    info = {key: (kind, vid, hidden) for key, kind, vid, hidden in shown}
    height = 0.0
    width = 0.0
    nodes: list[Node] = []
    edges: list[tuple[tuple[float, float], ...]] = []
    for line in plain.splitlines():
        parts = shlex.split(line)
        if not parts:
            continue
        if parts[0] == "graph":
            width, height = float(parts[2]) * DPI, float(parts[3]) * DPI
        elif parts[0] == "node":
            key = parts[1]
            cx, cy, w, h = (float(v) * DPI for v in parts[2:6])
            kind, vid, hidden = info[key]
            nodes.append(Node(key, kind, vid, cx - w / 2, height - cy - h / 2, w, h, hidden))
        elif parts[0] == "edge":
            count = int(parts[3])
            coords = [float(v) * DPI for v in parts[4 : 4 + 2 * count]]
            edges.append(
                tuple((coords[i], height - coords[i + 1]) for i in range(0, len(coords), 2))
            )
    order = {key: i for i, (key, *_rest) in enumerate(shown)}
    nodes.sort(key=lambda n: order[n.key])
    return Layout(width, height, tuple(nodes), tuple(edges), expandable)
