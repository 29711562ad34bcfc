"""Helpers for the queue tests: request files, and what the emulator really received (every batch's custom_ids,
read back through the official SDK as anyone would)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import anthropic

MODEL = "claude-haiku-4-5"


def params(text: str) -> dict:
    return {"model": MODEL, "max_tokens": 50, "messages": [{"role": "user", "content": text}]}


def write_requests(path: Path, n: int, prefix: str = "q", start: int = 0) -> Path:
    with open(path, "w") as f:
        for i in range(start, start + n):
            f.write(json.dumps({"custom_id": f"{prefix}-{i}", "params": params(f"question {prefix} {i}")}) + "\n")
    return path


def ids(n: int, prefix: str = "q", start: int = 0) -> list[str]:
    return [f"{prefix}-{i}" for i in range(start, start + n)]


def sent_custom_ids(emulator) -> tuple[Counter[str], list[str]]:
    """(how often each custom_id was sent, every batch id), across all the emulator's batches. Ends every listed
    batch first (the emulator's clock moves an hour), so each has its results."""
    seen: Counter[str] = Counter()
    with anthropic.Anthropic(api_key="test", base_url=emulator.base_url) as client:
        # Listed before the clock moves: a batch a worker creates meanwhile is left for the next look, not read
        # while still in progress.
        batch_ids = [b.id for b in client.messages.batches.list(limit=100)]
        emulator.clock.advance(3600)
        for batch_id in batch_ids:
            seen.update(r.custom_id for r in client.messages.batches.results(batch_id))
    return seen, batch_ids
