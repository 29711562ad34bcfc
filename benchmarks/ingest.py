"""Download + ingest of a 100,000-result batch: batchtui against the paths a user would otherwise write.

Runs a `batchtui emulator` subprocess, creates one batch of N requests (about 1 KB of results each), then times
three whole processes against the same results, each measured with wait4() for wall time and peak RSS:

  batchtui   `batchtui sync BATCH_ID` (reconcile, refresh, download, parse, store with search-ready columns)
  sdk        the SDK's `async for r in await client.messages.batches.results(id)` + aiosqlite inserts
  floor      raw bytes from results_url straight into a raw insert of the lines (sqlite3 executemany)
  imports    starting Python and importing what `sync` needs: a fixed cost

`sync` reads without importing the SDK, with the headers the installed SDK sends, recorded once per SDK version
(core/sdk_profile.py): the benchmark records them first, as any earlier batchtui run on this machine would have.

Usage: python benchmarks/ingest.py [--requests 100000] [--repeat 1] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import httpx2

PY = sys.executable

SDK_PATH = textwrap.dedent(
    """
    import asyncio, sys, aiosqlite
    from anthropic import AsyncAnthropic

    async def main(base_url, batch_id, db_path):
        client = AsyncAnthropic(api_key="bench", base_url=base_url)
        async with aiosqlite.connect(db_path) as db:
            await db.execute("CREATE TABLE results (custom_id TEXT PRIMARY KEY, type TEXT, text TEXT, json TEXT)")
            async for r in await client.messages.batches.results(batch_id):
                text = None
                if r.result.type == "succeeded":
                    text = "".join(b.text for b in r.result.message.content if b.type == "text")
                await db.execute("INSERT INTO results VALUES (?, ?, ?, ?)",
                                 (r.custom_id, r.result.type, text, r.to_json(indent=None)))
            await db.commit()
        await client.close()

    asyncio.run(main(*sys.argv[1:]))
    """
)

FLOOR_PATH = textwrap.dedent(
    """
    import sqlite3, sys, httpx2

    # The least any tool must do: fetch the bytes and put each line in a table, no parsing at all.
    base_url, batch_id, db_path = sys.argv[1:]
    headers = {"x-api-key": "bench"}
    url = httpx2.get(f"{base_url}/v1/messages/batches/{batch_id}", headers=headers).json()["results_url"]
    db = sqlite3.connect(db_path)
    db.execute("CREATE TABLE results (line TEXT)")
    with httpx2.stream("GET", url, headers=headers) as r:
        db.executemany("INSERT INTO results VALUES (?)", ((line,) for line in r.iter_lines()))
    db.commit()
    """
)


# What any earlier batchtui run on this machine leaves behind: the SDK's request headers for this SDK version.
RECORD_PROFILE = (
    "import asyncio; from batchtui.core.sdk_profile import record_profile; asyncio.run(record_profile(120.0))"
)


def run_measured(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Wall seconds, peak RSS in MB, and stderr of one whole process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode() if proc.stderr else ""
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{cmd[:3]} failed ({proc.returncode}):\n{err}")
    return wall, usage.ru_maxrss / 1024, err


def start_emulator(state: Path) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [PY, "-m", "batchtui", "emulator", "--port", "0", "--batch-seconds", "0", "--state", str(state)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


def create_batch(base_url: str, n: int) -> str:
    prompts = (
        "Summarize this support ticket in two sentences: the export button greys out after a date filter.",
        "Classify the sentiment of this review: great battery, but the screen scratches far too easily.",
        "Translate into French, keeping the tone: delivery took three weeks and nobody answered my emails.",
    )
    items = (
        json.dumps(
            {
                "custom_id": f"req-{i:06d}",
                "params": {
                    "model": "claude-sonnet-5",
                    "max_tokens": 1024,
                    "messages": [{"role": "user", "content": f"{prompts[i % 3]} (case {i})"}],
                },
            }
        )
        for i in range(n)
    )
    body = ('{"requests":[' + ",".join(items) + "]}").encode()
    r = httpx2.post(f"{base_url}/v1/messages/batches", content=body, headers={"x-api-key": "bench"}, timeout=600)
    r.raise_for_status()
    batch_id = r.json()["id"]
    while (
        httpx2.get(f"{base_url}/v1/messages/batches/{batch_id}", headers={"x-api-key": "bench"}).json()[
            "processing_status"
        ]
        != "ended"
    ):
        time.sleep(0.2)
    return batch_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=1, help="runs of each path; the best is reported")
    parser.add_argument("--json", type=Path, help="also write the figures here (benchmarks/run_all.py reads them)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="batchtui-bench-") as tmp:
        work = Path(tmp)
        emulator, base_url = start_emulator(work / "emulator.sqlite3")
        try:
            t = time.perf_counter()
            batch_id = create_batch(base_url, args.requests)
            print(f"created {batch_id} with {args.requests:,} requests in {time.perf_counter() - t:.1f} s")
            # Warm-up download: the emulator generates results once and serves them from its cache afterwards.
            t = time.perf_counter()
            size = 0
            with httpx2.stream(
                "GET", f"{base_url}/v1/messages/batches/{batch_id}/results", headers={"x-api-key": "bench"}
            ) as r:
                for chunk in r.iter_bytes(1 << 16):
                    size += len(chunk)
            print(f"results: {size / 1e6:.1f} MB (warm-up download {time.perf_counter() - t:.1f} s)\n")

            env = {**os.environ, "ANTHROPIC_API_KEY": "bench"}
            run_measured([PY, "-c", RECORD_PROFILE], env)
            names = ("batchtui", "sdk", "floor", "imports")
            figures = {name: (float("inf"), 0.0) for name in names}
            for i in range(args.repeat):  # interleaved, so a machine busy for a while weighs on every path alike
                for name in names:
                    db = work / f"{name}-{i}.sqlite3"
                    if name == "batchtui":
                        cmd = [PY, "-m", "batchtui", "--db", str(db), "--base-url", base_url, "sync", batch_id]
                    elif name == "sdk":
                        cmd = [PY, "-c", SDK_PATH, base_url, batch_id, str(db)]
                    elif name == "floor":
                        cmd = [PY, "-c", FLOOR_PATH, base_url, batch_id, str(db)]
                    else:  # what starting batchtui costs before any work: Python and the modules `sync` imports
                        cmd = [PY, "-c", "import batchtui.cli, batchtui.core.sync, batchtui.service.sync"]
                    wall, rss, _ = run_measured(cmd, env)
                    figures[name] = min(figures[name], (wall, rss))
        finally:
            emulator.terminate()
            emulator.wait(timeout=30)

    ours = figures["batchtui"][0]
    print(f"{'path':<10} {'seconds':>8} {'peak RSS':>10} {'vs batchtui':>12}")
    for name, (wall, rss) in figures.items():
        print(f"{name:<10} {wall:>8.2f} {rss:>8.0f} MB {wall / ours:>11.2f}x")
    print(
        f"\nbatchtui is {figures['sdk'][0] / ours:.1f}x faster than the SDK path "
        f"and takes {ours / figures['floor'][0]:.2f}x the floor's time; "
        f"{figures['imports'][0]:.2f} s of it is starting Python and importing batchtui."
    )
    if args.json:
        sdk, floor = figures["sdk"], figures["floor"]
        n = f"{args.requests:,}"
        rows = [
            {"measure": f"download + ingest {n} results", "unit": "s", "ours": ours, "user": sdk[0], "floor": floor[0],
             "target": "≥ 4x faster than the SDK path, ≤ 2.5x the floor"},
            {"measure": f"peak RSS, ingest of {n}", "unit": "MB", "ours": figures["batchtui"][1], "user": sdk[1],
             "floor": floor[1], "target": "≤ 200 MB"},
            {"measure": "start Python + import what sync needs", "unit": "s", "ours": figures["imports"][0]},
        ]  # fmt: skip
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
