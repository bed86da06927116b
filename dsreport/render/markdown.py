"""Markdown rendered safely: no raw HTML, only safe URLs, as a node tree and as HTML.

The tree (``[tag, {attrs}, child, …]`` lists, text as plain strings) is what pages receive as
data: scripts build it with ``createElement`` and ``textContent``, never ``innerHTML``. The HTML
serialisation of the same tree is used where the page is rendered at build time.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode
from markupsafe import Markup, escape

Node = str | list[Any]
"""A text string, or ``[tag, attrs, *children]``."""

SAFE_SCHEMES = frozenset({"http", "https", "mailto"})

_BLOCK_TAGS = {
    "paragraph": "p",
    "blockquote": "blockquote",
    "bullet_list": "ul",
    "ordered_list": "ol",
    "list_item": "li",
    "table": "table",
    "thead": "thead",
    "tbody": "tbody",
    "tr": "tr",
    "em": "em",
    "strong": "strong",
    "s": "s",
}
_VOID = {"br", "hr", "img"}


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    # "js-default" is CommonMark with html disabled; tables and strikethrough are enabled on top.
    return MarkdownIt("js-default", {"linkify": False}).enable(["table", "strikethrough"])


def safe_url(url: str) -> str | None:
    """*url* if it is http(s), mailto or relative (no scheme); ``None`` for anything else."""
    cleaned = "".join(ch for ch in url if ch > " " and ch != "\x7f")
    if cleaned.startswith("//"):
        return url  # protocol-relative: http(s) on the page's scheme
    try:
        scheme = urlsplit(cleaned).scheme.lower()
    except ValueError:
        return None
    if not scheme:
        return url
    return url if scheme in SAFE_SCHEMES else None


def _children(node: SyntaxTreeNode) -> list[Node]:
    out: list[Node] = []
    for child in node.children:
        out.extend(_convert(child))
    return out


def _convert(node: SyntaxTreeNode) -> list[Node]:
    kind = node.type
    if kind == "text":
        return [node.content]
    if kind == "softbreak":
        return ["\n"]
    if kind == "hardbreak":
        return [["br", {}]]
    if kind == "inline" or (kind == "paragraph" and node.hidden):
        return _children(node)
    if kind == "code_inline":
        return [["code", {}, node.content]]
    if kind in ("fence", "code_block"):
        info = (node.info or "").strip().split(" ")[0]
        attrs = {"data-lang": info} if info else {}
        return [["pre", attrs, ["code", {}, node.content]]]
    if kind == "heading":
        level = min(int(node.tag[1:]) + 2, 6)  # page headings own h1/h2: descriptions start at h3
        return [[f"h{level}", {}, *_children(node)]]
    if kind == "hr":
        return [["hr", {}]]
    if kind in ("th", "td"):
        style = str(node.attrs.get("style", ""))
        attrs = {"class": f"align-{style.split(':')[1]}"} if style.startswith("text-align:") else {}
        return [[kind, attrs, *_children(node)]]
    if kind == "link":
        href = safe_url(str(node.attrs.get("href", "")))
        if href is None:
            return _children(node)
        link: dict[str, str] = {"href": href, "rel": "nofollow noopener noreferrer"}
        if node.attrs.get("title"):
            link["title"] = str(node.attrs["title"])
        return [["a", link, *_children(node)]]
    if kind == "image":
        # Only absolute http(s) images: a relative one could load a file from outside the site.
        src = safe_url(str(node.attrs.get("src", "")))
        alt = "".join(c for c in _children(node) if isinstance(c, str))
        if src is None or not src.lower().startswith(("http://", "https://")):
            return [alt] if alt else []
        return [["img", {"src": src, "alt": alt, "loading": "lazy"}]]
    if kind == "ordered_list" and node.attrs.get("start") not in (None, 1):
        return [["ol", {"start": str(node.attrs["start"])}, *_children(node)]]
    tag = _BLOCK_TAGS.get(kind)
    if tag:
        return [[tag, {}, *_children(node)]]
    if kind == "root":
        return _children(node)
    # Anything else (html_block/html_inline cannot occur with html disabled): keep its text only.
    return [node.content] if node.content else _children(node)


def markdown_tree(text: str) -> list[Node]:
    """Parse Markdown into a safe node tree."""
    return _convert(SyntaxTreeNode(_parser().parse(text)))


def tree_html(nodes: list[Node]) -> Markup:
    """Serialise a node tree as HTML, escaping every text and attribute."""
    parts: list[str] = []
    for node in nodes:
        if isinstance(node, str):
            parts.append(str(escape(node)))
            continue
        tag, attrs, *children = node
        attr_text = "".join(f' {k}="{escape(v)}"' for k, v in attrs.items())
        if tag in _VOID:
            parts.append(f"<{tag}{attr_text}>")
        else:
            parts.append(f"<{tag}{attr_text}>{tree_html(children)}</{tag}>")
    return Markup("".join(parts))


def markdown_html(text: str) -> Markup:
    """Markdown to safe HTML."""
    return tree_html(markdown_tree(text))
