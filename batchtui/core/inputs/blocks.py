"""Checks on content blocks (a message's content, the system prompt, a tool result's content), by type.

The required fields of each block type and their JSON types are those of the Messages API's request params
(anthropic SDK `*BlockParam` types, GA and beta). A block type the API lists but this table only knows by name is
checked for its `type` alone; an unknown type is an error. Unknown extra keys inside a block are left to the API:
new optional fields (citations, cache_control ...) appear often, and rejecting one would refuse a valid request.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from batchtui.core.inputs.envelope import json_type
from batchtui.core.inputs.problems import Problems
from batchtui.core.inputs.records import show

# (Python types, what to write in a message); bool is excluded from numbers where it matters.
Kind = tuple[tuple[type, ...], str]
STR: Kind = ((str,), "a string")
OBJ: Kind = ((dict,), "an object")
LIST: Kind = ((list,), "a list")
TEXT_OR_LIST: Kind = ((str, list), "a string or a list of content blocks")
ANY: Kind = ((object,), "a value")

_TOOL_RESULT = {"tool_use_id": STR, "content": ANY}  # the server tools' result blocks
# type -> required fields (beyond `type`).
REQUIRED: dict[str, dict[str, Kind]] = {
    "text": {"text": STR},
    "image": {"source": OBJ},
    "document": {"source": OBJ},
    "search_result": {"source": STR, "title": STR, "content": LIST},
    "thinking": {"thinking": STR, "signature": STR},
    "redacted_thinking": {"data": STR},
    "tool_use": {"id": STR, "name": STR, "input": OBJ},
    "tool_result": {"tool_use_id": STR},
    "server_tool_use": {"id": STR, "name": STR, "input": OBJ},
    "web_search_tool_result": _TOOL_RESULT,
    "web_fetch_tool_result": _TOOL_RESULT,
    "code_execution_tool_result": _TOOL_RESULT,
    "bash_code_execution_tool_result": _TOOL_RESULT,
    "text_editor_code_execution_tool_result": _TOOL_RESULT,
    "tool_search_tool_result": _TOOL_RESULT,
    "advisor_tool_result": _TOOL_RESULT,
    "container_upload": {"file_id": STR},
    "mcp_tool_use": {"id": STR, "name": STR, "server_name": STR, "input": OBJ},
    "mcp_tool_result": {"tool_use_id": STR},
    "compaction": {},
    "tool_addition": {"tool": ANY},
    "tool_removal": {"tool": ANY},
    "mcp_tool_listing": {"mcp_server_name": STR, "tools": ANY},
    "fallback": {"to": ANY},
    "tool_reference": {"tool_name": STR},
}
# What a tool_result's content list may hold, and the system prompt's.
TOOL_RESULT_CONTENT = frozenset({"text", "image", "document", "search_result", "tool_reference"})
SYSTEM_CONTENT = frozenset({"text"})

IMAGE_MEDIA_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp")
# source type -> required fields; media_type is checked apart (its values depend on the block).
IMAGE_SOURCES: dict[str, dict[str, Kind]] = {
    "base64": {"media_type": STR, "data": STR},
    "url": {"url": STR},
    "file": {"file_id": STR},
}
DOCUMENT_SOURCES: dict[str, dict[str, Kind]] = {
    "base64": {"media_type": STR, "data": STR},
    "text": {"media_type": STR, "data": STR},
    "content": {"content": TEXT_OR_LIST},
    "url": {"url": STR},
    "file": {"file_id": STR},
}
DOCUMENT_MEDIA_TYPES = {"base64": ("application/pdf",), "text": ("text/plain",)}
CACHE_TTLS = ("5m", "1h")
_BLOCK_EXAMPLE = 'e.g. {"type": "text", "text": "..."}'


def is_a(value: Any, kind: Kind) -> bool:
    return isinstance(value, kind[0]) and not (isinstance(value, bool) and bool not in kind[0])


def fields(obj: dict[str, Any], required: dict[str, Kind], where: str, p: Problems, hint: str) -> bool:
    """Each required field present with its JSON type; False after the first one that is not."""
    for name, kind in required.items():
        if name not in obj:
            p.error(f"{where}.{name}", f"missing (expected {kind[1]})", hint, "block_field")
            return False
        if kind is not ANY and not is_a(obj[name], kind):
            p.error(f"{where}.{name}", f"must be {kind[1]} (got {json_type(obj[name])})", hint, "block_field")
            return False
    return True


def cache_control(value: Any, where: str, p: Problems) -> None:
    """null, or {"type": "ephemeral", "ttl"?: "5m" | "1h"}."""
    if value is None:
        return
    hint = 'write it as {"type": "ephemeral"} (optionally with "ttl": "5m" or "1h")'
    if not isinstance(value, dict):
        p.error(where, f"must be an object (got {json_type(value)})", hint, "cache_control")
    elif value.get("type") != "ephemeral":
        p.error(f"{where}.type", f'must be "ephemeral" (got {show(value.get("type"))})', hint, "cache_control")
    elif "ttl" in value and value["ttl"] not in CACHE_TTLS:
        p.error(f"{where}.ttl", f'must be "5m" or "1h" (got {show(value["ttl"])})', hint, "cache_control")


def _source(block: dict[str, Any], kind: str, where: str, p: Problems) -> None:
    source = block["source"]
    where = f"{where}.source"
    table = IMAGE_SOURCES if kind == "image" else DOCUMENT_SOURCES
    stype = source.get("type")
    hint = (
        'e.g. {"type": "base64", "media_type": "image/png", "data": "..."} or {"type": "url", "url": "https://..."}'
        if kind == "image"
        else 'e.g. {"type": "base64", "media_type": "application/pdf", "data": "..."} or {"type": "text", ...}'
    )
    if not isinstance(stype, str) or stype not in table:  # a list or object is not hashable
        got = "missing" if "type" not in source else f"got {show(stype)}"
        p.error(f"{where}.type", f"must be one of {', '.join(table)} ({got})", hint, "block_source")
        return
    if not fields(source, table[stype], where, p, hint):
        return
    if "media_type" in table[stype]:
        allowed = IMAGE_MEDIA_TYPES if kind == "image" else DOCUMENT_MEDIA_TYPES[stype]
        if source["media_type"] not in allowed:
            message = f"must be {' or '.join(allowed)} (got {show(source['media_type'])})"
            p.error(f"{where}.media_type", message, hint, "block_source")
    if stype == "content":
        content(source["content"], f"{where}.content", p, allowed=TOOL_RESULT_CONTENT)


def block(value: Any, where: str, p: Problems, allowed: frozenset[str] | None = None) -> bool:
    """One content block; False when it is not even an object with a type (the caller stops there)."""
    if not isinstance(value, dict) or not isinstance(value.get("type"), str):
        p.error(where, "must be a content block with a type", _BLOCK_EXAMPLE, "content_block")
        return False
    kind = value["type"]
    required = REQUIRED.get(kind)
    if required is None or (allowed is not None and kind not in allowed):
        names = ", ".join(sorted(allowed)) if allowed is not None else "text, image, document, tool_use, tool_result"
        message = f"unknown content block type {show(kind)}" if required is None else f"cannot hold a {kind} block"
        p.error(f"{where}.type", message, f"use one of {names}...", "block_type")
        return True
    if required and not fields(value, required, where, p, _hint(kind)):
        return True
    if "cache_control" in value:
        cache_control(value["cache_control"], f"{where}.cache_control", p)
    if kind in ("image", "document"):
        _source(value, kind, where, p)
    elif kind == "tool_result":
        if "content" in value:
            content(value["content"], f"{where}.content", p, allowed=TOOL_RESULT_CONTENT, empty_ok=True)
        if "is_error" in value and not isinstance(value["is_error"], bool):
            got = json_type(value["is_error"])
            p.error(f"{where}.is_error", f"must be true or false (got {got})", "write true or false", "block_field")
    elif kind == "search_result":
        content(value["content"], f"{where}.content", p, allowed=SYSTEM_CONTENT, empty_ok=True)
    elif kind == "text" and value.get("citations") is not None and not isinstance(value["citations"], list):
        got = json_type(value["citations"])
        p.error(
            f"{where}.citations",
            f"must be a list (got {got})",
            "write a list of citations, or leave it out",
            "block_field",
        )
    return True


@cache  # one per known block type: built once, not per block
def _hint(kind: str) -> str:
    required = REQUIRED[kind]
    example = ", ".join(f'"{name}": ...' for name in required)
    article = "an" if kind[0] in "aeiou" else "a"
    return f'{article} {kind} block needs {{"type": "{kind}", {example}}}'


def plain_text_block(value: Any) -> bool:
    """A text block the checks below find nothing to say about, told in a few lookups (the fast path of a valid
    file): text a string, no citations, cache_control absent or exactly right. False sends it to the full checks."""
    if type(value) is not dict or type(value.get("text")) is not str or value.get("citations") is not None:
        return False
    kind, mark = value.get("type"), value.get("cache_control")
    return (
        type(kind) is str
        and kind == "text"
        and (
            mark is None
            or (
                type(mark) is dict
                and mark.get("type") == "ephemeral"
                and ("ttl" not in mark or mark["ttl"] in CACHE_TTLS)
            )
        )
    )


def content(
    value: Any, where: str, p: Problems, *, allowed: frozenset[str] | None = None, empty_ok: bool = False
) -> None:
    """A string, or a list of content blocks (only `allowed` types, when given)."""
    if isinstance(value, str):
        return
    if type(value) is list and value and (allowed is None or "text" in allowed) and all(map(plain_text_block, value)):
        return  # nothing to say: the common case, without a location string per block
    if not isinstance(value, list):
        message = f"must be a string or a list of content blocks (got {json_type(value)})"
        p.error(where, message, f"write the text as a string, or blocks {_BLOCK_EXAMPLE}", "content_type")
        return
    if not value and not empty_ok:
        p.error(where, "is an empty list", "give at least one content block, or a string", "content_type")
    for j, item in enumerate(value):
        if not block(item, f"{where}.{j}", p, allowed):
            break  # one shapeless block in a long list is enough to say
