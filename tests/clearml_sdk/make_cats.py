"""Make the "cats" dataset (project Mut): c1, then c2 and leaf on it. Ids to result.json."""

import json
import pathlib
import sys

from clearml import Dataset

work = pathlib.Path(sys.argv[1])
ids = {}
for name, version, parents, files in (
    ("c1", "1.0.0", [], {"x.txt": "x\n"}),
    ("c2", "1.1.0", ["c1"], {"y.txt": "y\n"}),
    ("leaf", "1.0.1", ["c1"], {"z.txt": "z\n"}),
):
    folder = work / name
    folder.mkdir(parents=True)
    for rel, text in files.items():
        (folder / rel).write_text(text)
    ds = Dataset.create(
        dataset_name="cats",
        dataset_project="Mut",
        dataset_version=version,
        parent_datasets=[ids[p] for p in parents],
    )
    ds.add_files(str(folder))
    ds.upload()
    ds.finalize()
    ids[name] = ds.id
(work / "result.json").write_text(json.dumps(ids))
