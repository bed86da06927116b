"""What every page renderer receives: the catalog, derived values, assets and the environment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from jinja2 import Environment

from dsreport import __version__
from dsreport.model import Catalog, Version
from dsreport.render.env import make_env
from dsreport.summary import VersionSummary
from dsreport.versioning import version_key


@dataclass(frozen=True)
class BuildContext:
    """Everything gathered before rendering; renderers only read it."""

    catalog: Catalog
    summaries: Mapping[str, VersionSummary]
    """Derived values of every version."""
    children: Mapping[str, tuple[str, ...]]
    """Each version's children, by id."""
    assets: Mapping[str, str]
    """Logical asset name (``js/core.js``) -> path in the site (with content hash)."""
    base_url: str | None = None
    """Public URL of the site, when known."""
    env: Environment = field(default_factory=make_env)

    @property
    def title(self) -> str:
        """The site's title."""
        return self.catalog.config.site.title

    def render(
        self, template: str, depth: int, scripts: tuple[str, ...] = (), **values: Any
    ) -> bytes:
        """Render *template* for a page *depth* folders below the site root.

        *scripts* are asset names (``js/table.js``) or site paths of data scripts; ``core.js``
        always comes first.
        """
        root = "../" * depth

        def asset(name: str) -> str:
            return root + self.assets[name]

        page = self.env.get_template(template).render(
            root=root,
            asset=asset,
            site_title=self.title,
            dsreport_version=__version__,
            scripts=[
                asset("js/core.js"),
                # Data scripts are pages' own files (d/…); the rest must be shipped assets.
                *(root + s if s.startswith(("d/", "v/")) else asset(s) for s in scripts),
            ],
            **values,
        )
        return page.encode("utf-8")

    def versions_of(self, slug: str) -> list[Version]:
        """A dataset's versions, newest version number first."""
        versions = [self.catalog.versions[v] for v in self.catalog.datasets[slug].version_ids]
        return sorted(
            versions, key=lambda v: (version_key(v.meta.version), v.meta.created), reverse=True
        )

    def latest(self, slug: str, *, archived: bool | None = False) -> Version | None:
        """The newest version of a dataset (among active ones by default; any when ``None``)."""
        for version in self.versions_of(slug):
            if archived is None or version.meta.archived == archived:
                return version
        return None
