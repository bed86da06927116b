"""``clearml.mapping`` and ``clearml.records``: ClearML documents into catalog fields (pure)."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dsreport.catalog.write import document_bytes
from dsreport.clearml.mapping import (
    clean_json,
    console_bytes,
    dataset_doc,
    dataset_ref,
    format_time,
    map_version,
    parse_time,
    slugify,
    split_project,
    version_status,
)
from dsreport.clearml.records import ParentTask, ProjectDoc, Selection, task_from_json
from dsreport.clearml.state import ParsedState
from dsreport.model import SLUG_PATTERN, Entry, VersionJson

VID = "0" * 31 + "1"


def raw_task(**more: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": VID,
        "name": "pets",
        "project": "p" * 32,
        "status": "completed",
        "created": "2026-03-01T09:30:00.123000+00:00",
        "last_update": "2026-03-01T09:41:12.000000+00:00",
        "comment": "Release **2.0**",
        "tags": ["raw", 3],
        "system_tags": ["dataset", "archived"],
        "runtime": {"version": "2.0.0", "ds_file_count": 4, "ds_total_size_compressed": 963},
        "parent": "t" * 32,
        "execution": {
            "artifacts": [
                {
                    "key": "state",
                    "uri": "http://f/state.json",
                    "content_size": 900,
                    "display_data": [["files added", "4"], ["files removed", "0"]],
                },
                {"key": "data", "uri": "http://f/a.zip", "content_size": 300},
                {"key": "data_001", "uri": "http://f/b.zip", "content_size": 20},
                {"key": "notes", "uri": "http://f/n", "content_size": 5},
            ]
        },
    }
    doc.update(more)
    return doc


PARSED = ParsedState(
    parents=("b" * 32,),
    entries=(Entry("a.txt", 3, "c" * 64, VID),),
    dirty=False,
    raw_counts={"file_count": 1, "total_size": 3},
    notes=(),
)


@pytest.mark.parametrize(
    ("project", "task", "expected"),
    [
        ("Demo/.datasets/pets", "x", ("Demo", "pets", True)),
        ("Team/Vision/.datasets/cats v2", "x", ("Team/Vision", "cats v2", True)),
        (".datasets/top", "x", ("", "top", True)),
        ("Old project", "legacy", ("Old project", "legacy", False)),
    ],
)
def test_split_project(project: str, task: str, expected: tuple[str, str, bool]) -> None:
    assert split_project(project, task) == expected


def test_dataset_identity_is_the_project_id_and_survives_a_rename() -> None:
    a = dataset_ref(task_from_json(raw_task(), "Demo/.datasets/pets"), "http://s")
    b = dataset_ref(task_from_json(raw_task(), "Demo/.datasets/felines"), "http://other")
    assert a.key == b.key == "project:" + "p" * 32 and b.name == "felines"
    old = dataset_ref(task_from_json(raw_task(project=None), "Legacy"), "offline")
    assert old.key == "offline:Legacy|pets" and (old.project, old.name) == ("Legacy", "pets")


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("pets", "pets"),
        ("Pet Images", "pet-images"),
        ("Café Photos (2024)!", "cafe-photos-2024"),
        ("..hidden..", "hidden"),
        ("a__b..c--d", "a__b..c-d"),
        ("日本語", "dataset"),
        ("", "dataset"),
        ("x" * 80, "x" * 60),
        ("v1.0 / train+test", "v1.0-train-test"),
    ],
)
def test_slugify(name: str, slug: str) -> None:
    assert slugify(name) == slug


@given(st.text())
def test_slugify_always_gives_a_slug(name: str) -> None:
    assert re.fullmatch(SLUG_PATTERN, slugify(name))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-03-01T09:30:00.123000+00:00", "2026-03-01T09:30:00.123000Z"),
        ("2026-03-01T09:30:00Z", "2026-03-01T09:30:00Z"),
        ("2026-03-01 11:30:00+02:00", "2026-03-01T09:30:00Z"),
        ("2026-03-01T09:30:00", "2026-03-01T09:30:00Z"),
        ("2026-03-01T09:30:00.5-0130", "2026-03-01T11:00:00.500000Z"),
        (1767225600, "2026-01-01T00:00:00Z"),
        (1767225600500, "2026-01-01T00:00:00.500000Z"),
    ],
)
def test_times_are_normalised_to_utc(value: Any, expected: str) -> None:
    stamp = parse_time(value)
    assert stamp is not None and format_time(stamp) == expected


@pytest.mark.parametrize(
    "value", ["yesterday", "2026-13-01T00:00:00", "2026-02-30T00:00:00", True, None, 1e30]
)
def test_unreadable_times_are_none(value: Any) -> None:
    assert parse_time(value) is None


def test_format_time_pads_the_year() -> None:
    assert format_time(datetime(5, 1, 2, tzinfo=timezone.utc)) == "0005-01-02T00:00:00Z"


@pytest.mark.parametrize(
    ("status", "dirty", "expected"),
    [
        ("published", False, "published"),
        ("completed", False, "final"),
        ("closed", False, "final"),
        ("in_progress", False, "draft"),
        ("completed", True, "draft"),
        ("stopped", False, "aborted"),
        ("failed", False, "failed"),
        (None, False, "final"),
        ("weird", False, "weird"),
    ],
)
def test_version_status(status: str | None, dirty: bool, expected: str) -> None:
    assert version_status(status, dirty) == expected


def test_map_version_carries_every_field() -> None:
    task = task_from_json(raw_task(), "Demo/.datasets/pets")
    parent = ParentTask(id="t" * 32, name="build pets", project_id="q" * 32)
    m = map_version(
        task,
        PARSED,
        source="http://api",
        parent=parent,
        web_url="http://web/",
        console=["a", "b\n"],
    )
    assert (m.id, m.name, m.version, m.parents) == (VID, "pets", "2.0.0", ("b" * 32,))
    assert (m.created, m.updated) == ("2026-03-01T09:30:00.123000Z", "2026-03-01T09:41:12Z")
    assert (
        m.task is not None
        and m.task.url == f"http://web/projects/{'q' * 32}/experiments/{'t' * 32}"
    )
    assert (m.description, m.tags, m.archived, m.status) == (
        "Release **2.0**",
        ("raw",),
        True,
        "final",
    )
    assert m.own_data == 320 and m.console == b"a\nb\n"
    assert m.extra["ds_total_size_compressed"] == 963 and m.extra["version"] == "2.0.0"
    assert m.extra["clearml_data_artifacts"] == {"data": 300, "data_001": 20}
    assert m.extra["clearml_state_changes"] == {"files added": "4", "files removed": "0"}
    assert m.extra["clearml_system_tags"] == ["dataset", "archived"]
    assert list(m.extra) == sorted(m.extra)


def test_the_version_falls_back_to_the_hyperparameter_then_empty() -> None:
    hp = {"properties": {"version": {"section": "properties", "name": "version", "value": "0.3.0"}}}
    task = task_from_json(raw_task(runtime={}, hyperparams=hp), "Demo/.datasets/pets")
    assert map_version(task, PARSED, source="s", parent=None, web_url=None).version == "0.3.0"
    task = task_from_json(raw_task(runtime={"version": 3}), "Demo/.datasets/pets")
    assert map_version(task, PARSED, source="s", parent=None, web_url=None).version == ""


def test_a_parent_task_that_is_gone_is_named_by_its_id_without_a_link() -> None:
    task = task_from_json(raw_task(), "Demo/.datasets/pets")
    m = map_version(
        task, PARSED, source="s", parent=ParentTask("t" * 32, None, None), web_url="http://w"
    )
    assert m.task is not None and (m.task.name, m.task.url) == ("t" * 32, None)


def test_odd_documents_never_crash_and_always_give_a_valid_version_json() -> None:
    task = task_from_json(
        {
            "id": VID,
            "name": 5,
            "tags": "x",
            "runtime": [],
            "execution": {"artifacts": [None, {"key": 1}, {"key": "data", "content_size": -5}]},
            "created": "never",
            "comment": "bad \udc80 byte",
            "hyperparams": "?",
        },
        "",
    )
    m = map_version(task, PARSED, source="s", parent=None, web_url=None)
    doc = VersionJson(
        format=1,
        id=m.id,
        name=m.name,
        version=m.version,
        parents=m.parents,
        created=m.created,
        updated=m.updated,
        task=m.task,
        description=m.description,
        tags=m.tags,
        archived=m.archived,
        size_compressed=None,
        status=m.status,
        extra=m.extra,
    )
    assert document_bytes(doc)  # writable: the lone surrogate was replaced
    assert m.created == "1970-01-01T00:00:00Z" and m.description == "bad \ufffd byte"
    assert m.own_data is None  # a negative size is no size


def test_clean_json_makes_raw_values_writable() -> None:
    value = {"big": 2**70, "neg": -(2**64), "ok": [1, 1.5, None, True, "t\udcff"], 3: "k"}
    cleaned = clean_json(value)
    assert cleaned == {
        "big": str(2**70),
        "neg": str(-(2**64)),
        "ok": [1, 1.5, None, True, "t\ufffd"],
        "3": "k",
    }
    orjson.dumps(cleaned)


def test_the_console_log_keeps_ansi_and_ends_lines() -> None:
    assert console_bytes([]) is None
    assert console_bytes(["\x1b[31mred\x1b[0m", "two\nlines\n", "last"]) == (
        b"\x1b[31mred\x1b[0m\ntwo\nlines\nlast\n"
    )


def test_dataset_doc_uses_the_hidden_projects_description_and_tags() -> None:
    ref = dataset_ref(task_from_json(raw_task(), "Demo/.datasets/pets"), "s")
    doc = dataset_doc(
        ref, ProjectDoc(id="p", name="Demo/.datasets/pets", description="About", tags=("t",))
    )
    assert (doc.name, doc.project, doc.description, doc.tags) == ("pets", "Demo", "About", ("t",))
    assert dataset_doc(ref, None).description == ""


@pytest.mark.parametrize(
    ("selection", "project", "name", "selected"),
    [
        (Selection(), "Any", "x", True),
        (Selection(projects=("Demo",)), "Demo", "x", True),
        (Selection(projects=("Demo",)), "Demo/Sub", "x", True),
        (Selection(projects=("Demo",)), "Demonstration", "x", False),
        (Selection(datasets=("pets",)), "Any", "pets", True),
        (Selection(datasets=("pets",)), "Any", "Pets", False),
        (Selection(projects=("A", "B"), datasets=("x",)), "B", "x", True),
        (Selection(projects=("A",), datasets=("x",)), "B", "x", False),
    ],
)
def test_selection(selection: Selection, project: str, name: str, selected: bool) -> None:
    assert selection.matches(project, name) is selected
