"""Checks the real API makes: the create envelope synchronously (400), each request's params later (errored)."""

from __future__ import annotations

import re
from typing import Any

from batchtui.emulator.params_rules import check_params
from batchtui.emulator.wire import ApiError

MAX_REQUESTS = 100_000
CUSTOM_ID_PATTERN = "^[a-zA-Z0-9_-]{1,64}$"
_CUSTOM_ID = re.compile(CUSTOM_ID_PATTERN)
MAX_TOKENS_CAP = 300_000  # the largest output any model allows (Opus 5 with the extended-output beta)


# The model ids of the SDK's `Model` literal (anthropic 2.x), plus older ids still priced in the docs. A static list,
# so the emulator starts without importing the SDK; tests/emulator/test_models.py fails when a newer SDK adds one.
KNOWN_MODELS = frozenset(
    {
        "claude-fable-5",
        "claude-fable-5-1",
        "claude-fable-5-2",
        "claude-haiku-4-5",
        "claude-haiku-4-5-20251001",
        "claude-haiku-5-5",
        "claude-mythos-5",
        "claude-mythos-5-1",
        "claude-mythos-5-2",
        "claude-mythos-preview",
        "claude-opus-4-5",
        "claude-opus-4-5-20251101",
        "claude-opus-4-6",
        "claude-opus-4-7",
        "claude-opus-4-8",
        "claude-opus-5",
        "claude-opus-5-5",
        "claude-sonnet-4-5",
        "claude-sonnet-4-5-20250929",
        "claude-sonnet-4-6",
        "claude-sonnet-5",
        "claude-sonnet-5-5",
        "claude-3-7-sonnet-latest",
        "claude-3-5-haiku-latest",
        "claude-3-haiku-20240307",
        "claude-opus-4-1",
        "claude-opus-4-0",
        "claude-sonnet-4-0",
    }
)


def validate_envelope(body: Any) -> list[dict]:
    """Return the request list, or raise a 400 with the API's dotted-path message."""
    if not isinstance(body, dict):
        raise ApiError("invalid_request_error", "Input should be a valid dictionary")
    requests = body.get("requests")
    if requests is None:
        raise ApiError("invalid_request_error", "requests: Field required")
    if not isinstance(requests, list):
        raise ApiError("invalid_request_error", "requests: Input should be a valid list")
    if not requests:
        raise ApiError("invalid_request_error", "requests: List should have at least 1 item after validation, not 0")
    if len(requests) > MAX_REQUESTS:
        raise ApiError(
            "invalid_request_error",
            f"requests: List should have at most {MAX_REQUESTS} items after validation, not {len(requests)}",
        )
    seen: dict[str, int] = {}
    for i, item in enumerate(requests):
        where = f"requests.{i}"
        if not isinstance(item, dict):
            raise ApiError("invalid_request_error", f"{where}: Input should be a valid dictionary")
        for key in item:
            if key not in ("custom_id", "params"):  # the API's request items forbid extra keys
                raise ApiError("invalid_request_error", f"{where}.{key}: Extra inputs are not permitted")
        cid = item.get("custom_id")
        if cid is None:
            raise ApiError("invalid_request_error", f"{where}.custom_id: Field required")
        if not isinstance(cid, str):
            raise ApiError("invalid_request_error", f"{where}.custom_id: Input should be a valid string")
        if len(cid) > 64:
            raise ApiError("invalid_request_error", f"{where}.custom_id: String should have at most 64 characters")
        if not _CUSTOM_ID.match(cid):
            raise ApiError(
                "invalid_request_error", f"{where}.custom_id: String should match pattern '{CUSTOM_ID_PATTERN}'"
            )
        if cid in seen:
            raise ApiError(
                "invalid_request_error",
                f"{where}.custom_id: Duplicate custom_id '{cid}' (first used by requests.{seen[cid]}); "
                "custom_id must be unique within a batch",
            )
        seen[cid] = i
        params = item.get("params")
        if params is None:
            raise ApiError("invalid_request_error", f"{where}.params: Field required")
        if not isinstance(params, dict):
            raise ApiError("invalid_request_error", f"{where}.params: Input should be a valid dictionary")
    return requests


def params_error(params: dict) -> str | None:
    """What the Messages API would reject in one request's params, or None. Reported as an errored result."""
    return check_params(params, max_tokens_cap=MAX_TOKENS_CAP, known_models=KNOWN_MODELS)


def prompt_text(params: dict) -> str:
    """All the text of the system prompt and messages, for token counts and derived replies."""
    parts: list[str] = []

    def add(content: Any) -> None:
        if isinstance(content, str):
            parts.append(content)
        elif isinstance(content, list):
            for block in content:
                if isinstance(block, dict) and isinstance(block.get("text"), str):
                    parts.append(block["text"])

    add(params.get("system"))
    for msg in params.get("messages") or []:
        if isinstance(msg, dict):
            add(msg.get("content"))
    return "\n".join(parts)


def last_user_text(params: dict) -> str:
    for msg in reversed(params.get("messages") or []):
        if isinstance(msg, dict) and msg.get("role") == "user":
            content = msg.get("content")
            if isinstance(content, str):
                return content
            if isinstance(content, list):
                return " ".join(b.get("text", "") for b in content if isinstance(b, dict))
    return ""
