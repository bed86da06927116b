"""Progress for long steps: a bar on a terminal, silence in CI and in pipes."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click


def progress_wanted() -> bool:
    """True when a person is watching: standard error is a terminal and ``CI`` is not set."""
    return sys.stderr.isatty() and not os.environ.get("CI")


def _ignore(steps: int) -> None:
    """Advance nothing: progress is not shown."""


@contextmanager
def progress(
    total: int, label: str, detail: Callable[[], str] | None = None
) -> Iterator[Callable[[int], None]]:
    """Yield ``advance(n)``; draw a bar of *total* steps on a terminal, nothing elsewhere.

    *detail*, when given, is called as the bar is drawn and its text shown after the bar
    (counts in other units than the steps: files when the steps are bytes, say).
    """
    if not progress_wanted() or total <= 1:
        yield _ignore
        return
    show = (lambda _item: detail()) if detail else None
    with click.progressbar(length=total, label=label, file=sys.stderr, item_show_func=show) as bar:
        yield bar.update
