"""The JSON Schema (draft 2020-12) of catalog format 1, generated from the models."""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter
from pydantic.json_schema import JsonSchemaMode

from dsreport.model import CatalogConfig, DatasetJson, FileEntry, LinkEntry, VersionJson

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

KINDS: dict[str, tuple[str, str]] = {
    "dataset": ("DatasetJson", "<dataset>/dataset.json"),
    "version": ("VersionJson", "<dataset>/versions/<id>/version.json"),
    "entry": ("ManifestEntry", "one line of manifest.jsonl"),
    "config": ("CatalogConfig", "dsreport.toml (as the JSON its TOML reads to)"),
}
"""What ``dsreport schema --kind`` accepts: kind -> ($defs name, the file it describes)."""


def catalog_schema(kind: str | None = None) -> dict[str, Any]:
    """The schema of every catalog document (``kind=None``) or of one kind of document.

    The whole schema accepts any one document of a catalog (``oneOf``); with *kind*, only that
    kind. Both carry every definition under ``$defs``.
    """
    models: tuple[type[Any], ...] = (DatasetJson, VersionJson, FileEntry, LinkEntry, CatalogConfig)
    adapters: list[tuple[str, JsonSchemaMode, TypeAdapter[Any]]] = [
        (model.__name__, "validation", TypeAdapter(model)) for model in models
    ]
    _, top = TypeAdapter.json_schemas(adapters, ref_template="#/$defs/{model}")
    defs: dict[str, Any] = dict(sorted(top["$defs"].items()))
    defs["ManifestEntry"] = {
        "description": "A manifest line: a file or a link (a link has the key 'link').",
        "oneOf": [{"$ref": "#/$defs/FileEntry"}, {"$ref": "#/$defs/LinkEntry"}],
    }
    schema: dict[str, Any] = {
        "$schema": SCHEMA_DIALECT,
        "$id": "urn:dsreport:catalog-format-1",
        "title": "dsreport catalog, format 1",
    }
    if kind is None:
        schema["description"] = "Any one document of a dsreport catalog: " + "; ".join(
            f"{name} ({what})" for name, what in KINDS.values()
        )
        schema["oneOf"] = [{"$ref": f"#/$defs/{name}"} for name, _ in KINDS.values()]
    else:
        name, what = KINDS[kind]
        schema["$id"] = f"urn:dsreport:catalog-format-1:{kind}"
        schema["description"] = what
        schema["$ref"] = f"#/$defs/{name}"
    schema["$defs"] = defs
    return schema
