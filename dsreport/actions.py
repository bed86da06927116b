"""The dataset actions as plans: what ``tag``, ``archive``, ``restore`` and ``delete`` change.

Planning is pure: it takes a loaded catalog (and, for ``delete``, a way to read contents) and
returns the new bytes of every file to rewrite and the folders to remove, plus one outcome per
version for the report. :mod:`dsreport.catalog.edit` takes the lock, validates, plans and
commits the plan through the journal, all or nothing.

Rules (the README repeats them):

- A version whose ``version.json`` an action changes gets ``updated`` set to the time of the
  command; a version already in the wanted state is left exactly as it is (a no-op, reported).
- ``tag`` appends added tags not already there (in the order given) and drops removed ones;
  the other tags keep their order. Tags are stored exactly as given.
- ``delete`` removes archived versions only, with their folders (manifest, console log,
  previews). A surviving version that descends from a deleted one is a *dependant*; the
  command refuses, naming them, when a dependant is not archived, unless ``force``. Dependants
  are then rewired so the catalog stays valid: a deleted parent is replaced by its own
  surviving parents, recursively (the lineage closes over the gap, merge order kept, a parent
  listed twice keeps its last place, where it wins the merge); and a manifest entry whose
  ``origin`` is a deleted version gets as origin the version the same content comes from in
  the new parents' merged content, or the dependant itself when the content is new there.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from dsreport.catalog.journal import Change
from dsreport.catalog.write import document_bytes, manifest_bytes
from dsreport.diff import entry_changed, merge_contents
from dsreport.errors import DsreportError
from dsreport.lineage import children_of, descendants, topological_order
from dsreport.model import Catalog, Content, Entry, VersionJson
from dsreport.terminal import show_tags
from dsreport.versioning import version_key

ContentReader = Callable[[str], Content]
"""Reads a version's content by id."""


@dataclass(frozen=True)
class Outcome:
    """What an action does (or would do) to one version."""

    vid: str
    verb: str
    """``archive``, ``restore``, ``tag``, ``delete``, ``rewire``: what is done."""
    changed: bool
    """False for a no-op: the version is already in the wanted state."""
    detail: str = ""
    """What exactly (tags added, parents rewired), or why nothing changes."""


@dataclass(frozen=True)
class Plan:
    """Everything one action changes, ready to commit."""

    action: str
    outcomes: tuple[Outcome, ...]
    change: Change


def _version_json_path(catalog: Catalog, vid: str) -> str:
    folder = catalog.versions[vid].folder
    return (folder / "version.json").relative_to(catalog.root).as_posix()


def _rel(catalog: Catalog, vid: str) -> str:
    return catalog.versions[vid].folder.relative_to(catalog.root).as_posix()


def label(catalog: Catalog, vid: str) -> str:
    """How a version is named in reports: ``id (dataset version)``."""
    version = catalog.versions[vid]
    return f"{vid} ({version.dataset} {version.meta.version})"


def plan_archive(catalog: Catalog, ids: Sequence[str], *, archived: bool, now: str) -> Plan:
    """Archive (or, with ``archived=False``, restore) the versions *ids*."""
    verb = "archive" if archived else "restore"
    outcomes: list[Outcome] = []
    writes: dict[str, bytes] = {}
    for vid in ids:
        meta = catalog.versions[vid].meta
        if meta.archived == archived:
            reason = "already archived" if archived else "not archived"
            outcomes.append(Outcome(vid, verb, False, reason))
            continue
        writes[_version_json_path(catalog, vid)] = document_bytes(
            replace(meta, archived=archived, updated=now)
        )
        outcomes.append(Outcome(vid, verb, True))
    return Plan(verb, tuple(outcomes), Change(writes=writes))


def check_tags(add: Sequence[str], remove: Sequence[str]) -> None:
    """Refuse no tag at all, an empty tag, a tag that is not text, or one both added and
    removed."""
    if not add and not remove:
        raise DsreportError("give at least one --add TAG or --remove TAG")
    for option, tags in (("--add", add), ("--remove", remove)):
        if any(tag == "" for tag in tags):
            raise DsreportError(f"{option}: a tag cannot be empty")
        for tag in tags:
            # Arguments that are not valid UTF-8 reach Python as lone surrogates, which no
            # JSON document can hold.
            if any("\ud800" <= c <= "\udfff" for c in tag):
                raise DsreportError(f"{option}: a tag must be valid UTF-8 text, got {tag!r}")
    both = [t for t in dict.fromkeys(add) if t in remove]
    if both:
        raise DsreportError(f"tags both added and removed: {show_tags(both)}")


def plan_tag(
    catalog: Catalog, ids: Sequence[str], *, add: Sequence[str], remove: Sequence[str], now: str
) -> Plan:
    """Add the tags *add* to and remove the tags *remove* from the versions *ids*."""
    check_tags(add, remove)
    outcomes: list[Outcome] = []
    writes: dict[str, bytes] = {}
    adding = list(dict.fromkeys(add))
    for vid in ids:
        meta = catalog.versions[vid].meta
        added = [t for t in adding if t not in meta.tags]
        removed = [t for t in meta.tags if t in remove]
        if not added and not removed:
            have = [t for t in adding if t in meta.tags]
            why = [f"has {show_tags(have)} already"] if have else []
            why += [f"has no {show_tags(list(dict.fromkeys(remove)))}"] if remove else []
            outcomes.append(Outcome(vid, "tag", False, "; ".join(why)))
            continue
        tags = tuple(t for t in meta.tags if t not in remove) + tuple(added)
        writes[_version_json_path(catalog, vid)] = document_bytes(
            replace(meta, tags=tags, updated=now)
        )
        what = ([f"+ {show_tags(added)}"] if added else []) + (
            [f"- {show_tags(removed)}"] if removed else []
        )
        outcomes.append(Outcome(vid, "tag", True, "; ".join(what)))
    return Plan("tag", tuple(outcomes), Change(writes=writes))


def _listing(ids: Sequence[str], limit: int = 10) -> str:
    shown = ", ".join(repr(v) for v in ids[:limit])
    return shown + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


def _dedupe_keep_last(ids: Iterable[str]) -> tuple[str, ...]:
    """Each id once, at its last place (a later parent wins the merge, so its place counts)."""
    order = list(ids)
    last = {vid: i for i, vid in enumerate(order)}
    return tuple(vid for i, vid in enumerate(order) if last[vid] == i)


def spliced_parents(
    parents: dict[str, tuple[str, ...]], doomed: set[str]
) -> dict[str, tuple[str, ...]]:
    """New parents of the survivors that lose a parent: each deleted parent replaced by its own
    surviving parents, recursively, in merge order (see the module docstring)."""
    order = topological_order(parents)
    through: dict[str, tuple[str, ...]] = {}
    """What a deleted version stands for among the survivors."""
    new: dict[str, tuple[str, ...]] = {}
    for vid in order:
        ps = parents[vid]
        if not any(p in doomed for p in ps):
            if vid in doomed:
                through[vid] = ps
            continue
        flat = _dedupe_keep_last(x for p in ps for x in (through[p] if p in doomed else (p,)))
        if vid in doomed:
            through[vid] = flat
        else:
            new[vid] = flat
    return new


def _manifest_file_bytes(name: str, entries: Iterable[Entry]) -> bytes:
    data = manifest_bytes(entries)
    return gzip.compress(data, mtime=0) if name.endswith(".gz") else data


def plan_delete(
    catalog: Catalog, ids: Sequence[str], *, force: bool, now: str, read: ContentReader
) -> Plan:
    """Delete the archived versions *ids* and rewire their dependants (see the module docs)."""
    versions = catalog.versions
    active = [vid for vid in ids if not versions[vid].meta.archived]
    if active:
        raise DsreportError(
            f"only archived versions can be deleted, and {_listing(active)} "
            f"{'is' if len(active) == 1 else 'are'} not archived (archive first); "
            "nothing changed"
        )
    doomed = set(ids)
    parents = catalog.parents()
    kids = children_of(parents)
    dependants: set[str] = set()
    for vid in ids:
        dependants |= descendants(parents, vid, kids)
    dependants -= doomed
    blocking = [vid for vid in versions if vid in dependants and not versions[vid].meta.archived]
    if blocking and not force:
        raise DsreportError(
            f"{_listing(blocking)} {'is' if len(blocking) == 1 else 'are'} not archived and "
            "depend on versions to delete (archive or delete them too, or give --force to "
            "delete anyway and rewire them); nothing changed"
        )
    new_parents = spliced_parents(parents, doomed)
    writes: dict[str, bytes] = {}
    rewired: dict[str, list[str]] = {}
    for vid, ps in new_parents.items():
        meta: VersionJson = versions[vid].meta
        writes[_version_json_path(catalog, vid)] = document_bytes(
            replace(meta, parents=ps, updated=now)
        )
        old = ", ".join(meta.parents) or "none"
        rewired[vid] = [f"parents {old} -> {', '.join(ps) or 'none'}"]
    moved = _rewrite_origins(catalog, dependants, doomed, new_parents, read, writes)
    for vid, count in moved.items():
        rewired.setdefault(vid, []).append(f"{count} origin{'s' if count != 1 else ''} moved")
    outcomes = [Outcome(vid, "delete", True) for vid in ids]
    outcomes += [
        Outcome(vid, "rewire", True, "; ".join(rewired[vid])) for vid in versions if vid in rewired
    ]
    removes = tuple(_rel(catalog, vid) for vid in ids)
    return Plan("delete", tuple(outcomes), Change(writes=writes, removes=removes))


def _rewrite_origins(
    catalog: Catalog,
    dependants: set[str],
    doomed: set[str],
    new_parents: dict[str, tuple[str, ...]],
    read: ContentReader,
    writes: dict[str, bytes],
) -> dict[str, int]:
    """Move origins that point at deleted versions; add the manifests to *writes*.

    Returns how many entries moved, by version. Dependants are visited parents first; each
    content is kept only until its last dependant child has been visited.
    """
    parents = {vid: new_parents.get(vid, v.meta.parents) for vid, v in catalog.versions.items()}
    key = {vid: (v.dataset, version_key(v.meta.version)) for vid, v in catalog.versions.items()}
    survivors = {vid: ps for vid, ps in parents.items() if vid not in doomed}
    order = [vid for vid in topological_order(survivors, key=key.__getitem__) if vid in dependants]
    remaining: dict[str, int] = {}
    for vid in order:
        for p in parents[vid]:
            remaining[p] = remaining.get(p, 0) + 1
    cache: dict[str, Content] = {}

    def content(vid: str) -> Content:
        if vid not in cache:
            cache[vid] = read(vid)
        return cache[vid]

    moved: dict[str, int] = {}
    for vid in order:
        own = content(vid)
        if any(e.origin in doomed for e in own.values()):
            base = merge_contents([content(p) for p in parents[vid]]) if parents[vid] else {}
            fixed: dict[str, Entry] = {}
            count = 0
            for path, entry in own.items():
                if entry.origin in doomed:
                    was = base.get(path)
                    same = was is not None and not entry_changed(was, entry)
                    entry = entry._replace(origin=was.origin if was is not None and same else vid)
                    count += 1
                fixed[path] = entry
            cache[vid] = fixed
            moved[vid] = count
            manifest = catalog.versions[vid].manifest_path
            writes[manifest.relative_to(catalog.root).as_posix()] = _manifest_file_bytes(
                manifest.name, fixed.values()
            )
        for p in parents[vid]:
            remaining[p] -= 1
            if remaining[p] == 0:
                cache.pop(p, None)
        if remaining.get(vid, 0) == 0:
            cache.pop(vid, None)
    return moved


def summary(plan: Plan, *, dry_run: bool) -> str:
    """The last line of an action's report: how many versions changed and how many did not."""
    main = [o for o in plan.outcomes if o.verb != "rewire"]
    done = sum(1 for o in main if o.changed)
    same = len(main) - done
    rewired = sum(1 for o in plan.outcomes if o.verb == "rewire")
    past = {"archive": "Archived", "restore": "Restored", "tag": "Tagged", "delete": "Deleted"}
    verb = plan.action if dry_run else past[plan.action]

    def versions(n: int) -> str:
        return f"{n} version{'s' if n != 1 else ''}"

    if done == 0:
        return f"Nothing to change: {'all ' if same > 1 else ''}{versions(same)} already as asked."
    text = f"{'Would ' + verb if dry_run else verb} {versions(done)}"
    if rewired:
        text += f" and {'rewire' if dry_run else 'rewired'} {rewired} dependant" + (
            "s" if rewired != 1 else ""
        )
    if same:
        text += f"; {versions(same)} unchanged"
    return text + (" (dry run: nothing was changed)." if dry_run else ".")


def report_lines(catalog: Catalog, plan: Plan, *, dry_run: bool) -> list[str]:
    """One line per version (what is or would be done, or why nothing), then the summary."""
    past = {
        "archive": "archived",
        "restore": "restored",
        "tag": "tagged",
        "delete": "deleted",
        "rewire": "rewired",
    }
    lines = []
    for o in plan.outcomes:
        name = label(catalog, o.vid)
        if not o.changed:
            lines.append(f"unchanged  {name}: {o.detail}")
            continue
        verb = f"would {o.verb}" if dry_run else past[o.verb]
        lines.append(f"{verb}  {name}" + (f": {o.detail}" if o.detail else ""))
    lines.append(summary(plan, dry_run=dry_run))
    return lines
