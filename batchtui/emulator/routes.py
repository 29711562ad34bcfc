"""HTTP handlers for the six Message Batches endpoints, plus auth, request ids and fault injection."""

from __future__ import annotations

import asyncio
import json
import logging
import math
import random

from aiohttp import web

from batchtui.emulator import faults as F
from batchtui.emulator.state import RESULT_CHUNK_ROWS
from batchtui.emulator.wire import ApiError, error_response, new_id

STATE = web.AppKey("state", object)
FAULTS = web.AppKey("faults", object)
BASE_URL = web.AppKey("base_url", list)  # [url]: known only once the socket is bound
_ids = random.Random()
log = logging.getLogger(__name__)


def _json(data: dict) -> web.Response:
    return web.Response(text=json.dumps(data), content_type="application/json")


def _base(request: web.Request) -> str:
    # results_url is built from the server's own reachable address, never api.anthropic.com.
    return request.app[BASE_URL][0] or f"{request.scheme}://{request.host}"


@web.middleware
async def api_middleware(request: web.Request, handler):
    request["request_id"] = new_id("req_", _ids)
    route = request.match_info.route.name
    try:
        if route is None:
            raise ApiError("not_found_error", f"Not found: {request.method} {request.path}")
        headers = request.headers
        if not headers.get("x-api-key") and not headers.get("authorization", "").lower().startswith("bearer "):
            raise ApiError(
                "authentication_error",
                "x-api-key header is required (or Authorization: Bearer <key>)",
            )
        fault = request.app[FAULTS].pick(route)
        if fault == F.RATE_LIMIT:
            ms = request.app[STATE].config.retry_after_ms
            return error_response(
                request,
                "rate_limit_error",
                "Number of request tokens has exceeded your per-minute rate limit (injected fault)",
                headers={"retry-after": str(max(1, math.ceil(ms / 1000))), "retry-after-ms": str(ms)},
            )
        if fault == F.SERVER_ERROR:
            return error_response(request, "api_error", "Internal server error (injected fault)")
        if fault == F.OVERLOADED:
            return error_response(request, "overloaded_error", "Overloaded (injected fault)")
        request["fault"] = fault
        return await handler(request)
    except ApiError as exc:
        return error_response(request, exc.error_type, exc.message, headers=exc.headers)
    except web.HTTPRequestEntityTooLarge:
        return _too_large(request)
    except web.HTTPMethodNotAllowed:
        return error_response(request, "not_found_error", f"Not found: {request.method} {request.path}")
    except Exception:
        # An emulator bug must still look like the API's 500 (JSON body + request-id), not aiohttp's text page.
        log.exception("emulator error on %s %s", request.method, request.path)
        return error_response(request, "api_error", "Internal server error")


def _too_large(request: web.Request) -> web.Response:
    # Shaped like the Cloudflare 413 the real API returns: no top-level "type".
    body = {"error": {"type": "request_too_large", "message": "Request exceeds the maximum size"}}
    return web.Response(status=413, text=json.dumps(body), content_type="application/json")


async def add_request_id(request: web.Request, response: web.StreamResponse) -> None:
    response.headers["request-id"] = request.get("request_id") or new_id("req_", _ids)


async def create(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE]
    limit = state.config.max_body_bytes
    if (request.content_length or 0) > limit:
        return _too_large(request)
    body = await request.read()
    if len(body) > limit:
        return _too_large(request)
    batch = await state.create_from_body(body, _base(request))
    if request.get("fault") == F.LOST_CREATE:
        # The batch exists now, but the client never hears of it: the case that makes naive clients duplicate.
        request.transport.abort()
        # Returned, not raised: aiohttp then sees a quiet client disconnect instead of logging a traceback per fault.
        return web.Response(status=200)
    if request.get("fault") == F.HELD_CREATE:
        await asyncio.sleep(F.HOLD_SECONDS)  # the client (a worker about to be SIGKILLed) waits for an answer
    return _json(batch)


async def retrieve(request: web.Request) -> web.Response:
    return _json(await request.app[STATE].get(request.match_info["batch_id"], _base(request)))


async def list_batches(request: web.Request) -> web.Response:
    q = request.query
    raw = q.get("limit", "20")
    try:
        limit = int(raw)
    except ValueError:
        raise ApiError("invalid_request_error", "limit: Input should be a valid integer") from None
    if not 1 <= limit <= 1000:
        bound = "greater than or equal to 1" if limit < 1 else "less than or equal to 1000"
        raise ApiError("invalid_request_error", f"limit: Input should be {bound}")
    after_id, before_id = q.get("after_id"), q.get("before_id")
    if after_id and before_id:
        raise ApiError("invalid_request_error", "Only one of after_id and before_id may be given")
    page = await request.app[STATE].list_page(limit, after_id or None, before_id or None, _base(request))
    return _json(page)


async def cancel(request: web.Request) -> web.Response:
    return _json(await request.app[STATE].cancel(request.match_info["batch_id"], _base(request)))


async def delete(request: web.Request) -> web.Response:
    return _json(await request.app[STATE].delete(request.match_info["batch_id"]))


async def results(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE]
    row = await state.open_results(request.match_info["batch_id"])
    response = web.StreamResponse(headers={"content-type": "application/x-jsonl"})
    await response.prepare(request)
    # An injected cut lands in a random chunk, so large downloads break part-way through, not at the start.
    cut_at = (
        _ids.randrange(max(1, -(-row["n_requests"] // RESULT_CHUNK_ROWS)))
        if request.get("fault") == F.CUT_STREAM
        else -1
    )
    try:
        async for i, chunk in _enumerate(state.result_chunks(row)):
            if i == cut_at:
                # Send part of a chunk, ending mid-line, then drop the connection without finishing the body.
                await response.write(chunk[: max(1, len(chunk) // 2)])
                request.transport.abort()
                return response  # finishing it on the aborted transport fails quietly (see create)
            await response.write(chunk)
        await response.write_eof()
    except ConnectionResetError:
        pass  # the client hung up mid-download (closed the decoder, Ctrl-C): normal, not a server error
    return response


async def _enumerate(chunks):
    i = 0
    async for chunk in chunks:
        yield i, chunk
        i += 1


def build_app(state, faults: F.Faults, max_body_bytes: int) -> web.Application:
    # client_max_size guards chunked uploads that carry no Content-Length.
    app = web.Application(middlewares=[api_middleware], client_max_size=max_body_bytes + 1)
    app[STATE] = state
    app[FAULTS] = faults
    app[BASE_URL] = [None]
    app.on_response_prepare.append(add_request_id)
    r = app.router
    r.add_post("/v1/messages/batches", create, name="create")
    r.add_get("/v1/messages/batches", list_batches, name="list", allow_head=False)
    r.add_get("/v1/messages/batches/{batch_id}", retrieve, name="retrieve", allow_head=False)
    r.add_post("/v1/messages/batches/{batch_id}/cancel", cancel, name="cancel")
    r.add_delete("/v1/messages/batches/{batch_id}", delete, name="delete")
    r.add_get("/v1/messages/batches/{batch_id}/results", results, name="results", allow_head=False)
    return app
