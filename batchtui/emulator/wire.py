"""Wire-level helpers: ids, timestamps and error bodies shaped like the real API's."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime

from aiohttp import web

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def new_id(prefix: str, rng: random.Random) -> str:
    """`msgbatch_` / `msg_` / `req_` plus 24 base58 characters, as the API mints them."""
    return prefix + "01" + "".join(rng.choice(_B58) for _ in range(22))


def rfc3339(ts: float | None) -> str | None:
    """RFC 3339 UTC with microseconds and a `Z`, e.g. 2024-08-20T18:37:24.100435Z."""
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def error_body(error_type: str, message: str, request_id: str | None) -> dict:
    return {"type": "error", "error": {"type": error_type, "message": message}, "request_id": request_id}


STATUS_OF = {
    "invalid_request_error": 400,
    "authentication_error": 401,
    "permission_error": 403,
    "not_found_error": 404,
    "request_too_large": 413,
    "rate_limit_error": 429,
    "api_error": 500,
    "overloaded_error": 529,
}


def error_response(
    request: web.Request, error_type: str, message: str, headers: dict[str, str] | None = None
) -> web.Response:
    body = error_body(error_type, message, request.get("request_id"))
    return web.Response(
        status=STATUS_OF[error_type],
        text=json.dumps(body),
        content_type="application/json",
        headers=headers,
    )


class ApiError(Exception):
    """Raised by handlers and the state layer; turned into the documented error body."""

    def __init__(self, error_type: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.headers = headers  # e.g. retry-after on a 429
