"""The Temporal engine against the well-known per-workflow polling design, in the same run.

N concurrent submissions against the emulator, each design on one worker process of its own:
- ours: `batchtui worker` (one shared poller that lists and signals; workflows wait without a loop);
- naive: each workflow loops `retrieve` activity + `sleep(interval)` until its batch ends (the seed example's shape,
  with its 10 s interval scaled down, like ours, so the run takes a minute, not hours).
Printed, side by side: API polling calls per poll interval (counted by the emulator over a window in which every
batch is in flight, so creates and downloads are not mixed in), the largest history of any workflow, and that
history projected to a 24-hour batch polled every 10 s, wall time from first submit to last result, and the peak RSS
of the worker process. The floor for polling is one list call per interval (⌈N/1000⌉).

    python benchmarks/temporal.py [--n 200] [--batch-seconds 60] [--interval 2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import psutil
from temporalio import activity, workflow
from temporalio.client import Client
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from batchtui.emulator.server import emulator_thread  # noqa: E402
from batchtui.temporal.devserver import dev_server_args  # noqa: E402


# -- the naive design ---------------------------------------------------------------------------------------------
@activity.defn(name="naive_create")
async def naive_create(spool: str) -> str:
    import anthropic

    body = json.loads(Path(spool).read_text())
    async with anthropic.AsyncAnthropic() as client:
        return (await client.messages.batches.create(requests=body["requests"])).id


@activity.defn(name="naive_retrieve")
async def naive_retrieve(batch_id: str) -> str:
    import anthropic

    async with anthropic.AsyncAnthropic() as client:
        return (await client.messages.batches.retrieve(batch_id)).processing_status


@workflow.defn(name="NaiveBatch")
class NaiveBatch:
    @workflow.run
    async def run(self, spool: str, interval: float) -> str:
        batch_id = await workflow.execute_activity(naive_create, spool, start_to_close_timeout=timedelta(minutes=5))
        while (
            await workflow.execute_activity(naive_retrieve, batch_id, start_to_close_timeout=timedelta(minutes=1))
            != "ended"
        ):
            await workflow.sleep(interval)
        return batch_id


async def naive_worker(address: str, queue: str) -> None:
    client = await Client.connect(address)
    # Unsandboxed: the workflow lives in this script's __main__, which the sandbox cannot re-import.
    async with Worker(
        client,
        task_queue=queue,
        workflows=[NaiveBatch],
        activities=[naive_create, naive_retrieve],
        workflow_runner=UnsandboxedWorkflowRunner(),
    ):
        await asyncio.Event().wait()


# -- the harness ----------------------------------------------------------------------------------------------------
POLL_ROUTES = ("list", "retrieve")
DAY_OF_10S_POLLS = 24 * 3600 / 10
SAFETY_CHECK_EVENTS = 11  # ours, per 6-hourly safety check (measured: a day-long batch is 77 events, test_history.py)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_requests(folder: Path, i: int) -> Path:
    src = folder / f"req{i}.jsonl"
    with open(src, "w") as f:
        for j in range(5):
            messages = [{"role": "user", "content": f"q{i}-{j}"}]
            params = {"model": "claude-sonnet-4-5", "max_tokens": 32, "messages": messages}
            f.write(json.dumps({"custom_id": f"c{j}", "params": params}) + "\n")
    return src


async def histories(client: Client, query: str) -> list[int]:
    sizes = []
    async for wf in client.list_workflows(query):
        history = await client.get_workflow_handle(wf.id, run_id=wf.run_id).fetch_history()
        sizes.append(len(history.events))
    return sizes


def rss_mb(proc: subprocess.Popen) -> float:
    try:
        p = psutil.Process(proc.pid)
        return sum(c.memory_info().rss for c in [p, *p.children(recursive=True)]) / 2**20
    except psutil.NoSuchProcess:
        return 0.0


class Sampler:
    """The emulator's call counters over time, so the steady window can be cut out afterwards."""

    def __init__(self, emu) -> None:
        self.emu = emu
        self.samples: list[tuple[float, dict[str, int]]] = []

    def take(self) -> None:
        self.samples.append((time.perf_counter(), dict(self.emu.faults.calls)))

    def first_time(self, route: str, at_least: int) -> float | None:
        return next((t for t, c in self.samples if c.get(route, 0) >= at_least), None)

    def polls_between(self, t0: float, t1: float) -> int:
        def at(t: float) -> int:
            counts = next((c for ts, c in reversed(self.samples) if ts <= t), self.samples[0][1])
            return sum(counts.get(r, 0) for r in POLL_ROUTES)

        return at(t1) - at(t0)


def first_end(base_url: str) -> float:
    """When the first batch of this emulator ended (epoch seconds): polling after that is not steady any more."""
    import anthropic

    with anthropic.Anthropic(api_key="test", base_url=base_url) as api:
        return min(b.ended_at.timestamp() for b in api.messages.batches.list(limit=1000) if b.ended_at)


async def submit_all(name: str, args, address: str, queue: str, env: dict, folder: Path, client: Client) -> list:
    from batchtui.core.config import Settings
    from batchtui.service.submit import prepare
    from batchtui.temporal.submit import EngineOptions, submit_workflow

    settings = Settings(db_path=folder / f"{name}-submit.sqlite3", base_url=env["ANTHROPIC_BASE_URL"], api_key="test")
    options = EngineOptions(address=address, task_queue=queue, spool_dir=folder / "spool", retries=0)
    gate = asyncio.Semaphore(16)

    async def one(i: int):
        async with gate:
            src = write_requests(folder, i)
            if name == "ours":
                return (await submit_workflow(settings, src, options, label=f"{name}-{i}")).started.handle
            prepared = await asyncio.to_thread(prepare, src, folder / "naive-spool")
            return await client.start_workflow(
                NaiveBatch.run, args=[str(prepared.spool), args.interval], id=f"naive-{queue}-{i}", task_queue=queue
            )

    return await asyncio.gather(*(one(i) for i in range(args.n)))


async def run_design(name: str, args, address: str, emu, env: dict, folder: Path) -> dict:
    queue = f"bench-{name}-{os.getpid()}"
    creates_before = emu.faults.calls["create"]
    if name == "ours":
        cmd = [
            sys.executable,
            "-m",
            "batchtui",
            "worker",
            "--task-queue",
            queue,
            "--output",
            str(folder / "out"),
            "--poll-interval",
            str(args.interval),
        ]
    else:
        cmd = [sys.executable, __file__, "--naive-worker", address, queue]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: ASYNC220
    client = await Client.connect(address)
    sampler = Sampler(emu)
    peak = 0.0
    try:
        await asyncio.sleep(3)  # the worker is up (and ours has started its poller)
        start, start_epoch = time.perf_counter(), time.time()
        sampler.take()
        handles = await submit_all(name, args, address, queue, env, folder, client)
        pending = [asyncio.ensure_future(h.result()) for h in handles]
        while not all(p.done() for p in pending):
            sampler.take()
            peak = max(peak, rss_mb(proc))
            await asyncio.sleep(0.25)
        for p in pending:
            p.result()
        wall = time.perf_counter() - start
        sampler.take()
        sizes = await histories(
            client,
            f"TaskQueue = '{queue}' AND WorkflowType = '{'BatchSubmission' if name == 'ours' else 'NaiveBatch'}'",
        )
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    # The steady window: every batch created (plus one interval to settle) until the first batch ended.
    created = sampler.first_time("create", creates_before + args.n)
    assert created is not None
    t0, t1 = created + args.interval, start + (first_end(env["ANTHROPIC_BASE_URL"]) - start_epoch) - 0.5
    if t1 - t0 < 2 * args.interval:
        raise SystemExit(f"{name}: no steady window (creating took {created - start:.1f} s): raise --batch-seconds")
    polls = sampler.polls_between(t0, t1)
    total = sampler.samples[-1][1]
    per_interval = polls / ((t1 - t0) / args.interval)
    retrieves_per_wf = (total.get("retrieve", 0) - 0) / args.n
    return {
        "design": name,
        "wall_s": wall,
        "per_interval": per_interval,
        "largest_history": max(sizes),
        "workflows": len(sizes),
        "rss_mb": peak,
        "creates": total["create"] - creates_before,
        "window_s": t1 - t0,
        "polls_per_workflow": retrieves_per_wf,
        "submit_s": created - start,
    }


async def main(args) -> None:
    port, ui = free_port(), free_port()
    server = subprocess.Popen(  # noqa: ASYNC220 (once, before anything runs)
        dev_server_args(port, ui, None), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    address = f"127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                await Client.connect(address)
                break
            except Exception:
                await asyncio.sleep(0.2)
        rows = []
        for design in ("ours", "naive"):  # a fresh emulator each: the same starting point, counters of its own
            with (
                tempfile.TemporaryDirectory() as tmp,
                emulator_thread(port=0, batch_seconds=args.batch_seconds, seed=1) as emu,
            ):
                env = {
                    **os.environ,
                    "ANTHROPIC_API_KEY": "test",
                    "ANTHROPIC_BASE_URL": emu.base_url,
                    "BATCHTUI_DB": str(Path(tmp) / "worker.sqlite3"),
                    "TEMPORAL_ADDRESS": address,
                }
                rows.append(await run_design(design, args, address, emu, env, Path(tmp)))
    finally:
        server.terminate()
        server.wait(timeout=30)
    ours, naive = rows
    floor = -(-args.n // 1000)
    # The naive history grows by a fixed number of events per poll; ours does not grow with polls at all (the
    # day-long batch in tests/temporal/test_history.py: 77 events).
    per_poll = naive["largest_history"] / max(1.0, naive["polls_per_workflow"])
    naive_day = per_poll * DAY_OF_10S_POLLS
    ours_day = ours["largest_history"] + 4 * SAFETY_CHECK_EVENTS
    print(
        f"{args.n} concurrent submissions on one worker, batches of ~{args.batch_seconds:g} s (±30 %), poll interval "
        f"{args.interval:g} s; steady windows {ours['window_s']:.0f} s / {naive['window_s']:.0f} s"
    )
    print(f"{'design':<32}{'polls/interval':>15}{'max history':>13}{'24 h @ 10 s':>13}{'wall s':>8}{'worker RSS':>12}")
    print(
        f"{'batchtui (one shared poller)':<32}{ours['per_interval']:>15.1f}{ours['largest_history']:>13}"
        f"{ours_day:>13,}{ours['wall_s']:>8.1f}{ours['rss_mb']:>9.0f} MB"
    )
    print(
        f"{'naive (each workflow retrieves)':<32}{naive['per_interval']:>15.1f}{naive['largest_history']:>13}"
        f"{naive_day:>13,.0f}{naive['wall_s']:>8.1f}{naive['rss_mb']:>9.0f} MB"
    )
    print(f"floor: {floor} list call per interval for {args.n} batches")
    print(
        f"ratios: naive/ours {naive['per_interval'] / max(0.01, ours['per_interval']):.0f}x polling calls, "
        f"{naive['largest_history'] / ours['largest_history']:.1f}x history now, "
        f"{naive_day / ours_day:,.0f}x over a day; ours/floor {ours['per_interval'] / floor:.2f}x; "
        f"creates {ours['creates']} and {naive['creates']} for {args.n} submissions each"
    )
    if args.json:
        rows = [
            {"measure": f"Temporal: API polls per interval, {args.n} batches", "unit": "calls",
             "ours": ours["per_interval"], "user": naive["per_interval"], "floor": floor},
            {"measure": "Temporal: largest workflow history", "unit": "events", "ours": ours["largest_history"],
             "user": naive["largest_history"]},
            {"measure": "Temporal: worker peak RSS", "unit": "MB", "ours": ours["rss_mb"], "user": naive["rss_mb"]},
        ]  # fmt: skip
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--batch-seconds", type=float, default=60.0)
    parser.add_argument("--interval", type=float, default=2.0)
    parser.add_argument("--naive-worker", nargs=2, metavar=("ADDRESS", "QUEUE"))
    parser.add_argument("--json", type=Path, help="also write the figures here (benchmarks/run_all.py reads them)")
    a = parser.parse_args()
    if a.naive_worker:
        asyncio.run(naive_worker(*a.naive_worker))
    else:
        asyncio.run(main(a))
