"""JSON that is safe inside HTML ``<script>`` elements and classic ``.js`` data files."""

from __future__ import annotations

from typing import Any

import orjson

# orjson (like json) leaves "</script>" and "<!--" intact; escaping <, > and & makes any JSON
# inert inside a script element, and U+2028/U+2029 are line terminators in older JavaScript.
_ESCAPES = {
    ord("<"): "\\u003c",
    ord(">"): "\\u003e",
    ord("&"): "\\u0026",
    0x2028: "\\u2028",
    0x2029: "\\u2029",
}


def script_json(value: Any) -> str:
    """Serialise *value* as JSON that cannot end or alter the script element it is placed in."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode().translate(_ESCAPES)


def data_script(kind: str, key: str, value: Any) -> str:
    """A classic script that hands *value* to the page: ``DS.data("kind", "key", {...});``.

    Pages load these with ``<script src>``, which works from ``file://`` where ``fetch`` does not.
    """
    return f"DS.data({script_json(kind)},{script_json(key)},{script_json(value)});\n"
