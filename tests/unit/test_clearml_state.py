"""``clearml.state``: a dataset version's state.json into entries; hostile content refused."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dsreport.clearml.state import StateRefused, hostile_path_problem, parse_state
from dsreport.model import Entry, FileEntry, path_problem

VID = "a" * 32
PARENT = "b" * 32
H = "c" * 64


def state(**doc: Any) -> bytes:
    base: dict[str, Any] = {
        "id": VID,
        "dataset_file_entries": [],
        "dataset_link_entries": [],
        "dependency_graph": {VID: []},
        "dirty": False,
    }
    base.update(doc)
    return json.dumps(base).encode()


def file(path: str, **more: Any) -> dict[str, Any]:
    return {"relative_path": path, "size": 3, "hash": H, "parent_dataset_id": VID, **more}


def test_files_links_parents_and_counts_are_read() -> None:
    parsed = parse_state(
        state(
            dataset_file_entries=[file("b.txt", local_path="/home/me/b.txt", artifact_name="data")],
            dataset_link_entries=[
                {
                    "relative_path": "l",
                    "link": "s3://x/l",
                    "size": None,
                    "hash": None,
                    "parent_dataset_id": PARENT,
                }
            ],
            dependency_graph={VID: [PARENT, PARENT], PARENT: []},
            file_count=2,
            total_size=3,
        ),
        VID,
    )
    assert parsed.entries == (Entry("b.txt", 3, H, VID), Entry("l", None, None, PARENT, "s3://x/l"))
    assert parsed.parents == (PARENT,)  # listed twice: once
    assert parsed.raw_counts == {"file_count": 2, "total_size": 3}
    assert not parsed.dirty and parsed.notes == ()


def test_an_old_sdk_state_without_links_or_link_hashes_is_read_with_a_note() -> None:
    doc = json.loads(state(dataset_file_entries=[file("a")]))
    del doc["dataset_link_entries"]
    parsed = parse_state(json.dumps(doc).encode(), VID)
    assert parsed.notes == ("its state has no dataset_link_entries (an old SDK): no links",)
    parsed = parse_state(
        state(
            dataset_link_entries=[
                {"relative_path": "l", "link": "https://x", "parent_dataset_id": VID}
            ]
        ),
        VID,
    )
    assert parsed.entries == (Entry("l", None, None, VID, "https://x"),)


def test_a_draft_and_missing_origins() -> None:
    parsed = parse_state(
        state(dirty=True, dataset_file_entries=[file("a", parent_dataset_id=None)]), VID
    )
    assert parsed.dirty and parsed.entries[0].origin == ""


@pytest.mark.parametrize(
    ("doc", "problem"),
    [
        (
            {"dataset_file_entries": [file("../x")]},
            "('../x').relative_path: refused: expected no '..' segment",
        ),
        ({"dataset_file_entries": [file("a", hash="A" * 63)]}, "('a').hash: expected a sha256"),
        (
            {"dataset_file_entries": [file("a", size=True)]},
            "('a').size: expected a size in bytes, got True",
        ),
        ({"dataset_file_entries": [file("a", size=2**63)]}, "('a').size: expected a size in bytes"),
        ({"dataset_file_entries": [file("a"), file("a")]}, "relative_path 'a' is listed twice"),
        (
            {"dataset_file_entries": [file("a", parent_dataset_id=["x"])]},
            "('a').parent_dataset_id: not a version id: ['x']",
        ),
        ({"dataset_file_entries": ["a"]}, "dataset_file_entries[0]: expected an object, got 'a'"),
        ({"dataset_file_entries": [{"size": 1}]}, "relative_path: expected a string, got None"),
        ({"dataset_file_entries": {}}, "dataset_file_entries: expected a list"),
        (
            {"dataset_link_entries": [{"relative_path": "l", "link": ""}]},
            "('l').link: expected a URL",
        ),
        (
            {"dataset_link_entries": [{"relative_path": "l", "link": "x\ny"}]},
            "link: holds a control",
        ),
        (
            {"dataset_link_entries": [{"relative_path": "l", "link": "x", "hash": "zz"}]},
            "('l').hash",
        ),
        ({"dependency_graph": {VID: ["../p"]}}, "not a version id: '../p'"),
        ({"dependency_graph": {VID: "p"}}, "expected a list of ids"),
        ({"dependency_graph": []}, "dependency_graph: expected an object"),
        ({"id": PARENT}, "state.json: id: belongs to another version"),
        ({"dirty": "yes"}, "dirty: expected true or false"),
    ],
)
def test_bad_states_are_refused_naming_the_entry(doc: dict[str, Any], problem: str) -> None:
    with pytest.raises(StateRefused) as caught:
        parse_state(state(**doc), VID)
    assert any(problem in p for p in caught.value.problems), caught.value.problems


def test_not_json_and_not_an_object_are_refused() -> None:
    with pytest.raises(StateRefused, match="not valid JSON"):
        parse_state(b"{", VID)
    with pytest.raises(StateRefused, match="expected a JSON object"):
        parse_state(b"[]", VID)


def test_every_problem_is_listed_up_to_a_limit() -> None:
    with pytest.raises(StateRefused) as caught:
        parse_state(state(dataset_file_entries=[file(f"/{i}") for i in range(30)]), VID)
    assert len(caught.value.problems) == 21 and caught.value.problems[-1] == "and 10 more problems"


@pytest.mark.parametrize(
    "path",
    [
        "a.txt",
        "dir/sub/file name.png",
        "ümlaut/日本.txt",
        "a\\b",
        "..a/b..",
        ".hidden",
        "👨‍👩‍👧.png",
    ],
)
def test_ordinary_paths_are_fine(path: str) -> None:
    assert hostile_path_problem(path) is None


@given(st.text(min_size=0, max_size=40))
def test_an_accepted_path_is_always_a_valid_manifest_path(path: str) -> None:
    if hostile_path_problem(path) is None:
        assert path_problem(path) is None
        FileEntry(path=path, size=1, hash=H, origin=VID)  # the model accepts it
        assert ".." not in path.replace("\\", "/").split("/")


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
ENTRY = st.fixed_dictionaries(
    {},
    optional={
        "relative_path": st.text(max_size=10) | JSON,
        "size": st.integers() | JSON,
        "hash": st.sampled_from([H, H.upper(), "x"]) | JSON,
        "parent_dataset_id": st.sampled_from([VID, PARENT, "../x"]) | JSON,
        "link": st.text(max_size=10) | JSON,
    },
)


@given(
    files=st.lists(ENTRY | JSON, max_size=4),
    links=st.lists(ENTRY | JSON, max_size=3) | JSON,
    graph=JSON | st.fixed_dictionaries({VID: st.lists(st.text(max_size=4) | JSON, max_size=3)}),
    dirty=JSON,
)
def test_any_state_is_read_or_refused_never_crashes(
    files: Any, links: Any, graph: Any, dirty: Any
) -> None:
    data = state(
        dataset_file_entries=files, dataset_link_entries=links, dependency_graph=graph, dirty=dirty
    )
    try:
        parsed = parse_state(data, VID)
    except StateRefused as exc:
        assert exc.problems
        return
    for e in parsed.entries:
        assert hostile_path_problem(e.path) is None
        assert e.link is not None or (e.size is not None and e.hash is not None)
