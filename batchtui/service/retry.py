"""Retry the failed requests of an ended batch as a new batch linked to it (its `parent_batch_id`).

The new batch is built from the original requests as batchtui submitted them (stored with the submission, their
local metadata included), for the results of the chosen types. By default those worth sending again: `errored`
and `expired`, leaving out `invalid_request_error` (the same request would be refused the same way); `canceled` is
opt-in, since someone canceled them. It goes through the same crash-safe submit as any file.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from batchtui.core.errors import BatchtuiError, UsageError
from batchtui.core.inputs import SourceRequest
from batchtui.core.json_text import escape_json_text
from batchtui.core.models import RESULT_TYPES, ResultFilter
from batchtui.service import actions
from batchtui.service.durable import RETRYABLE_ERROR_TYPES_EXCLUDED
from batchtui.service.session import Session
from batchtui.service.submit import ProgressSink, SubmitOutcome, submit

DEFAULT_TYPES = ("errored", "expired")
METADATA_CHUNK = 1000  # requests whose metadata is read in one query
RETRYABLE_TYPES = ("errored", "expired", "canceled")


class NoRequests(BatchtuiError):
    """The batch's original requests are not in the cache (it was created elsewhere)."""


@dataclass
class RetryPlan:
    """Which results of the parent go out again, by result type, and which were left out and why."""

    parent: str
    chosen: dict[str, str] = field(default_factory=dict)  # custom_id → result type
    skipped_invalid: int = 0  # errored with invalid_request_error

    @property
    def by_type(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for kind in self.chosen.values():
            out[kind] = out.get(kind, 0) + 1
        return out


@dataclass
class RetryOutcome:
    plan: RetryPlan
    submitted: SubmitOutcome | None = None  # None: nothing to send


def parse_types(text: str | None) -> tuple[str, ...]:
    if not text:
        return DEFAULT_TYPES
    kinds = tuple(dict.fromkeys(t.strip() for t in text.split(",") if t.strip()))
    bad = [t for t in kinds if t not in RETRYABLE_TYPES]
    if bad or not kinds:
        raise UsageError(f"--types: {', '.join(bad) or text!r} not retryable; choose from {', '.join(RETRYABLE_TYPES)}")
    return kinds


async def plan_retry(
    session: Session, batch_id: str, types: Iterable[str] = DEFAULT_TYPES, *, include_invalid: bool = False
) -> RetryPlan:
    """Read the parent's stored results (downloading them first if needed) and choose what to send again."""
    kinds = frozenset(types)
    assert kinds <= set(RESULT_TYPES)
    await actions.ensure_results(session, batch_id)  # raises a clear error for a batch still running
    plan = RetryPlan(batch_id)
    async for row in session.store.iter_results(batch_id, ResultFilter(types=kinds)):
        if row.result_type == "errored" and row.error_type in RETRYABLE_ERROR_TYPES_EXCLUDED and not include_invalid:
            plan.skipped_invalid += 1
            continue
        plan.chosen[row.custom_id] = row.result_type
    return plan


async def _write_originals(session: Session, plan: RetryPlan, path: Path) -> None:
    """Stream the chosen original requests from the cache to a JSONL file (a 100k-request batch may be 250 MB:
    never held in memory), checking every one is there."""
    found = 0
    with open(path, "w", encoding="utf-8") as out:
        chunk: list[tuple[str, str]] = []

        async def flush() -> None:
            # Each request's local metadata (CSV extra columns) goes along, to be stored with the retry's requests.
            metadata = await session.store.request_metadata(plan.parent, (cid for cid, _ in chunk))
            for custom_id, params in chunk:
                extra = f',"metadata":{json.dumps(metadata[custom_id])}' if custom_id in metadata else ""
                out.write(escape_json_text(f'{{"custom_id":{json.dumps(custom_id)},"params":{params}{extra}}}\n'))
            chunk.clear()

        async for custom_id, params in session.store.iter_batch_requests(plan.parent):
            if custom_id in plan.chosen:
                found += 1
                chunk.append((custom_id, params))
                if len(chunk) >= METADATA_CHUNK:
                    await flush()
        await flush()
    if found != len(plan.chosen):
        raise NoRequests(
            f"batchtui has the original requests of {found} of the {len(plan.chosen)} results to retry in "
            f"{plan.parent}: a batch created outside batchtui (or this cache) cannot be retried from it. Submit its "
            "requests file again instead."
        )


def _read_back(path: Path) -> Iterator[dict | SourceRequest]:
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            item = json.loads(line)
            metadata = item.pop("metadata", None)
            yield SourceRequest(n, item["custom_id"], item["params"], metadata) if metadata else item


async def retry(
    session: Session,
    batch_id: str,
    types: Iterable[str] = DEFAULT_TYPES,
    *,
    include_invalid: bool = False,
    label: str | None = None,
    dry_run: bool = False,
    on_progress: ProgressSink | None = None,
) -> RetryOutcome:
    """Send the chosen failures of `batch_id` again as one new batch whose parent is `batch_id`."""
    plan = await plan_retry(session, batch_id, types, include_invalid=include_invalid)
    if not plan.chosen:
        return RetryOutcome(plan)
    if await session.store.get_request_params(batch_id, next(iter(plan.chosen))) is None:
        raise NoRequests(
            f"{batch_id} was not submitted through batchtui (or this cache), so its original requests are not "
            "here to send again. Submit its requests file again instead."
        )
    session.spool_dir.mkdir(parents=True, exist_ok=True)
    # Named like a spool in the making (tmp-<pid>-…): another process's cleanup leaves it alone while we live.
    originals = session.spool_dir / f"tmp-{os.getpid()}-retry-{secrets.token_hex(6)}.jsonl"
    try:
        await _write_originals(session, plan, originals)
        parent = await session.store.get_batch(batch_id)
        outcome = await submit(
            session,
            _read_back(originals),
            label=label or f"{parent.display_name if parent else batch_id} (retry)",
            parent_batch_id=batch_id,
            dry_run=dry_run,
            on_progress=on_progress,
        )
    finally:
        originals.unlink(missing_ok=True)
    return RetryOutcome(plan, outcome)
