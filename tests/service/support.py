"""Helpers for the service tests: request files, another tool sharing the workspace (the official SDK, as anyone
else's script would use it), and submissions left open by a crash or a lost answer."""

from __future__ import annotations

import json
from pathlib import Path

import anthropic

from batchtui.core.models import Submission
from batchtui.core.store import Store

MODEL = "claude-haiku-4-5"


def params(i: int) -> dict:
    return {"model": MODEL, "max_tokens": 100, "messages": [{"role": "user", "content": f"Say hello to number {i} ✓"}]}


def write_requests(path: Path, n: int, prefix: str = "q") -> Path:
    with open(path, "w") as f:
        for i in range(n):
            f.write(json.dumps({"custom_id": f"{prefix}-{i}", "params": params(i)}) + "\n")
    return path


def create_other(client: anthropic.Anthropic, n: int, prefix: str = "theirs") -> str:
    batch = client.messages.batches.create(
        requests=[{"custom_id": f"{prefix}-{i}", "params": params(i)} for i in range(n)]  # type: ignore[misc]
    )
    return batch.id


def server_batch_ids(client: anthropic.Anthropic) -> list[str]:
    return [b.id for b in client.messages.batches.list(limit=100)]


async def open_submission(
    store: Store, n: int, state: str = "unknown", prefix: str = "q", digest: str | None = None
) -> Submission:
    """A submission left open by a crash or a lost answer, with its requests recorded (custom_ids prefix-i)."""
    sub = await store.record_submission(
        source_file="mine.jsonl",
        label="mine",
        request_count=n,
        body_bytes=10,
        params_digest=digest or prefix.ljust(64, "0"),
    )
    await store.add_requests(sub.id, [(f"{prefix}-{i}", json.dumps(params(i))) for i in range(n)])
    if state in ("sending", "unknown"):
        await store.mark_submission_sending(sub.id)
    if state == "unknown":
        await store.mark_submission_unknown(sub.id, "connection lost")
    return await store.get_submission(sub.id)  # type: ignore[return-value]
