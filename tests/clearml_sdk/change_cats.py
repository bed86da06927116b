"""Change "cats" (ids as JSON in argv[2]): a new version, one archived, two deleted, a rename;
and import the offline session argv[3] into the server. Write the new ids to result.json."""

import json
import pathlib
import sys

from clearml import Dataset, Task

work = pathlib.Path(sys.argv[1])
ids = json.loads(sys.argv[2])
folder = work / "c3"
folder.mkdir(parents=True)
(folder / "w.txt").write_text("w\n")
c3 = Dataset.create(
    dataset_name="cats", dataset_project="Mut", dataset_version="1.2.0", parent_datasets=[ids["c2"]]
)
c3.add_files(str(folder))
c3.upload()
c3.finalize()
Task.get_task(task_id=ids["c2"]).set_archived(True)
Dataset.delete(dataset_id=ids["leaf"], force=True)
Dataset.delete(dataset_id=ids["c1"], force=True)
Dataset.rename("felines", dataset_project="Mut", dataset_name="cats")
sensors = Dataset.import_offline_session(sys.argv[3], upload=True, finalize=True)
(work / "result.json").write_text(json.dumps({"c3": c3.id, "sensors": sensors}))
