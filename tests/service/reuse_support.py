"""Helpers for the reuse tests: request files built from a few prompts, and a file answered on the emulator."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from batchtui.core.inputs import SplitLimits
from batchtui.core.models import BatchRecord, ResultRow
from batchtui.emulator import Emulator
from batchtui.service.actions import ensure_results
from batchtui.service.group_submit import submit_source
from batchtui.service.session import Session
from batchtui.service.submit import SubmitOutcome

MODEL = "claude-haiku-4-5"
ONE = SplitLimits()


def params(text: str, *, model: str = MODEL, max_tokens: int = 100) -> dict[str, Any]:
    return {"model": model, "max_tokens": max_tokens, "messages": [{"role": "user", "content": text}]}


def write(path: Path, requests: dict[str, dict[str, Any]]) -> Path:
    """custom_id → params, one JSONL line each, in order."""
    path.write_text("".join(json.dumps({"custom_id": cid, "params": p}) + "\n" for cid, p in requests.items()))
    return path


def prompts(n: int, prefix: str = "p") -> dict[str, dict[str, Any]]:
    return {f"{prefix}-{i}": params(f"Summarise item {prefix} {i} in one line.") for i in range(n)}


async def answered(session: Session, emu: Emulator, path: Path, **kwargs: Any) -> BatchRecord:
    """Submit `path` as one batch two hours ago, let it end, and download its results: the earlier batch reuse
    draws on. The emulator's clock is back at the real time after, so batches made next are stamped as sent."""
    emu.clock.advance(-2 * 3600)
    outcome = await submit_source(session, path, kwargs.pop("limits", ONE), **kwargs)
    assert isinstance(outcome, SubmitOutcome) and outcome.batch is not None
    batch = await finished(session, emu, outcome.batch.id)
    emu.clock.advance(3600)
    return batch


async def finished(session: Session, emu: Emulator, batch_id: str) -> BatchRecord:
    emu.clock.advance(3600)
    return await ensure_results(session, batch_id)


async def rows_of(session: Session, batch_id: str) -> dict[str, ResultRow]:
    return {r.custom_id: r async for r in session.store.iter_results(batch_id)}


async def reused_rows_anywhere(session: Session) -> int:
    """Every stored reused answer, whatever its batch: a crash must leave neither extra nor missing copies."""
    return await session.store._db.scalar("SELECT count(*) FROM results WHERE reused_from IS NOT NULL")
