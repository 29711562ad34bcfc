"""Every content block of a reply, made readable, for the results view and the CSV and Markdown exports.

`text` and `thinking` as they are; `redacted_thinking` as a marker (the API encrypts it); `tool_use` and
`server_tool_use` as the tool's name and its input as JSON; search results as title and URL; any other block,
including types newer than this code, as its JSON. No block is ever dropped. Opaque fields (signatures, encrypted
content) are replaced by their length: they mean nothing to a reader and can be megabytes long. Every string is
sanitized; the JSONL export keeps the API's bytes untouched.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from batchtui.core.sanitize import clean

OPAQUE_KEYS = frozenset({"signature", "encrypted_content", "encrypted_index", "data"})
REDACTED_NOTE = "(encrypted by the API; not shown)"


@dataclass(frozen=True)
class Block:
    """One block, readable: `kind` is the API's type, `title` names it for a reader, `body` is its content."""

    kind: str
    title: str
    body: str


def pretty_json(value: Any) -> str:
    """Indented JSON with opaque fields shortened, sanitized (json.dumps escapes C0 controls; `clean` the rest)."""
    return clean(json.dumps(_shorten(value), indent=2, ensure_ascii=False))


def _shorten(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {
            k: (f"<{len(v):,} characters>" if k in OPAQUE_KEYS and isinstance(v, str) else _shorten(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_shorten(v) for v in value]
    return value


def _results_body(content: Any) -> str:
    """A server tool's result: search hits as "title — url" lines, an error by its code, anything else as JSON."""
    if isinstance(content, list) and content and all(isinstance(c, Mapping) and "url" in c for c in content):
        return "\n".join(clean(f"{c.get('title') or '(untitled)'} — {c.get('url')}") for c in content)
    if isinstance(content, Mapping) and isinstance(content.get("error_code"), str):
        return clean(f"error: {content['error_code']}")
    return pretty_json(content)


def block_of(raw: Any) -> Block:
    if not isinstance(raw, Mapping):
        return Block("unknown", "unknown block", pretty_json(raw))
    kind = clean(raw["type"]) if isinstance(raw.get("type"), str) else "unknown"
    name = clean(raw["name"]) if isinstance(raw.get("name"), str) else "?"
    if kind == "text" and isinstance(raw.get("text"), str):
        return Block(kind, "text", clean(raw["text"]))
    if kind == "thinking" and isinstance(raw.get("thinking"), str):
        return Block(kind, "thinking", clean(raw["thinking"]))
    if kind == "redacted_thinking":
        return Block(kind, "redacted thinking", REDACTED_NOTE)
    if kind in ("tool_use", "server_tool_use"):
        return Block(kind, f"{kind} {name}", pretty_json(raw.get("input")))
    if kind.endswith("_tool_result") and "content" in raw:
        return Block(kind, kind, _results_body(raw["content"]))
    return Block(kind, kind, pretty_json({k: v for k, v in raw.items() if k != "type"}))


def blocks_of(content: Iterable[Any]) -> list[Block]:
    """Readable blocks in order; consecutive text blocks (an answer split around citations) are joined."""
    out: list[Block] = []
    for raw in content:
        block = block_of(raw)
        if block.kind == "text" and out and out[-1].kind == "text":
            out[-1] = Block("text", "text", out[-1].body + block.body)
        else:
            out.append(block)
    return out


def reply_content(raw_line: str) -> list[Any]:
    """The content blocks (as the API sent them) of a result line's reply; [] when it is not a succeeded message."""
    try:
        obj = orjson.loads(raw_line)
    except orjson.JSONDecodeError:
        try:
            obj = json.loads(raw_line)  # what orjson refuses but the API could send (lone surrogate escapes)
        except ValueError:
            return []
    result = obj.get("result") if isinstance(obj, dict) else None
    message = result.get("message") if isinstance(result, dict) else None
    content = message.get("content") if isinstance(message, dict) else None
    return content if isinstance(content, list) else []


def reply_blocks(raw_line: str) -> list[Block]:
    """The readable blocks of a result line's reply."""
    return blocks_of(reply_content(raw_line))


def has_more_than_text(blocks: Iterable[Block]) -> bool:
    return any(b.kind != "text" for b in blocks)


def tool_calls_json(content: Iterable[Any]) -> str:
    """The `tool_use` calls among `content` as one compact JSON array of {"name", "input"}: a spreadsheet cell."""
    calls = [
        {"name": b.get("name"), "input": b.get("input")}
        for b in content
        if isinstance(b, Mapping) and b.get("type") == "tool_use"
    ]
    return clean(json.dumps(calls, ensure_ascii=False)) if calls else ""
