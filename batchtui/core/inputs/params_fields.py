"""Checks on the optional Messages params beside model, max_tokens and messages: sampling, stop sequences,
metadata, thinking, service tier, caching and the rest, by type, range and shape; and unknown keys.

The known keys are those of the anthropic SDK's Messages create params, GA and beta (a batch may carry beta
features with the `anthropic-beta` header), plus the sampling parameters older API versions take. A key the API has
no field for is refused by it, so it is an error here too. Beta fields whose shape is still moving are accepted as
they are.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from batchtui.core.inputs.blocks import SYSTEM_CONTENT, cache_control, content
from batchtui.core.inputs.envelope import json_type
from batchtui.core.inputs.problems import Problems
from batchtui.core.inputs.records import show
from batchtui.core.inputs.tools import check_tool_choice, check_tools
from batchtui.core.sanitize import clean

MAX_USER_ID = 256
MIN_THINKING_BUDGET = 1024
SERVICE_TIERS = ("auto", "standard_only")
SPEEDS = ("standard", "fast")
THINKING_TYPES = ("enabled", "disabled", "adaptive", "between_tools")
THINKING_DISPLAYS = ("summarized", "omitted")


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _unit_interval(name: str) -> Callable[[Any, dict[str, Any], Problems], None]:
    def check(value: Any, params: dict[str, Any], p: Problems) -> None:
        if not _number(value) or not 0 <= value <= 1:
            got = show(value) if _number(value) else json_type(value)
            p.error(f"params.{name}", f"must be a number from 0 to 1 (got {got})", "e.g. 0.7", name)

    return check


def _top_k(value: Any, params: dict[str, Any], p: Problems) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        p.error("params.top_k", f"must be a non-negative integer (got {show(value)})", "e.g. 40", "top_k")


def _stop_sequences(value: Any, params: dict[str, Any], p: Problems) -> None:
    hint = 'write a list of strings, e.g. ["\\n\\nHuman:"]'
    if not isinstance(value, list):
        p.error("params.stop_sequences", f"must be a list of strings (got {json_type(value)})", hint, "stop_sequences")
        return
    for i, seq in enumerate(value):
        if not isinstance(seq, str):
            where = f"params.stop_sequences.{i}"
            p.error(where, f"must be a string (got {json_type(seq)})", hint, "stop_sequences")
            return


def _stream(value: Any, params: dict[str, Any], p: Problems) -> None:
    hint = "remove stream: batch results always arrive as complete messages"
    if value is True:
        p.error("params.stream", "streaming is not supported in Message Batches", hint, "stream")
    elif value is not False:
        p.error("params.stream", f"must be false if given (got {show(value)})", hint, "stream")


def _system(value: Any, params: dict[str, Any], p: Problems) -> None:
    if isinstance(value, list):
        content(value, "params.system", p, allowed=SYSTEM_CONTENT, empty_ok=True)
    elif not isinstance(value, str):
        message = f"must be a string or a list of text blocks (got {json_type(value)})"
        p.error("params.system", message, "write the system prompt as a string", "system_type")


def _metadata(value: Any, params: dict[str, Any], p: Problems) -> None:
    hint = 'write {"user_id": "..."}: an opaque id of your end user (the only key it takes)'
    if not isinstance(value, dict):
        p.error("params.metadata", f"must be an object (got {json_type(value)})", hint, "metadata")
        return
    for key in value:
        if key != "user_id":
            where = f"params.metadata.{clean(str(key))[:64]}"
            p.error(where, "unknown key (metadata only takes user_id)", hint, "metadata")
    uid = value.get("user_id")
    if uid is not None and not isinstance(uid, str):
        p.error("params.metadata.user_id", f"must be a string (got {show(uid)})", hint, "metadata")
    elif isinstance(uid, str) and len(uid) > MAX_USER_ID:
        message = f"is {len(uid):,} characters; at most {MAX_USER_ID}"
        p.error("params.metadata.user_id", message, "use a short opaque id, e.g. a hash", "metadata")


def _thinking(value: Any, params: dict[str, Any], p: Problems) -> None:
    hint = '{"type": "enabled", "budget_tokens": 2048}, {"type": "adaptive"} or {"type": "disabled"}'
    if not isinstance(value, dict):
        p.error("params.thinking", f"must be an object (got {json_type(value)})", f"write {hint}", "thinking")
        return
    kind = value.get("type")
    if kind not in THINKING_TYPES:
        got = "missing" if "type" not in value else f"got {show(kind)}"
        p.error("params.thinking.type", f"must be one of {', '.join(THINKING_TYPES)} ({got})", hint, "thinking")
        return
    if value.get("display") is not None and value["display"] not in THINKING_DISPLAYS:
        message = f"must be summarized or omitted (got {show(value['display'])})"
        p.error("params.thinking.display", message, hint, "thinking")
    if kind != "enabled":
        return
    budget = value.get("budget_tokens")
    max_tokens = params.get("max_tokens")
    if "budget_tokens" not in value:
        p.error("params.thinking.budget_tokens", "missing", f'e.g. "budget_tokens": {MIN_THINKING_BUDGET}', "thinking")
    elif isinstance(budget, bool) or not isinstance(budget, int) or budget < MIN_THINKING_BUDGET:
        message = f"must be an integer of at least {MIN_THINKING_BUDGET:,} (got {show(budget)})"
        p.error("params.thinking.budget_tokens", message, "raise it, or use adaptive thinking", "thinking")
    elif isinstance(max_tokens, int) and not isinstance(max_tokens, bool) and budget >= max_tokens:
        message = f"{budget:,} must be less than max_tokens ({max_tokens:,})"
        p.error("params.thinking.budget_tokens", message, "raise max_tokens or lower the budget", "thinking")


def _one_of(name: str, allowed: tuple[str, ...], *, nullable: bool = False) -> Callable[..., None]:
    def check(value: Any, params: dict[str, Any], p: Problems) -> None:
        if (value in allowed and isinstance(value, str)) or (nullable and value is None):
            return
        hint = f"use {' or '.join(repr(v).replace(chr(39), chr(34)) for v in allowed)}, or leave it out"
        p.error(f"params.{name}", f"must be one of {', '.join(allowed)} (got {show(value)})", hint, name)

    return check


def _typed(name: str, types: tuple[type, ...], what: str) -> Callable[..., None]:
    def check(value: Any, params: dict[str, Any], p: Problems) -> None:
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            p.error(
                f"params.{name}", f"must be {what} (got {json_type(value)})", f"write {what}, or leave it out", name
            )

    return check


def _cache_control(value: Any, params: dict[str, Any], p: Problems) -> None:
    cache_control(value, "params.cache_control", p)


def _mcp_servers(value: Any, params: dict[str, Any], p: Problems) -> None:
    if not isinstance(value, list) or not all(isinstance(s, dict) for s in value):
        p.error("params.mcp_servers", "must be a list of server objects", '[{"type": "url", "url": ...}]', "mcp")


def _anything(value: Any, params: dict[str, Any], p: Problems) -> None:
    """A beta field whose shape is still moving: the API checks it."""


_NONE = type(None)
Check = Callable[[Any, dict[str, Any], Problems], None]
# The optional fields and their checks; model, max_tokens and messages are checked by params.py.
OPTIONAL: dict[str, Check] = {
    "system": _system,
    "temperature": _unit_interval("temperature"),
    "top_p": _unit_interval("top_p"),
    "top_k": _top_k,
    "stop_sequences": _stop_sequences,
    "stream": _stream,
    "tools": lambda v, params, p: check_tools(v, p),
    "tool_choice": lambda v, params, p: check_tool_choice(v, p),
    "metadata": _metadata,
    "thinking": _thinking,
    "service_tier": _one_of("service_tier", SERVICE_TIERS),
    "speed": _one_of("speed", SPEEDS, nullable=True),
    "cache_control": _cache_control,
    "container": _typed("container", (str, dict, _NONE), "a container id, an object or null"),
    "inference_geo": _typed("inference_geo", (str, _NONE), "a string or null"),
    "output_config": _typed("output_config", (dict,), "an object"),
    "output_format": _typed("output_format", (dict, _NONE), "an object or null"),
    "diagnostics": _typed("diagnostics", (dict, _NONE), "an object or null"),
    "context_management": _typed("context_management", (dict, _NONE), "an object or null"),
    "mcp_servers": _mcp_servers,
    "user_profile_id": _typed("user_profile_id", (str,), "a string"),
    "workspace_id": _typed("workspace_id", (str,), "a string"),
    "billing_policy": _anything,
    "compaction": _anything,
    "fallback_credit_token": _anything,
    "fallbacks": _anything,
    "thread": _anything,
}
REQUIRED_KEYS = ("model", "max_tokens", "messages")
KNOWN_KEYS = frozenset(OPTIONAL) | frozenset(REQUIRED_KEYS)


def check_optional(params: dict[str, Any], p: Problems) -> None:
    for key, value in params.items():
        check = OPTIONAL.get(key)
        if check is not None:
            check(value, params, p)
        elif key not in KNOWN_KEYS:
            hint = "remove it: the Messages API has no such field and would refuse the request"
            if key == "betas":
                hint = "beta features are turned on per batch with the anthropic-beta header, not in params"
            p.error(f"params.{clean(key)[:64]}", "unknown key", hint, "unknown_param")
