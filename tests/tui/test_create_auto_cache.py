"""The create preview's auto-cache checkbox: shown when requests share a prefix long enough to cache, on by default
when the estimated saving is large (Submit then sends the marked body), off sends the file as it is; hidden when
nothing is shared."""

from __future__ import annotations

import json
from pathlib import Path

from textual.widgets import Checkbox, Static

from batchtui.tui.screens.create import CreateScreen
from batchtui.tui.screens.main import MainScreen
from tests.tui.app_support import SIZE, requests, settle, write_requests

DOC = "Clause 4: the supplier refunds any invoice disputed within ninety days. " * 160  # ~3,000 tokens


def shared(path: Path, n: int = 10) -> Path:
    source = {"type": "text", "media_type": "text/plain", "data": DOC}
    items = [{"custom_id": f"q-{i}", "params": {"model": "claude-sonnet-5", "max_tokens": 100, "messages": [
        {"role": "user", "content": [{"type": "document", "source": source}, {"type": "text", "text": f"Q{i}?"}]}]}}
        for i in range(n)]  # fmt: skip
    return write_requests(path, items)


async def sent_documents(cache_store) -> list[dict]:
    (batch,) = await cache_store.list_batches()
    return [json.loads(p)["messages"][0]["content"][0] async for _, p in cache_store.iter_batch_requests(batch.id)]


async def test_a_large_saving_turns_it_on_and_submit_sends_the_marked_body(make_app, tmp_path, cache_store):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await app.push_screen(CreateScreen(shared(tmp_path / "contract.jsonl")))
        await settle(pilot, app)
        screen = app.screen
        assert screen.query_one("#create-cache-row").display
        assert screen.query_one("#create-auto-cache", Checkbox).value  # on by default: the saving is large
        text = str(screen.query_one("#create-cache", Static).render())
        assert "1 shared prefix marked in 10 requests" in text and "saving up to $" in text and "best-effort" in text
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert isinstance(app.screen, MainScreen)
    documents = await sent_documents(cache_store)
    assert len(documents) == 10 and all(d["cache_control"] == {"type": "ephemeral"} for d in documents)


async def test_turned_off_the_file_is_sent_as_it_is(make_app, tmp_path, cache_store):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await app.push_screen(CreateScreen(shared(tmp_path / "contract.jsonl")))
        await settle(pilot, app)
        await pilot.click("#create-auto-cache")
        await settle(pilot, app)
        screen = app.screen
        assert not screen.query_one("#create-auto-cache", Checkbox).value
        assert "can be marked" in str(screen.query_one("#create-cache", Static).render())  # still estimated
        await pilot.press("ctrl+s")
        await settle(pilot, app)
    documents = await sent_documents(cache_store)
    assert len(documents) == 10 and not any("cache_control" in d for d in documents)


async def test_nothing_shared_hides_it(make_app, tmp_path):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await app.push_screen(CreateScreen(write_requests(tmp_path / "questions.jsonl", requests(12))))
        await settle(pilot, app)
        assert not app.screen.query_one("#create-cache-row").display
        assert not app.screen.query_one("#create-auto-cache", Checkbox).value
