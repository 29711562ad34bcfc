"""The workspace's prompt cache, following the API's documented rules, deterministically.

- A breakpoint is a block carrying `cache_control`: a tool definition, a system block or a message content block;
  or, with `cache_control` at the top level of the request (automatic caching), its last block.
- An entry's key is the model and the exact prompt up to and including a block, in API order: tools, system,
  messages. `cache_control` is not part of the prompt, and a string system prompt or message content is the one
  text block it stands for. Changing `tool_choice` or `thinking` invalidates message-level entries (as the API does).
- A prefix shorter than the model's minimum cacheable length is neither written nor read.
- A request reads the longest prefix the cache holds, looking back up to 20 blocks from each breakpoint as the API
  does, and writes each of its breakpoints after that point: `cache_creation_input_tokens` is what lies between
  the read point and its last breakpoint (each segment at the TTL of the breakpoint it ends at), `input_tokens` the
  rest.
- An entry lives for its TTL (5 minutes or 1 hour) from its last use: a read refreshes it.

Nothing here is random: the state runs requests through the cache in processing order when a batch is stored.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from batchtui.emulator.tokens import TOOL_PROMPT_TOKENS, block_tokens, tokens

LOOKBACK_BLOCKS = 20
TTL_SECONDS = {"5m": 300.0, "1h": 3600.0}

# Minimum cacheable prompt length per model, from Anthropic's prompt caching page as quoted by several sources
# (where they disagree, the larger). Models with no published figure get the largest any model has.
_MINIMUMS = {
    "claude-opus-5": 512,
    "claude-fable-5": 2048,
    "claude-mythos-5": 2048,
    "claude-opus-4-8": 1024,
    "claude-sonnet-5": 1024,
    "claude-sonnet-4-6": 2048,
    "claude-sonnet-4-5": 1024,
    "claude-opus-4-1": 1024,
    "claude-opus-4-0": 1024,
    "claude-sonnet-4-0": 1024,
    "claude-3-7-sonnet": 1024,
    "claude-opus-4-7": 4096,
    "claude-opus-4-6": 4096,
    "claude-opus-4-5": 4096,
    "claude-haiku-4-5": 4096,
    "claude-3-5-haiku": 2048,
    "claude-3-haiku": 2048,
}
DEFAULT_MINIMUM = 4096
_SUFFIX = re.compile(r"(?:-\d{8}|-latest)$")


def minimum_tokens(model: Any) -> int:
    """The shortest prefix `model` caches, in tokens."""
    if not isinstance(model, str):
        return DEFAULT_MINIMUM
    return _MINIMUMS.get(_SUFFIX.sub("", model), DEFAULT_MINIMUM)


@dataclass(frozen=True)
class Boundary:
    """The end of one block of the prompt: the cache key of everything up to it, and its tokens."""

    key: bytes
    tokens: int
    ttl: str | None  # the block is a breakpoint with this TTL


@dataclass
class CacheUse:
    """What one request did with the cache: tokens read and written (by TTL), and the entries it touched."""

    read: int = 0
    write_5m: int = 0
    write_1h: int = 0
    read_key: bytes | None = None
    writes: list[tuple[bytes, str]] = field(default_factory=list)

    @property
    def cached(self) -> int:
        return self.read + self.write_5m + self.write_1h


def _ttl(holder: Any) -> str | None:
    mark = holder.get("cache_control") if isinstance(holder, dict) else None
    if not isinstance(mark, dict):
        return None
    return mark["ttl"] if mark.get("ttl") in TTL_SECONDS else "5m"


def _canon(value: Any) -> bytes:
    if isinstance(value, dict) and "cache_control" in value:
        value = {k: v for k, v in value.items() if k != "cache_control"}
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8", "replace")


def _blocks(content: Any) -> list[Any]:
    if isinstance(content, str):
        return [{"type": "text", "text": content}] if content else []
    return content if isinstance(content, list) else []


def boundaries(params: dict, total: int) -> list[Boundary]:
    """Every block boundary of the prompt in API order; token counts are capped at the request's `total`."""
    h = hashlib.blake2b(str(params.get("model")).encode(), digest_size=16)
    out: list[Boundary] = []
    used = 0

    def add(tag: bytes, block: Any, cost: int) -> None:
        nonlocal used
        h.update(tag + _canon(block))
        used += cost
        out.append(Boundary(h.copy().digest(), min(used, total), _ttl(block)))

    tools = params.get("tools")
    for i, tool in enumerate(tools if isinstance(tools, list) else []):
        add(b"\x1etool", tool, (TOOL_PROMPT_TOKENS if i == 0 else 0) + tokens(json.dumps(tool)))
    for block in _blocks(params.get("system")):
        add(b"\x1esystem", block, block_tokens(block))
    h.update(b"\x1emessages" + _canon({"tool_choice": params.get("tool_choice"), "thinking": params.get("thinking")}))
    for message in params.get("messages") or []:
        if not isinstance(message, dict):
            continue
        h.update(b"\x1d" + str(message.get("role")).encode())
        for block in _blocks(message.get("content")):
            add(b"\x1f", block, block_tokens(block))
    auto = _ttl(params)  # automatic caching: the breakpoint goes on the last block
    if auto is not None and out and out[-1].ttl is None:
        out[-1] = Boundary(out[-1].key, out[-1].tokens, auto)
    return out


def use(bounds: list[Boundary], minimum: int, live: Callable[[bytes], bool]) -> CacheUse:
    """Read the longest live prefix within reach of a breakpoint; write every breakpoint after it."""
    points = [i for i, b in enumerate(bounds) if b.ttl is not None and b.tokens >= minimum]
    if not points:
        return CacheUse()
    reach = sorted({i for p in points for i in range(max(0, p - LOOKBACK_BLOCKS + 1), p + 1)}, reverse=True)
    read_at = next((i for i in reach if bounds[i].tokens >= minimum and live(bounds[i].key)), None)
    out = CacheUse()
    done = 0
    if read_at is not None:
        out.read, out.read_key, done = bounds[read_at].tokens, bounds[read_at].key, bounds[read_at].tokens
    for p in points:
        if read_at is not None and p <= read_at:
            continue
        segment = max(0, bounds[p].tokens - done)
        done = max(done, bounds[p].tokens)
        ttl = bounds[p].ttl or "5m"
        if ttl == "1h":
            out.write_1h += segment
        else:
            out.write_5m += segment
        out.writes.append((bounds[p].key, ttl))
    return out
