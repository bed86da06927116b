"""Make a dataset in the SDK's offline mode; its session folder, zip and entries to result.json."""

import base64
import json
import pathlib
import sys

from clearml import Dataset

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
)

work = pathlib.Path(sys.argv[1])
data = work / "sensors"
(data / "img").mkdir(parents=True)
(data / "readings.csv").write_text("t,v\n1,0.5\n2,0.7\n")
(data / "img" / "dot.png").write_bytes(PNG)
(data / "meta.json").write_text('{"unit": "V"}\n')

Dataset.set_offline(True)
ds = Dataset.create(
    dataset_name="sensors",
    dataset_project="Field",
    dataset_version="0.3.0",
    dataset_tags=["offline"],
    description="Readings taken *offline*",
)
ds.add_files(str(data))
ds.get_logger().report_text("\x1b[33mcalibrated\x1b[0m")
ds.upload()
folder = ds.get_offline_mode_folder()
(work / "result.json").write_text(
    json.dumps(
        {
            "id": ds.id,
            "folder": str(folder),
            "zip": str(folder) + ".zip",
            "files": sorted(ds.list_files()),
            "file_entries": {
                k: [v.size, v.hash, v.parent_dataset_id] for k, v in ds.file_entries_dict.items()
            },
            "graph": ds.get_dependency_graph(),
        }
    )
)
