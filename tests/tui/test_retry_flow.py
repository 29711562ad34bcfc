"""`R` on the real stack: the dialog says what goes out again, `y` creates a linked child batch holding exactly those
failures (as first submitted), the list selects it and a toast says so; what cannot be retried is said calmly."""

from __future__ import annotations

import re

import pytest

from batchtui.service.session import Session
from batchtui.tui.screens.main import MainScreen
from batchtui.tui.screens.results import ResultsScreen
from batchtui.tui.screens.retry import RetryScreen
from tests.tui.app_support import SIZE, add_batch, settle, table_of
from tests.tui.retry_support import dialog_text, ended_batch, kinds_of, mixed_file

pytestmark = pytest.mark.emulator(batch_seconds=0.5, error_rate=0.3, expire_rate=0.2, seed=11)


@pytest.fixture
def session(cache_store, live_api, engine) -> Session:
    session = Session(cache_store, live_api)
    session.engine = engine
    return session


async def test_retry_sends_exactly_the_failures_as_a_linked_child(make_app, session, batch_emulator, tmp_path):
    parent = await ended_batch(session, batch_emulator, mixed_file(tmp_path / "in.jsonl"))
    kinds = await kinds_of(session, parent)
    assert kinds.get("errored") and kinds.get("expired") and kinds.get("invalid"), kinds  # the seed mixes all
    wanted = kinds["errored"] | kinds["expired"]
    app = make_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        assert table_of(app).cursor_batch_id == parent
        await pilot.press("R")
        await settle(pilot, app)
        assert isinstance(app.screen, RetryScreen)
        text = dialog_text(app)
        assert re.search(rf"errored\s+{len(kinds['errored'])}\s+sent again", text)
        assert re.search(rf"expired\s+{len(kinds['expired'])}\s+sent again", text)
        assert re.search(rf"invalid\s+{len(kinds['invalid'])}\s+left out: invalid_request_error", text)
        assert f"{len(wanted)} requests go out again" in text and "triage (retry)" in text
        await pilot.press("y")
        await settle(pilot, app)
        assert isinstance(app.screen, MainScreen)
        (child,) = [b for b in await session.store.list_batches() if b.id != parent]
        assert child.parent_batch_id == parent and child.label == "triage (retry)"
        assert child.request_counts.total == len(wanted)
        for custom_id in wanted:  # the very params first submitted
            assert await session.store.get_request_params(child.id, custom_id) == (
                await session.store.get_request_params(parent, custom_id)
            )
        assert await session.store.get_request_params(child.id, next(iter(kinds["invalid"]))) is None
        assert table_of(app).cursor_batch_id == child.id  # the new batch is listed and selected
        toast = next(n for n in app._notifications if n.title == "Retry submitted")
        assert child.id in toast.message and f"{len(wanted)} requests sent again" in toast.message


async def test_the_invalid_toggle_sends_those_too(make_app, session, batch_emulator, tmp_path):
    parent = await ended_batch(session, batch_emulator, mixed_file(tmp_path / "in.jsonl"))
    kinds = await kinds_of(session, parent)
    wanted = kinds["errored"] | kinds["expired"] | kinds["invalid"]
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("R")
        await settle(pilot, app)
        await pilot.press("i")  # include invalid_request_error
        await pilot.pause()
        assert f"{len(wanted)} requests go out again" in dialog_text(app)
        await pilot.press("i")  # and off again
        await pilot.pause()
        assert f"{len(wanted) - len(kinds['invalid'])} requests go out again" in dialog_text(app)
        await pilot.press("i", "y")
        await settle(pilot, app)
    (child,) = [b for b in await session.store.list_batches() if b.id != parent]
    assert child.request_counts.total == len(wanted)


async def test_backing_out_sends_nothing(make_app, session, batch_emulator, tmp_path):
    parent = await ended_batch(session, batch_emulator, mixed_file(tmp_path / "in.jsonl"))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        for key in ("n", "escape"):
            await pilot.press("R")
            await settle(pilot, app)
            assert isinstance(app.screen, RetryScreen)
            await pilot.press(key)
            await settle(pilot, app)
            assert isinstance(app.screen, MainScreen)
    assert [b.id for b in await session.store.list_batches()] == [parent]


async def test_a_batch_created_elsewhere_is_said_to_be_not_retryable(make_app, batch_emulator, cache_store):
    theirs = await add_batch(batch_emulator, 12, ago=7200, duration=60)  # made by another tool: no requests here
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await settle(pilot, app)
        batch = app.main_screen.cursor_batch
        assert batch is not None and batch.request_counts.errored + batch.request_counts.expired
        await pilot.press("R")
        await settle(pilot, app)
        assert isinstance(app.screen, RetryScreen)
        text = dialog_text(app)
        assert "Cannot retry" in text and "was not submitted through batchtui" in text
        assert app.screen.check_action("send", ()) is None
        await pilot.press("y")  # does nothing
        await settle(pilot, app)
        assert isinstance(app.screen, RetryScreen)
        await pilot.press("escape")
        await settle(pilot, app)
    assert [b.id for b in await cache_store.list_batches()] == [theirs]


async def test_a_running_batch_is_not_offered_and_the_dialog_says_why(make_app, batch_emulator, cache_store):
    await add_batch(batch_emulator, 3, ago=60, duration=3600)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await settle(pilot, app)
        assert app.main_screen.check_action("retry", ()) is None  # greyed out in the footer
        await pilot.press("R")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        running = app.main_screen.cursor_batch
        assert running is not None
        await app.push_screen(RetryScreen(running))  # asked anyway (e.g. from a stale view): said calmly
        await settle(pilot, app)
        assert "results exist once it has ended" in dialog_text(app)
        assert app.is_running


async def test_retry_from_the_results_view(make_app, session, batch_emulator, tmp_path):
    parent = await ended_batch(session, batch_emulator, mixed_file(tmp_path / "in.jsonl"))
    app = make_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        await pilot.press("enter")
        await settle(pilot, app)
        assert isinstance(app.screen, ResultsScreen)
        assert app.screen.check_action("toggle_merged", ()) is None  # no retry yet: nothing to merge
        await pilot.press("R")
        await settle(pilot, app)
        await pilot.press("y")
        await settle(pilot, app)
        assert isinstance(app.screen, ResultsScreen)  # back where the retry was asked
        (child,) = [b for b in await session.store.list_batches() if b.id != parent]
        assert app.screen.chain is not None and app.screen.chain.ids == (parent, child.id)
        assert app.screen.check_action("toggle_merged", ()) is True
        assert app.main_screen.table.cursor_batch_id == child.id  # the list behind selected it too
        await pilot.press("m")  # the retry still runs: its requests keep this batch's outcome, and it says so
        await settle(pilot, app)
        notice = str(app.screen.query_one("#results-notice").render())
        assert "Final results across 1 retry" in notice and "1 of them not downloaded yet" in notice
