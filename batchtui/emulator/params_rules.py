"""The Messages params rules the API applies to each batch request, answered like its validator: the first problem
as `path: message` (dotted, zero-based, pydantic's wording), reported as an `errored` result.

Field lists follow the anthropic SDK's Messages create params (GA and beta: a batch may carry beta features), plus
the sampling parameters of older API versions. Unknown keys at the params and message level are refused, as the API
refuses them; inside content blocks and tools only what is required is checked (new optional fields come often).
Kept independent of batchtui's own validator on purpose; tests/emulator/test_validator_agreement.py runs both over
the same hostile corpus and checks they agree.
"""

from __future__ import annotations

import re
from typing import Any

MAX_MESSAGES = 100_000
MAX_USER_ID = 256
MIN_THINKING_BUDGET = 1024

S, OBJ, L = "string", "object", "list"
ANY = "any"
_RESULT = {"tool_use_id": S, "content": ANY}
BLOCKS: dict[str, dict[str, str]] = {
    "text": {"text": S},
    "image": {"source": OBJ},
    "document": {"source": OBJ},
    "search_result": {"source": S, "title": S, "content": L},
    "thinking": {"thinking": S, "signature": S},
    "redacted_thinking": {"data": S},
    "tool_use": {"id": S, "name": S, "input": OBJ},
    "tool_result": {"tool_use_id": S},
    "server_tool_use": {"id": S, "name": S, "input": OBJ},
    "web_search_tool_result": _RESULT,
    "web_fetch_tool_result": _RESULT,
    "code_execution_tool_result": _RESULT,
    "bash_code_execution_tool_result": _RESULT,
    "text_editor_code_execution_tool_result": _RESULT,
    "tool_search_tool_result": _RESULT,
    "advisor_tool_result": _RESULT,
    "container_upload": {"file_id": S},
    "mcp_tool_use": {"id": S, "name": S, "server_name": S, "input": OBJ},
    "mcp_tool_result": {"tool_use_id": S},
    "compaction": {},
    "tool_addition": {"tool": ANY},
    "tool_removal": {"tool": ANY},
    "mcp_tool_listing": {"mcp_server_name": S, "tools": ANY},
    "fallback": {"to": ANY},
    "tool_reference": {"tool_name": S},
}
NESTED_BLOCKS = ("text", "image", "document", "search_result", "tool_reference")  # tool results, document content
SOURCES = {
    "image": {
        "base64": {"media_type": ("image/jpeg", "image/png", "image/gif", "image/webp"), "data": S},
        "url": {"url": S},
        "file": {"file_id": S},
    },
    "document": {
        "base64": {"media_type": ("application/pdf",), "data": S},
        "text": {"media_type": ("text/plain",), "data": S},
        "content": {"content": ANY},
        "url": {"url": S},
        "file": {"file_id": S},
    },
}
_TOOL_TYPE = re.compile(r"^[a-z][a-z0-9_]*_\d{8}$")
PARAMS_KEYS = frozenset(
    {
        *("model", "max_tokens", "messages", "system", "temperature", "top_p", "top_k", "stop_sequences", "stream"),
        *("tools", "tool_choice", "metadata", "thinking", "service_tier", "speed", "cache_control", "container"),
        *("inference_geo", "output_config", "output_format", "diagnostics", "context_management", "mcp_servers"),
        *("user_profile_id", "workspace_id", "billing_policy", "compaction", "fallback_credit_token", "fallbacks"),
        "thread",
    }
)
_PY = {S: str, OBJ: dict, L: list}


class Invalid(Exception):
    """The first problem found, as the API words it."""


def _literal(values: tuple[str, ...]) -> str:
    quoted = [f"'{v}'" for v in values]
    return ", ".join(quoted[:-1]) + f" or {quoted[-1]}" if len(quoted) > 1 else quoted[0]


def _expect(value: Any, kind: str, where: str) -> None:
    if kind != ANY and (not isinstance(value, _PY[kind]) or isinstance(value, bool)):
        raise Invalid(f"{where}: Input should be a valid {'dictionary' if kind == OBJ else kind}")


def _fields(obj: dict, required: dict, where: str) -> None:
    for name, kind in required.items():
        if name not in obj:
            raise Invalid(f"{where}.{name}: Field required")
        if isinstance(kind, tuple):
            if obj[name] not in kind or not isinstance(obj[name], str):
                raise Invalid(f"{where}.{name}: Input should be {_literal(kind)}")
        else:
            _expect(obj[name], kind, f"{where}.{name}")


def _cache_control(value: Any, where: str) -> None:
    if value is None:
        return
    _expect(value, OBJ, where)
    if value.get("type") != "ephemeral":
        raise Invalid(f"{where}.type: Input should be 'ephemeral'")
    if "ttl" in value and value["ttl"] not in ("5m", "1h"):
        raise Invalid(f"{where}.ttl: Input should be '5m' or '1h'")


def _block(block: Any, where: str, allowed: tuple[str, ...] | None = None) -> None:
    if not isinstance(block, dict):
        raise Invalid(f"{where}: Input should be a valid dictionary")
    kind = block.get("type")
    if not isinstance(kind, str):
        raise Invalid(f"{where}.type: Field required")
    if kind not in BLOCKS or (allowed is not None and kind not in allowed):
        names = allowed or tuple(BLOCKS)
        raise Invalid(f"{where}: Input tag '{kind}' found using 'type' does not match any of the expected tags: "
                      + ", ".join(f"'{n}'" for n in names))  # fmt: skip
    _fields(block, BLOCKS[kind], where)
    if "cache_control" in block:
        _cache_control(block["cache_control"], f"{where}.cache_control")
    if kind in SOURCES:
        source = block["source"]
        stype = source.get("type")
        if not isinstance(stype, str) or stype not in SOURCES[kind]:
            raise Invalid(f"{where}.source.type: Input should be {_literal(tuple(SOURCES[kind]))}")
        _fields(source, SOURCES[kind][stype], f"{where}.source")
        if stype == "content":
            _content(source["content"], f"{where}.source.content", NESTED_BLOCKS, empty_ok=False)
    elif kind == "tool_result":
        if "content" in block:
            _content(block["content"], f"{where}.content", NESTED_BLOCKS, empty_ok=True)
        if "is_error" in block and not isinstance(block["is_error"], bool):
            raise Invalid(f"{where}.is_error: Input should be a valid boolean")
    elif kind == "search_result":
        _content(block["content"], f"{where}.content", ("text",), empty_ok=True)
    elif kind == "text" and block.get("citations") is not None and not isinstance(block["citations"], list):
        raise Invalid(f"{where}.citations: Input should be a valid list")


def _content(content: Any, where: str, allowed: tuple[str, ...] | None, *, empty_ok: bool) -> None:
    if isinstance(content, str):
        return
    if not isinstance(content, list):
        raise Invalid(f"{where}: Input should be a valid string or a valid list")
    if not content and not empty_ok:
        raise Invalid(f"{where}: List should have at least 1 item after validation, not 0")
    for j, block in enumerate(content):
        _block(block, f"{where}.{j}", allowed)


def _messages(messages: Any) -> None:
    if not isinstance(messages, list):
        raise Invalid("messages: Input should be a valid list")
    if not messages:
        raise Invalid("messages: List should have at least 1 item after validation, not 0")
    if len(messages) > MAX_MESSAGES:
        raise Invalid(f"messages: List should have at most {MAX_MESSAGES} items after validation")
    last = len(messages) - 1
    for i, msg in enumerate(messages):
        where = f"messages.{i}"
        if not isinstance(msg, dict):
            raise Invalid(f"{where}: Input should be a valid dictionary")
        for key in msg:
            if key not in ("role", "content"):
                raise Invalid(f"{where}.{key}: Extra inputs are not permitted")
        role = msg.get("role")
        if role not in ("user", "assistant") or not isinstance(role, str):
            raise Invalid(f"{where}.role: Input should be 'user' or 'assistant'")
        content = msg.get("content")
        if content is None:
            raise Invalid(f"{where}.content: Field required")
        if not content and isinstance(content, str | list) and not (i == last and role == "assistant"):
            raise Invalid(f"{where}.content: messages must have non-empty content except for an optional final "
                          "assistant message")  # fmt: skip
        _content(content, f"{where}.content", None, empty_ok=True)


def _number(value: Any, where: str, low: float, high: float | None) -> None:
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise Invalid(f"{where}: Input should be a valid number")
    if value < low:
        raise Invalid(f"{where}: Input should be greater than or equal to {low}")
    if high is not None and value > high:
        raise Invalid(f"{where}: Input should be less than or equal to {high}")


def _tools(tools: Any) -> None:
    if not isinstance(tools, list):
        raise Invalid("tools: Input should be a valid list")
    for i, tool in enumerate(tools):
        where = f"tools.{i}"
        if not isinstance(tool, dict):
            raise Invalid(f"{where}: Input should be a valid dictionary")
        kind = tool.get("type")
        if kind is None or kind == "custom":
            if "name" not in tool:
                raise Invalid(f"{where}.name: Field required")
            name = tool["name"]
            if not isinstance(name, str) or not 1 <= len(name) <= 128:
                raise Invalid(f"{where}.name: String should have between 1 and 128 characters")
            if "input_schema" not in tool:
                raise Invalid(f"{where}.input_schema: Field required")
            _expect(tool["input_schema"], OBJ, f"{where}.input_schema")
            if tool["input_schema"].get("type") != "object":
                raise Invalid(f"{where}.input_schema.type: Input should be 'object'")
            if "description" in tool:
                _expect(tool["description"], S, f"{where}.description")
        elif not isinstance(kind, str) or not (_TOOL_TYPE.match(kind) or kind == "mcp_toolset"):
            raise Invalid(
                f"{where}.type: Input tag '{kind}' found using 'type' does not match any of the expected tags"
            )
        elif kind != "mcp_toolset" and not isinstance(tool.get("name"), str):
            raise Invalid(f"{where}.name: Field required")
        if "cache_control" in tool:
            _cache_control(tool["cache_control"], f"{where}.cache_control")


def _tool_choice(choice: Any) -> None:
    _expect(choice, OBJ, "tool_choice")
    kind = choice.get("type")
    if kind not in ("auto", "any", "tool", "none") or not isinstance(kind, str):
        raise Invalid("tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none'")
    if kind == "tool" and not isinstance(choice.get("name"), str):
        raise Invalid("tool_choice.tool.name: Field required")
    if "disable_parallel_tool_use" in choice and not isinstance(choice["disable_parallel_tool_use"], bool):
        raise Invalid(f"tool_choice.{kind}.disable_parallel_tool_use: Input should be a valid boolean")


def _metadata(metadata: Any) -> None:
    _expect(metadata, OBJ, "metadata")
    for key in metadata:
        if key != "user_id":
            raise Invalid(f"metadata.{key}: Extra inputs are not permitted")
    uid = metadata.get("user_id")
    if uid is not None and not isinstance(uid, str):
        raise Invalid("metadata.user_id: Input should be a valid string")
    if isinstance(uid, str) and len(uid) > MAX_USER_ID:
        raise Invalid(f"metadata.user_id: String should have at most {MAX_USER_ID} characters")


def _thinking(thinking: Any, max_tokens: Any) -> None:
    _expect(thinking, OBJ, "thinking")
    kind = thinking.get("type")
    if kind not in ("enabled", "disabled", "adaptive", "between_tools") or not isinstance(kind, str):
        raise Invalid("thinking.type: Input should be 'enabled', 'disabled', 'adaptive' or 'between_tools'")
    if thinking.get("display") is not None and thinking["display"] not in ("summarized", "omitted"):
        raise Invalid(f"thinking.{kind}.display: Input should be 'summarized' or 'omitted'")
    if kind != "enabled":
        return
    if "budget_tokens" not in thinking:
        raise Invalid("thinking.enabled.budget_tokens: Field required")
    budget = thinking["budget_tokens"]
    if not isinstance(budget, int) or isinstance(budget, bool):
        raise Invalid("thinking.enabled.budget_tokens: Input should be a valid integer")
    if budget < MIN_THINKING_BUDGET:
        raise Invalid(f"thinking.enabled.budget_tokens: Input should be greater than or equal to {MIN_THINKING_BUDGET}")
    if budget >= max_tokens:
        raise Invalid("thinking.enabled.budget_tokens: Input should be less than max_tokens")


def _typed(value: Any, where: str, types: tuple[type, ...], what: str) -> None:
    if not isinstance(value, types) or isinstance(value, bool):
        raise Invalid(f"{where}: Input should be {what}")


_NONE = type(None)


def _optional(params: dict) -> None:
    for key, value in params.items():
        if key not in PARAMS_KEYS:
            raise Invalid(f"{key}: Extra inputs are not permitted")
        if key in ("temperature", "top_p"):
            _number(value, key, 0, 1)
        elif key == "top_k":
            if not isinstance(value, int) or isinstance(value, bool):
                raise Invalid("top_k: Input should be a valid integer")
            if value < 0:
                raise Invalid("top_k: Input should be greater than or equal to 0")
        elif key == "system":
            if not isinstance(value, str):
                _content(value, "system", ("text",), empty_ok=True)
        elif key == "stop_sequences":
            _expect(value, L, key)
            for i, seq in enumerate(value):
                _expect(seq, S, f"stop_sequences.{i}")
        elif key == "stream":
            if value is True:
                raise Invalid("stream: Streaming is not supported in Message Batches")
            if value is not False:
                raise Invalid("stream: Input should be False")
        elif key == "tools":
            _tools(value)
        elif key == "tool_choice":
            _tool_choice(value)
        elif key == "metadata":
            _metadata(value)
        elif key == "thinking":
            _thinking(value, params["max_tokens"])
        elif key == "service_tier":
            if value not in ("auto", "standard_only") or not isinstance(value, str):
                raise Invalid("service_tier: Input should be 'auto' or 'standard_only'")
        elif key == "speed":
            if value is not None and (value not in ("standard", "fast") or not isinstance(value, str)):
                raise Invalid("speed: Input should be 'standard' or 'fast'")
        elif key == "cache_control":
            _cache_control(value, key)
        elif key == "container":
            _typed(value, key, (str, dict, _NONE), "a valid string or a valid dictionary")
        elif key == "inference_geo":
            _typed(value, key, (str, _NONE), "a valid string")
        elif key == "output_config":
            _typed(value, key, (dict,), "a valid dictionary")
        elif key in ("output_format", "diagnostics", "context_management"):
            _typed(value, key, (dict, _NONE), "a valid dictionary")
        elif key == "mcp_servers":
            if not isinstance(value, list) or not all(isinstance(s, dict) for s in value):
                raise Invalid("mcp_servers: Input should be a valid list of dictionaries")
        elif key in ("user_profile_id", "workspace_id"):
            _typed(value, key, (str,), "a valid string")


def check_params(params: dict, *, max_tokens_cap: int, known_models: frozenset[str]) -> str | None:
    """What the Messages API would reject in one request's params, or None."""
    try:
        model = params.get("model")
        if model is None:
            raise Invalid("model: Field required")
        if not isinstance(model, str) or model not in known_models:
            raise Invalid(f"model: {model!r} is not a known model")
        if "max_tokens" not in params:
            raise Invalid("max_tokens: Field required")
        mt = params["max_tokens"]
        if isinstance(mt, bool) or not isinstance(mt, int):
            raise Invalid("max_tokens: Input should be a valid integer")
        if mt < 0:
            raise Invalid("max_tokens: Input should be greater than or equal to 0")
        if mt > max_tokens_cap:
            raise Invalid(f"max_tokens: {mt} > {max_tokens_cap}, which is the maximum allowed number of output tokens")
        if "messages" not in params:
            raise Invalid("messages: Field required")
        _messages(params["messages"])
        _optional(params)
    except Invalid as exc:
        return str(exc)
    return None
