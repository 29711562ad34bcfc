"""A big cache: 10,000 batches open with the newest listed and the cursor on the first, older ones are reachable
through the `/` filter, and a refresh with many rows gone does not remove them one by one.

No timing is asserted here: speed is measured by benchmarks/tui.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from batchtui.tui.app import BatchTuiApp
from batchtui.tui.screens.main import LIST_LIMIT
from batchtui.tui.widgets.batch_table import MARK
from tests.tui.app_support import SIZE, cell_text, screen_text, settle, table_of

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
N = 10_000


def ts(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def batch_id(i: int) -> str:
    return f"msgbatch_01Scale{i:018d}"


def wire(i: int) -> dict:
    """Batch i was created i minutes before batch 0 (the newest); every 40th is still running."""
    created = NOW - timedelta(minutes=i + 5)
    ended = i % 40 != 0
    counts = {"processing": 0, "succeeded": 9, "errored": 1, "canceled": 0, "expired": 0}
    if not ended:
        counts = {"processing": 10, "succeeded": 0, "errored": 0, "canceled": 0, "expired": 0}
    return {
        "id": batch_id(i),
        "type": "message_batch",
        "processing_status": "ended" if ended else "in_progress",
        "request_counts": counts,
        "created_at": ts(created),
        "expires_at": ts(created + timedelta(days=1)),
        "ended_at": ts(created + timedelta(minutes=2)) if ended else None,
        "cancel_initiated_at": None,
        "archived_at": None,
        "results_url": None,
    }


async def test_ten_thousand_batches_open_newest_first_with_the_cursor_on_top(cache_store):
    await cache_store.upsert_batches([wire(i) for i in range(N)], synced_at=NOW)
    app = BatchTuiApp(store=cache_store, api=None, engine=None, clock=lambda: NOW, poll=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        table = table_of(app)
        assert table.row_count == LIST_LIMIT
        assert table.batch_ids == [batch_id(i) for i in range(LIST_LIMIT)]  # the newest, in order
        assert table.cursor_row == 0 and table.cursor_batch_id == batch_id(0)
        assert cell_text(app, batch_id(0), "status") == "in progress"
        assert cell_text(app, batch_id(1), "status") == "ended"
        text = screen_text(app)
        assert batch_id(0)[:25] in text  # painted, not only stored
        assert f"{N - LIST_LIMIT:,} older batches not listed: type / to filter (searches all {N:,})" in text
        assert f"{LIST_LIMIT:,} of " in text  # the status bar counts what is listed

        # The oldest batch is one filter away; clearing the filter brings the newest back with the cursor on top.
        await pilot.press("slash", *batch_id(N - 1)[-6:])
        await settle(pilot, app)
        assert table.batch_ids == [batch_id(N - 1)]
        assert "not listed" not in screen_text(app)
        await pilot.press("enter", "space")
        assert cell_text(app, batch_id(N - 1), "mark") == MARK
        await pilot.press("escape")  # clears the filter (the mark stays)
        await settle(pilot, app)
        assert table.batch_ids[:3] == [batch_id(0), batch_id(1), batch_id(2)]
        assert table.row_count == LIST_LIMIT
        assert app.main_screen.marks == {batch_id(N - 1)}


async def test_a_refresh_that_drops_many_rows_rebuilds_instead_of_removing_each(cache_store, monkeypatch):
    await cache_store.upsert_batches([wire(i) for i in range(200)], synced_at=NOW)
    app = BatchTuiApp(store=cache_store, api=None, engine=None, clock=lambda: NOW, poll=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        table = table_of(app)
        await pilot.press("down", "down")
        assert table.cursor_batch_id == batch_id(2)
        removed: list[object] = []
        monkeypatch.setattr(table, "remove_row", lambda key: removed.append(key))
        await pilot.press("slash", *("Scale" + "0" * 16))  # batch ids 0-99 match: 100 rows go
        await settle(pilot, app)
        assert removed == []
        assert table.batch_ids == [batch_id(i) for i in range(100)]
        assert table.cursor_batch_id == batch_id(2)  # the cursor stayed on its batch
