"""The dashboard goes through the service layer: the create preview is the spool that is sent, the file picker
offers every registered input format, and the poll loop reconciles open submissions and says so."""

from __future__ import annotations

import anthropic
from textual.widgets import Button

from batchtui.core.inputs import READERS
from batchtui.service.spool import spool_dir_for
from batchtui.tui.screens.create import CreateScreen, pick_requests_file
from batchtui.tui.screens.main import MainScreen
from tests.service.support import create_other, open_submission
from tests.tui.app_support import SIZE, requests, settle, write_requests


def spools(store) -> list[str]:
    folder = spool_dir_for(store.path)
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


async def test_the_preview_is_spooled_once_and_backing_out_removes_it(make_app, tmp_path, cache_store):
    path = write_requests(tmp_path / "in.jsonl", requests(20))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await app.push_screen(CreateScreen(path))
        await settle(pilot, app)
        assert not app.screen.query_one("#create-submit", Button).disabled
        (spooled,) = spools(cache_store)  # validated and spooled in the one pass of the preview
        assert spooled.startswith("tmp-")
        await pilot.press("escape")
        await settle(pilot, app)
        assert isinstance(app.screen, MainScreen)
        assert spools(cache_store) == []
        assert await cache_store.list_submissions() == []


async def test_submit_sends_exactly_what_the_preview_showed(make_app, tmp_path, cache_store, batch_emulator):
    path = write_requests(tmp_path / "in.jsonl", requests(12))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await app.push_screen(CreateScreen(path))
        await settle(pilot, app)
        write_requests(path, requests(3))  # changed after the preview: the file is not read a second time
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert isinstance(app.screen, MainScreen)
    (batch,) = await cache_store.list_batches()
    assert batch.request_counts.total == 12
    assert spools(cache_store) == []


async def test_a_busy_api_is_retried_from_the_dialog(make_app, tmp_path, cache_store, batch_emulator, monkeypatch):
    from batchtui.service import submit as service_submit

    monkeypatch.setattr(service_submit, "RETRY_CAP", 0.2)
    batch_emulator.faults.inject("overloaded", route="create")
    seen: list[str] = []

    def hook(message) -> None:
        if isinstance(message, CreateScreen.Progress):
            seen.append(message.phase)

    app = make_app()
    async with app.run_test(size=SIZE, message_hook=hook) as pilot:
        await settle(pilot, app)
        await app.push_screen(CreateScreen(write_requests(tmp_path / "in.jsonl", requests(5))))
        await settle(pilot, app)
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert isinstance(app.screen, MainScreen)
    assert "retry" in seen
    assert len(await cache_store.list_batches()) == 1


def test_the_file_picker_offers_every_registered_input_format(tmp_path):
    dialog = pick_requests_file(tmp_path)
    requests_filter = dialog._filters[0]  # textual-fspicker keeps (label, test) pairs
    label, accepts = requests_filter
    for spec in READERS.values():
        for ext in spec.extensions:
            assert ext in label and accepts(tmp_path / f"x{ext.upper()}")
    assert not accepts(tmp_path / "notes.docx")


async def test_the_poll_loop_reconciles_and_says_so(make_app, cache_store, batch_emulator):
    sub = await open_submission(cache_store, 3, prefix="c")
    with anthropic.Anthropic(api_key="test", base_url=batch_emulator.base_url) as client:
        made = create_other(client, 3, prefix="c")
    app = make_app(poll=True)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        for _ in range(50):
            await pilot.pause(0.1)
            if any(n.title == "Submission probably found" for n in app._notifications):
                break
        found = [n for n in app._notifications if n.title == "Submission probably found"]
        assert found and made in found[0].message and sub.id in found[0].message
    assert (await cache_store.get_submission(sub.id)).candidate_batch_id == made
