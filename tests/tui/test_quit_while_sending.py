"""`q` while a group is still being sent asks first (quitting stops the sending between parts; the file's next
submit continues the group); with nothing being sent it quits at once."""

from __future__ import annotations

import asyncio

from batchtui.tui.messages import GROUP_SEND_WORKERS
from batchtui.tui.screens.confirm import ConfirmScreen
from batchtui.tui.screens.main import MainScreen
from tests.tui.app_support import SIZE, settle


async def test_quit_asks_while_a_group_is_being_sent(make_app):
    app = make_app()
    release = asyncio.Event()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        sender = app.run_worker(release.wait(), group=GROUP_SEND_WORKERS)  # stands for tui/group_send.py's worker
        await pilot.pause()
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        text = "\n".join(str(w.render()) for w in app.screen.query("Static"))
        assert "1 group is still being sent" in text and "submit the same file again" in text
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen) and app.is_running
        release.set()
        await sender.wait()
        await pilot.press("q")  # nothing being sent: no question
        await pilot.pause()
        assert not app.is_running


async def test_quit_anyway_leaves(make_app):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        app.run_worker(asyncio.Event().wait(), group=GROUP_SEND_WORKERS)
        await pilot.pause()
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await pilot.pause()
        assert not app.is_running
