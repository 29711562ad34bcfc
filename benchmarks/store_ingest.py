"""Store micro-benchmark: parse + write 100,000 synthetic ~1 KB result lines, then time the result-view queries.

No network: this isolates `parse_result_line` + `Store.write_results` (the CPU half of `batchtui sync`) from the
download. For scale it also times the least any tool must do with the same lines (a raw sqlite3 insert of each
line, no parsing), and what full-text indexing would add if it ran inside the ingest.

Usage: python benchmarks/store_ingest.py [--rows 100000] [--chunk 2000] [--db DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import random
import resource
import sqlite3
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from batchtui.core.models import ResultFilter, ResultRow
from batchtui.core.result_lines import parse_result_line
from batchtui.core.store import Store
from batchtui.emulator.replies import errored, succeeded

BATCH_ID = "msgbatch_01BenchBenchBenchBenchBench"
WORDS = [
    "invoice",
    "refund",
    "shipping",
    "delay",
    "account",
    "password",
    "billing",
    "upgrade",
    "timeline",
    "outage",
    "report",
    "customer",
    "translate",
    "summary",
    "contract",
    "renewal",
    "discount",
    "warranty",
    "feedback",
    "survey",
    "onboarding",
    "migration",
    "latency",
]


def make_requests(n: int, rng: random.Random) -> list[tuple[str, str]]:
    out = []
    for i in range(n):
        words = " ".join(rng.choice(WORDS) for _ in range(40))
        params = {
            "model": "claude-sonnet-4-5",
            "max_tokens": 1024,
            "system": "You are a concise support assistant.",
            "messages": [{"role": "user", "content": f"Ticket {i}: {words}"}],
        }
        out.append((f"req-{i:06d}", json.dumps(params)))
    return out


def make_lines(requests: list[tuple[str, str]], rng: random.Random) -> list[bytes]:
    """Mostly succeeded, a few errored / canceled / expired, in shuffled order like the API's."""
    lines = []
    for custom_id, params_json in requests:
        roll = rng.random()
        if roll < 0.9:
            result: dict[str, Any] = succeeded(BATCH_ID, custom_id, json.loads(params_json))
        elif roll < 0.95:
            result = errored("invalid_request_error", f"messages.0.content: bad input near {rng.choice(WORDS)}")
        elif roll < 0.98:
            result = {"type": "canceled"}
        else:
            result = {"type": "expired"}
        line = json.dumps({"custom_id": custom_id, "result": result}, separators=(",", ":"))
        lines.append(line.encode() + b"\n")
    rng.shuffle(lines)
    return lines


def timed(label: str, fn: Callable[[], Any], results: dict[str, tuple[float, float]]) -> Any:
    start, cpu = time.perf_counter(), time.process_time()
    value = fn()
    results[label] = (time.perf_counter() - start, time.process_time() - cpu)
    return value


async def atimed(label: str, coro: Any, results: dict[str, tuple[float, float]]) -> Any:
    """Wall and CPU seconds (CPU of all threads: this machine is shared, so CPU is the steadier number)."""
    start, cpu = time.perf_counter(), time.process_time()
    value = await coro
    results[label] = (time.perf_counter() - start, time.process_time() - cpu)
    return value


def raw_floor(lines: list[bytes], path: Path) -> tuple[float, float]:
    """A plain table of lines, one executemany, one commit: the floor for storing this data at all."""
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE results (line TEXT)")
    start, cpu = time.perf_counter(), time.process_time()
    db.executemany("INSERT INTO results VALUES (?)", ((line.decode(),) for line in lines))
    db.commit()
    elapsed = (time.perf_counter() - start, time.process_time() - cpu)
    db.close()
    return elapsed


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--chunk", type=int, default=2000)
    parser.add_argument("--db", type=Path, default=None, help="directory for the databases (default: a temp dir)")
    args = parser.parse_args()
    n, chunk = args.rows, args.chunk
    rng = random.Random(7)

    print(f"generating {n:,} result lines …", flush=True)
    requests = make_requests(n, rng)
    lines = make_lines(requests, rng)
    total_bytes = sum(len(line) for line in lines)
    print(f"  {total_bytes / 1e6:.1f} MB, {total_bytes / n:.0f} bytes/line")

    t: dict[str, tuple[float, float]] = {}
    with tempfile.TemporaryDirectory(dir=args.db) as tmp:
        t["floor: raw insert of lines"] = raw_floor(lines, Path(tmp) / "floor.sqlite")
        rows = timed("parse only", lambda: [parse_result_line(BATCH_ID, line) for line in lines], t)

        async with await Store.open(Path(tmp) / "store.sqlite") as store:
            batch = {
                "id": BATCH_ID,
                "type": "message_batch",
                "processing_status": "ended",
                "request_counts": {"processing": 0, "succeeded": n, "errored": 0, "canceled": 0, "expired": 0},
                "created_at": "2026-10-01T10:00:00.000000Z",
                "expires_at": "2026-10-02T10:00:00.000000Z",
                "ended_at": "2026-10-01T11:00:00.000000Z",
                "cancel_initiated_at": None,
                "archived_at": None,
                "results_url": f"/v1/messages/batches/{BATCH_ID}/results",
            }
            sub = await store.record_submission(
                source_file="bench.jsonl", label="bench", request_count=n, body_bytes=0, params_digest="bench"
            )
            await atimed("add_requests (100k prompts)", store.add_requests(sub.id, iter(requests)), t)
            await store.mark_submission_sending(sub.id)
            await store.upsert_batches([batch], synced_at=datetime.now(UTC))
            await store.mark_submission_created(sub.id, BATCH_ID)

            async def ingest() -> None:
                for i in range(0, n, chunk):
                    part = [parse_result_line(BATCH_ID, line) for line in lines[i : i + chunk]]
                    await store.write_results(BATCH_ID, part)
                await store.finish_results(BATCH_ID)

            await atimed("parse + write_results + finish", ingest(), t)

            # What `sync` does with the same lines: write_result_stream in chunks of 5,000 (a chunk parsed while
            # the one before is moved in), checkpoints on their own thread (bulk_writes), then finish.
            streamed = dict(batch, id=BATCH_ID + "3")
            await store.upsert_batches([streamed], synced_at=datetime.now(UTC))

            async def download_path() -> None:
                async def chunks():
                    for i in range(0, n, 5000):
                        yield lines[i : i + 5000]

                async with store.bulk_writes():
                    await store.write_result_stream(streamed["id"], chunks(), at=datetime(2026, 10, 1, 10, tzinfo=UTC))
                await store.finish_results(streamed["id"])

            await atimed("download path: write_result_stream + finish", download_path(), t)

            other = dict(batch, id=BATCH_ID + "2")
            await store.upsert_batches([other], synced_at=datetime.now(UTC))
            moved = [dataclasses.replace(r, batch_id=other["id"]) for r in rows]
            del rows

            async def write_only(rows: list[ResultRow]) -> None:
                for i in range(0, n, chunk):
                    await store.write_results(other["id"], rows[i : i + chunk])

            await atimed("write_results only (rows pre-parsed)", write_only(moved), t)
            del moved

            async def ingest_again() -> None:  # a resumed download: every row already there
                for i in range(0, n, chunk):
                    part = [parse_result_line(BATCH_ID, line) for line in lines[i : i + chunk]]
                    await store.write_results(BATCH_ID, part)

            await atimed("same, all rows already stored (upsert)", ingest_again(), t)
            assert await store.stored_result_count(BATCH_ID) == n

            many = [
                dict(batch, id=f"msgbatch_{i:06d}", processing_status="in_progress", ended_at=None)
                for i in range(10_000)
            ]
            await atimed(
                "upsert_batches: 10,000 new (1 call)", store.upsert_batches(many, synced_at=datetime.now(UTC)), t
            )
            many[5]["processing_status"] = "ended"
            await atimed(
                "upsert_batches: 10,000 again, 1 changed", store.upsert_batches(many, synced_at=datetime.now(UTC)), t
            )

            await atimed("ensure_search_index (first search)", store.ensure_search_index(BATCH_ID), t)
            await atimed("ensure_search_index (already built)", store.ensure_search_index(BATCH_ID), t)

            queries = {
                "all": ResultFilter(),
                "types={errored}": ResultFilter(types=frozenset({"errored"})),
                "types={canceled,expired}": ResultFilter(types=frozenset({"canceled", "expired"})),
                "error_type": ResultFilter(error_type="invalid_request_error"),
                "custom_id~'0042'": ResultFilter(custom_id="0042"),
                "search 'refund'": ResultFilter(search="refund"),
                "search 'refund outage'": ResultFilter(search="refund outage"),
                "search + types": ResultFilter(types=frozenset({"succeeded"}), search="warranty"),
            }
            q: dict[str, tuple[int, float, float, float]] = {}
            for name, flt in queries.items():
                start = time.perf_counter()
                count = await store.count_results(BATCH_ID, flt)
                t_count = time.perf_counter() - start
                start = time.perf_counter()
                await store.page_results(BATCH_ID, flt, offset=0, limit=100)
                t_first = time.perf_counter() - start
                start = time.perf_counter()
                await store.page_results(BATCH_ID, flt, offset=max(0, count - 100), limit=100)
                t_last = time.perf_counter() - start
                q[name] = (count, t_count, t_first, t_last)

            async def export() -> None:
                async for _row in store.iter_results(BATCH_ID):
                    pass

            await atimed("iter_results (export all)", export(), t)
        size = (Path(tmp) / "store.sqlite").stat().st_size

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\n{'step':<44}{'wall s':>8}{'CPU s':>8}{'rows/s':>10}")
    for label, (wall, cpu) in t.items():
        rate = f"{n / wall:,.0f}" if wall > 0.01 and "upsert_batches" not in label else ""
        print(f"{label:<44}{wall:>8.2f}{cpu:>8.2f}{rate:>10}")
    ingest, floor = t["parse + write_results + finish"], t["floor: raw insert of lines"]
    index = t["ensure_search_index (first search)"]
    print(f"\nparse+store vs raw insert: {ingest[0] / floor[0]:.1f}x wall, {ingest[1] / floor[1]:.1f}x CPU")
    stream = t["download path: write_result_stream + finish"]
    print(f"download path vs raw insert: {stream[0] / floor[0]:.1f}x wall, {stream[1] / floor[1]:.1f}x CPU")
    print(f"full-text indexing inside the ingest would add {index[0] / ingest[0]:.0%} to it")
    print(f"\n{'query (100-row pages)':<30}{'matches':>9}{'count ms':>10}{'first ms':>10}{'last ms':>10}")
    for name, (count, t_count, t_first, t_last) in q.items():
        print(f"{name:<30}{count:>9,}{t_count * 1e3:>10.1f}{t_first * 1e3:>10.1f}{t_last * 1e3:>10.1f}")
    print(f"\ndatabase file {size / 1e6:.0f} MB; peak RSS of this process (lines held in memory) {peak:.0f} MB")


if __name__ == "__main__":
    asyncio.run(main())
