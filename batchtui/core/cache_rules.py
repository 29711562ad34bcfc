"""What the API allows for prompt caching, as auto-caching needs it: where a breakpoint may go, how many a request
may have, and how long a prefix must be before the model caches it.

- `cache_control` goes on a tool definition, a system text block, or a message content block (text, image,
  document, search result, tool use and tool result); not on thinking blocks, not on an empty text block.
- At most 4 breakpoints per request; with both TTLs, every 1-hour breakpoint must come before any 5-minute one.
- A prefix under the model's minimum cacheable length is processed without caching (no error, no write).

The minimums come from Anthropic's prompt caching page as quoted by several sources; where they disagree, the
larger is kept, so a prefix auto-caching marks is never one the model would turn down. A model with no published
figure is held to the largest minimum any model has.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from batchtui.core.cost import canonical_model

MAX_BREAKPOINTS = 4
EPHEMERAL: dict[str, str] = {"type": "ephemeral"}  # the API's default TTL: 5 minutes
MARKABLE_BLOCKS = frozenset({"text", "image", "document", "search_result", "tool_use", "tool_result"})

_MINIMUM_TOKENS = {
    "claude-opus-5": 512,
    "claude-fable-5": 2048,  # 512 and 2,048 are both quoted
    "claude-mythos-5": 2048,
    "claude-opus-4-8": 1024,
    "claude-sonnet-5": 1024,
    "claude-sonnet-4-6": 2048,  # the docs say 1,024; caching is reported to start at 2,048 in practice
    "claude-sonnet-4-5": 1024,
    "claude-opus-4-1": 1024,
    "claude-opus-4-0": 1024,
    "claude-sonnet-4-0": 1024,
    "claude-3-7-sonnet": 1024,
    "claude-opus-4-7": 4096,  # 2,048 and 4,096 are both quoted
    "claude-opus-4-6": 4096,
    "claude-opus-4-5": 4096,
    "claude-haiku-4-5": 4096,
    "claude-3-5-haiku": 2048,
    "claude-3-haiku": 2048,
}
DEFAULT_MINIMUM_TOKENS = max(_MINIMUM_TOKENS.values())


def minimum_tokens(model: str) -> int:
    """The shortest prefix `model` caches, in tokens (the largest known minimum for a model without a figure)."""
    return _MINIMUM_TOKENS.get(canonical_model(model), DEFAULT_MINIMUM_TOKENS)


def ttl_of(holder: Any) -> str | None:
    """The TTL of the breakpoint `holder` (a block or tool) carries: "5m", "1h", or None when it carries none."""
    mark = holder.get("cache_control") if isinstance(holder, Mapping) else None
    if not isinstance(mark, Mapping):
        return None
    return "1h" if mark.get("ttl") == "1h" else "5m"


def markable(block: Any) -> bool:
    """Whether the API accepts `cache_control` on this message or system content block."""
    if not isinstance(block, Mapping) or block.get("type") not in MARKABLE_BLOCKS:
        return False
    return block.get("type") != "text" or bool(block.get("text"))
