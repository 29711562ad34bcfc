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

import msgspec

from batchtui.core.inputs.custom_ids import CUSTOM_ID_PATTERN
from batchtui.core.inputs.params import MAX_MESSAGES, MAX_TOKENS_CAP, is_known_model
from batchtui.core.inputs.params_fields import MAX_USER_ID, SERVICE_TIERS
from batchtui.core.inputs.tools import MAX_TOOL_NAME
from batchtui.core.tokens import BLOCK_TOKENS, MESSAGE_TOKENS, REQUEST_TOKENS, TOOL_PROMPT_TOKENS

_CUSTOM_ID = re.compile(CUSTOM_ID_PATTERN).fullmatch
# The params keys the lane knows are model, max_tokens and messages (required), system, stop_sequences, metadata,
# tools, tool_choice and service_tier; any other (a known one with warnings or rarer shapes, or an unknown one) is
# left to the full checks.
_ROLES = ("user", "assistant")
_CHOICES = ("auto", "any", "none")
_FIVE_MINUTES, _ONE_HOUR = 1, 2  # the cache marks seen, as bits
_dumps = json.JSONEncoder(ensure_ascii=False).encode  # as tokens._dumps
_encode = msgspec.json.Encoder().encode
MAX_CACHED = 1024
# A tool's text (its JSON as the estimate reads it) by its compact encoding: a file repeats the same few tools on
# every line. The encoding of a decoded JSON value is one-to-one (key order, int or float, escapes all show).
_tool_texts: dict[bytes, str] = {}
_known_models: dict[str, bool] = {}

# (custom_id, params, texts, high, cache_ttl): `texts` the strings the model reads and `high` the fixed token
# allowances, as tokens.input_bounds counts them (high before the texts' bytes); cache_ttl the longest cache TTL
# marked, None when nothing is.
Plain = tuple[str, dict[str, Any], list[str], int, str | None]


def plain_request(obj: Any, defaults: dict[str, Any]) -> Plain | None:
    """The request and what its estimate reads when `obj` is a plainly valid native request item; None sends it to
    the full checks. `obj`: a value decoded from JSON (so every str is a str, every dict a dict). `defaults`:
    RequestDefaults.as_params(), filled in where the params leave them out.

    One flat walk (this runs once per line of a big file): the optional fields are looked at in line, and the keys
    the lane knows are counted as they are met instead of the params' keys being compared with a set first."""
    try:  # a required key missing is a KeyError: not plain
        if type(obj) is not dict or len(obj) != 2:
            return None
        cid = obj["custom_id"]
        params = obj["params"]
        if type(cid) is not str or type(params) is not dict or not _CUSTOM_ID(cid):
            return None
        if defaults:
            missing = {k: v for k, v in defaults.items() if k not in params}
            if missing:
                params = {**params, **missing}
        model = params["model"]
        max_tokens = params["max_tokens"]
        messages = params["messages"]
        if (
            type(model) is not str
            or not (_known_models.get(model) or _known(model))
            or type(max_tokens) is not int
            or not 0 <= max_tokens <= MAX_TOKENS_CAP
            or type(messages) is not list
            or not messages
            or len(messages) > MAX_MESSAGES
        ):
            return None
        texts: list[str] = []
        append = texts.append
        marks = 0
        high = REQUEST_TOKENS + MESSAGE_TOKENS * len(messages)
        for message in messages:  # each exactly role and content
            if type(message) is not dict or len(message) != 2:
                return None
            role = message["role"]
            content = message["content"]
            if role != "user" and role != "assistant":
                return None
            if type(content) is str:
                if not content:
                    return None
                append(content)
            elif type(content) is list and content:
                for block in content:  # plain text blocks: no citations, a well-formed cache mark if any
                    if type(block) is not dict or block["type"] != "text":
                        return None
                    text = block["text"]
                    if type(text) is not str:
                        return None
                    if len(block) != 2:  # more than type and text
                        if "citations" in block and block["citations"] is not None:
                            return None
                        if "cache_control" in block and block["cache_control"] is not None:
                            bit = _mark(block["cache_control"])
                            if not bit:
                                return None
                            marks |= bit
                    append(text)
                high += BLOCK_TOKENS * len(content)
            else:
                return None
        known = len(params)
        if known > 3:  # the optional fields, each absent or plain
            known = 3
            if "system" in params:
                known += 1
                system = params["system"]
                if type(system) is str:
                    append(system)
                elif type(system) is list:
                    for block in system:  # as in a message
                        if type(block) is not dict or block["type"] != "text":
                            return None
                        text = block["text"]
                        if type(text) is not str:
                            return None
                        if len(block) != 2:
                            if "citations" in block and block["citations"] is not None:
                                return None
                            if "cache_control" in block and block["cache_control"] is not None:
                                bit = _mark(block["cache_control"])
                                if not bit:
                                    return None
                                marks |= bit
                        append(text)
                    high += BLOCK_TOKENS * len(system)
                else:
                    return None
            if "stop_sequences" in params:
                known += 1
                stops = params["stop_sequences"]
                if type(stops) is not list:
                    return None
                for stop in stops:
                    if type(stop) is not str:
                        return None
            if "metadata" in params:
                known += 1
                metadata = params["metadata"]
                if type(metadata) is not dict or len(metadata) > 1:
                    return None
                if metadata:
                    uid = metadata["user_id"]
                    if uid is not None and (type(uid) is not str or len(uid) > MAX_USER_ID):
                        return None
            if "service_tier" in params:
                known += 1
                tier = params["service_tier"]
                if type(tier) is not str or tier not in SERVICE_TIERS:
                    return None
            if "tool_choice" in params:
                known += 1
                choice = params["tool_choice"]
                if type(choice) is not dict:
                    return None
                kind = choice["type"]
                if type(kind) is not str or not (
                    kind in _CHOICES or (kind == "tool" and type(choice.get("name")) is str)
                ):
                    return None
                if "disable_parallel_tool_use" in choice and type(choice["disable_parallel_tool_use"]) is not bool:
                    return None
            if "tools" in params:
                known += 1
                tools = params["tools"]
                if type(tools) is not list:
                    return None
                for tool in tools:
                    bit = _tool(tool, append)
                    if bit < 0:
                        return None
                    marks |= bit
                if tools:
                    high += TOOL_PROMPT_TOKENS
            if known != len(params):  # a key the lane does not know (or one with warnings) is left to the full checks
                return None
    except KeyError:
        return None
    return cid, params, texts, high, "1h" if marks & _ONE_HOUR else "5m" if marks else None


def _known(model: str) -> bool:
    known = is_known_model(model)
    if len(_known_models) < MAX_CACHED:
        _known_models[model] = known
    return known


def _mark(mark: Any) -> int:
    """The bit of a well-formed cache_control object's TTL ("5m" when it names none); 0 for anything else."""
    if type(mark) is not dict or mark.get("type") != "ephemeral":
        return 0
    if "ttl" not in mark:
        return _FIVE_MINUTES
    ttl = mark["ttl"]
    return _ONE_HOUR if ttl == "1h" and type(ttl) is str else _FIVE_MINUTES if ttl == "5m" and type(ttl) is str else 0


def _tool(tool: Any, append: Any) -> int:
    """A custom tool in its plain form, its JSON appended as text the model reads: its cache mark's bit, or -1."""
    if type(tool) is not dict or tool.get("type") not in (None, "custom"):
        return -1
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
        return -1
    bit = 0
    mark = tool.get("cache_control")
    if mark is not None:
        bit = _mark(mark)
        if not bit:
            return -1
    try:
        key = _encode(tool)
    except (TypeError, ValueError):  # not from a JSON decoder (a lone surrogate, a tuple): not cached
        append(_dumps(tool))
        return bit
    text = _tool_texts.get(key)
    if text is None:
        text = _dumps(tool)
        if len(_tool_texts) < MAX_CACHED:
            _tool_texts[key] = text
    append(text)
    return bit
