"""The fast lane of a JSONL file: a request the checks would find nothing to say about, told in one walk that also
gathers what its cost estimate reads.

`plain_request` accepts only a subset of what the full checks (envelope.read_item, params.params_problems,
custom_ids) accept without an error or a warning: a native item of exactly custom_id and params, a well-formed
custom_id, a known model, max_tokens within range, messages of plain text (a string or text blocks), and beside them
only system, stop_sequences, metadata, custom tools, tool_choice and service_tier in their plain forms. Anything
else, valid or not, is `None`: the line goes the full way, which finds the same errors at the same file:line:field
as before (a property test holds the two to that). For what it accepts it also gathers, as `tokens.input_bounds`
would, the texts the model reads, the fixed allowances and the longest cache TTL marked.
"""

from __future__ import annotations

import json
import re
from typing import Any

from batchtui.core.inputs.custom_ids import CUSTOM_ID_PATTERN
from batchtui.core.inputs.params import MAX_MESSAGES, MAX_TOKENS_CAP, is_known_model
from batchtui.core.inputs.params_fields import MAX_USER_ID, SERVICE_TIERS
from batchtui.core.inputs.tools import MAX_TOOL_NAME
from batchtui.core.tokens import BLOCK_TOKENS, MESSAGE_TOKENS, REQUEST_TOKENS, TOOL_PROMPT_TOKENS

_CUSTOM_ID = re.compile(CUSTOM_ID_PATTERN).fullmatch
# The params keys the lane knows; any other (a known one with warnings or rarer shapes, or an unknown one) is left
# to the full checks.
_KEYS = frozenset(
    {"model", "max_tokens", "messages", "system", "stop_sequences", "metadata", "tools", "tool_choice", "service_tier"}
)
_ROLES = ("user", "assistant")
_TTLS = ("5m", "1h")
_CHOICES = ("auto", "any", "none")
_dumps = json.JSONEncoder(ensure_ascii=False).encode  # as tokens._dumps


class Plain:
    """What the estimate reads of a plain request, as `tokens.input_bounds` counts it: its texts, the fixed token
    allowances (`high` before the texts' bytes) and the longest cache TTL marked (None, "5m" or "1h")."""

    __slots__ = ("high", "marks", "texts")

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.high = REQUEST_TOKENS
        self.marks = 0  # bit 1: a "5m" cache mark seen; bit 2: a "1h" one

    @property
    def ttl(self) -> str | None:
        return "1h" if self.marks & 2 else "5m" if self.marks else None

    def mark(self, mark: Any) -> bool:
        """A cache_control value other than null: False unless it is well formed."""
        if type(mark) is not dict or mark.get("type") != "ephemeral":
            return False
        if "ttl" not in mark:
            self.marks |= 1
            return True
        ttl = mark["ttl"]
        if type(ttl) is not str or ttl not in _TTLS:
            return False
        self.marks |= 2 if ttl == "1h" else 1
        return True

    def blocks(self, content: list[Any]) -> bool:
        """Plain text blocks (no citations, a well-formed cache mark if any); False at the first that is not."""
        append = self.texts.append
        for block in content:
            if type(block) is not dict or block.get("type") != "text" or block.get("citations") is not None:
                return False
            text = block.get("text")
            if type(text) is not str:
                return False
            mark = block.get("cache_control")
            if mark is not None and not self.mark(mark):
                return False
            append(text)
        self.high += BLOCK_TOKENS * len(content)
        return True

    def messages(self, messages: list[Any]) -> bool:
        """Each exactly role and content, the role user or assistant, the content a non-empty string or a non-empty
        list of plain text blocks."""
        append = self.texts.append
        for message in messages:
            if type(message) is not dict or len(message) != 2 or message.get("role") not in _ROLES:
                return False
            content = message.get("content")
            if type(content) is str:
                if not content:
                    return False
                append(content)
            elif type(content) is not list or not content or not self.blocks(content):
                return False
        self.high += MESSAGE_TOKENS * len(messages)
        return True

    def optional(self, params: dict[str, Any]) -> bool:
        """The optional fields the lane knows, each absent or plain."""
        if "system" in params:
            system = params["system"]
            if type(system) is str:
                self.texts.append(system)
            elif type(system) is not list or not self.blocks(system):
                return False
        if "stop_sequences" in params:
            stops = params["stop_sequences"]
            if type(stops) is not list or not all(type(s) is str for s in stops):
                return False
        if "metadata" in params:
            metadata = params["metadata"]
            if type(metadata) is not dict or not metadata.keys() <= {"user_id"}:
                return False
            uid = metadata.get("user_id")
            if uid is not None and (type(uid) is not str or len(uid) > MAX_USER_ID):
                return False
        if "service_tier" in params:
            tier = params["service_tier"]
            if type(tier) is not str or tier not in SERVICE_TIERS:
                return False
        if "tool_choice" in params:
            choice = params["tool_choice"]
            if type(choice) is not dict:
                return False
            kind = choice.get("type")
            if type(kind) is not str or not (kind in _CHOICES or (kind == "tool" and type(choice.get("name")) is str)):
                return False
            if "disable_parallel_tool_use" in choice and type(choice["disable_parallel_tool_use"]) is not bool:
                return False
        return "tools" not in params or self.tools(params["tools"])

    def tools(self, tools: Any) -> bool:
        """Custom tools in their plain form; each one's JSON is text the model reads."""
        if type(tools) is not list:
            return False
        for tool in tools:
            if type(tool) is not dict or tool.get("type") not in (None, "custom"):
                return False
            name = tool.get("name")
            schema = tool.get("input_schema")
            if (
                type(name) is not str
                or not name
                or len(name) > MAX_TOOL_NAME
                or type(schema) is not dict
                or schema.get("type") != "object"
                or ("description" in tool and type(tool["description"]) is not str)
            ):
                return False
            mark = tool.get("cache_control")
            if mark is not None and not self.mark(mark):
                return False
            self.texts.append(_dumps(tool))
        if tools:
            self.high += TOOL_PROMPT_TOKENS
        return True


def plain_request(obj: Any, defaults: dict[str, Any]) -> tuple[str, dict[str, Any], Plain] | None:
    """(custom_id, params with `defaults` filled in, what the estimate reads) when `obj` is a plainly valid native
    request item; None sends it to the full checks. `defaults`: RequestDefaults.as_params()."""
    if type(obj) is not dict or len(obj) != 2:
        return None
    cid = obj.get("custom_id")
    params = obj.get("params")
    if type(cid) is not str or type(params) is not dict or not _CUSTOM_ID(cid):
        return None
    if defaults:
        missing = {k: v for k, v in defaults.items() if k not in params}
        if missing:
            params = {**params, **missing}
    if not params.keys() <= _KEYS:
        return None
    model = params.get("model")
    max_tokens = params.get("max_tokens")
    messages = params.get("messages")
    if (
        type(model) is not str
        or not is_known_model(model)
        or type(max_tokens) is not int
        or not 0 <= max_tokens <= MAX_TOKENS_CAP
        or type(messages) is not list
        or not messages
        or len(messages) > MAX_MESSAGES
    ):
        return None
    plain = Plain()
    if not plain.messages(messages) or (len(params) > 3 and not plain.optional(params)):
        return None
    return cid, params, plain
