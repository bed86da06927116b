"""``dsreport serve`` on loopback: serves the site and rebuilds when the catalog changes."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.builders import CatalogBuilder, edit_json


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback only
        return str(response.read().decode("utf-8"))


def wait_for(predicate: object, seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.2)
    return False


def test_serve_builds_serves_and_rebuilds(builder: CatalogBuilder, tmp_path: Path) -> None:
    builder.dataset("pets", name="Pets")
    builder.version("pets", "v1", {"a.txt": "a"})
    env = {**os.environ, "CI": "true"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dsreport",
            "serve",
            str(builder.root),
            "-o",
            str(tmp_path / "site"),
            "--port",
            "0",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=Path(__file__).parent.parent.parent,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.search(r"on (http://127\.0\.0\.1:\d+/)", line)
        assert match, line
        url = match.group(1)
        assert "Pets" in fetch(url + "index.html")
        builder.version(
            "pets", "v2", {"a.txt": "b"}, parents=["v1"], version="2.0.0", name="Second"
        )
        assert wait_for(lambda: "Second" in fetch(url + "d/pets/index.html"))
        # A broken catalog: the previous site stays served.
        edit_json(builder.root / "pets" / "versions" / "v2" / "version.json", parents=["nope"])
        time.sleep(2.5)
        assert "Second" in fetch(url + "d/pets/index.html")
    finally:
        process.send_signal(signal.SIGINT)
        _out, err = process.communicate(timeout=10)
    assert "Build failed, still serving the previous site" in err
    assert "Traceback" not in err
