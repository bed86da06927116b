"""How a snapshot starts its helper processes, and how they leave Ctrl-C to it.

The helpers (the workers that hash, the process that loads the catalog) are forked: fast to
start, they share the walk and the cache without pickling them. A process with other threads
cannot fork safely, so there they are started with ``forkserver`` or ``spawn`` instead.

Ctrl-C is the main process's: a helper ignores SIGINT, and the main process stops it with
SIGTERM, whose default action ends it at once. Python drops a signal that reaches a child
between the fork and its after-fork clean-up, so the stop signals are held back while forking
(:func:`stop_signals_held`) and let through by the child once it is ready
(:func:`as_helper`): a helper cannot miss the SIGTERM that ends it.
"""

from __future__ import annotations

import multiprocessing
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.context import BaseContext

_STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}


def can_fork() -> bool:
    """True when this process may fork helpers (the system can, and no other thread runs)."""
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


def start_context() -> BaseContext:
    """``fork`` (fast to start) when :func:`can_fork`, else ``forkserver`` or ``spawn``."""
    if can_fork():
        return multiprocessing.get_context("fork")
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


@contextmanager
def stop_signals_held() -> Iterator[None]:
    """Hold back Ctrl-C and SIGTERM while helper processes are started."""
    held = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


def as_helper() -> None:
    """In a helper, first thing: ignore Ctrl-C, end at once on SIGTERM, let both through."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)
