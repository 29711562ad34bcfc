"""Automatic prompt caching: find the prefixes many requests of a file share, and mark them with `cache_control`.

It takes two passes over the requests, in the same order, with memory bounded by the number of distinct prefixes
(counted by a 64-bit hash of model and content, never by the content):

1. `PrefixCounter.add(params)` for every request counts its candidate prefixes.
2. `AutoCacher.mark(params)` for every request chooses and marks.

A request's candidates, in the API's prompt order (tools, system, messages): its tools; its tools and system
prompt; its tools, system prompt and the first k content blocks of its first user turn, k ≤ 4 (a shared document,
shared instructions). A candidate's key is the model and the exact content of the prefix (key order kept), without
any `cache_control`, with `tool_choice` and `thinking` for the message-level ones (changing them invalidates those
entries on the API).

The choice: the longest candidate shared by at least `share` requests whose upper token bound meets the model's
minimum cacheable length (`cache_rules`); then shorter ones shared by strictly more requests (a request with a new
document still reads the system prompt others wrote), within the 4-breakpoint limit, counting the breakpoints the
request already has. A request with top-level `cache_control` (automatic caching) is left alone, and so is a prefix
that would put a 5-minute breakpoint before an existing 1-hour one (the API refuses that order).

The mark: `{"type": "ephemeral"}` added to the last block of each chosen prefix, in new dicts (the input is never
mutated). Nothing else changes, with one documented equivalence: a string system prompt or string message content
becomes the single text block it stands for ("content": "Hi" is shorthand for [{"type": "text", "text": "Hi"}],
per the Messages API docs; `system` accepts the same two forms), because only a block can carry `cache_control`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from batchtui.core.cache_rules import EPHEMERAL, MAX_BREAKPOINTS, markable, minimum_tokens, ttl_of
from batchtui.core.tokens import RunningBounds

LEADING_BLOCKS = 4  # first-turn blocks tried as a prefix end: a document and its instructions, not a whole chat
DEFAULT_SHARE = 2
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))

Target = tuple[str, int]  # ("tools" | "system" | "first", index of the block that carries the mark)
_ORDER = {"tools": 0, "system": 1, "first": 2}


@dataclass(frozen=True)
class Candidate:
    """A prefix of one request that could be cached: its key, where its mark goes, and its token bounds."""

    key: int
    target: Target
    low: int
    high: int
    unbounded: bool  # it holds content whose tokens cannot be bounded (a PDF, a file id): `high` is not a bound
    ttl: str | None  # the TTL of the breakpoint its last block already carries, if any

    def eligible(self, model: str) -> bool:
        """Long enough, perhaps, for the model to cache (an unbounded prefix may be)."""
        return self.unbounded or self.high >= minimum_tokens(model)


def _strip(block: Any) -> Any:
    if isinstance(block, Mapping) and "cache_control" in block:
        return {k: v for k, v in block.items() if k != "cache_control"}
    return block


def _encode(value: Any) -> bytes:
    return _ENCODER.encode(_strip(value)).encode("utf-8", "surrogatepass")


def _text_blocks(content: Any) -> list[Any] | None:
    """A system prompt or message content as its list of blocks (a non-empty string is one text block)."""
    if isinstance(content, str):
        return [{"type": "text", "text": content}] if content else None
    return content if isinstance(content, list) and content else None


def candidates(params: Mapping[str, Any], *, high_only: bool = False) -> list[Candidate]:
    """The request's candidate prefixes, shortest first (see the module docstring). `high_only`: without the lower
    token bounds (0), which take most of the time and pass 1 does not need."""
    model = params.get("model")
    if not isinstance(model, str):
        return []
    h = hashlib.blake2b(model.encode("utf-8", "surrogatepass"), digest_size=8)
    bounds = RunningBounds(high_only=high_only)
    out: list[Candidate] = []

    def add(target: Target, holder: Any) -> None:
        key = int.from_bytes(h.copy().digest(), "big")
        out.append(Candidate(key, target, bounds.low, bounds.high, bounds.unbounded is not None, ttl_of(holder)))

    tools = params.get("tools")
    if isinstance(tools, list) and tools:
        for tool in tools:
            h.update(b"\x1etool" + _encode(tool))
        bounds.tools(tools)
        if isinstance(tools[-1], Mapping) and isinstance(tools[-1].get("name"), str):
            add(("tools", len(tools) - 1), tools[-1])
    system = _text_blocks(params.get("system"))
    if system is not None:
        for block in system:
            h.update(b"\x1esystem" + _encode(block))
        bounds.system(system)
        if markable(system[-1]) and system[-1].get("type") == "text":
            add(("system", len(system) - 1), system[-1])
    messages = params.get("messages")
    first = messages[0] if isinstance(messages, list) and messages else None
    if not isinstance(first, Mapping) or first.get("role") != "user":
        return out
    blocks = _text_blocks(first.get("content"))
    if blocks is None:
        return out
    h.update(b"\x1emessages" + _encode({"tool_choice": params.get("tool_choice"), "thinking": params.get("thinking")}))
    h.update(b"\x1duser")
    bounds.message()
    for i, block in enumerate(blocks[:LEADING_BLOCKS]):
        h.update(b"\x1f" + _encode(block))
        bounds.block(block)
        if markable(block):
            add(("first", i), block)
    return out


class PrefixCounter:
    """Pass 1: how many requests share each candidate prefix that could be long enough to cache."""

    def __init__(self) -> None:
        self.counts: dict[int, int] = {}

    def add(self, params: Mapping[str, Any]) -> None:
        model = params.get("model")
        for c in candidates(params, high_only=True):
            if c.eligible(model):  # type: ignore[arg-type]
                self.counts[c.key] = self.counts.get(c.key, 0) + 1

    def shared(self, share: int = DEFAULT_SHARE) -> int:
        """How many distinct prefixes at least `share` requests have in common."""
        return sum(1 for n in self.counts.values() if n >= share)


@dataclass(frozen=True)
class Marking:
    """What pass 2 did to one request: its candidates, and those it added a breakpoint to (none: unchanged)."""

    params: dict[str, Any]
    candidates: tuple[Candidate, ...] = ()
    added: tuple[Candidate, ...] = ()


def _existing(params: Mapping[str, Any]) -> list[tuple[tuple[int, int, int], str]]:
    """Every breakpoint the request carries: (position in prompt order, TTL)."""
    found: list[tuple[tuple[int, int, int], str]] = []

    def scan(kind: int, sub: int, blocks: Any) -> None:
        for i, block in enumerate(blocks if isinstance(blocks, list) else []):
            ttl = ttl_of(block)
            if ttl is not None:
                found.append(((kind, sub, i), ttl))

    scan(0, 0, params.get("tools"))
    scan(1, 0, params.get("system"))
    messages = params.get("messages")
    for m, message in enumerate(messages if isinstance(messages, list) else []):  # any shape: never raises
        if isinstance(message, Mapping):
            scan(2, m, message.get("content"))
    return found


def _where(target: Target) -> tuple[int, int, int]:
    kind, index = target
    return (_ORDER[kind], 0, index)


class AutoCacher:
    """Pass 2: chooses each request's prefixes from pass 1's counts and marks them."""

    def __init__(self, counter: PrefixCounter, share: int = DEFAULT_SHARE) -> None:
        self.counts = counter.counts
        self.share = max(2, share)

    def choose(self, params: Mapping[str, Any], cands: list[Candidate]) -> list[Candidate]:
        model = params.get("model")
        if not cands or not isinstance(model, str) or isinstance(params.get("cache_control"), Mapping):
            return []
        existing = _existing(params)
        budget = MAX_BREAKPOINTS - len(existing)
        chosen: list[Candidate] = []
        last = 0  # requests sharing the prefix chosen last: a shorter one must be shared by more
        for c in reversed(cands):
            n = self.counts.get(c.key, 0)
            if n < self.share or n <= last or not c.eligible(model):
                continue
            if c.ttl is None:
                after_1h = any(pos > _where(c.target) and ttl == "1h" for pos, ttl in existing)
                if budget <= 0 or after_1h:
                    continue
                budget -= 1
            chosen.append(c)
            last = n
        return sorted((c for c in chosen if c.ttl is None), key=lambda c: _where(c.target))

    def mark(self, params: dict[str, Any]) -> Marking:
        cands = candidates(params)
        added = self.choose(params, cands)
        if not added:
            return Marking(params, tuple(cands))
        return Marking(apply_marks(params, [c.target for c in added]), tuple(cands), tuple(added))


def _marked(block: Any) -> dict[str, Any]:
    return {**block, "cache_control": dict(EPHEMERAL)}


def _marked_list(content: Any, indexes: list[int]) -> list[Any]:
    blocks = _text_blocks(content)  # a string: the one text block it stands for (see the module docstring)
    assert blocks is not None
    out = list(blocks)
    for i in indexes:
        out[i] = _marked(out[i])
    return out


def apply_marks(params: Mapping[str, Any], targets: list[Target]) -> dict[str, Any]:
    """`params` with a 5-minute breakpoint on each target block; everything else is the same objects."""
    out = dict(params)
    by_kind: dict[str, list[int]] = {}
    for kind, index in targets:
        by_kind.setdefault(kind, []).append(index)
    if "tools" in by_kind:
        out["tools"] = _marked_list(params["tools"], by_kind["tools"])
    if "system" in by_kind:
        out["system"] = _marked_list(params["system"], by_kind["system"])
    if "first" in by_kind:
        messages = list(params["messages"])
        messages[0] = {**messages[0], "content": _marked_list(messages[0]["content"], by_kind["first"])}
        out["messages"] = messages
    return out
