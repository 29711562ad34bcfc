"""Helpers for the retry, label and lineage tests: a batch submitted through batchtui (so its original requests are
in the cache) that has ended on the emulator with a mix of outcomes, and what its results hold by kind."""

from __future__ import annotations

import json
from pathlib import Path

from textual.widgets import Static

from batchtui.core.models import ResultFilter
from batchtui.emulator import Emulator
from batchtui.service.actions import wait
from batchtui.service.session import Session
from batchtui.service.submit import submit
from tests.tui.app_support import MODEL


def mixed_file(path: Path, n: int = 40, invalid_every: int = 7) -> Path:
    """`n` requests; every `invalid_every`-th names a model the API does not know (invalid_request_error)."""
    with open(path, "w", encoding="utf-8") as f:
        for i in range(n):
            model = "claude-nope-9" if i % invalid_every == 0 else MODEL
            params = {"model": model, "max_tokens": 64, "messages": [{"role": "user", "content": f"Question {i}?"}]}
            f.write(json.dumps({"custom_id": f"r-{i:03d}", "params": params}) + "\n")
    return path


async def ended_batch(session: Session, emu: Emulator, path: Path, label: str | None = "triage") -> str:
    """Submitted through the service, ended (the emulator's clock moved on), results downloaded."""
    outcome = await submit(session, path, label=label)
    assert outcome.batch is not None
    emu.clock.advance(3600)
    await wait(session, outcome.batch.id)
    return outcome.batch.id


async def kinds_of(session: Session, batch_id: str) -> dict[str, set[str]]:
    """custom_ids by kind: succeeded, errored (not invalid), invalid, expired, canceled."""
    out: dict[str, set[str]] = {}
    async for row in session.store.iter_results(batch_id, ResultFilter()):
        key = "invalid" if row.error_type == "invalid_request_error" else row.result_type
        out.setdefault(key, set()).add(row.custom_id)
    return out


def dialog_text(app) -> str:
    return "\n".join(str(w.render()) for w in app.screen.query(Static))
