"""The Jinja environment: autoescape everywhere, strict undefined, formatting in filters."""

from __future__ import annotations

from datetime import timezone
from functools import lru_cache

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from dsreport.model import parse_rfc3339
from dsreport.render.jsonsafe import script_json
from dsreport.render.markdown import markdown_html, tree_html
from dsreport.resources import templates_dir

_UNITS = ("B", "KB", "MB", "GB", "TB", "PB", "EB")


def filesize(size: int | None) -> str:
    """Bytes for people, in decimal units as ClearML shows them: ``1.46 MB``; ``–`` if unknown."""
    if size is None:
        return "–"
    value = float(abs(size))
    unit = 0
    while value >= 1000 and unit < len(_UNITS) - 1:
        value /= 1000
        unit += 1
    sign = "-" if size < 0 else ""
    if unit == 0:
        return f"{sign}{int(value)} B"
    return (
        f"{sign}{value:.3g} {_UNITS[unit]}" if value < 100 else f"{sign}{value:.0f} {_UNITS[unit]}"
    )


def signed_size(size: int) -> str:
    """A size change with its sign: ``+1.2 MB``, ``-300 B``, ``0 B``."""
    return ("+" if size > 0 else "") + filesize(size)


def timestamp(value: str) -> str:
    """An RFC 3339 time as ``2026-03-01 09:30 UTC`` (the page's script shows local time)."""
    moment = parse_rfc3339(value).astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def iso_utc(value: str) -> str:
    """An RFC 3339 time normalised to UTC, for ``<time datetime>`` and sorting."""
    return parse_rfc3339(value).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def number(value: int) -> str:
    """An integer with thousands separators."""
    return f"{value:,}"


@lru_cache(maxsize=1)
def make_env() -> Environment:
    """The environment that renders every page."""
    env = Environment(
        loader=FileSystemLoader(templates_dir()),
        # Every template is HTML here; select_autoescape would skip .svg/.js names.
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        filesize=filesize,
        signed_size=signed_size,
        timestamp=timestamp,
        iso_utc=iso_utc,
        number=number,
        markdown=markdown_html,
        tree_html=tree_html,
        script_json=script_json,
    )
    return env
