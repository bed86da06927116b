"""The commands that read a catalog (``list``, ``show``, ``diff``) and change it (``tag``,
``archive``, ``restore``, ``delete``). Thin: parse the options, call the library, print.

They find the catalog with ``--catalog C`` (default ``$DSREPORT_CATALOG``, else the current
folder), so the commands the dataset page hands out run as they are from inside a catalog.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

CATALOG_OPTION = click.option(
    "--catalog",
    "catalog",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="DSREPORT_CATALOG",
    default=".",
    show_envvar=True,
    help="The catalog folder (default: $DSREPORT_CATALOG, else the current folder).",
)


def _echo_data(text: str) -> None:
    """Print CSV for scripts: exactly as it is in a pipe, terminal-safe on a terminal."""
    from dsreport.textsafe import safe_text

    if sys.stdout.isatty():
        text = "\n".join(safe_text(line) for line in text.split("\n"))
    click.echo(text)


@click.command("list")
@click.argument("dataset", required=False)
@click.option("--archived", is_flag=True, help="List archived versions (same as --state archived).")
@click.option(
    "--state",
    type=click.Choice(["active", "archived", "all"]),
    help="Archived state to list  [default: active].",
)
@click.option("--tag", "tags", multiple=True, metavar="T", help="Only versions tagged T (exact).")
@click.option(
    "--search",
    "texts",
    multiple=True,
    metavar="TEXT",
    help="Only versions whose name, version, id or a tag holds TEXT (any case).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
    help="A table that fits the terminal, or CSV or JSON for scripts.",
)
@CATALOG_OPTION
def list_command(
    dataset: str | None,
    archived: bool,
    state: str | None,
    tags: tuple[str, ...],
    texts: tuple[str, ...],
    fmt: str,
    catalog: Path,
) -> None:
    """List the versions of DATASET (default: of every dataset), as the dataset page does.

    Without options it lists the active (not archived) versions. --tag and --search may be
    given several times: a version must match every one.
    """
    from dsreport.errors import DsreportError
    from dsreport.listing import list_versions, render_rows
    from dsreport.select import Filter, State
    from dsreport.terminal import terminal_width

    if archived and state not in (None, "archived"):
        raise DsreportError(f"--archived contradicts --state {state}")
    chosen: State = "archived" if archived else (state or "active")  # type: ignore[assignment]
    flt = Filter(state=chosen, tags=tags, texts=texts)
    rows = list_versions(catalog, dataset, flt)
    if fmt == "table" and not rows:
        where = f"dataset {dataset!r}" if dataset else "the catalog"
        click.echo(f"No version of {where} matches ({flt.describe()}).", err=True)
        return
    text = render_rows(
        rows, fmt, width=terminal_width(), one_dataset=dataset is not None, state=chosen
    )
    if fmt == "csv":
        _echo_data(text)
    else:
        click.echo(text)


@click.command()
@click.argument("version_id", metavar="ID")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Aligned text, or JSON for scripts.",
)
@CATALOG_OPTION
def show(version_id: str, fmt: str, catalog: Path) -> None:
    """Show version ID: what the VERSION INFO panel shows, plus its parents and children."""
    from dsreport.details import show_version

    click.echo(show_version(catalog, version_id, fmt))


@click.command()
@click.argument("id_a")
@click.argument("id_b")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
    help="A table with a summary line, or CSV or JSON for scripts.",
)
@CATALOG_OPTION
def diff(id_a: str, id_b: str, fmt: str, catalog: Path) -> None:
    """Compare version ID_A with version ID_B: the files added, removed and modified in ID_B.

    Any two versions compare, of one dataset or of two.
    """
    from dsreport.compare import diff_command
    from dsreport.terminal import terminal_width

    text = diff_command(catalog, id_a, id_b, fmt, width=terminal_width())
    if fmt == "csv":
        _echo_data(text)
    else:
        click.echo(text)


def _selection_options(func: F) -> F:
    """The options every action takes: the selection flags, --dry-run, --wait, --catalog."""
    decorators = [
        click.argument("ids", nargs=-1, metavar="[ID]..."),
        click.option(
            "--dataset",
            metavar="NAME",
            help="The dataset (its folder name) to act on; needed by --all and --filter.",
        ),
        click.option(
            "--all",
            "select_all",
            is_flag=True,
            help="Act on every version of --dataset in the action's default state.",
        ),
        click.option(
            "--filter",
            "filter_terms",
            multiple=True,
            metavar="KEY=VALUE",
            help="Act on the versions of --dataset that match: tag=T (exact), text=Q (in the "
            "name, version, id or a tag; any case), state=active|archived|all. Repeatable; "
            "every term must match.",
        ),
        click.option("--dry-run", is_flag=True, help="Print what would change; change nothing."),
        click.option(
            "--wait",
            type=click.FloatRange(min=0),
            default=10.0,
            show_default=True,
            metavar="SECONDS",
            help="How long to wait for another command that is changing the catalog.",
        ),
        CATALOG_OPTION,
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


def _run(catalog: Path, action: str, **options: Any) -> None:
    from dsreport.actions import report_lines
    from dsreport.catalog.edit import ActionRequest, run_action
    from dsreport.textsafe import safe_text

    request = ActionRequest(action=action, **options)
    loaded, plan = run_action(catalog, request)
    for line in report_lines(loaded, plan, dry_run=request.dry_run):
        click.echo(safe_text(line))


@click.command()
@_selection_options
@click.option("--add", "add", multiple=True, metavar="T", help="Add tag T (repeatable).")
@click.option("--remove", "remove", multiple=True, metavar="T", help="Remove tag T (repeatable).")
def tag(
    ids: tuple[str, ...],
    dataset: str | None,
    select_all: bool,
    filter_terms: tuple[str, ...],
    dry_run: bool,
    wait: float,
    catalog: Path,
    add: tuple[str, ...],
    remove: tuple[str, ...],
) -> None:
    """Add and remove tags on versions: the IDs, or --dataset NAME with --all or --filter.

    --all and --filter pick active versions unless --filter state=archived|all says otherwise.
    Tags are stored exactly as given; a version that already has them is left unchanged.
    """
    _run(
        catalog,
        "tag",
        ids=ids,
        dataset=dataset,
        select_all=select_all,
        filter_terms=filter_terms,
        dry_run=dry_run,
        wait=wait,
        add=add,
        remove=remove,
    )


@click.command()
@_selection_options
def archive(
    ids: tuple[str, ...],
    dataset: str | None,
    select_all: bool,
    filter_terms: tuple[str, ...],
    dry_run: bool,
    wait: float,
    catalog: Path,
) -> None:
    """Archive versions: the IDs, or --dataset NAME with --all or --filter.

    --all and --filter pick active versions. Archived versions leave the default versions list
    (the page's OPEN ARCHIVE shows them); nothing is deleted.
    """
    _run(
        catalog,
        "archive",
        ids=ids,
        dataset=dataset,
        select_all=select_all,
        filter_terms=filter_terms,
        dry_run=dry_run,
        wait=wait,
    )


@click.command()
@_selection_options
def restore(
    ids: tuple[str, ...],
    dataset: str | None,
    select_all: bool,
    filter_terms: tuple[str, ...],
    dry_run: bool,
    wait: float,
    catalog: Path,
) -> None:
    """Restore archived versions: the IDs, or --dataset NAME with --all or --filter.

    --all and --filter pick archived versions.
    """
    _run(
        catalog,
        "restore",
        ids=ids,
        dataset=dataset,
        select_all=select_all,
        filter_terms=filter_terms,
        dry_run=dry_run,
        wait=wait,
    )


@click.command()
@_selection_options
@click.option(
    "--force",
    is_flag=True,
    help="Delete even when active versions depend on the deleted ones (they are rewired).",
)
def delete(
    ids: tuple[str, ...],
    dataset: str | None,
    select_all: bool,
    filter_terms: tuple[str, ...],
    dry_run: bool,
    wait: float,
    catalog: Path,
    force: bool,
) -> None:
    """Delete archived versions and their files: the IDs, or --dataset NAME with --all or
    --filter (which pick archived versions).

    Refuses while a version that is not archived descends from one to delete, unless --force.
    Versions that descend from deleted ones are rewired: a deleted parent is replaced by its
    own parents, and manifest origins that named it move to the nearest version holding the
    same content.
    """
    _run(
        catalog,
        "delete",
        ids=ids,
        dataset=dataset,
        select_all=select_all,
        filter_terms=filter_terms,
        dry_run=dry_run,
        wait=wait,
        force=force,
    )


COMMANDS = (list_command, show, diff, tag, archive, restore, delete)
"""Registered on the ``dsreport`` group by :mod:`dsreport.cli`."""
