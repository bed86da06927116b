"""Version ordering: SemVer precedence, then natural order."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dsreport.versioning import bump_version, sort_versions, version_key

# The precedence example from semver.org, section 11, in order.
SEMVER_ORDER = [
    "1.0.0-alpha",
    "1.0.0-alpha.1",
    "1.0.0-alpha.beta",
    "1.0.0-beta",
    "1.0.0-beta.2",
    "1.0.0-beta.11",
    "1.0.0-rc.1",
    "1.0.0",
    "2.0.0",
    "2.1.0",
    "2.1.1",
]


def test_semver_precedence_matches_the_semver_spec() -> None:
    assert sort_versions(list(reversed(SEMVER_ORDER))) == SEMVER_ORDER


@pytest.mark.parametrize(
    ("lower", "higher"),
    [
        ("1.9.0", "1.10.0"),
        ("1.2", "1.10"),
        ("v1", "v2"),
        ("v2", "v10"),
        ("v1.0.0", "v1.0.1"),
        ("1.0.0", "v1.0.1"),
        ("2024-05-01", "2024-12-01"),
        ("2024-12-31", "2025-01-01"),
        ("1.2", "1.2.0"),
        ("2.0.0-alpha.beta", "2.0.0"),
        ("release-9", "release-10"),
        ("", "0"),
    ],
)
def test_version_key_orders_pairs(lower: str, higher: str) -> None:
    assert version_key(lower) < version_key(higher)


def test_build_metadata_does_not_change_precedence_but_order_stays_total() -> None:
    a, b = version_key("1.0.0+build.1"), version_key("1.0.0+build.2")
    assert a[:3] == b[:3] and a < b


@given(st.lists(st.text(alphabet="0123456789.-+vrcalphbet", max_size=12), max_size=20))
def test_sorting_any_strings_is_total_and_stable(versions: list[str]) -> None:
    ordered = sort_versions(versions)
    assert sorted(ordered) == sorted(versions)
    assert sort_versions(ordered) == ordered
    keys = [version_key(v) for v in ordered]
    assert keys == sorted(keys)


@given(st.integers(0, 999), st.integers(0, 999), st.integers(0, 999))
def test_semver_core_sorts_numerically(major: int, minor: int, patch: int) -> None:
    version = f"{major}.{minor}.{patch}"
    assert version_key(version) < version_key(bump_version(version))
    assert version_key(f"{version}-rc.1") < version_key(version)


@pytest.mark.parametrize(
    ("version", "bumped"),
    [
        ("1.2.0", "1.2.1"),
        ("v1.2.9", "v1.2.10"),
        ("1.0.0-rc.1", "1.0.0"),
        ("v7", "v8"),
        ("draft", "draft.1"),
    ],
)
def test_bump_version(version: str, bumped: str) -> None:
    assert bump_version(version) == bumped
