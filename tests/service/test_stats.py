"""Stats over batches that really ran on the emulator over two days: every figure is checked against the API's own
counts and times and the stored results, computed here independently."""

from __future__ import annotations

import json
import statistics
from datetime import timedelta

import pytest

from batchtui.commands.stats import parse_since, sparkline
from batchtui.core.cost import batch_discount
from batchtui.core.errors import UsageError
from batchtui.core.models import ResultFilter
from batchtui.service.stats import collect
from batchtui.service.submit import submit
from batchtui.service.sync import sync_once
from tests.service.support import write_requests

pytestmark = pytest.mark.emulator(batch_seconds=600, error_rate=0.2, seed=5)


async def two_days_of_batches(session, tmp_path, batch_emulator) -> list[str]:
    ids = []
    for day, sizes in enumerate(([3, 5, 8], [13, 21])):
        if day:
            batch_emulator.clock.advance(86_400)  # the API's next day: yesterday's batches end, today's start
        for n in sizes:
            outcome = await submit(session, write_requests(tmp_path / f"d{day}-{n}.jsonl", n, prefix=f"d{day}n{n}"))
            ids.append(outcome.batch.id)  # type: ignore[union-attr]
    batch_emulator.clock.advance(86_400)
    await sync_once(session)  # everything ended; results downloaded
    return ids


async def test_figures_match_the_api_and_the_stored_results(session, tmp_path, batch_emulator, other_tool):
    ids = await two_days_of_batches(session, tmp_path, batch_emulator)
    api = [other_tool.messages.batches.retrieve(i) for i in ids]
    stats = await collect(session)
    t = stats.total
    assert t.batches == 5 and t.requests == 3 + 5 + 8 + 13 + 21 and t.processing == 0
    for kind in ("succeeded", "errored", "canceled", "expired"):
        assert getattr(t, kind) == sum(getattr(b.request_counts, kind) for b in api)
    assert t.success_rate == pytest.approx(t.succeeded / 50)
    assert [d for d in stats.days] == sorted({b.created_at.strftime("%Y-%m-%d") for b in api})
    assert [f.batches for f in stats.days.values()] == [3, 2]
    batches = [await session.store.get_batch(i) for i in ids]
    cost = sum(b.cost_usd for b in batches)  # type: ignore[union-attr, misc]
    assert cost > 0 and t.cost_usd == pytest.approx(cost) and t.priced_batches == 5
    assert t.standard_cost_usd == pytest.approx(cost / batch_discount()) and t.saved_usd == pytest.approx(
        t.standard_cost_usd - cost
    )
    turnarounds = [(b.ended_at - b.created_at).total_seconds() for b in api]  # type: ignore[operator]
    assert t.turnaround(0.5) == pytest.approx(statistics.median(turnarounds), abs=0.01)
    assert t.to_json()["turnaround_max_s"] == pytest.approx(max(turnarounds), abs=0.1)
    for day, f in stats.days.items():  # each ended batch's turnaround, on the day it was created
        ran = [(b.ended_at - b.created_at).total_seconds() for b in api if b.created_at.strftime("%Y-%m-%d") == day]  # type: ignore[operator]
        assert sorted(f.turnarounds) == pytest.approx(sorted(ran), abs=0.01) and len(ran) == f.batches
    errors: dict[str, int] = {}
    for batch_id in ids:
        async for row in session.store.iter_results(batch_id, ResultFilter(types=frozenset({"errored"}))):
            errors[row.error_type or "unknown"] = errors.get(row.error_type or "unknown", 0) + 1
    assert stats.error_types == errors and sum(errors.values()) == t.errored > 0


async def test_since_keeps_only_the_later_batches(session, tmp_path, batch_emulator, other_tool):
    ids = await two_days_of_batches(session, tmp_path, batch_emulator)
    second_day = other_tool.messages.batches.retrieve(ids[3]).created_at - timedelta(minutes=1)
    stats = await collect(session, second_day)
    assert stats.total.batches == 2 and stats.total.requests == 13 + 21 and len(stats.days) == 1
    assert json.loads(json.dumps(stats.to_json()))["since"] == second_day.isoformat()


@pytest.mark.emulator(batch_seconds=600)
async def test_running_batches_are_pending_not_priced(session, tmp_path):
    await submit(session, write_requests(tmp_path / "a.jsonl", 4))
    t = (await collect(session)).total
    assert (t.processing, t.success_rate, t.priced_batches, t.pending_cost_batches) == (4, None, 0, 1)
    assert t.turnaround(0.5) is None and t.to_json()["cost_usd"] == 0


def test_since_forms_and_sparkline():
    now = parse_since("2026-12-04T12:00:00+00:00")
    assert parse_since("7d", now) == now - timedelta(days=7)  # type: ignore[operator]
    assert parse_since("12h", now) == now - timedelta(hours=12)  # type: ignore[operator]
    assert parse_since("2026-11-01").isoformat() == "2026-11-01T00:00:00+00:00"  # type: ignore[union-attr]
    with pytest.raises(UsageError, match="not a date"):
        parse_since("last tuesday")
    assert sparkline([0, 4, 8]) == " ▄█" and sparkline([0, 0]) == "  "
