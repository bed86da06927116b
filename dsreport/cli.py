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
    from dsreport.catalog.load import count_versions, load_catalog, validate_catalog
    from dsreport.progress import progress

    with progress(count_versions(catalog), "Checking manifests") as advance:
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


def _default_jobs() -> int:
    """Every core this process may run on."""
    import os

    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


@cli.command()
@click.argument("data_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--catalog",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="DSREPORT_CATALOG",
    default=".",
    show_default="$DSREPORT_CATALOG, else the current folder",
    help="The catalog to add the version to.",
)
@click.option(
    "--dataset",
    "dataset",
    required=True,
    metavar="NAME",
    help="A dataset's folder name or display name; a new name makes a new dataset.",
)
@click.option("--version", "number", metavar="X.Y.Z", help="Version number [default: bumped].")
@click.option(
    "--parent",
    "parents",
    multiple=True,
    metavar="ID|latest",
    help="A parent version (repeat for a merge, in merge order); 'latest' for the dataset's.",
)
@click.option("--name", help="Version name [default: the dataset's name].")
@click.option("--description", default="", help="Version description (Markdown).")
@click.option("--tag", "tags", multiple=True, metavar="TAG", help="A tag (repeat for more).")
@click.option("--project", default="", help="Project of a new dataset.")
@click.option("--no-preview", is_flag=True, help="Keep no previews.")
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(1, 1024),
    default=None,
    help="Processes that hash [default: one per core].",
)
@click.option(
    "--strict", is_flag=True, help="Fail, writing nothing, if anything has to be skipped."
)
def snapshot(
    data_dir: Path,
    catalog: Path,
    dataset: str,
    number: str | None,
    parents: tuple[str, ...],
    name: str | None,
    description: str,
    tags: tuple[str, ...],
    project: str,
    no_preview: bool,
    jobs: int | None,
    strict: bool,
) -> None:
    """Record the folder DATA_DIR as a new version of a dataset.

    Hashes every file (sha256, in parallel, reusing the hashes of unchanged files), writes the
    manifest, prints the changes from the parents, keeps small previews, estimates the
    compressed size and saves this output as the version's console log. Symlinks out of
    DATA_DIR, FIFOs, sockets and devices are never followed nor opened: everything not recorded
    is listed. The version appears whole or not at all.
    """
    from dsreport.snapshot.console import Console
    from dsreport.snapshot.record import SnapshotRequest, take_snapshot, terminate_as_interrupt

    request = SnapshotRequest(
        data_dir=data_dir,
        catalog=catalog,
        dataset=dataset,
        version=number,
        parents=parents,
        name=name,
        description=description,
        tags=tags,
        project=project,
        preview=not no_preview,
        jobs=jobs or _default_jobs(),
        strict=strict,
    )
    from contextlib import nullcontext

    from dsreport.catalog.lock import catalog_lock

    # The catalog lock keeps a snapshot and the dataset actions from writing at the same time;
    # a missing catalog is reported by the snapshot itself, with its own message.
    lock = catalog_lock(request.catalog, "snapshot") if request.catalog.is_dir() else nullcontext()
    with terminate_as_interrupt(), lock:
        take_snapshot(request, Console())


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
    import gc

    try:
        cli(prog_name="dsreport")
    finally:
        # The process ends here: the collector's passes at exit would scan every object left
        # (pydantic's schemas, the catalog), a few hundredths of a second for nothing.
        gc.freeze()
