"""A batch carried by a Temporal workflow, from the cache alone (no Temporal server): its phase in the list, the
workflow id, phase and web UI address in the detail pane, the `/` filter, and hostile workflow text kept inert."""

from __future__ import annotations

from batchtui.core.config import TemporalSettings
from batchtui.tui.workflows import linkable, web_ui_url
from tests.tui.app_support import SIZE, add_batch, cell_text, screen_text, settle, table_of
from tests.tui.workflow_support import SUBMISSION, carry, links_in, workflow_lines


async def test_the_row_and_the_detail_pane_show_the_workflow(make_app, batch_emulator, cache_store):
    carried = await add_batch(batch_emulator, 3, ago=120, duration=3600)
    plain = await add_batch(batch_emulator, 2, ago=60, duration=3600)
    workflow_id = await carry(cache_store, carried, "tracking")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await settle(pilot, app)
        assert table_of(app).batch_ids == [plain, carried]
        assert cell_text(app, carried, "workflow") == "tracking"
        assert cell_text(app, plain, "workflow") == ""
        assert not workflow_lines(app).display  # the cursor is on the plain batch

        await pilot.press("down")
        await settle(pilot, app)
        url = f"http://localhost:8233/namespaces/default/workflows/{workflow_id}"
        text = screen_text(app)
        assert f"workflow     {workflow_id}  ·  tracking  (from this machine's cache)" in text
        assert f"Temporal UI  {url}" in text
        assert links_in(workflow_lines(app)) == {url}  # a terminal hyperlink to the workflow's page

        # The worker's activities move the phase on in the same cache: the next refresh shows it.
        await cache_store.set_workflow_phase(SUBMISSION, "downloading")
        await pilot.press("r")
        await settle(pilot, app)
        assert cell_text(app, carried, "workflow") == "downloading"
        assert "·  downloading  (from" in screen_text(app)

        await pilot.press("up")
        await settle(pilot, app)
        assert not workflow_lines(app).display and "Temporal UI" not in screen_text(app)


async def test_the_filter_finds_a_workflows_batches(make_app, batch_emulator, cache_store):
    carried = await add_batch(batch_emulator, 3, ago=120, duration=3600)
    await add_batch(batch_emulator, 2, ago=60, duration=3600)
    await carry(cache_store, carried, "tracking")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await settle(pilot, app)
        await pilot.press("slash", *SUBMISSION[:8])
        await settle(pilot, app)
        assert table_of(app).batch_ids == [carried]


async def test_the_web_ui_address_follows_the_settings(make_app, batch_emulator, cache_store):
    carried = await add_batch(batch_emulator, 3, ago=120, duration=3600)
    workflow_id = await carry(cache_store, carried, "tracking")
    # A UI of its own and a namespace that needs quoting; no address: nothing is asked of a server.
    app = make_app(temporal=TemporalSettings(namespace="team a", ui="https://temporal.example.com/"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await settle(pilot, app)
        assert f"https://temporal.example.com/namespaces/team%20a/workflows/{workflow_id}" in screen_text(app)
    assert web_ui_url(TemporalSettings("temporal.internal:7233"), "w") == (
        "http://temporal.internal:8233/namespaces/default/workflows/w"  # the dev server's UI: gRPC port + 1000
    )


async def test_hostile_workflow_text_is_shown_literally_and_never_linked(make_app, batch_emulator, cache_store):
    carried = await add_batch(batch_emulator, 3, ago=120, duration=3600)
    hostile_id = "batchtui-sub-[@click=app.quit]x[/] \x1b]52;c;evil\x07"
    await carry(cache_store, carried, "[/oops] \x1b[2J", workflow_id=hostile_id)
    ui = "http://evil.example\x1b]8;;http://phish\x07/"
    app = make_app(temporal=TemporalSettings(ui=ui))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("r")
        await settle(pilot, app)
        assert cell_text(app, carried, "workflow") == "[/oops] ␛[…"  # literal, controls visible, cut to fit
        text = screen_text(app)
        assert "batchtui-sub-[@click=app.quit]x[/] ␛]52;c;evil␇" in text and "\x1b" not in text
        assert "http://evil.example␛]8;;http://phish␇/namespaces/default/workflows/" in text
        assert links_in(workflow_lines(app)) == set()  # not plain URL text: no hyperlink escape is written
        await pilot.click("#detail-workflow")
        await pilot.pause()
        assert app.is_running and "\x1b" not in app.export_screenshot()
    assert not linkable("http://x/\x1b]8;;") and not linkable("javascript:alert(1)")
    assert linkable("https://cloud.temporal.io/namespaces/ns.abc12/workflows/batchtui-sub-00ff")
