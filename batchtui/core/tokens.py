"""Bounds on the input tokens one request can be billed for, from its params alone (no tokenizer, no network).

Anthropic's tokenizer is not public, so the count is bounded, never guessed:

- high: one token per UTF-8 byte of everything the model reads (a BPE token always covers at least one byte),
  plus fixed allowances above the documented figures: 64 tokens per request, 16 per message and 8 per content
  block for role and framing markers, 5,000 per image (the largest resize of any model is about 4,800 tokens),
  1,000 once when tools are given (the documented tool-use system prompt is at most 530) and 2,000 per
  Anthropic-defined client tool (computer use, the largest, is documented at about 1,250 with its prompt);
- low: one token per 16 characters of billed text, leaving out whitespace and every four of a run of separator
  characters (`====`, `----`, `....`), which tokenizers pack densely (real text averages 3 to 5 characters a
  token; leaving out more than they would only lowers the bound).

Some content cannot be bounded from the params: PDFs and documents given by URL or file id (their text is not
here), server tools (their results become input, and searches are billed per use), MCP servers, and content block
types this table does not know. For those `unbounded` says why, and the cost of the request is unknown.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

LOW_CHARS_PER_TOKEN = 16
REQUEST_TOKENS = 64
MESSAGE_TOKENS = 16
BLOCK_TOKENS = 8
IMAGE_TOKENS_MAX = 5_000
TOOL_PROMPT_TOKENS = 1_000
CLIENT_TOOL_TOKENS = 2_000
# Anthropic-defined tools that run on the caller's side: their definitions are fixed, so they are bounded.
CLIENT_TOOL_PREFIXES = ("bash_", "text_editor_", "computer_", "memory_")
# json.dumps(value, ensure_ascii=False) builds an encoder per call; one built once gives the same text.
_dumps = json.JSONEncoder(ensure_ascii=False).encode
_DENSE = tuple(c * 4 for c in "=-_*#~.0")  # str.count per pattern: a regex over every prompt costs 10x more


@dataclass(frozen=True)
class InputBounds:
    """low ≤ billed input tokens ≤ high, unless `unbounded` names content that cannot be bounded.

    `cache_ttl` is the longest cache breakpoint's TTL ("5m" or "1h"), or None when nothing is marked for caching:
    with one, part of the input may be billed at the cache read (cheaper) or write (dearer) rate."""

    low: int
    high: int
    cache_ttl: str | None = None
    unbounded: str | None = None


class _Count:
    def __init__(self) -> None:
        self.low_chars = 0
        self.high = REQUEST_TOKENS
        self.ttls: set[str] = set()
        self.unbounded: str | None = None

    def cannot(self, why: str) -> None:
        self.unbounded = self.unbounded or why

    def text(self, value: Any) -> None:
        if isinstance(value, str):
            dense = sum(map(value.count, _DENSE))
            self.low_chars += len(value) - value.count(" ") - value.count("\n") - value.count("\t") - 4 * dense
            self.high += len(value.encode("utf-8", "surrogatepass"))

    def opaque(self, value: Any) -> None:
        """Read by the model, perhaps (earlier thinking, citations): bounded above, never counted in the low."""
        if value is not None:
            self.high += len(_dumps(value).encode("utf-8", "surrogatepass"))

    def cache_mark(self, holder: Mapping[str, Any]) -> None:
        mark = holder.get("cache_control")
        if mark is not None and isinstance(mark, dict | Mapping):  # None first: the Mapping ABC check is slow
            ttl = mark.get("ttl")
            self.ttls.add(ttl if ttl in ("5m", "1h") else "5m")

    def content(self, content: Any) -> None:
        """A `system` value, a message's `content` or a tool result's `content`: a string or a list of blocks."""
        if isinstance(content, str):
            self.text(content)
        elif isinstance(content, list):
            for block in content:
                self.block(block)

    def block(self, block: Any) -> None:
        if isinstance(block, str):
            self.text(block)
            return
        if not isinstance(block, dict | Mapping):
            return
        self.high += BLOCK_TOKENS
        self.cache_mark(block)
        kind = block.get("type")
        if kind == "text":
            self.text(block.get("text"))
            self.opaque(block.get("citations"))
        elif kind == "image":
            self.high += IMAGE_TOKENS_MAX
        elif kind == "document":
            self.document(block)
        elif kind == "search_result":
            self.text(block.get("title"))
            self.text(block.get("source"))
            self.content(block.get("content"))
        elif kind in ("tool_use", "server_tool_use"):
            self.text(block.get("name"))
            self.text(_dumps(block.get("input")))
        elif kind == "tool_result":
            self.content(block.get("content"))
        elif kind in ("thinking", "redacted_thinking"):
            # Earlier turns' thinking is not billed (the docs), but it costs nothing to keep it under the high.
            self.opaque(block.get("thinking") or block.get("data"))
        else:
            self.cannot(f"a {kind!r} content block" if isinstance(kind, str) else "a content block with no type")

    def document(self, block: Mapping[str, Any]) -> None:
        self.text(block.get("title"))
        self.text(block.get("context"))
        source = block.get("source")
        kind = source.get("type") if isinstance(source, dict | Mapping) else None
        if kind == "text":
            self.text(source.get("data"))  # type: ignore[union-attr]
        elif kind == "content":
            self.content(source.get("content"))  # type: ignore[union-attr]
        elif kind == "base64" and source.get("media_type") == "text/plain":  # type: ignore[union-attr]
            self.text(_decoded_text(source.get("data")))  # type: ignore[union-attr]
        else:
            self.cannot("a PDF or a document given by URL or file id")

    def tools(self, tools: Any) -> None:
        if not isinstance(tools, list) or not tools:
            return
        self.high += TOOL_PROMPT_TOKENS
        for tool in tools:
            if not isinstance(tool, dict | Mapping):
                continue
            self.cache_mark(tool)
            kind = tool.get("type")
            if kind in (None, "custom"):
                self.text(_dumps(tool))
            elif isinstance(kind, str) and kind.startswith(CLIENT_TOOL_PREFIXES):
                self.high += CLIENT_TOOL_TOKENS
            else:
                self.cannot(f"the server tool {kind!r}")


class _JoinedCount(_Count):
    """The same counts, gathered: each text is kept and all are counted at the end over them joined by NUL (which no
    dense run contains, so no run spans two texts), as UTF-8 bytes: one C pass keeps only the blank and dense
    characters, and a dense run is looked for only where its character occurs 4 times. Every count is one that
    `_Count.text` would make (they are ASCII, so a count over the UTF-8 bytes equals the count over the text), about
    5x faster than a dozen `str.count` passes; for input_bounds, which reads the counts only at the end."""

    def __init__(self) -> None:
        super().__init__()
        self._texts: list[str] = []

    def text(self, value: Any) -> None:
        if isinstance(value, str):
            self._texts.append(value)

    def block(self, block: Any) -> None:
        # The commonest block inline, exactly as _Count.block counts it (no citations: opaque(None) adds nothing).
        if type(block) is dict and block.get("type") == "text" and block.get("citations") is None:
            self.high += BLOCK_TOKENS
            if block.get("cache_control") is not None:
                self.cache_mark(block)
            text = block.get("text")
            if isinstance(text, str):
                self._texts.append(text)
        else:
            super().block(block)

    def settle(self) -> None:
        texts, self._texts = self._texts, []
        if texts:
            low_chars, high = count_texts(texts)
            self.low_chars += low_chars
            self.high += high


def count_texts(texts: list[str]) -> tuple[int, int]:
    """(low characters, UTF-8 bytes) of `texts` by `_Count.text`'s rules, counted in one pass over them joined (see
    `_JoinedCount`)."""
    joined, joins = "\x00".join(texts), len(texts) - 1
    data = joined.encode("utf-8", "surrogatepass")
    kept = data.translate(None, _NOT_COUNTED)  # the blanks and dense characters, usually a few per cent
    dense_chars = kept.translate(None, _BLANKS)
    dense = 0
    if len(dense_chars) >= 4:
        for char in set(dense_chars):  # the few dense characters there are, each as a byte value
            if dense_chars.count(char) >= 4:
                dense += data.count(_RUNS[char])
    return len(joined) - joins - (len(kept) - len(dense_chars)) - 4 * dense, len(data) - joins


def low_tokens(low_chars: int) -> int:
    return math.ceil(low_chars / LOW_CHARS_PER_TOKEN)


_RUNS = {run.encode()[0]: run.encode() for run in _DENSE}  # a dense character's byte value -> its run of four
_BLANKS = b" \n\t"
_NOT_COUNTED = bytes(b for b in range(256) if chr(b) not in " \n\t" + "".join(run[0] for run in _DENSE))


def _decoded_text(data: Any) -> str | None:
    if not isinstance(data, str):
        return None
    try:
        return base64.b64decode(data, validate=False).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        return None


def input_bounds(params: Mapping[str, Any]) -> InputBounds:
    """Bounds on the input tokens of one request's params (see the module docstring for the rules)."""
    count = _JoinedCount()
    system = params.get("system")
    count.content(system)
    messages = params.get("messages")
    for message in messages if isinstance(messages, list | tuple) else ():  # `true` is no list to walk
        if isinstance(message, dict | Mapping):
            count.high += MESSAGE_TOKENS
            count.content(message.get("content"))
    count.tools(params.get("tools"))
    if params.get("mcp_servers"):
        count.cannot("MCP servers")
    auto = params.get("cache_control")
    if auto is not None and isinstance(auto, dict | Mapping):  # automatic caching: one mark for the whole request
        count.cache_mark(params)
    count.settle()
    ttl = "1h" if "1h" in count.ttls else ("5m" if count.ttls else None)
    return InputBounds(low_tokens(count.low_chars), count.high, ttl, count.unbounded)


class _HighCount(_Count):
    """The upper bound alone: one pass over each text instead of a dozen (`low` stays 0)."""

    def text(self, value: Any) -> None:
        if isinstance(value, str):
            self.high += len(value) if value.isascii() else len(value.encode("utf-8", "surrogatepass"))


class RunningBounds:
    """The bounds of a prompt read part by part in API order (tools, system, then each message's blocks), by the
    rules of `input_bounds`: after each part, `low` and `high` bound the prefix read so far (what a prompt cache
    entry ending there would hold). `high_only`: the same `high`, faster, and no `low` (0)."""

    def __init__(self, *, high_only: bool = False) -> None:
        self._count = _HighCount() if high_only else _Count()

    def tools(self, tools: Any) -> None:
        self._count.tools(tools)

    def system(self, system: Any) -> None:
        self._count.content(system)

    def message(self) -> None:
        self._count.high += MESSAGE_TOKENS

    def block(self, block: Any) -> None:
        self._count.block(block)

    @property
    def low(self) -> int:
        return math.ceil(self._count.low_chars / LOW_CHARS_PER_TOKEN)

    @property
    def high(self) -> int:
        return self._count.high

    @property
    def unbounded(self) -> str | None:
        return self._count.unbounded
