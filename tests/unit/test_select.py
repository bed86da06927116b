"""The filter rules the CLI shares with the dataset page (dsreport.select)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dsreport.errors import DsreportError
from dsreport.model import VersionJson
from dsreport.select import Filter, matches, parse_filter


def meta(
    *,
    vid: str = "a1b2",
    name: str = "Pets Ünïcode",
    version: str = "1.2.0-RC.1",
    tags: tuple[str, ...] = ("Release", "needs review"),
    archived: bool = False,
    description: str = "secret words",
) -> VersionJson:
    return VersionJson(
        format=1,
        id=vid,
        name=name,
        version=version,
        parents=(),
        created="2026-01-01T00:00:00Z",
        updated="2026-01-01T00:00:00Z",
        task=None,
        description=description,
        tags=tags,
        archived=archived,
        size_compressed=None,
    )


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        (Filter(), True),
        (Filter(state="archived"), False),
        (Filter(state="all"), True),
        (Filter(tags=("Release",)), True),
        (Filter(tags=("release",)), False),  # tags compare exactly
        (Filter(tags=("needs",)), False),  # whole tags only
        (Filter(tags=("Release", "needs review")), True),
        (Filter(tags=("Release", "other")), False),  # every tag must be there
        (Filter(texts=("pets",)), True),  # name, any case
        (Filter(texts=("ÜNÏ",)), True),  # Unicode lower-casing
        (Filter(texts=("rc.1",)), True),  # version
        (Filter(texts=("A1B",)), True),  # id
        (Filter(texts=("eview",)), True),  # inside a tag
        (Filter(texts=("release needs",)), False),  # never across two tags
        (Filter(texts=("ünicode1.2",)), False),  # never across two fields
        (Filter(texts=("secret",)), False),  # the description is not searched
        (Filter(texts=(" pets",)), False),  # no trimming
        (Filter(texts=("",)), True),  # the empty text matches everything
        (Filter(texts=("pets", "1.2")), True),
        (Filter(texts=("pets", "zzz")), False),  # every text must match
        (Filter(state="archived", texts=("pets",)), False),
    ],
)
def test_filter_rules(flt: Filter, expected: bool) -> None:
    assert matches(meta(), flt) is expected


def test_archived_state_rules() -> None:
    archived = meta(archived=True)
    assert not matches(archived, Filter(state="active"))
    assert matches(archived, Filter(state="archived"))
    assert matches(archived, Filter(state="all"))


@given(
    fields=st.lists(st.text(max_size=8), min_size=1, max_size=4),
    query=st.text(max_size=4),
)
def test_text_match_is_a_lower_cased_substring_of_some_field(fields: list[str], query: str) -> None:
    m = meta(name=fields[0], tags=tuple(fields[1:]))
    expected = any(query.lower() in f.lower() for f in [m.name, m.version, m.id, *m.tags])
    assert matches(m, Filter(texts=(query,))) is expected


def test_parse_filter_terms() -> None:
    flt = parse_filter(
        ["tag=a=b", "text=x y", "state=all", "tag=", "state=all"], default_state="active"
    )
    assert flt == Filter(state="all", tags=("a=b", ""), texts=("x y",))
    assert parse_filter([], default_state="archived") == Filter(state="archived")


@pytest.mark.parametrize(
    ("term", "message"),
    [
        ("tag", "--filter: expected KEY=VALUE with KEY one of tag, text, state, got 'tag'"),
        ("name=x", "--filter: expected KEY=VALUE with KEY one of tag, text, state, got 'name=x'"),
        ("state=old", "--filter: state must be one of active, archived, all, got 'old'"),
    ],
)
def test_parse_filter_refuses_bad_terms(term: str, message: str) -> None:
    with pytest.raises(DsreportError) as info:
        parse_filter([term], default_state="active")
    assert info.value.message == message


def test_parse_filter_refuses_two_states() -> None:
    with pytest.raises(DsreportError, match="state is given twice"):
        parse_filter(["state=all", "state=active"], default_state="active")
