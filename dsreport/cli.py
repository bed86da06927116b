"""The ``dsreport`` command line: parse options, call the library, report errors in one line."""

from __future__ import annotations

import json
from pathlib import Path

import click

from dsreport import __version__
from dsreport.cli_catalog import COMMANDS as CATALOG_COMMANDS

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
@CATALOG_ARG
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to write the site (default: [build] output in dsreport.toml, else ./site).",
)
@click.option("--base-url", help="Public URL the site will be published at.")
def build(catalog: Path, output: Path | None, base_url: str | None) -> None:
    """Build the static site of CATALOG (default: the current folder).

    Incremental: files that did not change are not rewritten. Atomic: the site is written aside
    and swapped in at the end, so a failed build leaves the previous site whole.
    """
    from dsreport.build import build_site
    from dsreport.catalog.load import load_config

    target = output or Path(load_config(catalog).build.output)
    result = build_site(catalog, target, base_url=base_url)
    index = (result.output / "index.html").resolve()
    click.echo(
        f"Built {result.files} files into {click.format_filename(result.output)} "
        f"({len(result.rewritten)} written, {result.files - len(result.rewritten)} unchanged)."
    )
    click.echo(f"Open {index.as_uri()}")


@cli.command()
@CATALOG_ARG
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to write the site (default: [build] output in dsreport.toml, else ./site).",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, help="Port (0: any free port).")
def serve(catalog: Path, output: Path | None, host: str, port: int) -> None:
    """Build the site of CATALOG, serve it on localhost, rebuild when the catalog changes.

    Stop with Ctrl+C. A build that fails is reported and the previous site stays served.
    """
    import threading

    from dsreport.build import build_site
    from dsreport.catalog.load import load_config
    from dsreport.serve import make_server, watch

    target = output or Path(load_config(catalog).build.output)
    build_site(catalog, target)
    server = make_server(target, host, port)
    address = f"http://{host}:{server.server_address[1]}/"
    click.echo(f"Serving {click.format_filename(target)} on {address} (Ctrl+C to stop)")
    stop = threading.Event()
    watcher = threading.Thread(
        target=watch,
        args=(catalog, target, stop, lambda line: click.echo(line, err=True)),
        daemon=True,
    )
    watcher.start()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("Stopped.", err=True)
    finally:
        stop.set()
        server.server_close()


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


for _command in CATALOG_COMMANDS:
    cli.add_command(_command)


def main() -> None:
    """Entry point of the ``dsreport`` command."""
    cli(prog_name="dsreport")
