"""Helpers for the results view tests: realistic result lines, a seeded store, and a minimal host app.

The host app has the attributes `BatchTuiApp` promises (`store`, `api`, `engine`, `clock`, `open_results`) and
forwards sync events to every screen like it, so the results view is tested on its own.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from textual.app import App, ComposeResult
from textual.widgets import Static

from batchtui.core.models import params_hash
from batchtui.core.result_lines import parse_result_line
from batchtui.core.store import Store
from batchtui.core.sync import SyncEngine, SyncEvent
from batchtui.tui.messages import SyncEventMessage
from batchtui.tui.screens.results import ResultsScreen

FIXED_NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
BATCH_ID = "msgbatch_01HkcTjaV5uDC8jWR4ZsDV8d"
MODEL = "claude-haiku-4-5"
HOSTILE = ("[@click=app.quit]x[/]", "[/", "[TODO]", "\x1b]52;c;ZXZpbA==\x07", "\x1b[2J", "[ @click=app.quit]y")
HOSTILE_TEXT = "Answer: " + " | ".join(HOSTILE) + " end"


def fixed_clock() -> datetime:
    return FIXED_NOW


# -- result lines, shaped like the API's (and the emulator's) ------------------------------------------------------


def succeeded_line(
    custom_id: str,
    text: str,
    *,
    input_tokens: int = 120,
    output_tokens: int = 48,
    stop_reason: str = "end_turn",
    cache_read: int = 0,
) -> str:
    message = {
        "id": "msg_01" + custom_id.replace("-", "")[:22].ljust(22, "x"),
        "type": "message",
        "role": "assistant",
        "model": MODEL,
        "content": [{"type": "text", "text": text}],
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": {
            "input_tokens": input_tokens,
            "output_tokens": output_tokens,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": cache_read,
            "service_tier": "batch",
        },
    }
    return json.dumps({"custom_id": custom_id, "result": {"type": "succeeded", "message": message}})


def errored_line(custom_id: str, error_type: str, message: str) -> str:
    error = {"type": "error", "error": {"type": error_type, "message": message}, "request_id": None}
    return json.dumps({"custom_id": custom_id, "result": {"type": "errored", "error": error}})


def ended_line(custom_id: str, kind: str) -> str:
    return json.dumps({"custom_id": custom_id, "result": {"type": kind}})


def request_params(question: str, system: str | None = None) -> str:
    params: dict[str, Any] = {"model": MODEL, "max_tokens": 1024, "messages": [{"role": "user", "content": question}]}
    if system is not None:
        params["system"] = system
    return json.dumps(params)


def mixed_lines(n: int, prefix: str = "req") -> list[str]:
    """A deterministic mix: mostly succeeded, some errored (two error types), a few canceled and expired."""
    lines = []
    for i in range(n):
        cid = f"{prefix}-{i:06d}"
        if i % 10 == 3:
            lines.append(errored_line(cid, "invalid_request_error", f"max_tokens: field required (request {i})"))
        elif i % 10 == 7:
            lines.append(errored_line(cid, "overloaded_error", "Overloaded"))
        elif i % 20 == 9:
            lines.append(ended_line(cid, "canceled"))
        elif i % 20 == 19:
            lines.append(ended_line(cid, "expired"))
        else:
            topic = ("invoice dispute", "shipping delay", "refund policy", "password reset")[i % 4]
            lines.append(succeeded_line(cid, f"Summary {i}: the customer asks about a {topic}.", input_tokens=100 + i))
    return lines


def batch_wire(
    batch_id: str = BATCH_ID,
    *,
    status: str = "ended",
    counts: Mapping[str, int] | None = None,
    created_at: datetime = FIXED_NOW - timedelta(hours=5),
    ended_at: datetime | None = FIXED_NOW - timedelta(hours=2),
) -> dict[str, Any]:
    def ts(dt: datetime | None) -> str | None:
        return None if dt is None else dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    full = {"processing": 0, "succeeded": 0, "errored": 0, "canceled": 0, "expired": 0, **(counts or {})}
    return {
        "id": batch_id,
        "type": "message_batch",
        "processing_status": status,
        "request_counts": full,
        "created_at": ts(created_at),
        "expires_at": ts(created_at + timedelta(days=1)),
        "ended_at": ts(ended_at) if status == "ended" else None,
        "cancel_initiated_at": None,
        "archived_at": None,
        "results_url": f"https://api.example/v1/messages/batches/{batch_id}/results" if status == "ended" else None,
    }


def counts_of(lines: Iterable[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for line in lines:
        kind = json.loads(line)["result"]["type"]
        counts[kind] = counts.get(kind, 0) + 1
    return counts


async def seed_batch(
    store: Store,
    lines: list[str],
    *,
    batch_id: str = BATCH_ID,
    label: str | None = "October support tickets",
    prompts: Mapping[str, str] | None = None,
    status: str = "ended",
    complete: bool = True,
    chunk: int = 5000,
) -> None:
    """The batch (submitted through batchtui when `prompts` are given), its results written the way a download
    writes them, and marked complete."""
    if prompts is not None:
        sub = await store.record_submission(
            source_file="requests.jsonl",
            label=label,
            request_count=len(prompts),
            body_bytes=sum(map(len, prompts.values())),
            params_digest=params_hash(json.dumps(sorted(prompts.items()))),
        )
        await store.add_requests(sub.id, prompts.items())
        await store.mark_submission_created(sub.id, batch_id)
    await store.upsert_batches([batch_wire(batch_id, status=status, counts=counts_of(lines))], synced_at=FIXED_NOW)
    if label is not None and prompts is None:
        await store.set_label(batch_id, label)
    for start in range(0, len(lines), chunk):
        rows = [parse_result_line(batch_id, line) for line in lines[start : start + chunk]]
        await store.write_results(batch_id, rows)
    if complete and lines:
        await store.finish_results(batch_id)


def seed_file(path: Path, lines: list[str], **kwargs: Any) -> Path:
    """A store file seeded from synchronous code (snapshot tests run the app in their own event loop)."""

    async def run() -> None:
        store = await Store.open(path)
        try:
            await seed_batch(store, lines, **kwargs)
        finally:
            await store.close()

    asyncio.run(run())
    return path


# -- the host app ------------------------------------------------------------------------------------------------


class ResultsHostApp(App[None]):
    """Stands in for BatchTuiApp: same public attributes; opens the results view of `batch_id` at start."""

    def __init__(
        self,
        store: Store | None = None,
        *,
        db_path: Path | None = None,
        batch_id: str | None = BATCH_ID,
        engine: SyncEngine | None = None,
        api: Any = None,
        clock: Callable[[], datetime] = fixed_clock,
    ) -> None:
        super().__init__()
        self.store = store  # type: ignore[assignment]
        self._db_path = db_path
        self.api = api
        self.engine = engine
        self.clock = clock
        self._start_batch = batch_id
        self.notified: list[str] = []
        if engine is not None:
            engine.set_event_sink(self.sync_event)  # as BatchTuiApp does

    def compose(self) -> ComposeResult:
        yield Static("batches")

    async def on_mount(self) -> None:
        if self.store is None and self._db_path is not None:
            self.store = await Store.open(self._db_path)
        if self._start_batch:
            self.open_results(self._start_batch)

    async def on_unmount(self) -> None:
        if self._db_path is not None and self.store is not None:
            await self.store.close()

    def open_results(self, batch_id: str) -> None:
        self.push_screen(ResultsScreen(batch_id))

    def notify(self, message: str, **kwargs: Any) -> None:  # type: ignore[override]
        # Kept here as well: toasts expire, and a slow test could miss one.
        self.notified.append(message)
        super().notify(message, **kwargs)

    def sync_event(self, event: SyncEvent) -> None:
        self.post_message(SyncEventMessage(event))

    def on_sync_event_message(self, message: SyncEventMessage) -> None:
        for screen in self.screen_stack:
            # stop(): to the screen only; it must not bubble back up here (that would loop forever).
            screen.post_message(SyncEventMessage(message.event).stop())


async def settle(pilot: Any, app: App[Any]) -> None:
    """Let workers finish and their messages be handled (a few rounds: a handler may start another worker).
    Export workers are left out: they wait on dialogs the test has yet to answer."""
    for _ in range(6):
        await app.workers.wait_for_complete([w for w in app.workers if w.group != "export"])
        await pilot.pause()


async def wait_for(pilot: Any, predicate: Callable[[], object], within: float = 15.0, what: str = "") -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what or predicate}")
        await pilot.pause(0.05)


async def save_as(pilot: Any, app: App[Any], path: Path) -> None:
    """Type `path` into the save dialog's path box (where the focus starts); `choose_format` then saves."""
    from textual.widgets import Input

    from batchtui.tui.file_dialogs import SaveFile

    await wait_for(pilot, lambda: isinstance(app.screen, SaveFile), what="the save dialog")
    await pilot.pause()
    box = app.screen.query_one(Input)
    assert app.screen.focused is box  # typing goes straight into the path box
    box.value = str(path)


async def choose_format(pilot: Any, app: App[Any], fmt: str | None = None) -> str:
    """Pick `fmt` in the save dialog's format choice (or keep the one the extension chose), then press Enter in
    the path box; returns the format the extension had chosen."""
    from textual.widgets import Input, Select

    from batchtui.tui.file_dialogs import SaveFile

    await wait_for(pilot, lambda: isinstance(app.screen, SaveFile), what="the save dialog")
    await pilot.pause()
    preselected = str(app.screen.query_one("#save-format", Select).value)
    if fmt is not None:
        app.screen.query_one("#save-format", Select).value = fmt
        await pilot.pause()
    app.screen.query_one(Input).focus()
    await pilot.press("enter")
    return preselected


async def finish_export(pilot: Any, app: App[Any]) -> None:
    await app.workers.wait_for_complete([w for w in app.workers if w.group == "export"])
    await settle(pilot, app)


# -- what reached the screen -------------------------------------------------------------------------------------

CONTROL_CHARS = frozenset([*range(0x20), 0x7F, *range(0x80, 0xA0)])


def screen_segments(app: App[Any]) -> list[list[str]]:
    """The text of every segment the compositor would send to the terminal, line by line (no style codes)."""
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    lines = []
    for line in update.strips:  # type: ignore[attr-defined]
        lines.append([segment.text for strip in ([line] if hasattr(line, "_segments") else line) for segment in strip])
    return lines


def screen_lines(app: App[Any]) -> list[str]:
    return ["".join(texts) for texts in screen_segments(app)]


def screen_text(app: App[Any]) -> str:
    return "\n".join(screen_lines(app))


def control_chars_on_screen(app: App[Any]) -> set[str]:
    """Control characters (ESC, BEL, C1...) in the painted text: none may ever reach the terminal."""
    return {ch for line in screen_lines(app) for ch in line if ord(ch) in CONTROL_CHARS}
