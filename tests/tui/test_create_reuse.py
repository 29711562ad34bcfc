"""The create preview's "Reuse earlier answers (N of M)" checkbox: shown when earlier batches answered some of the
file's requests, off until ticked (the file is sent whole), ticked it sends only the rest; a file answered in full
is stored as a local batch and nothing is sent; hidden when nothing was answered before."""

from __future__ import annotations

import pytest
from textual.widgets import Checkbox, Static

from batchtui.core.inputs import SplitLimits
from batchtui.emulator import Emulator
from batchtui.service.actions import ensure_results
from batchtui.service.group_submit import submit_source
from batchtui.service.session import Session
from batchtui.tui.screens.create import CreateScreen
from batchtui.tui.screens.main import MainScreen
from tests.tui.app_support import SIZE, requests, settle, write_requests

pytestmark = pytest.mark.emulator(batch_seconds=10, error_rate=0.0, expire_rate=0.0)


async def answered(cache_store, live_api, emu: Emulator, tmp_path, n: int) -> str:
    """An earlier batch of the first `n` requests, ended two hours ago with its results in the cache."""
    session = Session(cache_store, live_api)
    emu.clock.advance(-7200)
    outcome = await submit_source(session, write_requests(tmp_path / "earlier.jsonl", requests(n)), SplitLimits())
    assert outcome.batch is not None
    emu.clock.advance(3600)
    await ensure_results(session, outcome.batch.id)
    emu.clock.advance(3600)
    return outcome.batch.id


async def sent_ids(emu: Emulator, cache_store, earlier: str) -> list[list[str]]:
    """The custom_ids of every batch created after the earlier one, as the API received them."""
    out = []
    for batch in await cache_store.list_batches():
        if batch.id != earlier and not batch.local:
            out.append([cid for cid, _ in await emu.state.request_params(batch.id)])
    return out


def reuse_text(app) -> str:
    return str(app.screen.query_one("#create-reuse-text", Static).render())


async def test_off_by_default_the_whole_file_is_sent(make_app, tmp_path, cache_store, live_api, batch_emulator):
    earlier = await answered(cache_store, live_api, batch_emulator, tmp_path, 4)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await app.push_screen(CreateScreen(write_requests(tmp_path / "six.jsonl", requests(6))))
        await settle(pilot, app)
        assert app.screen.query_one("#create-reuse-row").display
        box = app.screen.query_one("#create-reuse", Checkbox)
        assert str(box.label) == "Reuse earlier answers (4 of 6)" and not box.value
        assert "answered by 1 earlier batch · saving $" in reuse_text(app) and "Off: every request is sent" in (
            reuse_text(app)
        )
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert isinstance(app.screen, MainScreen)
    assert [len(ids) for ids in await sent_ids(batch_emulator, cache_store, earlier)] == [6]


async def test_ticked_only_the_rest_is_sent_and_the_answers_join_its_results(
    make_app, tmp_path, cache_store, live_api, batch_emulator
):
    earlier = await answered(cache_store, live_api, batch_emulator, tmp_path, 4)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await app.push_screen(CreateScreen(write_requests(tmp_path / "six.jsonl", requests(6))))
        await settle(pilot, app)
        await pilot.click("#create-reuse")
        await settle(pilot, app)
        assert app.screen.query_one("#create-reuse", Checkbox).value
        assert "2 to send, estimated " in reuse_text(app)
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert isinstance(app.screen, MainScreen)
    (sent,) = await sent_ids(batch_emulator, cache_store, earlier)
    assert sent == ["req-0004", "req-0005"]
    (new,) = [b for b in await cache_store.list_batches() if b.id != earlier]
    reused = [r async for r in cache_store.iter_results(new.id) if r.reused]
    assert [r.custom_id for r in reused] == [f"req-{i:04d}" for i in range(4)]
    assert {r.reused_from for r in reused} == {earlier}


async def test_a_file_answered_in_full_sends_nothing(make_app, tmp_path, cache_store, live_api, batch_emulator):
    earlier = await answered(cache_store, live_api, batch_emulator, tmp_path, 3)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await app.push_screen(CreateScreen(write_requests(tmp_path / "three.jsonl", requests(3))))
        await settle(pilot, app)
        await pilot.click("#create-reuse")
        await settle(pilot, app)
        assert "Nothing is sent" in reuse_text(app)
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert isinstance(app.screen, MainScreen)
    assert await sent_ids(batch_emulator, cache_store, earlier) == []
    (local,) = [b for b in await cache_store.list_batches() if b.local]
    assert local.reused_rows == 3 and await cache_store.count_results(local.id) == 3


async def test_hidden_when_nothing_was_answered_before(make_app, tmp_path):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await app.push_screen(CreateScreen(write_requests(tmp_path / "new.jsonl", requests(5))))
        await settle(pilot, app)
        assert not app.screen.query_one("#create-reuse-row").display
        assert not app.screen.query_one("#create-reuse", Checkbox).value
