"""Deterministic result lines: the same request always gets the same reply, text and usage."""

from __future__ import annotations

import hashlib
import math

from batchtui.emulator.validation import cache_ttl, last_user_text, prompt_text
from batchtui.emulator.wire import error_body

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

_SENTENCES = (
    "The short answer is yes, with one caveat worth spelling out.",
    "Here are the key points, in order of importance.",
    "First, the underlying assumption holds for most practical cases.",
    "Second, the edge cases mostly come from inconsistent input data.",
    "A simple way to check this is to compare a small sample by hand.",
    "If the numbers disagree, the older record is usually the culprit.",
    "In summary, the approach is sound and needs only minor changes.",
    "The tone of the message is neutral, leaning slightly positive.",
    "I would classify this as a billing question rather than a bug report.",
    "The customer mainly wants a clear timeline for the fix.",
    "Translated, the sentence keeps its meaning but loses some formality.",
    "Three risks stand out: cost, latency and data quality.",
    "The passage argues that incremental change beats a rewrite.",
    "Nothing in the text suggests urgency, so a standard reply fits.",
    "Let me know if you would like a longer or more formal version.",
)


def _digest(*parts: str) -> bytes:
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=32).digest()


def _tokens(text: str) -> int:
    return max(1, math.ceil(len(text) / 4))


def reply_text(custom_id: str, params: dict) -> str:
    d = _digest(custom_id, last_user_text(params)[:500])
    topic = " ".join(last_user_text(params).split()[:8])
    n = 2 + d[0] % 7
    body = " ".join(_SENTENCES[d[1 + i] % len(_SENTENCES)] for i in range(n))
    return f"Regarding “{topic}”: {body}" if topic else body


def succeeded(batch_id: str, custom_id: str, params: dict) -> dict:
    d = _digest(batch_id, custom_id)
    text = reply_text(custom_id, params)
    max_tokens = params.get("max_tokens", 0)
    stop_reason = "end_turn"
    if _tokens(text) > max_tokens:
        text = text[: max_tokens * 4]
        stop_reason = "max_tokens"
    input_tokens = _tokens(prompt_text(params)) + 8
    cache_read = cache_write = 0
    ttl = cache_ttl(params)
    if ttl is not None:
        # Pretend most of the prompt was a shared, cached prefix: one in four requests writes it.
        cached = int(input_tokens * 0.8)
        if d[0] % 4 == 0:
            cache_write = cached
        else:
            cache_read = cached
        input_tokens -= cached
    content = [{"type": "text", "text": text}] if text else []
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
                "output_tokens": _tokens(text) if text else 0,
                "cache_creation_input_tokens": cache_write,
                "cache_read_input_tokens": cache_read,
                "cache_creation": {
                    "ephemeral_5m_input_tokens": cache_write if ttl == "5m" else 0,
                    "ephemeral_1h_input_tokens": cache_write if ttl == "1h" else 0,
                },
                "server_tool_use": {"web_search_requests": 0, "web_fetch_requests": 0},
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
