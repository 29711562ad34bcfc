"""Failures the CLI, TUI and Temporal engine tell apart: bad input (exit 2) versus API/runtime trouble (exit 1)."""

from __future__ import annotations

import sys
from types import ModuleType


class BatchtuiError(Exception):
    """A failure with a message meant for the user. `exit_code` is the CLI's; `kind` names it in `--json` errors."""

    exit_code = 1
    kind = "error"


class UsageError(BatchtuiError):
    """Bad arguments or input: nothing was sent."""

    exit_code = 2
    kind = "usage_error"


class NotFound(BatchtuiError):
    """No such batch (or group...) in the workspace or the cache."""

    kind = "not_found"


class NoApiKey(UsageError):
    kind = "no_api_key"

    def __init__(self) -> None:
        super().__init__(
            "No API key: set ANTHROPIC_API_KEY (export ANTHROPIC_API_KEY=sk-ant-...), or try `batchtui --demo` "
            "to use the built-in emulator without one."
        )


class OutcomeUnknown(BatchtuiError):
    """A create was sent but its answer never came; it will be reconciled, never blindly retried."""

    kind = "outcome_unknown"


class DuplicateSubmission(UsageError):
    """The same body as a submission whose outcome is still unknown: sending it again could make a second batch."""

    kind = "duplicate_submission"


class ResultsInterrupted(Exception):
    """Marker mixed into the connection error raised when a results stream is cut off part-way (see client.py)."""


def _sdk() -> ModuleType | None:
    """The anthropic SDK if it is loaded. If it is not, no exception can be one of its own, and importing it just
    to say so would cost the dashboard's first paint a second and a half."""
    return sys.modules.get("anthropic")


def is_sdk_error(exc: BaseException) -> bool:
    sdk = _sdk()
    return sdk is not None and isinstance(exc, sdk.AnthropicError)


def is_not_found(exc: BaseException) -> bool:
    """The API answered 404 (a batch deleted, or its results archived)."""
    sdk = _sdk()
    return sdk is not None and isinstance(exc, sdk.NotFoundError)


def is_transient(exc: BaseException) -> bool:
    """Worth trying again later: connection trouble, timeouts, 408/409/429 and 5xx (the SDK's own rule)."""
    anthropic = _sdk()
    if anthropic is None:
        return False
    if isinstance(exc, anthropic.APIConnectionError):  # includes APITimeoutError
        return True
    if isinstance(exc, anthropic.APIStatusError):
        return exc.status_code in (408, 409, 429) or exc.status_code >= 500
    return False


# httpx2 failures that happen before a single byte of the request left this machine: nothing can have been created.
_NEVER_SENT = ("ConnectError", "ConnectTimeout", "PoolTimeout", "UnsupportedProtocol", "InvalidURL", "ProxyError")


def never_sent(exc: BaseException) -> bool:
    """True when a request provably never reached the API: connection refused, DNS, TLS handshake, no free
    connection. A request cut off after connecting (read error, lost answer, read timeout) is *not* this."""
    anthropic = _sdk()
    if anthropic is None or not isinstance(exc, anthropic.APIConnectionError):
        return False
    cause = exc.__cause__
    while cause is not None:
        if type(cause).__name__ in _NEVER_SENT and type(cause).__module__.startswith(("httpx", "httpcore")):
            return True
        cause = cause.__cause__
    return False


def nothing_created_retry(exc: BaseException) -> bool:
    """A 429 (rate limited) or 529 (overloaded) answer: the API did not create the batch; trying again is safe."""
    anthropic = _sdk()
    return anthropic is not None and isinstance(exc, anthropic.APIStatusError) and exc.status_code in (429, 529)


def refused(exc: BaseException) -> bool:
    """A definite refusal (4xx other than 408/409/429): the API created nothing and trying again will not help."""
    anthropic = _sdk()
    return (
        anthropic is not None
        and isinstance(exc, anthropic.APIStatusError)
        and 400 <= exc.status_code < 500
        and exc.status_code not in (408, 409, 429)
    )


def retry_after_seconds(exc: BaseException) -> float | None:
    """The server's requested delay (retry-after-ms, then retry-after), if it gave one."""
    response = getattr(exc, "response", None)
    if response is None:
        return None
    headers = response.headers
    try:
        if "retry-after-ms" in headers:
            return float(headers["retry-after-ms"]) / 1000
        if "retry-after" in headers:
            return float(headers["retry-after"])
    except ValueError:
        return None
    return None


def describe(exc: BaseException) -> str:
    """One line a person can act on, for any API failure."""
    anthropic = _sdk()
    if anthropic is None:
        return str(exc) if isinstance(exc, BatchtuiError) else f"{type(exc).__name__}: {exc}"
    if isinstance(exc, anthropic.AuthenticationError):
        return "The API rejected the key (401). Set a valid one: export ANTHROPIC_API_KEY=sk-ant-..."
    if isinstance(exc, anthropic.PermissionDeniedError):
        return "This key may not do that (403). Check the key's workspace and permissions."
    if isinstance(exc, ResultsInterrupted):
        return f"The results download was cut off part-way ({exc}); it resumes where it stopped when tried again."
    if isinstance(exc, anthropic.APITimeoutError):
        return "The API did not answer in time. Check your connection; batchtui keeps working from its cache."
    if isinstance(exc, anthropic.APIConnectionError):
        return "Cannot reach the API. Check your connection; batchtui keeps working from its cache."
    if isinstance(exc, anthropic.APIStatusError):
        message = exc.message
        body = exc.body
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            message = str(body["error"].get("message") or message)
        rid = f" (request-id {exc.request_id})" if exc.request_id else ""
        return f"API error {exc.status_code}: {message}{rid}"
    if isinstance(exc, BatchtuiError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"
