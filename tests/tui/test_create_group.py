"""Create (`n`) of a file over one batch's limits (small limits injected): the preview shows the group of batches
it goes as, Submit sends it part by part through the service's group submit, a full processing queue (the
emulator's `queue_limit`) is waited out calmly while the dialog may be closed, and the group's row is in the list
from its first part."""

from __future__ import annotations

import asyncio

import pytest
from textual.widgets import Button, Input, Static
from textual_fspicker import FileOpen

from batchtui.emulator import Emulator
from batchtui.service.queue import QueuePolicy
from batchtui.tui.screens import create
from batchtui.tui.screens.create import CreateScreen
from batchtui.tui.screens.main import MainScreen
from tests.tui.app_support import SIZE, cell_text, requests, settle, table_of, write_requests
from tests.tui.group_support import FOUR, settle_but_export
from tests.tui.results_support import wait_for


def text_of(app, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


def creates(app) -> int:
    return sum(1 for c in app.activity if c.method == "POST" and c.path == "/v1/messages/batches")


async def test_a_file_over_the_limits_is_previewed_and_sent_as_a_group(make_app, tmp_path, cache_store, monkeypatch):
    path = write_requests(tmp_path / "questions.jsonl", requests(10))
    monkeypatch.setattr(create, "SplitLimits", lambda: FOUR)  # one batch's limits, as `n` builds the dialog
    app = make_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, FileOpen)
        app.screen.query_one(Input).value = str(path)
        await pilot.click("#select")
        await settle(pilot, app)
        screen = app.screen
        assert isinstance(screen, CreateScreen)
        assert "10 requests" in text_of(app, "#create-summary")
        plan = text_of(app, "#create-part-list")
        assert "it goes as a group of 3 batches" in plan and "at most 4 requests" in plan
        parts = [line.split() for line in plan.splitlines()[1:]]
        assert [(p[1], p[2], p[-1]) for p in parts] == [("1", "4", "1–4"), ("2", "4", "5–8"), ("3", "2", "9–10")]
        submit = screen.query_one("#create-submit", Button)
        assert not submit.disabled and str(submit.label) == "Submit as 3 batches [^s]"
        screen.query_one("#create-label", Input).value = "ten questions"
        await pilot.press("ctrl+s")
        await settle(pilot, app)

        assert isinstance(app.screen, MainScreen)
        (group,) = await cache_store.list_groups()
        assert group.complete and group.group.name == "ten questions" and len(group.batch_ids) == 3
        assert table_of(app).cursor_batch_id == group.id  # listed, and selected
        assert cell_text(app, group.id, "status") == "in progress"
        assert creates(app) == 3
        labels = [(await cache_store.get_batch(b)).label for b in group.batch_ids]  # type: ignore[union-attr]
        assert labels == [f"ten questions (part {k}/3)" for k in (1, 2, 3)]
        toasts = [n for n in app._notifications if n.title == "Group submitted"]
        assert len(toasts) == 1 and "ten questions: 3 batches" in toasts[0].message


@pytest.mark.emulator(queue_limit=5, batch_seconds=30)
async def test_a_full_queue_is_waited_out_and_the_dialog_may_close_meanwhile(
    make_app, tmp_path, cache_store, batch_emulator: Emulator
):
    path = write_requests(tmp_path / "twelve.jsonl", requests(12))  # parts of 4: only one fits the queue at a time
    gate = asyncio.Event()
    slept: list[float] = []

    async def sleep(seconds: float) -> None:  # the queue wait moves the emulator's clock instead of waiting
        slept.append(seconds)
        await gate.wait()  # held until the test has looked at the waiting dialog
        batch_emulator.clock.advance(seconds)

    app = make_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        await app.push_screen(CreateScreen(path, limits=FOUR, policy=QueuePolicy(sleep=sleep)))
        await settle(pilot, app)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "waits for the queue" in text_of(app, "#create-progress-text"), what="a wait")
        progress = " ".join(text_of(app, "#create-progress-text").split())
        assert progress.startswith("Part 2 of 3 waits for the queue: 4 requests processing")
        assert "nothing is created meanwhile" in progress and "Escape closes this dialog" in progress
        # The group's row is in the list behind the dialog already, part 1 running.
        await wait_for(pilot, lambda: table_of(app).batch_ids[:1] != [], what="the group's row")
        group_id = table_of(app).batch_ids[0]
        assert group_id.startswith("grp_") and cell_text(app, group_id, "status") == "in progress"
        assert cell_text(app, group_id, "name").endswith("1/3 parts")

        await pilot.press("escape")  # the sending goes on without the dialog
        await settle_but_export(pilot, app)
        assert isinstance(app.screen, MainScreen)
        assert table_of(app).cursor_batch_id == group_id

        gate.set()
        await app.workers.wait_for_complete([w for w in app.workers if w.group == "group-submit"])
        await settle(pilot, app)
        (group,) = await cache_store.list_groups()
        assert group.id == group_id and group.complete
        assert batch_emulator.faults.calls["create"] == 5  # parts 2 and 3 were each refused once, then sent
        assert slept and slept[0] >= 2.0
        assert cell_text(app, group_id, "name").endswith(" 3 parts")
        assert any(n.title == "Group submitted" for n in app._notifications)
        assert not [n for n in app._notifications if n.severity == "error"]


@pytest.mark.emulator(queue_limit=3)
async def test_a_part_larger_than_the_queue_stops_the_group_and_says_so(make_app, tmp_path, cache_store):
    path = write_requests(tmp_path / "too-big.jsonl", requests(10))

    async def no_wait(seconds: float) -> None:
        return None

    app = make_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        await app.push_screen(CreateScreen(path, limits=FOUR, policy=QueuePolicy(sleep=no_wait)))
        await settle(pilot, app)
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert isinstance(app.screen, MainScreen)  # the dialog closed on the (unfinished) group
        (group,) = await cache_store.list_groups()
        assert not group.batch_ids and [p.state for p in group.parts] == ["failed", "pending", "pending"]
        assert table_of(app).cursor_batch_id == group.id
        assert cell_text(app, group.id, "status") == "incomplete"
        (toast,) = [n for n in app._notifications if n.title == "Group stopped"]
        assert "0 of 3 batches made" in toast.message and "larger than this workspace's processing queue" in (
            toast.message
        )
        detail = " ".join(str(app.main_screen.query_one("#detail-batch").render()).split())
        assert "parts 1–3 without a batch: submit the same file again to continue" in detail
