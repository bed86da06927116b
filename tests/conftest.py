"""Fixtures shared by every test."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import settings

from dsreport.cli import cli
from tests.builders import CatalogBuilder

# No time limit per example: tests hold no timings (the machine is shared, and a first call that
# warms a cache, such as building a JSON Schema validator, made the 200 ms default flaky).
settings.register_profile("dsreport", deadline=None)
settings.load_profile("dsreport")


@pytest.fixture
def builder(tmp_path: Path) -> CatalogBuilder:
    """A catalog builder writing into ``tmp_path / "catalog"``."""
    return CatalogBuilder(tmp_path / "catalog")


@pytest.fixture
def run() -> Callable[..., Result]:
    """Run ``dsreport ARGS…`` in-process; fails the test on an unexpected exception."""

    def invoke(*args: str | Path, input: str | None = None) -> Result:
        result = CliRunner().invoke(cli, [str(a) for a in args], input=input, catch_exceptions=True)
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        assert "Traceback" not in result.output
        return result

    return invoke


def lines(result: Result) -> Sequence[str]:
    """Non-empty output lines."""
    return [line for line in result.output.splitlines() if line.strip()]
