"""The one place that finds the files dsreport ships: templates, assets, the example catalog.

In a wheel they live inside the package (``dsreport/templates`` …, mapped there by hatchling's
``force-include``); in a checkout or an editable install they are at the repository root.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _find(name: str, checkout_path: str) -> Path:
    shipped = _PACKAGE / name
    if shipped.is_dir():
        return shipped
    return _PACKAGE.parent / checkout_path


def templates_dir() -> Path:
    """Jinja templates."""
    return _find("templates", "templates")


def assets_dir() -> Path:
    """CSS, JavaScript and vendored files copied into every site."""
    return _find("assets", "assets")


def example_catalog_dir() -> Path:
    """The bundled example catalog (``dsreport init --example``)."""
    return _find("example_catalog", "examples/catalog")
