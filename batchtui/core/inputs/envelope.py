"""The native request item, `{"custom_id": "...", "params": {...}}`: shape checks shared by JSONL and JSON arrays."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from batchtui.core.inputs.records import InputError, ReadItem, RejectedRequest, SourceRequest, show
from batchtui.core.sanitize import clean

ITEM_KEYS = ("custom_id", "params")
EXAMPLE = '{"custom_id": "q1", "params": {"model": "...", "max_tokens": 1024, "messages": [...]}}'
# Keys that belong inside params; seen at top level they mean "you forgot the params wrapper".
_PARAMS_KEYS = frozenset(
    [
        "model",
        "max_tokens",
        "messages",
        "system",
        "temperature",
        "top_p",
        "top_k",
        "stop_sequences",
        "tools",
        "tool_choice",
        "metadata",
        "thinking",
        "stream",
        "service_tier",
        "container",
        "mcp_servers",
        "output_format",
    ]
)
_JSON_TYPES = {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}


def json_type(value: Any) -> str:
    return _JSON_TYPES.get(type(value), "a number")


def read_item(obj: Any, *, line: int, file: str) -> Iterator[ReadItem]:
    """Errors about one item's envelope, then its SourceRequest (or RejectedRequest when it cannot be used)."""

    def err(field: str | None, message: str, hint: str, code: str) -> InputError:
        return InputError(file, line, field, message, hint, code)

    if not isinstance(obj, dict):
        hint = f"each line must be one request object, like {EXAMPLE}"
        if isinstance(obj, list):
            hint = "put one request object per line instead of an array (e.g. `jq -c '.[]' file.json`)"
        yield RejectedRequest(
            line, (err(None, f"expected a request object, got {json_type(obj)}", hint, "not_object"),)
        )
        return

    errors: list[InputError] = []
    cid = obj.get("custom_id")
    if "custom_id" not in obj:
        errors.append(err("custom_id", "missing", 'give every request a unique custom_id, e.g. "row-1"', "missing"))
    elif not isinstance(cid, str):
        hint = f"write it as a string: {show(str(cid))}" if isinstance(cid, int | float) else "use a string"
        errors.append(err("custom_id", f"must be a string (got {show(cid)})", hint, "custom_id_type"))
        cid = None

    params = obj.get("params")
    if "params" not in obj:
        if _PARAMS_KEYS & obj.keys():
            hint = f"wrap the Messages fields in params: {EXAMPLE}"
        else:
            hint = f'add params with model, max_tokens and messages: {EXAMPLE} (or a "prompt" for a simple request)'
        errors.append(err("params", "missing", hint, "missing"))
    elif not isinstance(params, dict):
        hint = "params must be an object with model, max_tokens and messages"
        errors.append(err("params", f"must be an object (got {json_type(params)})", hint, "params_type"))

    for key in sorted(obj.keys() - set(ITEM_KEYS)):
        if "params" not in obj and key in _PARAMS_KEYS:
            continue  # already covered by "wrap the Messages fields in params"
        if key == "metadata":
            hint = "batch requests carry no metadata of their own; remove it (params.metadata only takes user_id)"
        elif key in _PARAMS_KEYS:
            hint = f"move {show(key)} inside params"
        else:
            hint = "remove it: a request item may hold only custom_id and params, and the API rejects the batch"
        errors.append(err(clean(key)[:64], "unknown key in the request item", hint, "unknown_key"))

    if isinstance(cid, str) and isinstance(params, dict) and all(e.code == "unknown_key" for e in errors):
        # Still a readable request: report the stray keys, and let the validator check the rest.
        yield from errors
        yield SourceRequest(line, cid, params)
    else:
        yield RejectedRequest(line, tuple(errors), cid if isinstance(cid, str) else None)
