"""Helpers for the dashboard tests: batches in the emulator, request files, settling the app, reading the screen."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from textual.pilot import Pilot
from textual.strip import Strip

from batchtui.emulator import Emulator
from batchtui.tui.app import BatchTuiApp
from batchtui.tui.widgets.batch_table import BatchTable

SIZE = (160, 45)
MODEL = "claude-haiku-4-5"
HOSTILE = ("[@click=app.quit]x[/]", "[/", "[TODO]", "\x1b]52;c;evil\x07", "\x1b[2J")


def emulator_clock(emu: Emulator) -> Callable[[], datetime]:
    """The app's clock follows the emulator's, so `emu.clock.advance()` moves "3 minutes ago" too."""
    return lambda: datetime.fromtimestamp(emu.clock.now(), UTC)


def requests(n: int, prefix: str = "req", model: str = MODEL) -> list[dict]:
    return [
        {
            "custom_id": f"{prefix}-{i:04d}",
            "params": {"model": model, "max_tokens": 64, "messages": [{"role": "user", "content": f"Question {i}?"}]},
        }
        for i in range(n)
    ]


async def add_batch(emu: Emulator, n: int = 3, *, ago: float = 0.0, duration: float = 600.0, **extra) -> str:
    """Insert a batch straight into the emulator's state (created `ago` seconds back, running `duration`)."""
    state = emu.state
    row = await state.run(
        lambda: state.insert_batch(requests(n), created_at=emu.clock.now() - ago, duration=duration, **extra)
    )
    return row["id"]


def write_requests(path: Path, items: list[dict]) -> Path:
    path.write_text("".join(json.dumps(item) + "\n" for item in items), encoding="utf-8")
    return path


# Workers that run for as long as the app or a dialog is open: never waited for.
LONG_LIVED = {"sync", "create", "hooks"}


async def settle(pilot: Pilot, app: BatchTuiApp) -> None:
    """Let every short-lived worker finish and every posted message be handled (a handler may start another)."""
    for _ in range(3):
        await pilot.pause()
        if short := [w for w in app.workers if w.group not in LONG_LIVED]:  # (an empty list would mean "all")
            await app.workers.wait_for_complete(short)
        await pilot.pause()


def table_of(app: BatchTuiApp) -> BatchTable:
    return app.main_screen.query_one(BatchTable)


def cell_text(app: BatchTuiApp, batch_id: str, column: str) -> str:
    return str(table_of(app).get_cell(batch_id, column))


def screen_text(app: BatchTuiApp) -> str:
    """Everything painted, as the text the terminal would receive (no style codes), modal backgrounds included."""
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    lines = []
    for line in update.strips:  # a Strip, or the strips of one line (when a modal is drawn over a screen)
        lines.append(line.text if isinstance(line, Strip) else "".join(strip.text for strip in line))
    return "\n".join(lines)
