"""Helpers shared by the emulator tests: request builders, wire-format checks, the CLI as a subprocess."""

from __future__ import annotations

import contextlib
import os
import re
import select
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx2

from batchtui.emulator import Emulator

RFC3339_MICRO_Z = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")
BATCH_ID = re.compile(r"^msgbatch_01[1-9A-HJ-NP-Za-km-z]{22}$")  # like the API: "01" + base58
REQUEST_ID = re.compile(r"^req_01[1-9A-HJ-NP-Za-km-z]{22}$")
BATCH_KEYS = {
    "id",
    "type",
    "processing_status",
    "request_counts",
    "created_at",
    "expires_at",
    "ended_at",
    "cancel_initiated_at",
    "archived_at",
    "results_url",
}
COUNT_KEYS = {"processing", "succeeded", "errored", "canceled", "expired"}
MODEL = "claude-haiku-4-5"


def make_request(custom_id: str, text: str = "Summarize the October invoice dispute.", **params: Any) -> dict:
    """One batch request with valid params; keyword arguments override or add params."""
    body: dict[str, Any] = {"model": MODEL, "max_tokens": 1024, "messages": [{"role": "user", "content": text}]}
    body.update(params)
    return {"custom_id": custom_id, "params": body}


def make_requests(n: int, prefix: str = "req", **params: Any) -> list[dict]:
    return [make_request(f"{prefix}-{i:06d}", text=f"Question number {i}: what changed?", **params) for i in range(n)]


def finish(emu: Emulator) -> None:
    """Move the emulator's time past the end of any batch created so far (duration is at most 1.3 x batch_seconds)."""
    emu.clock.advance(emu.config.batch_seconds * 1.3 + 1)


def parse_ts(value: str) -> datetime:
    assert RFC3339_MICRO_Z.match(value), value
    return datetime.fromisoformat(value)


def check_batch_json(data: dict) -> None:
    """The MessageBatch wire invariants that hold in every state."""
    assert set(data) == BATCH_KEYS
    assert data["type"] == "message_batch"
    assert BATCH_ID.match(data["id"]), data["id"]
    assert set(data["request_counts"]) == COUNT_KEYS
    assert all(isinstance(v, int) for v in data["request_counts"].values())
    for key in ("created_at", "expires_at", "ended_at", "cancel_initiated_at", "archived_at"):
        if data[key] is not None:
            parse_ts(data[key])


def raw(emu: Emulator, method: str, path: str, *, auth: bool = True, **kwargs: Any) -> httpx2.Response:
    """One plain HTTP call to the emulator (no SDK, no retries)."""
    headers = {"x-api-key": "test", "anthropic-version": "2023-06-01"} if auth else {}
    headers.update(kwargs.pop("headers", {}))
    return httpx2.request(method, emu.base_url + path, headers=headers, timeout=60, **kwargs)


def check_error(response: httpx2.Response, status: int, error_type: str) -> str:
    """Assert the documented error envelope and request-id header; return the message."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"type", "error", "request_id"}
    assert body["type"] == "error"
    assert body["error"]["type"] == error_type
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert REQUEST_ID.match(response.headers["request-id"])
    assert body["request_id"] == response.headers["request-id"]
    return body["error"]["message"]


# -- the `batchtui emulator` command as a subprocess ------------------------------------------------------------


def cli_command() -> list[str]:
    script = Path(sys.executable).parent / "batchtui"
    if script.exists():
        return [str(script)]
    found = shutil.which("batchtui")
    return [found] if found else [sys.executable, "-m", "batchtui"]


class CliEmulator:
    def __init__(self, proc: subprocess.Popen[str], base_url: str, stderr_path: Path) -> None:
        self.proc = proc
        self.base_url = base_url
        self.stderr_path = stderr_path

    def stderr(self) -> str:
        return self.stderr_path.read_text()


@contextlib.contextmanager
def cli_emulator(tmp_path: Path, *args: str, ready_timeout: float = 60.0) -> Iterator[CliEmulator]:
    """Run `batchtui emulator --port 0 ...`, wait for the base URL on its first stdout line, kill it on exit."""
    stderr_path = tmp_path / f"emulator-{len(list(tmp_path.glob('emulator-*.err')))}.err"
    with stderr_path.open("w") as err:
        proc = subprocess.Popen(
            [*cli_command(), "emulator", "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    try:
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], ready_timeout)
        assert ready, f"no base URL within {ready_timeout}s; stderr: {stderr_path.read_text()}"
        first = proc.stdout.readline().strip()
        assert first, f"emulator exited ({proc.poll()}) before announcing; stderr: {stderr_path.read_text()}"
        yield CliEmulator(proc, first, stderr_path)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)
        proc.stdout.close()
