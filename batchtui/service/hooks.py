"""Completion hooks: when a batch this cache saw running has ended and its results are stored, POST a JSON summary
to a webhook and/or run a command with the batch id and the path of its results JSONL in its environment.

Delivery is at least once and never blocks the sync loop: the store logs every end in the same transaction as the
status change (a crash loses none), the runner works from that outbox in its own task, and a failed try is retried
with exponential backoff and jitter (30 s, 1 min, 2 min, … capped at 1 h) up to `MAX_ATTEMPTS`, each try recorded
with its error. A webhook carries an `Idempotency-Key` (the same for every try of one end), so a receiver can drop
repeats.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import signal
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from batchtui import __version__
from batchtui.core.events import HookDelivered, HookFailed, ResultsComplete, ResultsFailed, SyncEvent
from batchtui.core.hook_settings import COMMAND, WEBHOOK, HookSettings
from batchtui.core.json_text import dumps
from batchtui.core.models import BatchRecord
from batchtui.core.sanitize import clean
from batchtui.core.store.hooks import DueDelivery
from batchtui.service.export import Selection, export
from batchtui.service.session import Session
from batchtui.service.waits import first_of

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
FIRST_DELAY = 30.0
MAX_DELAY = 3600.0
WEBHOOK_TIMEOUT = 30.0
IDLE_WAKE = 30.0  # the loop looks for due work at least this often
CONCURRENCY = 4
OUTPUT_TAIL = 2000  # characters of a failed command's output kept as its error


def backoff(attempts: int, *, first: float = FIRST_DELAY, cap: float = MAX_DELAY) -> float:
    """Seconds before try `attempts + 1`, with ±20 % jitter so many hooks failing together do not retry together."""
    return min(cap, first * 2 ** max(0, attempts - 1)) * random.uniform(0.8, 1.2)


def summary(batch: BatchRecord, results_file: Path | None, event_id: int) -> dict[str, Any]:
    """What a webhook receives (and a command reads on stdin and in BATCHTUI_SUMMARY)."""
    return {
        "event": "batch.ended",
        "event_id": event_id,
        "batch_id": batch.id,
        "label": batch.label,
        "processing_status": batch.processing_status,
        "request_counts": batch.request_counts.to_json(),
        "results_file": str(results_file) if results_file else None,
        "results_rows": batch.results_rows,
        "cost_usd": batch.cost_usd,
        "created_at": batch.to_json()["created_at"],
        "ended_at": batch.to_json()["ended_at"],
        "submission_id": batch.submission_id,
        "source_file": batch.source_file,
        "parent_batch_id": batch.parent_batch_id,
    }


@dataclass(frozen=True)
class HookOutcome:
    batch_id: str
    target: str
    ok: bool
    error: str | None = None
    retry_in: float | None = None  # None after a success, or when it gave up


class HookError(Exception):
    pass


class HookRunner:
    """Delivers the hooks of one front end's settings from the store's outbox. `run` loops until stopped;
    `run_due` does one pass (a one-shot `sync`, `submit --wait`)."""

    def __init__(
        self,
        session: Session,
        settings: HookSettings,
        *,
        max_attempts: int = MAX_ATTEMPTS,
        first_delay: float = FIRST_DELAY,
    ) -> None:
        self.session = session
        self.settings = settings
        self.targets = settings.targets
        self.max_attempts = max_attempts
        self.first_delay = first_delay
        self._wake = asyncio.Event()
        self._gate = asyncio.Semaphore(CONCURRENCY)

    async def arm(self) -> None:
        """From now on every logged end owes each target one delivery (older ends owe nothing)."""
        await self.session.store.arm_hooks(self.targets)

    def listen(self) -> None:
        """Wake up when results land (an end waits for its results before its hooks run)."""
        with contextlib.suppress(Exception):  # no API client (offline): nothing will land anyway
            self.session.engine.add_listener(self._on_event)

    def _on_event(self, event: SyncEvent) -> None:
        if isinstance(event, ResultsComplete | ResultsFailed):
            self._wake.set()

    def poke(self) -> None:
        self._wake.set()

    async def run(self, stop: asyncio.Event | None = None) -> None:
        stop = stop or asyncio.Event()
        await self.arm()
        self.listen()
        while not stop.is_set():
            self._wake.clear()
            try:
                await self.run_due()
            except Exception:  # the store busy or closing: the outbox keeps everything for the next pass
                log.exception("completion hooks: a pass failed")
            next_at = await self.session.store.next_delivery_at(self.targets)
            wait = IDLE_WAKE
            if next_at is not None:
                wait = max(0.05, min(wait, (next_at - datetime.now(UTC)).total_seconds()))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(first_of(self._wake, stop), wait)

    async def run_due(self, only: str | None = None) -> list[HookOutcome]:
        """Deliver everything due now whose batch has its results (or can never have them)."""
        if not self.targets:
            return []
        due = await self.session.store.due_deliveries(self.targets, datetime.now(UTC))
        if only is not None:
            due = [d for d in due if d.batch_id == only]
        ready = [(d, b) for d in due if (b := await self.session.store.get_batch(d.batch_id)) and _ready(b)]
        return list(await asyncio.gather(*(self._deliver(d, b) for d, b in ready)))

    async def _deliver(self, due: DueDelivery, batch: BatchRecord) -> HookOutcome:
        async with self._gate:
            try:
                results = await self._results_file(batch)
                body = summary(batch, results, due.event_id)
                kind, _, what = due.target.partition(" ")
                if kind == WEBHOOK:
                    await post_webhook(what, body, idempotency_key=f"{due.batch_id}:{due.event_id}")
                elif kind == COMMAND:
                    await run_command(what, body, limit=self.settings.command_timeout)
                else:
                    raise HookError(f"unknown hook kind {kind!r}")
            except Exception as exc:  # any failure is the hook's, never the sync loop's
                error = clean(str(exc) or type(exc).__name__)[:OUTPUT_TAIL]
                attempts = due.attempts + 1
                retry_in = backoff(attempts, first=self.first_delay) if attempts < self.max_attempts else None
                next_at = datetime.now(UTC) + timedelta(seconds=retry_in) if retry_in is not None else None
                await self.session.store.record_delivery(due.event_id, due.target, ok=False, error=error,
                                                         next_at=next_at)  # fmt: skip
                log.warning("completion hook %s for %s failed (try %d): %s", due.target, batch.id, attempts, error)
                self._emit(HookFailed(batch.id, due.target, error, retry_in))
                return HookOutcome(batch.id, due.target, False, error, retry_in)
            await self.session.store.record_delivery(due.event_id, due.target, ok=True)
            self._emit(HookDelivered(batch.id, due.target))
            return HookOutcome(batch.id, due.target, True)

    def _emit(self, event: SyncEvent) -> None:
        with contextlib.suppress(Exception):  # offline: no engine to report through
            self.session.engine.emit(event)

    async def _results_file(self, batch: BatchRecord) -> Path | None:
        """The batch's results as JSONL beside the others (written once: stored results never change)."""
        if batch.results_state != "complete":
            return None
        folder = self.settings.results_folder()
        path = folder / f"{batch.id}.jsonl"
        if not path.exists():
            folder.mkdir(parents=True, exist_ok=True)
            await export(self.session, Selection((batch.id,)), "jsonl", path, download=False)
        return path.resolve()


def _ready(batch: BatchRecord) -> bool:
    """Hooks run once the results are stored, or when they never will be (archived, deleted, none to fetch)."""
    return batch.results_state == "complete" or not batch.results_downloadable


async def post_webhook(url: str, body: dict[str, Any], *, idempotency_key: str) -> None:
    import aiohttp

    headers = {
        "content-type": "application/json",
        "user-agent": f"batchtui/{__version__}",
        "idempotency-key": idempotency_key,
    }
    timeout = aiohttp.ClientTimeout(total=WEBHOOK_TIMEOUT)
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout) as http,
            http.post(url, data=dumps(body).encode(), headers=headers) as resp,
        ):
            if resp.status >= 300:
                text = (await resp.text(errors="replace"))[:200]
                raise HookError(f"webhook answered HTTP {resp.status}" + (f": {text}" if text else ""))
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise HookError(f"webhook not reached: {exc or type(exc).__name__}") from None


async def run_command(command: str, body: dict[str, Any], *, limit: float) -> None:
    """`sh -c command` with the batch in its environment and the summary on stdin; exit 0 is success. A command
    that outlives `limit` seconds is killed with its whole process group."""
    env = {
        **os.environ,
        "BATCHTUI_BATCH_ID": body["batch_id"],
        "BATCHTUI_RESULTS_FILE": body["results_file"] or "",
        "BATCHTUI_LABEL": body["label"] or "",
        "BATCHTUI_STATUS": body["processing_status"],
        "BATCHTUI_SUMMARY": dumps(body),
    }
    proc = await asyncio.create_subprocess_shell(
        command,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env=env,
        start_new_session=True,  # its own process group, so a timeout kills what it started too
    )
    try:
        output, _ = await asyncio.wait_for(proc.communicate(dumps(body).encode()), limit)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        await proc.wait()
        raise HookError(f"command timed out after {limit:g} s and was killed") from None
    except asyncio.CancelledError:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        raise
    if proc.returncode != 0:
        tail = output.decode(errors="replace").strip()[-OUTPUT_TAIL:]
        raise HookError(f"command exited with {proc.returncode}" + (f": {tail}" if tail else ""))
