"""What the installed anthropic SDK puts on a GET, recorded once per SDK version, so the read-only calls (list,
retrieve, results) can go out over plain httpx2 without importing the SDK: that import alone is 1.5 s of start-up,
more than a whole 100k-result download takes.

The profile is the SDK's own: it is captured by making one call through the real SDK onto an in-process transport
that answers nothing over the network. The API key is recorded as a placeholder, never written to disk.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

import httpx2
import platformdirs

PLACEHOLDER = "batchtui-profile-api-key"
_PER_ATTEMPT = frozenset({"host", "x-stainless-retry-count"})  # set on each attempt, not part of the profile
_VERSION = re.compile(r"""__version__\s*=\s*["']([^"']+)["']""")


def sdk_version() -> str | None:
    """The installed SDK's version, read from its _version.py without importing the package."""
    spec = importlib.util.find_spec("anthropic")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        with contextlib.suppress(OSError):
            found = _VERSION.search((Path(folder) / "_version.py").read_text(encoding="utf-8"))
            if found:
                return found.group(1)
    return None


def _profile_path(timeout: float) -> Path | None:
    version = sdk_version()
    if version is None:
        return None
    # Everything the SDK's headers depend on besides the key: its version, the Python running it, the custom
    # headers it reads from the environment, and the read timeout it announces.
    key = json.dumps([version, sys.version, os.environ.get("ANTHROPIC_CUSTOM_HEADERS"), float(timeout)])
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return platformdirs.user_cache_path("batchtui") / f"sdk-profile-{version}-{digest}.json"


def load_profile(timeout: float) -> dict[str, str] | None:
    """The recorded headers (the key as PLACEHOLDER), or None when this SDK's profile was never recorded."""
    path = _profile_path(timeout)
    if path is None:
        return None
    try:
        headers = json.loads(path.read_text(encoding="utf-8"))["headers"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
        return None
    return headers


async def record_profile(sdk_timeout: float) -> dict[str, str]:
    """Make one GET through the real SDK onto a transport that captures it; save and return its headers."""
    import anthropic

    captured: dict[str, str] = {}

    def capture(request: httpx2.Request) -> httpx2.Response:
        captured.update({k: v for k, v in request.headers.items() if k.lower() not in _PER_ATTEMPT})
        return httpx2.Response(200, json=_BATCH, request=request)

    http = httpx2.AsyncClient(transport=httpx2.MockTransport(capture))
    sdk = anthropic.AsyncAnthropic(
        api_key=PLACEHOLDER, base_url="http://profile.invalid", max_retries=0, timeout=sdk_timeout, http_client=http
    )
    try:
        await sdk.messages.batches.retrieve(_BATCH["id"])
    finally:
        await sdk.close()
    path = _profile_path(sdk_timeout)
    if path is not None:
        with contextlib.suppress(OSError):  # a read-only home only costs the next run the SDK import
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps({"headers": captured}, indent=1), encoding="utf-8")
            tmp.replace(path)
    return captured


def with_key(profile: dict[str, str], api_key: str) -> dict[str, str]:
    """The profile's headers with the real key in place of the placeholder."""
    return {k: v.replace(PLACEHOLDER, api_key) for k, v in profile.items()}


_BATCH: dict[str, Any] = {
    "id": "msgbatch_profile",
    "type": "message_batch",
    "processing_status": "ended",
    "request_counts": {"processing": 0, "succeeded": 0, "errored": 0, "canceled": 0, "expired": 0},
    "created_at": "2026-01-01T00:00:00Z",
    "expires_at": "2026-01-02T00:00:00Z",
    "ended_at": "2026-01-01T00:00:00Z",
    "cancel_initiated_at": None,
    "archived_at": None,
    "results_url": None,
}
