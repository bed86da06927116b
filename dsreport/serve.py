"""``dsreport serve``: build, serve the site on localhost, rebuild when the catalog changes."""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from dsreport.build import build_site
from dsreport.errors import DsreportError

Fingerprint = tuple[tuple[str, int, int], ...]


def catalog_fingerprint(root: Path) -> Fingerprint:
    """(path, size, mtime) of every file of the catalog, dot-folders skipped: cheap to compare."""
    items: list[tuple[str, int, int]] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            path = os.path.join(folder, name)
            try:
                stat = os.stat(path)
            except OSError:
                continue
            items.append((os.path.relpath(path, root), stat.st_size, stat.st_mtime_ns))
    return tuple(items)


class _Handler(SimpleHTTPRequestHandler):
    """Serves the site folder; quiet (the terminal shows builds, not every request)."""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass


def make_server(output: Path, host: str, port: int) -> ThreadingHTTPServer:
    """An HTTP server for *output* (looked up on each request, so swapped-in builds are served)."""
    handler = functools.partial(_Handler, directory=str(output))
    return ThreadingHTTPServer((host, port), handler)


def watch(
    catalog: Path,
    output: Path,
    stop: threading.Event,
    report: Callable[[str], None],
    interval: float = 1.0,
) -> None:
    """Rebuild *output* whenever the catalog's files change, until *stop* is set.

    A failed build is reported in one line and the previous site keeps being served.
    """
    last = catalog_fingerprint(catalog)
    while not stop.wait(interval):
        current = catalog_fingerprint(catalog)
        if current == last:
            continue
        last = current
        try:
            result = build_site(catalog, output)
        except DsreportError as exc:
            report(f"Build failed, still serving the previous site: {exc.format_message()}")
        else:
            report(f"Rebuilt: {len(result.rewritten)} files written.")
