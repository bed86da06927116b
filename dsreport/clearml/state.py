"""Read a dataset version's ``state.json`` (the SDK's ``state`` artifact) into entries (pure).

The state lists the version's files (``dataset_file_entries``), links (``dataset_link_entries``,
missing in states written by old SDKs) and its lineage (``dependency_graph``). It is untrusted
input: every path, hash and size is checked, and anything hostile refuses the whole version
(:class:`StateRefused` lists every problem with the entry it is in). ``local_path`` (where the
file was on the machine that created the version) is ignored: it is never read or written.

Example (a merge; only the keys the import reads)::

    {"id": "2b52…", "dirty": false, "file_count": 6, "total_size": 44,
     "dependency_graph": {"2b52…": ["274b…", "2352…"], "274b…": ["1368…"], …},
     "dataset_file_entries": [{"relative_path": "a.txt", "size": 6, "hash": "b6a9…",
                               "parent_dataset_id": "1368…", "local_path": …}, …],
     "dataset_link_entries": [{"relative_path": "ref/x.csv", "link": "http://…/x.csv",
                               "size": 8, "hash": null, "parent_dataset_id": "1368…"}]}
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from dsreport.model import ID_PATTERN, MAX_INT, Entry, path_problem

_ID = re.compile(ID_PATTERN)
_HEX64 = re.compile(r"^[0-9a-fA-F]{64}$")
_DRIVE = re.compile(r"^[A-Za-z]:")
_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
"""Bidirectional controls: they make a shown path differ from the real one ("Trojan Source")."""
_BAD_CHARS = re.compile(f"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff{_BIDI}]")
"""Control characters (Unicode Cc), line and paragraph separators, surrogates, bidi controls."""
MAX_PATH_BYTES = 4096
"""A longer ``relative_path`` is refused (no file system stores it)."""
MAX_SEGMENT_BYTES = 255
"""A longer path segment is refused."""
MAX_PROBLEMS = 20
"""Problems listed per refused version, at most."""


class StateRefused(Exception):
    """The state cannot be imported; ``problems`` says why, naming each entry."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class ParsedState:
    """What the import takes from a state."""

    parents: tuple[str, ...]
    """The version's parents, in merge order (``dependency_graph[<own id>]``)."""
    entries: tuple[Entry, ...]
    """Files and links; ``origin`` is the entry's ``parent_dataset_id`` (``""`` if it has none)."""
    dirty: bool
    """True for a draft (files added but the version not finalized)."""
    raw_counts: Mapping[str, Any]
    """The state's own ``file_count`` and ``total_size``, raw."""
    notes: tuple[str, ...]
    """Harmless oddities worth telling (an old SDK's state without link entries…)."""


def hostile_path_problem(path: str) -> str | None:
    """Say why a ``relative_path`` must not be imported, or ``None`` when it is fine.

    Beyond the catalog's rule (relative POSIX, no empty, ``.`` or ``..`` segment, no NUL): no
    control characters, bidirectional overrides, no ``..`` between backslashes or Windows drive or
    UNC prefix (such paths escape a folder when extracted on Windows), valid Unicode, and
    lengths a file system can hold.
    """
    problem = path_problem(path)
    if problem:
        return problem
    if _BAD_CHARS.search(path):
        return "holds a control, bidirectional-override or surrogate character"
    if path.startswith("\\") or _DRIVE.match(path):
        return "looks like a Windows absolute path"
    if "\\" in path and any(seg in (".", "..") for seg in re.split(r"[/\\]", path)):
        return "holds a '..' or '.' segment between backslashes"
    if len(path) * 4 <= MAX_SEGMENT_BYTES:  # no UTF-8 character is longer than 4 bytes
        return None
    encoded = path.encode("utf-8")
    if len(encoded) > MAX_PATH_BYTES:
        return f"is longer than {MAX_PATH_BYTES} bytes"
    if any(len(seg) > MAX_SEGMENT_BYTES for seg in encoded.split(b"/")):
        return f"has a segment longer than {MAX_SEGMENT_BYTES} bytes"
    return None


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:79] + "…"


class _Checker:
    """Collects problems while entries are read."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.ids: set[str] = set()
        """Origins already found to be valid ids (most entries share a few)."""

    def problem(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    def entry(self, where: str, raw: Any, *, link: bool) -> Entry | None:
        if not isinstance(raw, Mapping):
            self.problem(where, f"expected an object, got {_show(raw)}")
            return None
        path = raw.get("relative_path")
        if not isinstance(path, str):
            self.problem(f"{where}.relative_path", f"expected a string, got {_show(path)}")
            return None
        where = f"{where} ({path!r})"
        before = len(self.problems)
        problem = hostile_path_problem(path)
        if problem:
            self.problem(f"{where}.relative_path", f"refused: {problem}")
        size = self.size(where, raw.get("size"), required=not link)
        digest = self.digest(where, raw.get("hash"), required=not link)
        origin = raw.get("parent_dataset_id")
        if origin is None:
            origin = ""
        elif isinstance(origin, str) and origin in self.ids:
            pass
        elif not isinstance(origin, str) or not _ID.fullmatch(origin):
            self.problem(f"{where}.parent_dataset_id", f"not a version id: {_show(origin)}")
        else:
            self.ids.add(origin)
        target = raw.get("link") if link else None
        if link:
            if not isinstance(target, str) or not target:
                self.problem(f"{where}.link", f"expected a URL, got {_show(target)}")
            elif _BAD_CHARS.search(target):
                self.problem(f"{where}.link", "holds a control, bidi or surrogate character")
        if len(self.problems) > before:
            return None
        return Entry(path, size, digest, origin, target)

    def size(self, where: str, value: Any, *, required: bool) -> int | None:
        """The size (``None`` when absent and allowed, or after a problem)."""
        if value is None and not required:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_INT:
            self.problem(f"{where}.size", f"expected a size in bytes, got {_show(value)}")
            return None
        return value

    def digest(self, where: str, value: Any, *, required: bool) -> str | None:
        """The lowercase sha256 (``None`` when absent and allowed, or after a problem)."""
        if value is None and not required:
            return None
        if not isinstance(value, str) or not _HEX64.fullmatch(value):
            self.problem(f"{where}.hash", f"expected a sha256 (64 hex digits), got {_show(value)}")
            return None
        return value.lower()


def parse_state(data: bytes, task_id: str) -> ParsedState:
    """Read the state of version *task_id*; raise :class:`StateRefused` listing every problem."""
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise StateRefused([f"state.json: not valid JSON ({exc})"]) from None
    if not isinstance(doc, dict):
        raise StateRefused(["state.json: expected a JSON object"])
    check = _Checker()
    notes: list[str] = []
    own = doc.get("id")
    if own is not None and own != task_id:
        check.problem("state.json: id", f"belongs to another version: {_show(own)}")
    files = doc.get("dataset_file_entries", [])
    if not isinstance(files, list):
        check.problem("state.json: dataset_file_entries", "expected a list")
        files = []
    if "dataset_link_entries" not in doc:
        notes.append("its state has no dataset_link_entries (an old SDK): no links")
    links = doc.get("dataset_link_entries") or []
    if not isinstance(links, list):
        check.problem("state.json: dataset_link_entries", "expected a list")
        links = []
    entries: list[Entry] = []
    for i, raw in enumerate(files):
        e = check.entry(f"state.json: dataset_file_entries[{i}]", raw, link=False)
        if e is not None:
            entries.append(e)
    for i, raw in enumerate(links):
        e = check.entry(f"state.json: dataset_link_entries[{i}]", raw, link=True)
        if e is not None:
            entries.append(e)
    seen: set[str] = set()
    for e in entries:
        if e.path in seen:
            check.problem("state.json", f"relative_path {e.path!r} is listed twice")
        seen.add(e.path)
    parents = _parents(check, doc.get("dependency_graph"), task_id)
    dirty = doc.get("dirty", False)
    if not isinstance(dirty, bool):
        check.problem("state.json: dirty", f"expected true or false, got {_show(dirty)}")
    if check.problems:
        shown = check.problems[:MAX_PROBLEMS]
        more = len(check.problems) - len(shown)
        raise StateRefused(shown + ([f"and {more} more problems"] if more else []))
    counts = {k: doc[k] for k in ("file_count", "total_size") if k in doc}
    return ParsedState(
        parents=parents,
        entries=tuple(entries),
        dirty=bool(dirty),
        raw_counts=counts,
        notes=tuple(notes),
    )


def _parents(check: _Checker, graph: Any, task_id: str) -> tuple[str, ...]:
    if graph is None:
        return ()
    if not isinstance(graph, Mapping):
        check.problem("state.json: dependency_graph", "expected an object")
        return ()
    own = graph.get(task_id) or []
    if not isinstance(own, list):
        check.problem(f"state.json: dependency_graph[{task_id!r}]", "expected a list of ids")
        return ()
    parents: list[str] = []
    for p in own:
        if not isinstance(p, str) or not _ID.fullmatch(p):
            check.problem(
                f"state.json: dependency_graph[{task_id!r}]", f"not a version id: {_show(p)}"
            )
        elif p != task_id and p not in parents:
            parents.append(p)
    return tuple(parents)
