"""Which versions a filter or a selection picks: the rules the CLI and the dataset page share.

The dataset page filters its versions list in JavaScript and hands users ``dsreport`` commands
for what they selected; ``dsreport list`` and the ``--dataset NAME --all|--filter`` flags of the
actions must pick exactly the versions the page showed. So the rules live here, once, and the
page implements the same ones:

**State** (``state=``): ``active`` (not archived: the page's default list), ``archived`` (the
page's OPEN ARCHIVE view) or ``all``.

**Tag** (``tag=T``): a version matches when ``T`` is one of its tags, compared exactly (case,
spaces and every other character count). Given several times, a version must have every one.

**Text** (``text=Q``): a version matches when ``Q`` lower-cased is a substring of its name, its
version number, its id, or one of its tags, each lower-cased and searched on its own (a text
never matches across two fields or two tags). Lower-casing is Python's ``str.lower`` and
JavaScript's ``String.prototype.toLowerCase`` (the same Unicode full mapping); there is no
trimming and no Unicode normalisation, and the empty text matches every version. Given several
times, every text must match. The description is not searched.

A version matches a filter when it matches its state, every tag and every text. In JavaScript::

    const lower = (s) => s.toLowerCase();
    const matches = (v, f) =>
      (f.state === "all" || v.archived === (f.state === "archived")) &&
      f.tags.every((t) => v.tags.includes(t)) &&
      f.texts.every((q) => [v.name, v.version, v.id, ...v.tags]
                             .some((field) => lower(field).includes(lower(q))));

On the command line a filter is written as ``--filter KEY=VALUE`` options (``tag=…``,
``text=…``, ``state=…``), split at the first ``=``. A selection is version ids, or
``--dataset NAME`` with ``--all`` (every version of the dataset in the command's default state)
or ``--filter`` (every version of the dataset that matches; ``state`` defaults to the command's
default state: ``active`` for ``list``, ``tag`` and ``archive``, ``archived`` for ``restore``
and ``delete``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from dsreport.errors import DsreportError
from dsreport.model import Catalog, VersionJson

State = Literal["active", "archived", "all"]
"""Which versions by archived state: not archived, archived, or both."""

STATES: tuple[State, ...] = ("active", "archived", "all")
FILTER_KEYS = ("tag", "text", "state")


@dataclass(frozen=True)
class Filter:
    """What a version must match (see the module docstring for the exact rules)."""

    state: State = "active"
    """Archived state the version must be in."""
    tags: tuple[str, ...] = ()
    """Tags the version must all have (exact match)."""
    texts: tuple[str, ...] = ()
    """Texts that must each be found, case-insensitively, in the name, version, id or a tag."""

    def describe(self) -> str:
        """The filter as the ``KEY=VALUE`` terms that give it, for messages."""
        terms = [f"state={self.state}"]
        terms += [f"tag={tag!r}" for tag in self.tags]
        terms += [f"text={text!r}" for text in self.texts]
        return ", ".join(terms)


def state_matches(meta: VersionJson, state: State) -> bool:
    """True when the version's archived state is *state* (always true for ``all``)."""
    return state == "all" or meta.archived == (state == "archived")


def text_matches(meta: VersionJson, text: str) -> bool:
    """True when *text* lower-cased is in the lower-cased name, version, id or one tag."""
    needle = text.lower()
    fields = (meta.name, meta.version, meta.id, *meta.tags)
    return any(needle in field.lower() for field in fields)


def matches(meta: VersionJson, flt: Filter) -> bool:
    """True when the version matches the state, every tag and every text of *flt*."""
    return (
        state_matches(meta, flt.state)
        and all(tag in meta.tags for tag in flt.tags)
        and all(text_matches(meta, text) for text in flt.texts)
    )


def parse_filter(terms: Iterable[str], *, default_state: State) -> Filter:
    """Build a filter from ``KEY=VALUE`` terms (``tag=``, ``text=``, ``state=``).

    Raises :class:`DsreportError` naming the ``--filter`` term at fault.
    """
    state: State | None = None
    tags: list[str] = []
    texts: list[str] = []
    for term in terms:
        key, sep, value = term.partition("=")
        if not sep or key not in FILTER_KEYS:
            raise DsreportError(
                f"--filter: expected KEY=VALUE with KEY one of {', '.join(FILTER_KEYS)}, "
                f"got {term!r}"
            )
        if key == "tag":
            tags.append(value)
        elif key == "text":
            texts.append(value)
        else:
            if value not in STATES:
                raise DsreportError(
                    f"--filter: state must be one of {', '.join(STATES)}, got {value!r}"
                )
            if state is not None and state != value:
                raise DsreportError(f"--filter: state is given twice ({state} and {value})")
            state = value
    return Filter(state=state or default_state, tags=tuple(tags), texts=tuple(texts))


def filter_versions(catalog: Catalog, dataset: str | None, flt: Filter) -> list[str]:
    """Ids of the versions (of *dataset*, or of every dataset) that match, in catalog order."""
    return [
        vid
        for vid, version in catalog.versions.items()
        if (dataset is None or version.dataset == dataset) and matches(version.meta, flt)
    ]


def check_dataset(catalog: Catalog, dataset: str) -> None:
    """Raise a one-line error unless *dataset* is the slug of a dataset of the catalog."""
    if dataset in catalog.datasets:
        return
    by_name = [slug for slug, d in catalog.datasets.items() if d.meta.name == dataset]
    if len(by_name) == 1:
        hint = f" (that is the display name of {by_name[0]!r}: give its folder name)"
    else:
        known = list(catalog.datasets)
        shown = ", ".join(repr(s) for s in known[:10]) + (", …" if len(known) > 10 else "")
        hint = f" (known: {shown})" if known else " (the catalog has no dataset)"
    raise DsreportError(f"--dataset: unknown dataset {dataset!r}{hint}")


def _quoted_list(ids: Sequence[str], limit: int = 10) -> str:
    shown = ", ".join(repr(i) for i in ids[:limit])
    return shown + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


def select_versions(
    catalog: Catalog,
    *,
    ids: Sequence[str],
    dataset: str | None,
    select_all: bool,
    filter_terms: Sequence[str],
    default_state: State,
) -> list[str]:
    """The version ids an action works on, in catalog order, or a one-line error.

    The selection is either *ids* (all known; all in *dataset* when it is given) or, with
    *dataset*, every version of it that *select_all* (in *default_state*) or *filter_terms*
    (see :func:`parse_filter`) picks. An empty selection is an error: an action never silently
    does nothing because a filter was mistyped.
    """
    if ids and (select_all or filter_terms):
        raise DsreportError("give version ids, or --all or --filter, not both")
    if select_all and filter_terms:
        raise DsreportError(
            "--all and --filter cannot be combined (to widen --all to every state, use "
            "--filter state=all)"
        )
    if (select_all or filter_terms) and dataset is None:
        raise DsreportError(
            f"{'--all' if select_all else '--filter'} needs --dataset NAME (the dataset to act on)"
        )
    if dataset is not None:
        check_dataset(catalog, dataset)
    if not ids:
        if dataset is None or not (select_all or filter_terms):
            raise DsreportError(
                "no version selected: give version ids, or --dataset NAME with --all or "
                "--filter KEY=VALUE"
            )
        flt = parse_filter(filter_terms, default_state=default_state)
        found = filter_versions(catalog, dataset, flt)
        if not found:
            how = "--all" if select_all else "--filter"
            raise DsreportError(
                f"{how}: no version of dataset {dataset!r} matches ({flt.describe()}); "
                "nothing changed"
            )
        return found
    wanted = list(dict.fromkeys(ids))
    unknown = [vid for vid in wanted if vid not in catalog.versions]
    if unknown:
        plural = "s" if len(unknown) > 1 else ""
        raise DsreportError(f"unknown version id{plural} {_quoted_list(unknown)}; nothing changed")
    if dataset is not None:
        foreign = [vid for vid in wanted if catalog.versions[vid].dataset != dataset]
        if foreign:
            where = ", ".join(
                f"{vid!r} is in {catalog.versions[vid].dataset!r}" for vid in foreign[:10]
            )
            raise DsreportError(
                f"--dataset: not versions of dataset {dataset!r}: {where}; nothing changed"
            )
    chosen = set(wanted)
    return [vid for vid in catalog.versions if vid in chosen]
