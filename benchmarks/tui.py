"""How fast the dashboard paints on a big cache: 10,000 batches and 1,000,000 results.

Builds the cache in a temporary directory with direct SQL (the schema comes from `Store.open`; rows are inserted in
big transactions), then measures with headless `run_test`:

  main screen, first paint      BatchTuiApp start → the batch list's first line painted with a batch
  results, first rows           open_results(100k batch) → its first result row painted
  results, jump to end          `end` → the last row painted
  filter by type                outcome `errored` → first matching row painted
  filter by custom_id           custom_id substring → first matching row painted
  search (cold / warm)          full-text search → its first matching row painted; cold: the batch's search index
                                is not built (unless the view built it already: see INDEX_ON_OPEN in
                                tui/screens/results.py), so the first rows come from a scan (core/store/
                                search_scan.py) while the index is built
  search, cold: full count      the same search → the table holds its whole answer (counted by the new index)
  search index, build           the batch's search index, from the first call that builds it to complete
  search at once, index cold    a search as soon as the first rows show, its index dropped first: its first row,
                                then its full count (which waits for the whole build: the worst case)

Times are wall clock to the paint itself (render_line wrapped to note when a real row is first drawn).
Usage: python benchmarks/tui.py [--batches 10000] [--results 1000000] [--big 100000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from batchtui.core.models import ResultFilter, ResultRow
from batchtui.core.store import Store
from batchtui.core.store.search import drop_search_index
from batchtui.tui.widgets.results_table import ResultsTable

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
BIG_BATCH = "msgbatch_01BenchBig000000000000000"
TOPICS = ("invoice dispute", "shipping delay", "refund policy", "password reset", "damaged parcel", "address change")
CHUNK = 20_000  # results per write transaction
TARGETS = {"main": 1.0, "rows": 0.25, "filter": 0.3}


def ts(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# -- building the cache ------------------------------------------------------------------------------------------


def result_row(batch_id: str, i: int) -> ResultRow:
    """One result with a realistic raw line; a mix of outcomes like a real batch."""
    cid = f"req-{i:07d}"
    if i % 25 == 3:
        etype, msg = (
            ("invalid_request_error", f"max_tokens: field required ({i})")
            if i % 2
            else ("overloaded_error", "Overloaded")
        )
        error = {"type": "error", "error": {"type": etype, "message": msg}}
        raw = json.dumps({"custom_id": cid, "result": {"type": "errored", "error": error}})
        return ResultRow(batch_id, cid, "errored", raw, error_type=etype, error_message=msg)
    if i % 50 == 7:
        return ResultRow(batch_id, cid, "expired", json.dumps({"custom_id": cid, "result": {"type": "expired"}}))
    text = f"Ticket {i}: the customer asks about a {TOPICS[i % len(TOPICS)]}; a standard reply fits."
    tokens_in, tokens_out = 180 + i % 97, 40 + i % 61
    usage = {
        "input_tokens": tokens_in,
        "output_tokens": tokens_out,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
    }
    message = {
        "id": f"msg_{i:022d}",
        "type": "message",
        "role": "assistant",
        "model": "claude-haiku-4-5",
        "content": [{"type": "text", "text": text}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": usage,
    }
    raw = json.dumps({"custom_id": cid, "result": {"type": "succeeded", "message": message}})
    return ResultRow(
        batch_id,
        cid,
        "succeeded",
        raw,
        text=text,
        model="claude-haiku-4-5",
        stop_reason="end_turn",
        input_tokens=tokens_in,
        output_tokens=tokens_out,
        cache_creation_input_tokens=0,
        cache_read_input_tokens=0,
        cost_usd=(tokens_in * 0.5 + tokens_out * 2.5) / 1e6,
    )


def batch_wire(b: int, rows: int) -> dict[str, Any]:
    created = NOW - timedelta(minutes=5 * b + 30)
    ended = b == 0 or b % 40 != 0  # a few still in progress
    counts = {"processing": 0, "succeeded": rows - rows // 25 - rows // 50, "errored": rows // 25, "canceled": 0}
    counts["expired"] = rows // 50
    if not ended:
        counts = {"processing": rows, "succeeded": 0, "errored": 0, "canceled": 0, "expired": 0}
    return {
        "id": BIG_BATCH if b == 0 else f"msgbatch_01Bench{b:018d}",
        "type": "message_batch",
        "processing_status": "ended" if ended else "in_progress",
        "request_counts": counts,
        "created_at": ts(created),
        "expires_at": ts(created + timedelta(days=1)),
        "ended_at": ts(created + timedelta(minutes=20)) if ended else None,
        "cancel_initiated_at": None,
        "archived_at": None,
        "results_url": None,
    }


async def build_cache(path: Path, n_batches: int, n_results: int, big: int) -> None:
    """Through the store's own writes (so the schema is always the current one), in big chunks."""
    per_small = max(1, (n_results - big) // max(1, n_batches - 1))
    store = await Store.open(path)
    try:
        # The big batch was submitted through batchtui: its prompts are shown beside the answers, and searched.
        sub = await store.record_submission(
            source_file="bench.jsonl", label="bench: 100k tickets", request_count=big, body_bytes=0, params_digest="x"
        )
        await store.add_requests(sub.id, ((f"req-{i:07d}", _params(i)) for i in range(big)))
        await store.mark_submission_created(sub.id, BIG_BATCH)
        wires = [batch_wire(b, big if b == 0 else per_small) for b in range(n_batches)]
        await store.upsert_batches(wires, synced_at=NOW)
        for wire in wires:
            if wire["processing_status"] != "ended":
                continue
            n = big if wire["id"] == BIG_BATCH else per_small
            for start in range(0, n, CHUNK):
                await store.write_results(
                    wire["id"], [result_row(wire["id"], i) for i in range(start, min(n, start + CHUNK))]
                )
        await store.finish_results(BIG_BATCH)
    finally:
        await store.close()
    db = sqlite3.connect(path, isolation_level=None)  # the small batches: complete too, in one statement
    db.execute("UPDATE batches SET results_state = 'complete' WHERE processing_status = 'ended'")
    db.close()


def _params(i: int) -> str:
    return json.dumps(
        {
            "model": "claude-haiku-4-5",
            "max_tokens": 512,
            "system": "You are a support lead.",
            "messages": [{"role": "user", "content": f"Ticket {i}: summarise the customer's message in one line."}],
        }
    )


# -- measuring ---------------------------------------------------------------------------------------------------


class PaintProbe:
    """Wraps a widget class's render_line to note when a real row (not a placeholder) is first painted."""

    def __init__(self, cls: type, is_real: Callable[[Any, int], bool]) -> None:
        self.cls, self.is_real = cls, is_real
        self.painted_at: float | None = None
        self.original = cls.render_line

        def render_line(widget: Any, y: int) -> Any:
            strip = self.original(widget, y)
            if self.painted_at is None and self.is_real(widget, y):
                self.painted_at = time.perf_counter()
            return strip

        cls.render_line = render_line

    def reset(self, is_real: Callable[[Any, int], bool] | None = None) -> None:
        self.painted_at = None
        if is_real is not None:
            self.is_real = is_real

    def close(self) -> None:
        self.cls.render_line = self.original

    async def wait(self, start: float, limit: float = 60.0) -> float:
        while self.painted_at is None:
            if time.perf_counter() - start > limit:
                raise TimeoutError("nothing painted")
            await asyncio.sleep(0.002)
        return self.painted_at - start


class IndexWatch:
    """Notes when the first ensure_search_index call for the big batch starts (whoever makes it: a search, the
    search box's focus, the view opening) and when one returns with the index complete."""

    def __init__(self, store: Store) -> None:
        self.start: float | None = None
        self.done_at: float | None = None
        original = store.ensure_search_index

        async def ensure(batch_id: str, **kwargs: Any) -> None:
            if self.start is None and batch_id == BIG_BATCH:
                self.start = time.perf_counter()
            await original(batch_id, **kwargs)
            if self.done_at is None and batch_id == BIG_BATCH:
                self.done_at = time.perf_counter()

        store.ensure_search_index = ensure  # type: ignore[method-assign]

    async def wait(self, limit: float = 60.0) -> float:
        began = time.perf_counter()
        while self.done_at is None or self.start is None:
            if time.perf_counter() - began > limit:
                raise TimeoutError("the search index was never built")
            await asyncio.sleep(0.005)
        return self.done_at - self.start


def row_painted(flt: ResultFilter | None = None, index: Callable[[ResultsTable], int] | None = None):
    def is_real(table: ResultsTable, y: int) -> bool:
        if y < 1 or (flt is not None and table.filter != flt):
            return False
        i = round(table.scroll_offset.y) + y - 1
        want = index(table) if index else round(table.scroll_offset.y)
        return i == want and table.row_at(i) is not None

    return is_real


async def measure(
    path: Path, big: int, n_batches: int
) -> tuple[list[tuple[str, float | None, float | None]], list[str]]:
    figures: list[tuple[str, float | None, float | None]] = []
    notes: list[str] = []
    store = await Store.open(path)
    try:
        try:
            from batchtui.tui.app import BatchTuiApp
            from batchtui.tui.widgets.batch_table import BatchTable
        except ImportError as exc:
            notes.append(f"main screen skipped: BatchTuiApp not importable ({exc})")
            figures.append((f"main screen, first paint ({n_batches:,} batches)", None, TARGETS["main"]))
            app = None
        else:
            app = BatchTuiApp(store=store, api=None, engine=None, clock=lambda: NOW, poll=False)
        if app is None:
            from tests.tui.results_support import ResultsHostApp  # the same attributes, results view only

            app = ResultsHostApp(store, batch_id=None, clock=lambda: NOW)
            main_probe = None
        else:
            main_probe = PaintProbe(BatchTable, lambda t, y: y >= 1 and t.row_count > 0)
        results_probe = PaintProbe(ResultsTable, row_painted())
        start = time.perf_counter()
        try:
            async with app.run_test(size=(160, 50), notifications=False) as pilot:
                if main_probe is not None:
                    figures.append(
                        (
                            f"main screen, first paint ({n_batches:,} batches)",
                            await main_probe.wait(start),
                            TARGETS["main"],
                        )
                    )
                    await pilot.pause()
                    listed = app.screen.query_one(BatchTable).row_count
                    if listed < n_batches:
                        notes.append(
                            f"the batch list holds the newest {listed:,} of {n_batches:,} batches; "
                            "the `/` filter reaches the rest"
                        )

                async with store._db.transaction() as conn:  # a kept cache may hold it from an earlier run
                    await drop_search_index(conn, BIG_BATCH)
                index_ready = IndexWatch(store)
                start = time.perf_counter()
                app.open_results(BIG_BATCH)
                figures.append((f"results, first rows ({big:,})", await results_probe.wait(start), TARGETS["rows"]))
                await pilot.pause()
                screen = app.screen
                table = screen.query_one(ResultsTable)
                bar = screen.filter_bar

                results_probe.reset(row_painted(index=lambda t: (t.row_count or 1) - 1))
                start = time.perf_counter()
                await pilot.press("end")
                figures.append(("results, jump to end", await results_probe.wait(start), TARGETS["rows"]))
                await pilot.press("home")
                await pilot.pause()

                async def timed(label: str, change: Callable[[], None], target: float) -> float:
                    await pilot.pause()
                    old = table.filter
                    first_row = row_painted()
                    results_probe.reset(lambda t, y: t.filter != old and t.filter == bar.filter and first_row(t, y))
                    start = time.perf_counter()
                    change()
                    while results_probe.painted_at is None:
                        if table.filter != old and table.row_count == 0:
                            results_probe.painted_at = time.perf_counter()  # counted, and nothing to paint
                        await asyncio.sleep(0.002)
                    figures.append((f"{label}  ({table.row_count:,} rows)", results_probe.painted_at - start, target))
                    return start

                await timed("filter by type (errored)", lambda: bar.set_outcome("errored"), TARGETS["filter"])
                await timed("filter back to all", lambda: bar.set_outcome(None), TARGETS["filter"])

                def by_custom_id() -> None:
                    bar.query_one("#custom-id").value = "12345"
                    bar._apply()

                await timed("filter by custom_id (substring)", by_custom_id, TARGETS["filter"])

                def clear_custom_id() -> None:
                    bar.query_one("#custom-id").value = ""
                    bar._apply()

                await timed("filter cleared", clear_custom_id, TARGETS["filter"])

                def search(term: str) -> Callable[[], None]:
                    def run() -> None:
                        bar._search = term
                        bar._apply()

                    return run

                async def full_count(label: str, start: float) -> None:
                    while True:  # the table has no event to wait on
                        if table.row_count is not None and not table.partial and table.filter == bar.filter:
                            break
                        await asyncio.sleep(0.002)
                    figures.append((f"{label}  ({table.row_count:,} rows)", time.perf_counter() - start, None))

                cold = await timed("search, cold: first rows (index not built)", search("refund"), TARGETS["filter"])
                await full_count("search, cold: full count (index built)", cold)
                built = await index_ready.wait()
                figures.append((f"search index, build ({big:,} results)", built, None))
                notes.append(
                    "a cold search shows its first rows from a scan while the batch's search index is built (once "
                    "per batch); its full count waits for the build, which the results view also starts when the "
                    "search box gets focus, so a typed query usually finds it warm"
                )
                await timed("search, warm", search("damaged parcel"), TARGETS["filter"])
                await timed("search, warm (prompt words)", search("ticket 4242"), TARGETS["filter"])

                # The worst case: the index dropped, the view opened again and searched as soon as it shows rows.
                app.pop_screen()
                await pilot.pause()
                async with store._db.transaction() as conn:
                    await drop_search_index(conn, BIG_BATCH)
                results_probe.reset(row_painted())
                app.open_results(BIG_BATCH)
                await results_probe.wait(time.perf_counter())
                bar = app.screen.filter_bar
                first_row = row_painted()
                results_probe.reset(lambda t, y: t.filter.search == "refund" and first_row(t, y))
                start = time.perf_counter()  # no settling first: the build has only just begun
                search("refund")()
                at_once = await results_probe.wait(start)
                figures.append(("search at once, index cold: first rows", at_once, TARGETS["filter"]))
                table = app.screen.query_one(ResultsTable)
                await full_count("search at once, index cold: full count", start)
        finally:
            results_probe.close()
            if main_probe is not None:
                main_probe.close()
    finally:
        await store.close()
    return figures, notes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batches", type=int, default=10_000)
    parser.add_argument("--results", type=int, default=1_000_000)
    parser.add_argument("--big", type=int, default=100_000, help="results of the batch opened in the results view")
    parser.add_argument("--keep", type=Path, help="build (or reuse) the cache in this directory instead of a temp one")
    parser.add_argument("--json", type=Path, help="also write the figures here (benchmarks/run_all.py reads them)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="batchtui-bench-") as tmp:
        directory = args.keep or Path(tmp)
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / "cache.sqlite3"
        if not path.exists():
            start = time.perf_counter()
            asyncio.run(build_cache(path, args.batches, args.results, args.big))
            size = path.stat().st_size / 1e6
            print(f"built {args.batches:,} batches / {args.results:,} results in {time.perf_counter() - start:.1f} s "
                  f"({size:,.0f} MB)")  # fmt: skip
        figures, notes = asyncio.run(measure(path, args.big, args.batches))

    print()
    print(f"{'measure':<52} {'time':>10} {'target':>8}")
    print("-" * 72)
    for label, seconds, target in figures:
        shown = "skipped" if seconds is None else f"{seconds * 1000:,.0f} ms"
        verdict = "" if seconds is None or target is None else ("ok" if seconds <= target else "SLOW")
        print(f"{label:<52} {shown:>10} {target * 1000 if target else 0:>6,.0f} ms {verdict}")
    for note in notes:
        print("note:", note)
    if args.json:
        rows = [
            {"measure": f"dashboard (in-process): {label}", "unit": "s", "ours": seconds,
             "target": f"< {target * 1000:,.0f} ms" if target else None}
            for label, seconds, target in figures
            if seconds is not None
        ]  # fmt: skip
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
