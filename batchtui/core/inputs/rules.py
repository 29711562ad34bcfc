"""Checks on one request, whatever file format it came from: its custom_id and its Messages params.

Errors are what the API would reject (the create call, or the request later as an `errored` result); warnings are
things that are probably wrong but may be fine (a model released after this table was written).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

from batchtui.core.cost import canonical_model, known_models
from batchtui.core.inputs.envelope import json_type
from batchtui.core.inputs.records import InputError, show

CUSTOM_ID_PATTERN = "^[a-zA-Z0-9_-]{1,64}$"
MAX_CUSTOM_ID = 64
MAX_MESSAGES = 100_000
MAX_TOKENS_CAP = 300_000  # the largest output any model allows (with the extended-output beta)
# anthropic SDK 2.x sends anthropic-version 2026-10-21, which drops these sampling parameters from Messages.
VERSION_DROPPED = ("temperature", "top_p", "top_k")
EXAMPLE_MODEL = "claude-sonnet-4-5"
_CUSTOM_ID = re.compile(CUSTOM_ID_PATTERN)
_ALLOWED = re.compile(r"[a-zA-Z0-9_-]")
_DISALLOWED = re.compile(r"[^a-zA-Z0-9_-]")


@lru_cache(maxsize=1024)
def is_known_model(model: str) -> bool:
    """In the price table, priced or not; tests keep the table in step with the SDK's list of models."""
    return canonical_model(model) in known_models()


def _describe_char(ch: str) -> str:
    if ch == " ":
        return "' ' (space)"
    if ch.isprintable():
        return f"'{ch}'"
    return f"U+{ord(ch):04X} ({unicodedata.name(ch, 'control character').lower()})"


def custom_id_errors(cid: str, *, file: str, line: int) -> list[InputError]:
    """What makes `cid` unacceptable as a custom_id (1-64 of A-Z a-z 0-9 - _), each with a suggested fix."""
    if _CUSTOM_ID.fullmatch(cid):
        return []  # the common case, kept fast for 100k-request files
    if cid == "":
        return [
            InputError(
                file, line, "custom_id", "is empty", 'give every request a unique id, e.g. "row-1"', "custom_id_empty"
            )
        ]
    out: list[InputError] = []
    suggestion = _DISALLOWED.sub("-", cid)[:MAX_CUSTOM_ID]
    if len(cid) > MAX_CUSTOM_ID:
        out.append(
            InputError(
                file,
                line,
                "custom_id",
                f"is {len(cid)} characters long; the limit is {MAX_CUSTOM_ID} (got {show(cid, 40)})",
                f"shorten it, e.g. to {show(suggestion)}",
                "custom_id_length",
            )
        )
    bad = list(dict.fromkeys(ch for ch in cid if not _ALLOWED.fullmatch(ch)))
    if bad:
        listed = ", ".join(_describe_char(ch) for ch in bad[:8]) + (", …" if len(bad) > 8 else "")
        out.append(
            InputError(
                file,
                line,
                "custom_id",
                f"contains characters that are not allowed: {listed} (got {show(cid, 40)})",
                f"use only letters A-Z a-z, digits, '-' and '_', e.g. {show(suggestion)}",
                "custom_id_chars",
            )
        )
    return out


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _message_errors(messages: list[Any], err: Any) -> list[InputError]:
    out: list[InputError] = []
    last = len(messages) - 1
    for i, msg in enumerate(messages):
        where = f"params.messages.{i}"
        if not isinstance(msg, dict):
            out.append(
                err(
                    where,
                    f"must be an object with role and content (got {json_type(msg)})",
                    'write it as {"role": "user", "content": "..."}',
                    "message_type",
                )
            )
            continue
        role = msg.get("role")
        if role not in ("user", "assistant"):
            hint = 'use "user" or "assistant"'
            if role == "system":
                hint = "move the system prompt to params.system; messages hold only user and assistant turns"
            got = "missing" if "role" not in msg else f"got {show(role)}"
            out.append(err(f"{where}.role", f'must be "user" or "assistant" ({got})', hint, "message_role"))
        if "content" not in msg or msg["content"] is None:
            out.append(err(f"{where}.content", "missing", "add the message text as content", "message_content"))
            continue
        content = msg["content"]
        if not isinstance(content, str | list):
            out.append(
                err(
                    f"{where}.content",
                    f"must be a string or a list of content blocks (got {json_type(content)})",
                    "write the text as a string",
                    "message_content",
                )
            )
            continue
        if not content and not (i == last and role == "assistant"):
            out.append(
                err(
                    f"{where}.content",
                    "is empty",
                    "only a final assistant message (a prefill) may be empty",
                    "message_content",
                )
            )
        if isinstance(content, list):
            for j, block in enumerate(content):
                if not isinstance(block, dict) or not isinstance(block.get("type"), str):
                    out.append(
                        err(
                            f"{where}.content.{j}",
                            "must be a content block with a type",
                            'e.g. {"type": "text", "text": "..."}',
                            "content_block",
                        )
                    )
                    break
    return out


def params_problems(params: dict[str, Any], *, file: str, line: int) -> tuple[list[InputError], list[InputError]]:
    """(errors, warnings) for one request's Messages params."""
    errors: list[InputError] = []
    warnings: list[InputError] = []

    def err(field: str, message: str, hint: str, code: str) -> InputError:
        return InputError(file, line, field, message, hint, code)

    model = params.get("model")
    if "model" not in params:
        errors.append(err("params.model", "missing", f'name the model, e.g. "{EXAMPLE_MODEL}"', "missing"))
    elif not isinstance(model, str) or not model:
        errors.append(
            err("params.model", f"must be a model name (got {show(model)})", f'e.g. "{EXAMPLE_MODEL}"', "model_type")
        )
    elif not is_known_model(model):
        warnings.append(
            err(
                "params.model",
                f"unknown model {show(model)}",
                "check the spelling; if it is a new model, its cost cannot be estimated",
                "unknown_model",
            )
        )

    if "max_tokens" not in params:
        errors.append(
            err(
                "params.max_tokens",
                "missing",
                "set max_tokens to the number of output tokens you allow, e.g. 1024",
                "missing",
            )
        )
    else:
        mt = params["max_tokens"]
        if not _is_int(mt) or mt < 0:
            hint = "set max_tokens to the number of output tokens you allow"
            if isinstance(mt, float) and mt.is_integer() and mt >= 0:
                hint = f"write it without a decimal point: {int(mt)}"
            errors.append(
                err("params.max_tokens", f"must be a non-negative integer (got {show(mt)})", hint, "max_tokens")
            )
        elif mt > MAX_TOKENS_CAP:
            warnings.append(
                err(
                    "params.max_tokens",
                    f"{mt:,} is above {MAX_TOKENS_CAP:,}, the most any model allows",
                    "lower it, or the request will come back errored",
                    "max_tokens_cap",
                )
            )

    if "messages" not in params:
        errors.append(
            err("params.messages", "missing", 'add the conversation: [{"role": "user", "content": "..."}]', "missing")
        )
    else:
        messages = params["messages"]
        if not isinstance(messages, list):
            errors.append(
                err(
                    "params.messages",
                    f"must be a list of messages (got {json_type(messages)})",
                    'write it as [{"role": "user", "content": "..."}]',
                    "messages_type",
                )
            )
        elif not messages:
            errors.append(err("params.messages", "is empty", "add at least one user message", "messages_empty"))
        elif len(messages) > MAX_MESSAGES:
            errors.append(
                err(
                    "params.messages",
                    f"has {len(messages):,} messages; the limit is {MAX_MESSAGES:,}",
                    "shorten the conversation",
                    "messages_count",
                )
            )
        else:
            errors.extend(_message_errors(messages, err))

    if params.get("stream") is True:
        errors.append(
            err(
                "params.stream",
                "streaming is not supported in Message Batches",
                "remove stream: batch results always arrive as complete messages",
                "stream",
            )
        )
    system = params.get("system")
    if system is not None and not isinstance(system, str | list):
        errors.append(
            err(
                "params.system",
                f"must be a string or a list of text blocks (got {json_type(system)})",
                "write the system prompt as a string",
                "system_type",
            )
        )
    for key in VERSION_DROPPED:
        if key in params:
            warnings.append(
                err(
                    f"params.{key}",
                    "is not accepted by API version 2026-10-21, which anthropic SDK 2.x sends",
                    "remove it, or the request may come back errored",
                    "dropped_param",
                )
            )
    return errors, warnings
