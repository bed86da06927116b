"""Import an offline ClearML session of N file entries, as a ratio to reading its state bare.

    python benchmarks/clearml_import.py [--entries N]

The session is made here, shaped like the SDK's (task.json, log.jsonl, state.json). Measured in
this one run: the reference (orjson parse of state.json plus writing the manifest bytes, the
least any importer does), a first import into an empty catalog, and a re-import of the same
session (nothing changes, nothing is written). The ratios are what to compare between machines.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import tempfile
import time
from pathlib import Path

import orjson

from dsreport.catalog.write import manifest_bytes
from dsreport.clearml.importer import import_clearml
from dsreport.model import Entry

TID = "offline-" + "e" * 32


def make_session(folder: Path, entries: int) -> Path:
    """An offline session of *entries* files; returns its state.json."""
    hidden = "Bench/.datasets/big"
    state = folder / f"data/{hidden}/big.{TID}/artifacts/state/state.json"
    state.parent.mkdir(parents=True)
    files = [
        {
            "relative_path": f"data/part{i // 10_000:03d}/file_{i:07d}.bin",
            "hash": hashlib.sha256(str(i).encode()).hexdigest(),
            "size": i,
            "parent_dataset_id": TID,
            "artifact_name": "data",
            "local_path": f"/home/me/big/file_{i:07d}.bin",
        }
        for i in range(entries)
    ]
    doc = {
        "id": TID,
        "dataset_file_entries": files,
        "dataset_link_entries": [],
        "dirty": True,
        "dependency_graph": {TID: []},
    }
    state.write_bytes(orjson.dumps(doc))
    task = {
        "id": TID,
        "name": "big",
        "project_name": hidden,
        "system_tags": ["dataset"],
        "offline_folder": "/x",
        "execution": {"artifacts": []},
        "hyperparams": {"properties": {"version": {"value": "1.0.0"}}},
    }
    (folder / "task.json").write_text(json.dumps(task))
    (folder / "log.jsonl").write_text(
        json.dumps([{"type": "log", "msg": "hi", "timestamp": 1}]) + "\n"
    )
    return state


def main() -> None:
    """Generate, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=200_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        session = Path(tmp) / TID
        state = make_session(session, args.entries)
        catalog = Path(tmp) / "catalog"

        start = time.perf_counter()
        doc = orjson.loads(state.read_bytes())
        manifest_bytes(
            Entry(e["relative_path"], e["size"], e["hash"], e["parent_dataset_id"])
            for e in doc["dataset_file_entries"]
        )
        reference = time.perf_counter() - start

        start = time.perf_counter()
        first = import_clearml(str(session), catalog)
        imported = time.perf_counter() - start
        start = time.perf_counter()
        again = import_clearml(str(session), catalog)
        reimported = time.perf_counter() - start
        assert first.new == 1 and again.unchanged == 1
    print(f"session: {args.entries:,} file entries, state.json {state_size(args.entries)}")
    print(f"reference (parse state, write manifest bytes): {reference:.2f} s")
    print(f"first import:  {imported:.2f} s   ratio {imported / reference:.2f}x")
    print(f"re-import:     {reimported:.2f} s   ratio {reimported / reference:.2f}x")


def state_size(entries: int) -> str:
    """Rough size of the generated state, for the report line."""
    return f"~{entries * 260 / 1e6:.0f} MB"


if __name__ == "__main__":
    main()
