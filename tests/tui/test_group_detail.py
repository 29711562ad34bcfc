"""The detail pane of a group row: name, file, parts made of N with each part's state and batch, the counts summed,
the cost (summed once every part's is known), and what to do about parts without a batch. Groups left unfinished
the way a crash leaves them, through the service's own group submit."""

from __future__ import annotations

import pytest

from batchtui.core.store import Store
from batchtui.tui.widgets.detail_pane import DetailPane
from tests.tui.app_support import SIZE, add_batch, cell_text, settle, table_of
from tests.tui.group_support import Killed, send_group, send_group_until_killed


def pane(app) -> tuple[str, str, str]:
    detail = app.main_screen.query_one(DetailPane)
    return tuple(
        str(detail.query_one(f"#{name}").render()) for name in ("detail-batch", "detail-counts", "detail-local")
    )  # type: ignore[return-value]


async def test_the_pane_shows_the_group_its_parts_and_their_sums(
    make_app, cache_store, live_api, batch_emulator, tmp_path
):
    outcome = await send_group(cache_store, live_api, tmp_path)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await settle(pilot, app)
        assert app.main_screen.query_one(DetailPane).border_title == "Group"
        group, counts, parts = pane(app)
        assert "big run" in group and outcome.group.id in group  # type: ignore[union-attr]
        assert str(tmp_path / "big-run.jsonl") in group.replace("\n", "")
        assert "3 of 3 have a batch" in group and "10 in the file" in group
        assert "processing 10 100.0%" in " ".join(counts.split())
        assert "summed once every part's cost is known" in counts
        for number, batch_id in enumerate(outcome.batch_ids, 1):
            assert f"{number}/3" in parts and batch_id in parts
        assert parts.count("running") == 3
        await pilot.press("p", "down")  # a part: the batch pane, which names its group
        assert app.main_screen.query_one(DetailPane).border_title == "Batch"
        assert "big run · part 1 of 3" in pane(app)[2]


async def test_an_unfinished_group_says_to_submit_the_file_again(
    make_app, cache_store: Store, live_api, batch_emulator, tmp_path, monkeypatch
):
    with pytest.raises(Killed):  # the process dies after part 1 was created
        await send_group_until_killed(cache_store, live_api, tmp_path, monkeypatch, calls=2)
    (summary,) = await cache_store.list_groups()
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await settle(pilot, app)
        assert table_of(app).batch_ids == [summary.id]
        assert cell_text(app, summary.id, "status") == "in progress"  # while its one batch runs
        assert cell_text(app, summary.id, "name").endswith("big run  1/3 parts")
        batch_emulator.clock.advance(120)
        await pilot.press("r")
        await settle(pilot, app)
        assert cell_text(app, summary.id, "status") == "incomplete"
        assert cell_text(app, summary.id, "total") == "4"  # what the one batch made holds
        group, _, parts = pane(app)
        text = " ".join(group.split())
        assert "1 of 3 have a batch" in text
        assert "parts 2–3 without a batch: submit the same file again to continue" in text
        assert "2/3" in parts and "pending" in parts


async def test_an_unknown_part_says_sync_resolves_it_and_a_probable_one_is_listed(
    make_app, cache_store: Store, live_api, batch_emulator, tmp_path, monkeypatch
):
    with pytest.raises(Killed):
        await send_group_until_killed(cache_store, live_api, tmp_path, monkeypatch, calls=2)
    (summary,) = await cache_store.list_groups()
    spec2, spec3 = summary.parts[1].spec, summary.parts[2].spec
    # Part 2: sent, its answer lost, and the single batch that fits found (probable, not yet verified).
    candidate = await add_batch(batch_emulator, spec2.request_count, ago=0)
    second = await _sent(cache_store, summary, spec2.part, spec2.request_count)
    await cache_store.mark_submission_unknown(second, "the answer was lost")
    await cache_store.set_candidate(second, candidate, "the single batch that fits")
    # Part 3: sent, its answer lost, nothing found yet.
    third = await _sent(cache_store, summary, spec3.part, spec3.request_count)
    await cache_store.mark_submission_unknown(third, "the answer was lost")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await settle(pilot, app)
        assert table_of(app).batch_ids == [summary.id]  # the probable batch is listed under its group
        group, _, parts = pane(app)
        text = " ".join(group.split())
        assert "part 3 sent with no answer yet: `batchtui sync`" in text
        assert "2 of 3 have a batch" in text
        assert f"{candidate}  probable" in parts and "3/3    unknown" in parts
        await pilot.press("p")
        assert table_of(app).batch_ids == [summary.id, summary.parts[0].batch_id, candidate]
        assert cell_text(app, candidate, "name") == "  └ part 2 of 3"


async def _sent(store: Store, summary, part: int, count: int) -> str:
    sub = await store.record_submission(
        source_file=summary.group.source_file, label=f"{summary.group.name} (part {part}/3)", request_count=count,
        body_bytes=100, params_digest=f"digest-{part}", group_id=summary.id, group_part=part,
    )  # fmt: skip
    await store.mark_submission_sending(sub.id)
    return sub.id
