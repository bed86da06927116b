"""A manifest entry in memory, and the limits of its fields.

Plain types, with no pydantic: ``dsreport snapshot`` makes and compares entries in its main
process, which never imports pydantic (its catalog is loaded in a forked process, see
:mod:`dsreport.snapshot.planner`). The catalog's documents are validated by
:mod:`dsreport.model`, which builds on these names.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$"
"""A version id: letters, digits, ``.``, ``_`` and ``-``, at most 128."""
MAX_INT = 2**63 - 1
"""Sizes are stored as signed 64-bit integers by most tools; larger values are refused."""


class Entry(NamedTuple):
    """One manifest entry in memory: a file (``link`` is ``None``) or a link."""

    path: str
    size: int | None
    hash: str | None
    origin: str
    link: str | None = None

    @property
    def is_link(self) -> bool:
        """True for a link entry."""
        return self.link is not None


Content = Mapping[str, Entry]
"""A version's content: its entries by path."""
