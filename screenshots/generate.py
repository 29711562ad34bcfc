"""Write the README's screenshots: real SVGs of the running dashboard on fixed data and a fixed clock.

    python screenshots/generate.py        # from the repository root; rewrites screenshots/*.svg

The data is the snapshot tests' (tests/tui/snapshot_apps/fixed.py), so the pictures and the tests show the same
dashboard. Nothing touches a network.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Input

from batchtui.tui.screens.create import CreateScreen
from tests.tui.snapshot_apps.fixed import PLAN, TICKETS_GROUP, TRIAGE, FixedApp

OUT = Path(__file__).resolve().parent
SIZE = (172, 45)  # wide enough for every column of the list, with a workflow phase and a group's sums in view
MODELS = ("claude-haiku-4-5", "claude-sonnet-5")


async def settle(pilot: Pilot) -> None:
    for _ in range(4):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def shoot(name: str, prepare: Callable[[Pilot], Awaitable[None]]) -> None:
    app = FixedApp(groups=True)  # the fixed batches, and two files sent as groups
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await prepare(pilot)
        await settle(pilot)
        svg = app.export_screenshot(title="batchtui")
    (OUT / f"{name}.svg").write_text(svg, encoding="utf-8")
    print(f"wrote screenshots/{name}.svg", file=sys.stderr)


def write_requests(path: Path) -> Path:
    """1,200 support tickets to summarise, with the two mistakes people make most: a custom_id with a space, and a
    request without max_tokens."""
    lines = []
    for i in range(1200):
        params = {
            "model": MODELS[i % 7 == 0],
            "max_tokens": 512,
            "messages": [{"role": "user", "content": f"Summarise support ticket #{i} in two sentences."}],
        }
        custom_id = f"ticket-{i:05d}"
        if i == 41:
            custom_id = "ticket 00041"
        if i == 377:
            del params["max_tokens"]
        lines.append(json.dumps({"custom_id": custom_id, "params": params}))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_big_requests(path: Path, n: int = 250_000) -> Path:
    """A file over one batch's 100,000 requests: it goes as a group of three."""
    with path.open("w", encoding="utf-8") as out:
        for i in range(n):
            params = {
                "model": MODELS[i % 7 == 0],
                "max_tokens": 512,
                "messages": [{"role": "user", "content": f"Summarise support ticket #{i} in two sentences."}],
            }
            out.write(json.dumps({"custom_id": f"ticket-{i:06d}", "params": params}) + "\n")
    return path


async def main() -> None:
    Input._toggle_cursor = lambda _self: None  # type: ignore[method-assign]  # no blinking cursor in a picture

    async def on_triage(pilot: Pilot) -> None:
        pilot.app.main_screen.table.select_batch(TRIAGE)

    async def create_preview(pilot: Pilot) -> None:
        await pilot.app.push_screen(CreateScreen(Path("support-tickets.jsonl")))

    async def create_group(pilot: Pilot) -> None:
        await pilot.app.push_screen(CreateScreen(Path("support-250k.jsonl")))

    async def group(pilot: Pilot) -> None:
        pilot.app.main_screen.table.select_batch(TICKETS_GROUP)
        await pilot.press("p")  # its parts, beneath it

    async def cancel_confirm(pilot: Pilot) -> None:
        await pilot.press("down", "space", "down", "down", "space", "c")  # two in-progress batches marked

    async def results(pilot: Pilot) -> None:
        pilot.app.open_results(TRIAGE)

    async def stats(pilot: Pilot) -> None:
        await pilot.press("s")

    async def retry_confirm(pilot: Pilot) -> None:
        pilot.app.main_screen.table.select_batch(TRIAGE)
        await settle(pilot)
        await pilot.press("R")  # the failures of support-triage, invalid_request_error left out

    assert PLAN[1][3] == "in_progress" and PLAN[3][3] == "in_progress"
    await shoot("main", on_triage)
    await shoot("cancel-confirm", cancel_confirm)
    await shoot("results", results)
    await shoot("stats", stats)
    await shoot("retry-confirm", retry_confirm)
    await shoot("group", group)
    with tempfile.TemporaryDirectory() as tmp:
        here = Path.cwd()
        os.chdir(tmp)  # the preview names the file relative to the working directory
        try:
            write_requests(Path(tmp) / "support-tickets.jsonl")
            await shoot("create-preview", create_preview)
            write_big_requests(Path(tmp) / "support-250k.jsonl")
            await shoot("create-group", create_group)
        finally:
            os.chdir(here)


if __name__ == "__main__":
    asyncio.run(main())
