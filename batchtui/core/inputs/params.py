"""Checks on one request's Messages params, whatever file format it came from.

Errors are what the API would reject (as an `errored` result after the whole batch ends, which is the expensive
way to find out); warnings are probably wrong but may be fine, like a model released after our price table.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from batchtui.core.cost import canonical_model, known_models
from batchtui.core.inputs.blocks import block, plain_text_block
from batchtui.core.inputs.envelope import json_type
from batchtui.core.inputs.params_fields import check_optional
from batchtui.core.inputs.problems import Problems
from batchtui.core.inputs.records import InputError, show
from batchtui.core.sanitize import clean

MAX_MESSAGES = 100_000
MAX_TOKENS_CAP = 300_000  # the largest output any model allows (with the extended-output beta)
# anthropic SDK 2.x sends anthropic-version 2026-10-21, which drops these sampling parameters from Messages.
VERSION_DROPPED = ("temperature", "top_p", "top_k")
EXAMPLE_MODEL = "claude-sonnet-4-5"
_MESSAGE_KEYS = frozenset({"role", "content"})
_MESSAGE_EXAMPLE = '{"role": "user", "content": "..."}'


MAX_MODEL_NAME = 128  # far longer than any real id; longer strings are not worth caching or counting


def is_known_model(model: str) -> bool:
    """In the price table, priced or not; a test keeps the table in step with the SDK's list of models."""
    return len(model) <= MAX_MODEL_NAME and _is_known(model)


@lru_cache(maxsize=1024)
def _is_known(model: str) -> bool:
    return canonical_model(model) in known_models()


def _check_model(params: dict[str, Any], p: Problems) -> None:
    if "model" not in params:
        p.error("params.model", "missing", f'name the model, e.g. "{EXAMPLE_MODEL}"', "missing")
        return
    model = params["model"]
    if not isinstance(model, str) or not model:
        p.error("params.model", f"must be a model name (got {show(model)})", f'e.g. "{EXAMPLE_MODEL}"', "model_type")
    elif not is_known_model(model):
        hint = "check the spelling; if it is a new model, its cost cannot be estimated"
        p.warn("params.model", f"unknown model {show(model)}", hint, "unknown_model")


def _check_max_tokens(params: dict[str, Any], p: Problems) -> None:
    hint = "set max_tokens to the number of output tokens you allow"
    if "max_tokens" not in params:
        p.error("params.max_tokens", "missing", f"{hint}, e.g. 1024", "missing")
        return
    mt = params["max_tokens"]
    if isinstance(mt, bool) or not isinstance(mt, int) or mt < 0:  # bool is an int to Python, not to the API
        if isinstance(mt, float) and mt.is_integer() and mt >= 0:
            hint = f"write it without a decimal point: {int(mt)}"
        p.error("params.max_tokens", f"must be a non-negative integer (got {show(mt)})", hint, "max_tokens")
    elif mt > MAX_TOKENS_CAP:
        message = f"{mt:,} is above {MAX_TOKENS_CAP:,}, the most any model allows"
        p.warn("params.max_tokens", message, "lower it, or the request will come back errored", "max_tokens_cap")


def _check_message(i: int, msg: Any, *, last: bool, p: Problems) -> None:
    where = f"params.messages.{i}"
    if not isinstance(msg, dict):
        message = f"must be an object with role and content (got {json_type(msg)})"
        p.error(where, message, f"write it as {_MESSAGE_EXAMPLE}", "message_type")
        return
    role = msg.get("role")
    if role not in ("user", "assistant"):
        hint = 'use "user" or "assistant"'
        if role == "system":
            hint = "move the system prompt to params.system; messages hold only user and assistant turns"
        got = "missing" if "role" not in msg else f"got {show(role)}"
        p.error(f"{where}.role", f'must be "user" or "assistant" ({got})', hint, "message_role")
    content = msg.get("content")
    if content is None:
        p.error(f"{where}.content", "missing", "add the message text as content", "message_content")
    elif not isinstance(content, str | list):
        message = f"must be a string or a list of content blocks (got {json_type(content)})"
        p.error(f"{where}.content", message, "write the text as a string", "message_content")
    elif not content and not (last and role == "assistant"):
        hint = "only a final assistant message (a prefill) may be empty"
        p.error(f"{where}.content", "is empty", hint, "message_content")
    elif isinstance(content, list):
        for j, item in enumerate(content):
            if not block(item, f"{where}.content.{j}", p):
                break  # one shapeless block in a long list is enough to say
    if not msg.keys() <= _MESSAGE_KEYS:
        extra = [k for k in msg if k not in _MESSAGE_KEYS]
        hint = "a message holds only role and content; put anything else in a content block or leave it out"
        p.error(f"{where}.{clean(str(extra[0]))[:64]}", "unknown key in a message", hint, "message_key")


def plain_messages(messages: Any) -> bool:
    """Messages the checks below find nothing to say about, told without building a location string per message
    and block (the fast path of a valid file): each exactly role and content, the role user or assistant, the
    content a non-empty string or a non-empty list of plain text blocks. False sends them to the full checks."""
    if type(messages) is not list or not messages or len(messages) > MAX_MESSAGES:
        return False
    for msg in messages:
        if type(msg) is not dict or len(msg) != 2 or msg.get("role") not in ("user", "assistant"):
            return False
        content = msg.get("content")
        if type(content) is str:
            if not content:
                return False
        elif type(content) is not list or not content or not all(map(plain_text_block, content)):
            return False
    return True


def _check_messages(params: dict[str, Any], p: Problems) -> None:
    if plain_messages(params.get("messages")):
        return
    if "messages" not in params:
        p.error("params.messages", "missing", f"add the conversation: [{_MESSAGE_EXAMPLE}]", "missing")
        return
    messages = params["messages"]
    if not isinstance(messages, list):
        message = f"must be a list of messages (got {json_type(messages)})"
        p.error("params.messages", message, f"write it as [{_MESSAGE_EXAMPLE}]", "messages_type")
    elif not messages:
        p.error("params.messages", "is empty", "add at least one user message", "messages_empty")
    elif len(messages) > MAX_MESSAGES:
        message = f"has {len(messages):,} messages; the limit is {MAX_MESSAGES:,}"
        p.error("params.messages", message, "shorten the conversation", "messages_count")
    else:
        for i, msg in enumerate(messages):
            _check_message(i, msg, last=i == len(messages) - 1, p=p)


def _check_dropped(params: dict[str, Any], p: Problems) -> None:
    for key in VERSION_DROPPED:
        if key in params:
            message = "is not accepted by API version 2026-10-21, which anthropic SDK 2.x sends"
            p.warn(f"params.{key}", message, "remove it, or the request may come back errored", "dropped_param")


def params_problems(params: dict[str, Any], *, file: str, line: int) -> tuple[list[InputError], list[InputError]]:
    """(errors, warnings) for one request's Messages params."""
    p = Problems(file, line)
    _check_model(params, p)
    _check_max_tokens(params, p)
    _check_messages(params, p)
    check_optional(params, p)
    if not p.errors:
        _check_dropped(params, p)
    return p.errors, p.warnings
