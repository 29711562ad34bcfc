"""Deterministic result lines: the same request always gets the same reply, blocks and usage."""

from __future__ import annotations

import hashlib
import json

from batchtui.emulator.answers import compose_reply
from batchtui.emulator.blocks import (
    SEARCH_RESULT_TOKENS,
    chosen_tool,
    thinking_block,
    tool_use_block,
    wants_thinking,
    wants_web_search,
    web_search_blocks,
)
from batchtui.emulator.tokens import input_tokens as count_input_tokens
from batchtui.emulator.tokens import tokens
from batchtui.emulator.validation import last_user_text
from batchtui.emulator.wire import error_body

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def _digest(*parts: str) -> bytes:
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=32).digest()


def reply_text(custom_id: str, params: dict) -> str:
    """A plausible answer to the last user message: its kind (summary, sentiment, translation, extraction,
    question, anything else) picks a composer, and a hash of the custom_id and prompt picks among its wordings.
    The same request always gets the same text."""
    prompt = last_user_text(params)
    return compose_reply(prompt, _digest(custom_id, prompt[:500]))


def _topic(params: dict) -> str:
    return " ".join(last_user_text(params).split()[:8])


def _output_tokens(block: dict) -> int:
    kind = block["type"]
    if kind == "text":
        return tokens(block["text"])
    if kind == "thinking":
        return tokens(block["thinking"])
    if kind in ("tool_use", "server_tool_use"):
        return tokens(block["name"] + json.dumps(block["input"]))
    return 0  # a server tool's result is input, not output


def _planned(custom_id: str, params: dict) -> tuple[list[dict], str]:
    """Every block the reply would have with no max_tokens limit, in order, and its natural stop reason."""
    d = _digest(custom_id, last_user_text(params)[:500], "blocks")
    topic = _topic(params)
    planned: list[dict] = []
    if wants_thinking(params):
        planned.append(thinking_block(topic, d))
    if wants_web_search(params):
        planned += web_search_blocks(topic, d)
    tool, forced = chosen_tool(params, d)
    if tool is None:
        planned.append({"type": "text", "text": reply_text(custom_id, params)})
        return planned, "end_turn"
    if not forced:
        planned.append({"type": "text", "text": f"I will use the {tool['name']} tool for this."})
    planned.append(tool_use_block(tool, topic, d))
    return planned, "tool_use"


def _fit(planned: list[dict], max_tokens: int) -> tuple[list[dict], int, bool]:
    """The blocks that fit in `max_tokens` (the last text cut short if need be), their output tokens, and whether
    the limit cut the reply. Output never exceeds max_tokens, as on the real API."""
    content: list[dict] = []
    used = 0
    for block in planned:
        cost = _output_tokens(block)
        if used + cost <= max_tokens:
            content.append(block)
            used += cost
            continue
        room = max_tokens - used
        key = {"text": "text", "thinking": "thinking"}.get(block["type"])
        if key is not None and room > 0:
            content.append({**block, key: block[key][: room * 4]})
            used += _output_tokens(content[-1])
        return content, used, True
    return content, used, False


def succeeded(batch_id: str, custom_id: str, params: dict, cache: tuple[int, int, int] | None = None) -> dict:
    """A succeeded result. `cache`: (read, 5-minute write, 1-hour write) tokens, as the workspace's prompt cache
    decided when the batch was stored (prompt_cache.py); they are part of the prompt, not on top of it."""
    d = _digest(batch_id, custom_id)
    planned, stop_reason = _planned(custom_id, params)
    content, output_tokens, cut = _fit(planned, params.get("max_tokens", 0))
    if cut:
        stop_reason = "max_tokens"
    searches = sum(1 for b in content if b["type"] == "server_tool_use")
    input_tokens = count_input_tokens(params) + searches * SEARCH_RESULT_TOKENS
    cache_read, write_5m, write_1h = cache or (0, 0, 0)
    input_tokens = max(0, input_tokens - cache_read - write_5m - write_1h)
    return {
        "type": "succeeded",
        "message": {
            "id": "msg_01" + "".join(_B58[b % 58] for b in d[:22]),
            "type": "message",
            "role": "assistant",
            "model": params.get("model"),
            "content": content,
            "stop_reason": stop_reason,
            "stop_sequence": None,
            "usage": {
                "input_tokens": input_tokens,
                "output_tokens": output_tokens,
                "cache_creation_input_tokens": write_5m + write_1h,
                "cache_read_input_tokens": cache_read,
                "cache_creation": {"ephemeral_5m_input_tokens": write_5m, "ephemeral_1h_input_tokens": write_1h},
                "server_tool_use": {"web_search_requests": searches, "web_fetch_requests": 0},
                "service_tier": "batch",
            },
        },
    }


def errored(error_type: str, message: str) -> dict:
    return {"type": "errored", "error": error_body(error_type, message, None)}


TRANSIENT_MESSAGES = {
    "api_error": "Internal server error",
    "overloaded_error": "Overloaded",
}
