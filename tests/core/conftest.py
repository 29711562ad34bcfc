"""Fixtures for the store and result-line tests: a real SQLite file per test, and builders of API-shaped data."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from batchtui.core.store import Store

SYNCED = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)

BatchFactory = Callable[..., dict[str, Any]]
LineFactory = Callable[..., str]


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "state" / "batchtui.sqlite3"


@pytest.fixture
async def store(db_path: Path):
    store = await Store.open(db_path)
    yield store
    await store.close()


@pytest.fixture
def make_batch() -> BatchFactory:
    """A MessageBatch as the API sends it (every key present, RFC 3339 strings)."""

    def make(
        batch_id: str = "msgbatch_01A",
        *,
        status: str = "in_progress",
        created_at: str = "2026-09-30T10:00:00.000000Z",
        archived_at: str | None = None,
        **counts: int,
    ) -> dict[str, Any]:
        ended = status == "ended"
        request_counts = {"processing": 0, "succeeded": 0, "errored": 0, "canceled": 0, "expired": 0}
        request_counts.update(counts)
        if not counts:
            request_counts["succeeded" if ended else "processing"] = 2
        return {
            "id": batch_id,
            "type": "message_batch",
            "processing_status": status,
            "request_counts": request_counts,
            "created_at": created_at,
            "expires_at": created_at.replace("T10", "T23"),
            "ended_at": "2026-09-30T11:00:00.000000Z" if ended else None,
            "cancel_initiated_at": None,
            "archived_at": archived_at,
            "results_url": f"https://api.example/v1/messages/batches/{batch_id}/results" if ended else None,
        }

    return make


@pytest.fixture
def line() -> LineFactory:
    """One results JSONL line (no trailing newline) of the given type."""

    def make(
        custom_id: str,
        result_type: str = "succeeded",
        *,
        text: str = "ok",
        error_type: str = "api_error",
        message: str = "Internal server error",
        model: str = "claude-sonnet-4-5",
    ) -> str:
        if result_type == "succeeded":
            result: dict[str, Any] = {
                "type": "succeeded",
                "message": {
                    "id": "msg_01X",
                    "type": "message",
                    "role": "assistant",
                    "model": model,
                    "content": [{"type": "text", "text": text}],
                    "stop_reason": "end_turn",
                    "stop_sequence": None,
                    "usage": {"input_tokens": 10, "output_tokens": 20},
                },
            }
        elif result_type == "errored":
            result = {
                "type": "errored",
                "error": {"type": "error", "error": {"type": error_type, "message": message}, "request_id": None},
            }
        else:
            result = {"type": result_type}
        return json.dumps({"custom_id": custom_id, "result": result}, separators=(",", ":"))

    return make


def params(text: str, *, system: str | None = None) -> str:
    body: dict[str, Any] = {
        "model": "claude-sonnet-4-5",
        "max_tokens": 64,
        "messages": [{"role": "user", "content": text}],
    }
    if system is not None:
        body["system"] = system
    return json.dumps(body)


@pytest.fixture
def make_params() -> Callable[..., str]:
    """Request params JSON with one user message (and optionally a system prompt)."""
    return params
