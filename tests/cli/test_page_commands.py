"""The commands the dataset page hands out run verbatim in a POSIX shell.

The page writes each action as ``dsreport ACTION ID… [--add TAG]`` (or with ``--dataset NAME
--filter KEY=VALUE…`` for a filtered selection), every argument quoted like Python's
``shlex.quote``, and no ``--catalog`` (the user runs it from inside the catalog, or sets
``DSREPORT_CATALOG``). These tests build the strings the same way and run them with ``/bin/sh``.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from tests.builders import CatalogBuilder

TAGS = [
    "my tag",
    "it's",
    'say "hi"',
    "$(touch pwned)",
    "`touch pwned2`",
    "a;touch pwned3",
    "two\nlines",
    "\x1b]0;title\x07\x1b[31mred",
    "back\\slash\\n",
    "-dash",
    "--remove",
    "*",
    "~user",
    "100%",
    "ünï 猫",
    "  spaced  ",
]
IDS = ["0a1B.x_y-z", "v-2", "3.0", "plain"]


def page_command(action: str, ids: Sequence[str] = (), **options: Sequence[str]) -> str:
    """A command string as the dataset page builds it: shlex.quote on every argument."""
    words = ["dsreport", action, *ids]
    for name, values in options.items():
        for value in values:
            words += [f"--{name.replace('_', '-')}", value]
    return " ".join(shlex.quote(w) for w in words)


@pytest.fixture
def catalog(builder: CatalogBuilder) -> Path:
    """One dataset whose ids use every character an id may hold."""
    builder.dataset("pets")
    builder.version("pets", IDS[0], {"a": "1"}, version="1.0.0")
    builder.version("pets", IDS[1], {"a": "2"}, parents=[IDS[0]], version="1.1.0")
    builder.version("pets", IDS[2], {"a": "3"}, parents=[IDS[1]], version="1.2.0", tags=["keep"])
    builder.version("pets", IDS[3], {"a": "4"}, parents=[IDS[2]], version="2.0.0", tags=["keep"])
    return builder.root


def sh(command: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Run *command* with /bin/sh, with this Python's ``dsreport`` first on the PATH."""
    environ = {k: v for k, v in os.environ.items() if k != "DSREPORT_CATALOG"}
    environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{environ.get('PATH', '')}"
    environ["CI"] = "1"
    environ.update(env)
    return subprocess.run(
        ["/bin/sh", "-c", command], cwd=cwd, env=environ, capture_output=True, text=True
    )


def meta(root: Path, vid: str) -> dict[str, object]:
    data: dict[str, object] = json.loads(
        (root / "pets" / "versions" / vid / "version.json").read_text()
    )
    return data


def test_tag_commands_with_hostile_tags_run_verbatim(catalog: Path, tmp_path: Path) -> None:
    command = page_command("tag", IDS[:2], add=TAGS)
    assert "'it'\"'\"'s'" in command and "\n" in command  # quoted as the page quotes
    result = sh(command, cwd=catalog)
    assert result.returncode == 0, result.stderr
    assert meta(catalog, IDS[0])["tags"] == TAGS
    assert meta(catalog, IDS[1])["tags"] == TAGS
    assert meta(catalog, IDS[2])["tags"] == ["keep"]
    assert not list(catalog.glob("pwned*")) and not list(tmp_path.glob("pwned*"))
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    result = sh(page_command("tag", IDS[:1], remove=TAGS[:3]), cwd=catalog)
    assert result.returncode == 0, result.stderr
    assert meta(catalog, IDS[0])["tags"] == TAGS[3:]


def test_archive_restore_delete_commands_run_verbatim(catalog: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = sh(page_command("archive", IDS[2:]), cwd=elsewhere, DSREPORT_CATALOG=str(catalog))
    assert result.returncode == 0, result.stderr
    assert [meta(catalog, v)["archived"] for v in IDS] == [False, False, True, True]
    result = sh(page_command("restore", IDS[3:]), cwd=catalog)
    assert result.returncode == 0, result.stderr
    assert [meta(catalog, v)["archived"] for v in IDS] == [False, False, True, False]
    result = sh(page_command("delete", IDS[2:3]), cwd=catalog)
    assert result.returncode == 1
    assert "depend on versions to delete" in result.stderr
    result = sh(page_command("delete", IDS[2:3]) + " --force", cwd=catalog)
    assert result.returncode == 0, result.stderr
    assert not (catalog / "pets" / "versions" / IDS[2]).exists()
    assert meta(catalog, IDS[3])["parents"] == [IDS[1]]
    assert sh("dsreport validate .", cwd=catalog).returncode == 0


def test_filtered_selection_commands_run_verbatim(catalog: Path) -> None:
    sh(page_command("tag", IDS[1:2], add=["It's Mine"]), cwd=catalog)
    command = page_command("archive", dataset=["pets"], filter=["text=it's mine", "state=active"])
    result = sh(command, cwd=catalog)
    assert result.returncode == 0, result.stderr
    assert [meta(catalog, v)["archived"] for v in IDS] == [False, True, False, False]
    result = sh(page_command("tag", dataset=["pets"], filter=["tag=keep"], add=["$(x)"]), catalog)
    assert result.returncode == 0, result.stderr
    assert meta(catalog, IDS[3])["tags"] == ["keep", "$(x)"]
    assert meta(catalog, IDS[2])["tags"] == ["keep", "$(x)"]


def test_the_readme_examples_run_on_the_example_catalog(tmp_path: Path) -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Changing a catalog", 1)[1]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    catalog = tmp_path / "example"
    assert sh(f"dsreport init {catalog} --example", cwd=tmp_path).returncode == 0
    for command in block.strip().splitlines():
        result = sh(command, cwd=catalog)
        assert result.returncode == 0, (command, result.stderr)
        assert "unchanged" not in result.stdout, command
    assert sh("dsreport validate", cwd=catalog).returncode == 0
