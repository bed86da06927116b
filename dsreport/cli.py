"""The ``dsreport`` command line: parse options, call the library, report errors in one line."""

from __future__ import annotations

import json
from pathlib import Path

import click

from dsreport import __version__

CATALOG_ARG = click.argument(
    "catalog", type=click.Path(file_okay=False, path_type=Path), default=".", required=False
)


class DsreportGroup(click.Group):
    """The command group; turns OS errors into one-line messages instead of tracebacks."""

    def invoke(self, ctx: click.Context) -> object:
        """Run the command, reporting file-system errors (disk full, permission) in one line."""
        from dsreport.errors import DsreportError

        try:
            return super().invoke(ctx)
        except OSError as exc:
            where = str(exc.filename) if exc.filename else None
            raise DsreportError(exc.strerror or str(exc), file=where) from None


@click.group(
    cls=DsreportGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, prog_name="dsreport")
def cli() -> None:
    """Build a static HTML catalog of versioned datasets.

    A catalog is a folder of datasets, versions and file manifests (format 1: see
    `dsreport schema`). The site it builds works from any static host and offline from disk.
    """


@cli.command()
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--example", is_flag=True, help="Fill it with the bundled example catalog.")
def init(directory: Path, example: bool) -> None:
    """Create a new catalog in DIRECTORY (which must not exist yet, or be empty)."""
    from dsreport.scaffold import init_catalog

    init_catalog(directory, example=example)
    what = "example catalog" if example else "empty catalog"
    click.echo(f"Created {what} in {click.format_filename(directory)}")


@cli.command()
@CATALOG_ARG
def validate(catalog: Path) -> None:
    """Check the catalog in CATALOG (default: the current folder) and list every problem.

    Exits 1 when there is any problem, each shown as FILE[:LINE]: FIELD: what was expected.
    """
    from dsreport.catalog.load import load_catalog, validate_catalog
    from dsreport.progress import progress

    with progress(_count_versions(catalog), "Checking manifests") as advance:
        problems = validate_catalog(catalog, progress=lambda _vid: advance(1))
    if problems:
        for problem in problems:
            click.echo(str(problem))
        count = len(problems)
        raise click.ClickException(f"{count} problem{'s' if count != 1 else ''} found")
    loaded = load_catalog(catalog, manifests=False)
    datasets, versions = len(loaded.datasets), len(loaded.versions)
    click.echo(
        f"Catalog is valid: {datasets} dataset{'s' if datasets != 1 else ''}, "
        f"{versions} version{'s' if versions != 1 else ''}."
    )


def _count_versions(catalog: Path) -> int:
    """How many version folders the catalog has, for the progress bar (cheap: no reading)."""
    return sum(1 for _ in catalog.glob("*/versions/*/version.json")) if catalog.is_dir() else 0


@cli.command()
@click.option(
    "--kind",
    type=click.Choice(["dataset", "version", "entry", "config"]),
    help="Print the schema of one kind of document only.",
)
def schema(kind: str | None) -> None:
    """Print the JSON Schema (draft 2020-12) of catalog format 1."""
    from dsreport.catalog.schema import catalog_schema

    click.echo(json.dumps(catalog_schema(kind), indent=2, ensure_ascii=False))


@cli.group("import")
def import_group() -> None:
    """Import dataset versions that another tool made into the catalog."""


@import_group.command("clearml")
@click.argument("source")
@click.option(
    "--catalog",
    type=click.Path(path_type=Path),
    envvar="DSREPORT_CATALOG",
    default=".",
    show_default="$DSREPORT_CATALOG, else the current folder",
    help="The catalog to import into (created if missing).",
)
@click.option(
    "--project",
    "projects",
    multiple=True,
    help="Only datasets of this project (and its sub-projects); repeatable.",
)
@click.option(
    "--dataset", "datasets", multiple=True, help="Only datasets of this name; repeatable."
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=1),
    default=30.0,
    show_default=True,
    help="Seconds to wait for each answer of the server.",
)
@click.option(
    "--retries",
    type=click.IntRange(0, 10),
    default=2,
    show_default=True,
    help="Retries of a request that failed to connect or got a busy answer.",
)
def import_clearml_command(
    source: str,
    catalog: Path,
    projects: tuple[str, ...],
    datasets: tuple[str, ...],
    timeout: float,
    retries: int,
) -> None:
    """Import ClearML dataset versions from SOURCE into the catalog.

    SOURCE is `server` (the ClearML server configured as usual: clearml.conf or the
    CLEARML_API_HOST, CLEARML_FILES_HOST, CLEARML_API_ACCESS_KEY and CLEARML_API_SECRET_KEY
    variables; needs `pip install 'dsreport[clearml]'`), an http(s):// API server URL (with
    the same credentials), or the folder or zip of an offline session (or a folder of them).
    Re-running it updates the catalog: new, changed, archived and deleted versions.
    """
    from dsreport.clearml.importer import import_clearml
    from dsreport.clearml.records import Selection
    from dsreport.errors import DsreportError
    from dsreport.textsafe import safe_text

    report = import_clearml(
        source,
        catalog,
        selection=Selection(projects=projects, datasets=datasets),
        timeout=timeout,
        retries=retries,
        warn=lambda line: click.echo(safe_text(line), err=True),
    )
    for vid, reason in sorted(report.refused.items()):
        click.echo(safe_text(f"refused: version {vid}: {reason}"), err=True)
    click.echo(report.summary())
    if report.refused:
        count = len(report.refused)
        raise DsreportError(
            f"{count} version{'s were' if count != 1 else ' was'} refused (listed above); "
            "everything else was imported"
        )


def main() -> None:
    """Entry point of the ``dsreport`` command."""
    cli(prog_name="dsreport")
