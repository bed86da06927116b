"""Make the "pets" dataset on a server: a chain, a branch, a two-parent merge, links, an
archived version, a draft, previews and a producing task. Write the version ids to result.json."""

import base64
import json
import os
import pathlib
import sys

from clearml import Dataset, StorageManager, Task

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
)
work = pathlib.Path(sys.argv[1])


def write(rel, content):
    path = work / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return path


# The task that "produced" the first version (Task.init would make it the parent of every
# dataset made while it runs; set it on v1 only, which is quicker).
task = Task.create(project_name="Demo", task_name="build pets")

write("v1/a.txt", "alpha\n")
write("v1/b.csv", "x,y\n1,2\n3,4\n")
write("v1/img/dot.png", PNG)
write("v1/meta/c.json", '{"k": 1}\n')
link = write("x.csv", "l,m\n5,6\n")
v1 = Dataset.create(
    dataset_name="pets",
    dataset_project="Demo",
    dataset_version="1.0.0",
    dataset_tags=["raw"],
    description="First *pets*",
)
Task.get_task(task_id=v1.id).set_parent(task.id)
v1.add_files(str(work / "v1"))
url = StorageManager.upload_file(str(link), f"{os.environ['CLEARML_FILES_HOST']}/external/x.csv")
v1.add_external_files(url, dataset_path="ref")
v1.get_logger().report_table(
    "Tables", "summary", iteration=0, table_plot=[["x", "y"], [1, 2], [3, 4]]
)
v1.get_logger().report_text("\x1b[32mgreen\x1b[0m checked")
v1.upload()
v1.finalize()
v1.publish()

write("v2/a.txt", "alpha2\n")
write("v2/d.txt", "delta\n")
v2 = Dataset.create(
    dataset_name="pets", dataset_project="Demo", dataset_version="1.1.0", parent_datasets=[v1.id]
)
v2.add_files(str(work / "v2"))
v2.remove_files("img/*")
v2.upload()
v2.finalize()

write("v3/e.txt", "epsilon\n")
v3 = Dataset.create(
    dataset_name="pets", dataset_project="Demo", dataset_version="1.2.0", parent_datasets=[v1.id]
)
v3.add_files(str(work / "v3"))
v3.upload()
v3.finalize()
Task.get_task(task_id=v3.id).set_archived(True)

v4 = Dataset.create(
    dataset_name="pets",
    dataset_project="Demo",
    dataset_version="2.0.0",
    parent_datasets=[v2.id, v3.id],
)
v4.upload()
v4.finalize()

write("v5/f.txt", "phi\n")
draft = Dataset.create(
    dataset_name="pets", dataset_project="Demo", dataset_version="3.0.0", parent_datasets=[v4.id]
)
draft.add_files(str(work / "v5"))

ids = {"task": task.id, "v1": v1.id, "v2": v2.id, "v3": v3.id, "v4": v4.id, "draft": draft.id}
(work / "result.json").write_text(json.dumps(ids))
