"""What the SDK reports for each dataset version id in argv[2:], to argv[1]/result.json."""

import json
import pathlib
import sys

from clearml import Dataset

report = {}
for vid in sys.argv[2:]:
    ds = Dataset.get(dataset_id=vid)
    report[vid] = {
        "files": sorted(ds.list_files()),
        "file_entries": {
            k: [v.size, v.hash, v.parent_dataset_id] for k, v in ds.file_entries_dict.items()
        },
        "link_entries": {
            k: [v.link, v.size, v.hash, v.parent_dataset_id]
            for k, v in ds.link_entries_dict.items()
        },
        "graph": ds.get_dependency_graph(),
    }
(pathlib.Path(sys.argv[1]) / "result.json").write_text(json.dumps(report))
