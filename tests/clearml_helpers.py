"""Helpers for the ClearML tests: the stand-in server, SDK scripts and the CLI in subprocesses."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
SDK_SCRIPTS = Path(__file__).resolve().parent / "clearml_sdk"


def standin_path() -> Path:
    """``server.py`` of the ClearML stand-in: ``$DSREPORT_CLEARML_STANDIN``, else
    ``<repo>/../shared/clearml-stand-in/server.py``. Missing: skip, or fail under ``CI=true``."""
    given = os.environ.get("DSREPORT_CLEARML_STANDIN")
    path = Path(given) if given else REPO.parent / "shared" / "clearml-stand-in" / "server.py"
    if not path.is_file():
        message = f"ClearML stand-in not found at {path} (set DSREPORT_CLEARML_STANDIN)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def need_clearml() -> None:
    """Skip without the clearml SDK (fail under ``CI=true``: the test extra installs it)."""
    if importlib.util.find_spec("clearml") is None:
        if os.environ.get("CI"):
            pytest.fail("the clearml package is missing (pip install -e '.[test]')")
        pytest.skip("the clearml package is not installed")


def load_standin(path: Path) -> ModuleType:
    """The stand-in as a module (it is one standard-library file)."""
    spec = importlib.util.spec_from_file_location("clearml_standin", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass
class Faults:
    """Faults the test server injects (all off by default)."""

    deny_login: bool = False
    """Answer ``auth.login`` with 401, as a server does for a wrong key or secret."""
    fail: dict[str, int] = field(default_factory=dict)
    """Endpoint -> HTTP status to answer it with."""
    hang: dict[str, float] = field(default_factory=dict)
    """Endpoint -> seconds to wait before answering."""

    def clear(self) -> None:
        """Back to a healthy server."""
        self.deny_login = False
        self.fail.clear()
        self.hang.clear()


def start_server(module: ModuleType, faults: Faults) -> Any:
    """Start the stand-in in this process, with fault injection and Nagle's algorithm off.

    (With Nagle on, each small answer waits for a delayed ACK: 45 ms a request instead of 3.)
    """
    server = module.MockClearML(None, api_port=0, files_port=0)
    base = server.api.RequestHandlerClass

    class Handler(base):  # type: ignore[misc,valid-type]
        disable_nagle_algorithm = True

        def _api(self) -> Any:
            endpoint = self.path.split("?")[0].strip("/").split("/")[-1]
            if endpoint in faults.hang:
                time.sleep(faults.hang[endpoint])
            if (faults.deny_login and endpoint == "auth.login") or endpoint in faults.fail:
                self._body()  # read the request, so the connection stays usable
                code = (
                    401 if endpoint == "auth.login" and faults.deny_login else faults.fail[endpoint]
                )
                message = "Unauthorized (invalid credentials)" if code == 401 else "injected fault"
                return self._api_reply(endpoint, {}, code=code, msg=message)
            return super()._api()

    server.api.RequestHandlerClass = Handler
    server.files.RequestHandlerClass = Handler
    return server.start()


def clean_env(home: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment without any ClearML settings, with a fresh HOME."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLEARML_", "TRAINS_"))}
    env["HOME"] = str(home)
    env.update(extra or {})
    return env


SDK_CONFIG = "sdk { development { vcs_repo_detect_async: false } }\n"
"""The SDK's configuration for its scripts: its repository detection runs in a thread by
default, which reloads the task and sets its script while ``Dataset.add_files`` reads it (seen
failing once, with ``task.data.script`` None); run at once, it cannot race."""


def start_script(name: str, work: Path, *args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    """Run an SDK script of ``tests/clearml_sdk`` in *work* (a copy, outside any git checkout:
    the SDK's repository detection races with ``add_files`` inside one), with
    :data:`SDK_CONFIG`."""
    work.mkdir(parents=True, exist_ok=True)
    script = work / name
    shutil.copy(SDK_SCRIPTS / name, script)
    (work / "clearml.conf").write_text(SDK_CONFIG)
    env = {**env, "CLEARML_CONFIG_FILE": str(work / "clearml.conf")}
    with open(work / "log.txt", "w") as log:  # the child keeps its own descriptor
        return subprocess.Popen(
            [sys.executable, str(script), str(work), *args],
            cwd=work,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )


def finish_script(proc: subprocess.Popen[str], work: Path, timeout: float = 300) -> Any:
    """Wait for a script; return its ``result.json`` (fail with its log if it failed)."""
    proc.wait(timeout=timeout)
    log = (work / "log.txt").read_text(errors="replace")
    if proc.returncode != 0 or not (work / "result.json").exists():
        pytest.fail(f"{work.name}: SDK script failed ({proc.returncode}):\n{log[-4000:]}")
    return json.loads((work / "result.json").read_text())


def run_dsreport(
    *args: str | Path, env: dict[str, str], timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    """``python -m dsreport ARGS`` in a subprocess; never a traceback."""
    proc = subprocess.run(
        [sys.executable, "-m", "dsreport", *map(str, args)],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def tree(root: Path) -> dict[str, tuple[bytes, int, int]]:
    """Every file below *root*: bytes, inode and modification time (ns)."""
    result = {}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            st = path.stat()
            result[path.relative_to(root).as_posix()] = (
                path.read_bytes(),
                st.st_ino,
                st.st_mtime_ns,
            )
    return result


def read_manifest(folder: Path) -> dict[str, dict[str, Any]]:
    """A version's manifest lines by path."""
    lines = (folder / "manifest.jsonl").read_text().splitlines()
    return {row["path"]: row for row in map(json.loads, lines)}
