"""``clearml.plan``: an import reconciled with the catalog (slugs, owners, deletions, lineage)."""

from __future__ import annotations

from typing import Any

import pytest

from dsreport.clearml.mapping import DatasetRef, MappedVersion
from dsreport.clearml.plan import CatalogState, CatalogVersion, ImportInput, ImportPlan, plan_import
from dsreport.clearml.records import Selection
from dsreport.model import Content, DatasetJson, Entry, VersionJson

SRC = "http://api"
H = {c: c * 64 for c in "abcdef"}


def vid(n: int) -> str:
    return f"{n:032x}"


def ref(name: str = "pets", project: str = "Demo", key: str | None = None) -> DatasetRef:
    return DatasetRef(key=key or f"project:{name}", name=name, project=project)


def mapped(
    n: int,
    files: dict[str, tuple[str, int]] | None = None,
    parents: tuple[int, ...] = (),
    dataset: DatasetRef | None = None,
    own: int | None = 10,
) -> MappedVersion:
    """Version *n*; *files* map paths to (hash letter, origin number)."""
    entries = tuple(
        Entry(p, 1, H[h], vid(o) if o >= 0 else "") for p, (h, o) in (files or {}).items()
    )
    d = dataset or ref()
    return MappedVersion(
        id=vid(n),
        dataset=d,
        name=d.name,
        version=f"1.{n}.0",
        parents=tuple(vid(p) for p in parents),
        created="2026-01-01T00:00:00Z",
        updated="2026-01-01T00:00:00Z",
        task=None,
        description="",
        tags=(),
        archived=False,
        status="final" if own is not None else "draft",
        extra={
            "clearml_source": SRC,
            "clearml_dataset_key": d.key,
            "clearml_project": f"{d.project}/.datasets/{d.name}",
        },
        entries=entries,
        own_data=own,
    )


def in_catalog(slug: str, m: MappedVersion, **extra: Any) -> CatalogVersion:
    return CatalogVersion(
        slug,
        VersionJson(
            format=1,
            id=m.id,
            name=m.name,
            version=m.version,
            parents=m.parents,
            created=m.created,
            updated=m.updated,
            task=None,
            description="",
            tags=(),
            archived=False,
            size_compressed=None,
            extra={
                **m.extra,
                "clearml_dirty": False,
                "clearml_data_artifacts": {"data": 10},
                **extra,
            },
        ),
    )


def hand_made(slug: str, n: int, parents: tuple[int, ...] = ()) -> CatalogVersion:
    return CatalogVersion(
        slug,
        VersionJson(
            format=1,
            id=vid(n),
            name="hand",
            version="1",
            parents=tuple(vid(p) for p in parents),
            created="2026-01-01T00:00:00Z",
            updated="2026-01-01T00:00:00Z",
            task=None,
            description="",
            tags=(),
            archived=False,
            size_compressed=None,
        ),
    )


def plan(
    versions: list[MappedVersion],
    catalog: CatalogState | None = None,
    *,
    existing: set[str] | None = None,
    selection: Selection | None = None,
    contents: dict[str, Content] | None = None,
) -> ImportPlan:
    datasets = {
        m.dataset.key: DatasetJson(
            format=1, name=m.dataset.name, project=m.dataset.project, description="", tags=()
        )
        for m in versions
    }
    inp = ImportInput(
        source=SRC,
        mapped={m.id: m for m in versions},
        datasets=datasets,
        selection=selection or Selection(),
        existing=frozenset(existing) if existing is not None else None,
    )
    return plan_import(inp, catalog or CatalogState(), lambda v: (contents or {})[v])


def written(p: ImportPlan) -> dict[str, VersionJson]:
    return {v: w.meta for d in p.datasets.values() for v, w in d.write.items()}


def test_new_datasets_get_slugs_from_their_names_avoiding_taken_folders() -> None:
    a = mapped(1, dataset=ref("Pets", "Zoo", key="project:z"))
    b = mapped(2, dataset=ref("pets", "Alpha", key="project:a"))
    c = mapped(3, dataset=ref("Cats!", "Alpha", key="project:c"))
    p = plan([a, b, c], CatalogState(names=frozenset({"pets", "README.md"})))
    assert {slug: sorted(d.write) for slug, d in p.datasets.items()} == {
        "pets-2": [vid(2)],  # Alpha sorts before Zoo
        "pets-3": [vid(1)],
        "cats": [vid(3)],
    }


def test_a_dataset_keeps_its_folder_across_renames() -> None:
    old = mapped(1, dataset=ref("pets"))
    catalog = CatalogState(
        names=frozenset({"pets"}),
        datasets={
            "pets": DatasetJson(format=1, name="pets", project="Demo", description="", tags=())
        },
        versions={vid(1): in_catalog("pets", old)},
    )
    renamed = ref("felines", key=old.dataset.key)
    p = plan([mapped(1, dataset=renamed), mapped(2, parents=(1,), dataset=renamed)], catalog)
    assert list(p.datasets) == ["pets"]
    dp = p.datasets["pets"]
    assert (
        dp.meta is not None and dp.meta.name == "felines" and sorted(dp.write) == [vid(1), vid(2)]
    )


def test_an_id_held_by_a_version_from_elsewhere_is_refused() -> None:
    catalog = CatalogState(names=frozenset({"mine"}), versions={vid(1): hand_made("mine", 1)})
    p = plan([mapped(1), mapped(2)], catalog)
    assert p.refused == {
        vid(1): f"id already used by mine/versions/{vid(1)}, which was not imported from ClearML"
    }
    assert list(written(p)) == [vid(2)]


def catalog_of(*versions: CatalogVersion) -> CatalogState:
    slugs = {v.slug for v in versions}
    return CatalogState(
        names=frozenset(slugs),
        datasets={
            s: DatasetJson(format=1, name=s, project="Demo", description="", tags=()) for s in slugs
        },
        versions={v.meta.id: v for v in versions},
    )


def test_versions_deleted_on_the_server_are_removed_only_where_the_import_owns_them() -> None:
    keep = mapped(1)
    gone = mapped(2)
    other_project = mapped(3, dataset=ref("cats", "Else"))
    other_server = in_catalog("pets", mapped(4), clearml_source="http://elsewhere")
    catalog = catalog_of(
        in_catalog("pets", keep),
        in_catalog("pets", gone),
        in_catalog("cats", other_project),
        other_server,
    )
    p = plan([keep], catalog, existing={vid(1)}, selection=Selection(projects=("Demo",)))
    assert p.removed == (vid(2),)
    assert p.datasets["pets"].drop == {vid(2)} and "cats" not in p.datasets
    # An offline import (no list of what the source holds) removes nothing.
    assert plan([keep], catalog).removed == ()


def test_a_deleted_version_that_a_staying_version_descends_from_is_kept_and_marked() -> None:
    grand, parent, child = mapped(1), mapped(2, parents=(1,)), mapped(3, parents=(2,))
    catalog = catalog_of(in_catalog("pets", grand), in_catalog("pets", parent))
    p = plan([child], catalog, existing={vid(3)})
    assert p.removed == () and p.kept_deleted == (vid(1), vid(2))
    retag = p.datasets["pets"].retag
    assert {v: m.extra["clearml_deleted"] for v, m in retag.items() if m.extra} == {
        vid(1): True,
        vid(2): True,
    }
    assert written(p)[vid(3)].parents == (vid(2),)


def test_a_hand_made_child_keeps_its_clearml_parent() -> None:
    catalog = catalog_of(in_catalog("pets", mapped(1)), hand_made("pets", 9, parents=(1,)))
    p = plan([], catalog, existing=set())
    assert p.removed == () and p.kept_deleted == (vid(1),)


def test_a_dataset_left_without_versions_is_removed() -> None:
    catalog = catalog_of(in_catalog("pets", mapped(1)), in_catalog("pets", mapped(2, parents=(1,))))
    p = plan([], catalog, existing=set())
    assert p.removed == (vid(1), vid(2)) and p.datasets["pets"].remove


def test_missing_parents_are_left_out_and_their_files_get_origins() -> None:
    parent = mapped(1, {"a": ("a", 1), "b": ("b", 1)})
    catalog = catalog_of(in_catalog("pets", parent))
    contents = {vid(1): {"a": Entry("a", 1, H["a"], vid(1)), "b": Entry("b", 1, H["b"], vid(1))}}
    # 7 is gone; "a" unchanged from parent 1 (origin given as 7), "c" introduced by 7, "b" none
    child = mapped(2, {"a": ("a", 7), "b": ("c", -1), "c": ("d", 7), "d": ("e", 2)}, parents=(1, 7))
    p = plan([child], catalog, contents=contents)
    meta = written(p)[vid(2)]
    assert meta.parents == (vid(1),) and p.missing_parents == {vid(2): (vid(7),)}
    assert meta.extra is not None and meta.extra["clearml_missing_parents"] == [vid(7)]
    origins = {e.path: e.origin for e in p.datasets["pets"].write[vid(2)].entries}
    assert origins == {"a": vid(1), "b": vid(2), "c": vid(2), "d": vid(2)}
    assert meta.size_compressed is None  # the ancestry is incomplete


def test_origins_given_by_clearml_are_kept_when_they_are_ancestors() -> None:
    v1 = mapped(1, {"a": ("a", 1)})
    v2 = mapped(2, {"a": ("a", 1), "b": ("b", 2)}, parents=(1,))
    p = plan([v1, v2])
    assert {e.path: e.origin for e in p.datasets["pets"].write[vid(2)].entries} == {
        "a": vid(1),
        "b": vid(2),
    }


def test_compressed_size_counts_each_ancestor_once() -> None:
    v1 = mapped(1, own=100)
    v2, v3 = mapped(2, parents=(1,), own=10), mapped(3, parents=(1,), own=1)
    merge = mapped(4, parents=(2, 3), own=0)
    draft = mapped(5, parents=(4,), own=None)
    sizes = {v: m.size_compressed for v, m in written(plan([v1, v2, v3, merge, draft])).items()}
    assert sizes == {vid(1): 100, vid(2): 110, vid(3): 101, vid(4): 111, vid(5): None}


def test_compressed_size_reads_catalog_ancestors_from_their_extra() -> None:
    known = in_catalog("pets", mapped(1))
    unknown = in_catalog("pets", mapped(2), clearml_dirty=True)
    catalog = catalog_of(known, unknown)
    p = plan([mapped(3, parents=(1,), own=5), mapped(4, parents=(2,), own=5)], catalog)
    assert written(p)[vid(3)].size_compressed == 15 and written(p)[vid(4)].size_compressed is None


def test_parents_forming_a_cycle_refuse_those_versions() -> None:
    p = plan([mapped(1, parents=(2,)), mapped(2, parents=(1,)), mapped(3)])
    assert set(p.refused) == {vid(1), vid(2)} and "form a cycle" in p.refused[vid(1)]
    assert list(written(p)) == [vid(3)]


def test_a_version_moved_to_another_dataset_leaves_its_old_folder() -> None:
    old = mapped(1, dataset=ref("pets"))
    catalog = catalog_of(in_catalog("pets", old), in_catalog("pets", mapped(2)))
    moved = mapped(1, dataset=ref("cats", key="project:cats"))
    p = plan([moved], catalog)
    assert p.datasets["pets"].drop == {vid(1)} and not p.datasets["pets"].remove
    assert list(p.datasets["cats"].write) == [vid(1)]


@pytest.mark.parametrize("existing", [None, set()])
def test_a_refused_version_keeps_its_old_copy(existing: set[str] | None) -> None:
    """A version the server still lists but that is now refused is neither rewritten nor removed."""
    catalog = catalog_of(in_catalog("pets", mapped(1)))
    p = plan([], catalog, existing={vid(1)} if existing is not None else None)
    assert p.removed == () and p.datasets == {}
