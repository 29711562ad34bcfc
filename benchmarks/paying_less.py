"""Paying less: 1,000 requests sharing a ~3,000-token document, sent without and with `--auto-cache`, each priced
from the usage the emulator reports (its prompt cache follows the API: the first use of a prefix writes it, later
uses read it).

Runs a `batchtui emulator` subprocess and the real CLI as whole processes (`submit FILE --wait --json`, then
`show --json` and `results --format jsonl`), and prints, at batch rates:

  without            the file as it is: every request pays the document at the input rate
  --auto-cache       the document marked: one request writes it (1.25x), the others read it (0.1x)
  --reuse            a second identical run (`--auto-cache --reuse`): every request was answered by the earlier
                     runs, so nothing is sent; its cost is $0 and what it saved is what those answers cost then
  floor              every request reading the document from the cache (no write at all), from the same usage

and the estimate `submit --auto-cache --dry-run --json` gave before sending.

Usage: python benchmarks/paying_less.py [--requests 1000] [--model claude-sonnet-5]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

PY = sys.executable
DOCUMENT = "Clause {n}: the supplier refunds any invoice disputed within ninety days, in full, by bank transfer. "
REUSE = "--reuse"  # run as soon as `submit --help` lists it (an older batchtui prints "not implemented yet")


def start_emulator(state: Path) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [PY, "-m", "batchtui", "emulator", "--port", "0", "--batch-seconds", "2", "--seed", "1", "--state", str(state)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


def write_requests(path: Path, n: int, model: str) -> int:
    """n requests, each the same document (about 3,000 tokens at 4 characters a token) and its own question."""
    document = "".join(DOCUMENT.format(n=i) for i in range(120))
    source = {"type": "text", "media_type": "text/plain", "data": document}
    with open(path, "w") as f:
        for i in range(n):
            content = [{"type": "document", "source": source}, {"type": "text", "text": f"Is invoice {i} covered?"}]
            params = {"model": model, "max_tokens": 200, "messages": [{"role": "user", "content": content}]}
            f.write(json.dumps({"custom_id": f"q-{i}", "params": params}) + "\n")
    return len(document)


def cli(base_url: str, db: Path, *args: str) -> tuple[str, float]:
    """`batchtui ARGS` as a whole process on the emulator and the benchmark's own cache: stdout and wall time."""
    cmd = [PY, "-m", "batchtui", "--db", str(db), "--base-url", base_url, *args]
    started = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "ANTHROPIC_API_KEY": "bench"})
    if done.returncode != 0:
        raise SystemExit(f"batchtui {' '.join(args)} failed ({done.returncode}): {done.stderr[-2000:]}")
    return done.stdout, time.perf_counter() - started


def run(base_url: str, db: Path, path: Path, *flags: str) -> dict[str, Any]:
    """Submit, wait, download; the batch's cost and the usage totals."""
    out, seconds = cli(base_url, db, "submit", str(path), "--wait", "--json", *flags)
    data = json.loads(out)
    batch_id = (data["batch_ids"] or [data["batch"]["id"]])[0]  # every answer reused: the local batch holds them
    batch = json.loads(cli(base_url, db, "show", batch_id, "--json")[0])
    lines, _ = cli(base_url, db, "results", batch_id, "--format", "jsonl")
    usage = {"input": 0, "output": 0, "write": 0, "read": 0, "writers": 0, "readers": 0, "reused": 0}
    for line in lines.splitlines():
        result = json.loads(line)
        if "reused_from" in result:  # an earlier run's answer: its usage was billed then, not now
            usage["reused"] += 1
            continue
        u = result["result"]["message"]["usage"]
        usage["input"] += u["input_tokens"]
        usage["output"] += u["output_tokens"]
        usage["write"] += u["cache_creation_input_tokens"]
        usage["read"] += u["cache_read_input_tokens"]
        usage["writers"] += u["cache_creation_input_tokens"] > 0
        usage["readers"] += u["cache_read_input_tokens"] > 0
    return {"batch": batch, "usage": usage, "seconds": seconds, "reuse": data.get("reuse")}


def floor_cost(model: str, usage: dict[str, int]) -> float:
    """The same usage with every cached token read (nobody pays the write): the least caching can cost."""
    from batchtui.core.cost import batch_discount, price_for

    price = price_for(model)
    assert price is not None
    r = price.base
    tokens = usage["input"] * r.input + usage["output"] * r.output + (usage["write"] + usage["read"]) * r.cache_read
    return tokens * batch_discount() / 1e6


def reuse_available(base_url: str, db: Path) -> bool:
    return REUSE in cli(base_url, db, "submit", "--help")[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--model", default="claude-sonnet-5")
    parser.add_argument("--json", type=Path, help="also write the figures here (benchmarks/run_all.py reads them)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="paying-less-") as folder:
        work = Path(folder)
        path = work / "contract.jsonl"
        chars = write_requests(path, args.requests, args.model)
        emulator, base_url = start_emulator(work / "emulator.sqlite3")
        try:
            db = work / "cache.sqlite3"
            estimate = json.loads(cli(base_url, db, "submit", str(path), "--auto-cache", "--dry-run", "--json")[0])
            without = run(base_url, db, path)
            cached = run(base_url, db, path, "--auto-cache")
            reused = run(base_url, db, path, "--auto-cache", REUSE) if reuse_available(base_url, db) else None
        finally:
            emulator.terminate()
            emulator.wait(timeout=30)
    report(args, chars, estimate, without, cached, reused)
    if args.json:
        floor = floor_cost(args.model, cached["usage"])
        n = f"{args.requests:,}"
        rows = [
            {"measure": f"cost of {n} requests sharing a document (--auto-cache)", "unit": "$",
             "ours": cached["batch"]["cost_usd"], "user": without["batch"]["cost_usd"], "floor": floor},
        ]  # fmt: skip
        if reused is not None:
            rows.append(
                {"measure": f"the same {n} again (--auto-cache --reuse)", "unit": "$",
                 "ours": reused["batch"]["cost_usd"] or 0.0, "user": without["batch"]["cost_usd"], "floor": 0.0}
            )  # fmt: skip
        args.json.write_text(json.dumps(rows, indent=1))


def _money(usd: float | None) -> str:
    return "unknown" if usd is None else f"${usd:,.4f}"


def report(args: argparse.Namespace, chars: int, estimate: dict, without: dict, cached: dict, reused: dict | None):
    base = without["batch"]["cost_usd"]
    rows = [("without", without), ("--auto-cache", cached)]
    if reused is not None:
        rows.append((f"{REUSE} (second identical run)", reused))
    print(f"{args.requests:,} requests sharing a {chars:,}-character document, {args.model}, batch rates\n")
    print("| run | cost | vs without | cache writes / reads (requests) | cached tokens written / read | wall |")
    print("|---|---|---|---|---|---|")
    for name, r in rows:
        u, cost = r["usage"], r["batch"]["cost_usd"]
        print(
            f"| {name} | {_money(cost)} | {cost / base:.2f}x | {u['writers']:,} / {u['readers']:,} | "
            f"{u['write']:,} / {u['read']:,} | {r['seconds']:.1f} s |"
        )
    if reused is None:
        print(f"| {REUSE} (second identical run) | not implemented yet | | | | |")
    floor = floor_cost(args.model, cached["usage"])
    print(f"| floor: every request reads the document | {_money(floor)} | {floor / base:.2f}x | | | |")
    if reused is not None:
        r = reused["reuse"]
        print(
            f"\n{REUSE}: {r['reused']:,} of {r['requests']:,} requests answered from earlier batches, {r['sent']:,} "
            f"sent{' (nothing: no batch was created)' if r['all_reused'] else ''}; saved {_money(r['saved_usd'])} "
            f"(what those answers cost when they were made); answers read back: {reused['usage']['reused']:,}"
        )
    a = estimate["auto_cache"]
    saved = cached["batch"]["cache_saved_usd"]
    print(
        f"\nsaved by caching (from the usage, `show --json` cache_saved_usd): {_money(saved)}; "
        f"--auto-cache is {base / cached['batch']['cost_usd']:.1f}x cheaper than without"
    )
    e, s = a["estimated_cost_usd"], a["estimated_saving_usd"]
    print(
        f"estimated before sending (--auto-cache --dry-run): without {_money(e['without']['low'])}–"
        f"{_money(e['without']['high'])}, with {_money(e['with']['low'])}–{_money(e['with']['high'])}, "
        f"saving {_money(s['low'])}–{_money(s['high'])}; worst case if no hit {_money(a['worst_case_extra_usd'])} more"
    )


if __name__ == "__main__":
    main()
