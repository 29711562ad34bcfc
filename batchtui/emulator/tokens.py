"""Made-up but deterministic token counts: about 4 characters a token, as for English prose on the real API.

A real tokenizer is not public; what matters is that counts grow with the input like real ones do, from every
kind of content a request can carry, so cost figures and estimates can be tested end to end.
"""

from __future__ import annotations

import json
import math
from typing import Any

from batchtui.emulator.validation import prompt_text

IMAGE_TOKENS = 1_600  # a ~1.15 megapixel image, the documented size most images are resized to
TOOL_PROMPT_TOKENS = 346  # the documented tool-use system prompt of recent models (tool_choice auto)
FRAMING_TOKENS = 8


def tokens(text: str) -> int:
    return max(1, math.ceil(len(text) / 4))


def _texts(content: Any) -> int:
    """Tokens of the text blocks in a list of blocks (a string counts as one text)."""
    if isinstance(content, str):
        return tokens(content) if content else 0
    if not isinstance(content, list):
        return 0
    return sum(tokens(b["text"]) for b in content if isinstance(b, dict) and isinstance(b.get("text"), str))


def _nested(content: Any) -> int:
    """Tokens of what plain text blocks do not carry: tool calls and results, documents, images."""
    if not isinstance(content, list):
        return 0
    total = 0
    for block in content:
        if not isinstance(block, dict):
            continue
        kind = block.get("type")
        if kind == "image":
            total += IMAGE_TOKENS
        elif kind in ("tool_use", "server_tool_use"):
            total += tokens(str(block.get("name")) + json.dumps(block.get("input")))
        elif kind == "tool_result":
            inner = block.get("content")
            total += _texts(inner) + _nested(inner)
        elif kind == "document":
            source = block.get("source")
            if isinstance(source, dict) and isinstance(source.get("data"), str) and source.get("type") == "text":
                total += tokens(source["data"])
            if isinstance(source, dict) and source.get("type") == "content":
                total += _texts(source.get("content"))
            if isinstance(source, dict) and source.get("media_type") == "text/plain" and source.get("type") == "base64":
                total += max(1, math.ceil(len(str(source.get("data"))) * 3 / 16))  # 4 chars a token of the decoded
            total += sum(tokens(block[k]) for k in ("title", "context") if isinstance(block.get(k), str))
        elif kind == "search_result":
            total += sum(tokens(block[k]) for k in ("title", "source") if isinstance(block.get(k), str))
            total += _texts(block.get("content"))
    return total


def block_tokens(block: Any) -> int:
    """Tokens of one content block on its own (a prompt cache prefix is counted block by block)."""
    if isinstance(block, dict) and isinstance(block.get("text"), str):
        return tokens(block["text"]) if block["text"] else 0
    return _nested([block])


def input_tokens(params: dict) -> int:
    """Every input token of a request: text, tool definitions and the tool-use prompt, tool calls and results,
    documents and images."""
    total = tokens(prompt_text(params)) + FRAMING_TOKENS
    for message in params.get("messages") or []:
        if isinstance(message, dict):
            total += _nested(message.get("content"))
    tools = params.get("tools")
    if isinstance(tools, list) and tools:
        total += TOOL_PROMPT_TOKENS + tokens(json.dumps(tools))
    return total
