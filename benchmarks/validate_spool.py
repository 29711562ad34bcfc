"""Validate + spool of a 100,000-request file (~230 MB) against the floor a user would compare it with.

Generates a JSONL file of N requests (a system prompt, a few turns, content blocks, tools on some), then times, each
in its own process (wall time inside the process, peak RSS from wait4):

  ours    `service.submit.prepare(file, spool_dir)`: what `batchtui submit` does before sending (every check, the
          cost estimate, the compact body spooled to disk, both hashed), the file read once
  floor   `json.loads(line)` for every line of the same file, nothing else

and prints both, their ratio (target: at most 2x) and each one's peak RSS.

Usage: python benchmarks/validate_spool.py [--requests 100000] [--repeat 3] [--keep FILE] [--json FILE]
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

PY = sys.executable

OURS = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from batchtui.service.submit import prepare

    path, spool_dir = sys.argv[1:]
    start, cpu = time.perf_counter(), time.process_time()
    prepared = prepare(path, Path(spool_dir))
    took, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(took, prepared.request_count, prepared.body_bytes, cpu)
    prepared.discard()
    """
)

FLOOR = textwrap.dedent(
    """
    import json, sys, time

    start, cpu = time.perf_counter(), time.process_time()
    n = 0
    with open(sys.argv[1], "rb") as f:
        for line in f:
            json.loads(line)
            n += 1
    print(time.perf_counter() - start, n, 0, time.process_time() - cpu)
    """
)

SENTENCE = (
    "the invoice dispute from October was escalated twice before the customer asked for a refund and a written "
    "apology from the regional manager who had promised a callback within two business days"
)
WORDS = SENTENCE.split(" ")


def _text(i: int, n_words: int) -> str:
    return " ".join(WORDS[(i + k) % len(WORDS)] for k in range(n_words))


def request(i: int) -> dict:
    """About 2.3 KB: a realistic mix of the shapes a batch carries."""
    params: dict = {
        "model": ("claude-sonnet-4-5", "claude-haiku-4-5", "claude-opus-4-5")[i % 3],
        "max_tokens": 1024,
        "system": [{"type": "text", "text": _text(i, 60), "cache_control": {"type": "ephemeral"}}],
        "messages": [
            {"role": "user", "content": f"Ticket {i}: " + _text(i, 120)},
            {"role": "assistant", "content": [{"type": "text", "text": _text(i + 1, 40)}]},
            {"role": "user", "content": [{"type": "text", "text": _text(i + 2, 80)}]},
        ],
        "metadata": {"user_id": f"user-{i % 977}"},
        "stop_sequences": ["\n\nHuman:"],
    }
    if i % 4 == 0:
        params["tools"] = [
            {
                "name": "lookup_order",
                "description": "Find an order by its number.",
                "input_schema": {"type": "object", "properties": {"order": {"type": "string"}}, "required": ["order"]},
            }
        ]
        params["tool_choice"] = {"type": "auto"}
    return {"custom_id": f"ticket-{i:06d}", "params": params}


def generate(path: Path, n: int) -> None:
    with path.open("w", encoding="utf-8") as f:
        for i in range(n):
            f.write(json.dumps(request(i), ensure_ascii=False) + "\n")


def run_measured(code: str, *args: str) -> tuple[float, float, str]:
    """Seconds the work took (timed inside the process), its peak RSS in MB, and what it printed (the last field:
    the CPU seconds of all its threads, for a machine shared with other work)."""
    proc = subprocess.Popen([PY, "-c", code, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    out = proc.stdout.read().decode() if proc.stdout else ""
    err = proc.stderr.read().decode() if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed:\n{err}")
    return float(out.split()[0]), usage.ru_maxrss / 1024, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each path; the best is reported")
    parser.add_argument("--keep", type=Path, help="generate the file here (or reuse it if it exists)")
    parser.add_argument("--json", type=Path, help="also write the figures here (benchmarks/run_all.py reads them)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="batchtui-bench-") as tmp:
        work = Path(tmp)
        path = args.keep or work / "requests.jsonl"
        if not path.exists():
            t = time.perf_counter()
            generate(path, args.requests)
            print(f"generated {path} in {time.perf_counter() - t:.1f} s")
        size = path.stat().st_size
        print(f"{args.requests:,} requests, {size / 1e6:.0f} MB\n")
        figures = {name: (float("inf"), 0.0, 0.0) for name in ("floor", "ours")}
        for _ in range(args.repeat):  # interleaved, so a machine busy for a while weighs on both alike
            for name, code in (("floor", FLOOR), ("ours", OURS)):
                took, rss, out = run_measured(code, str(path), str(work / "spool"))
                figures[name] = min(figures[name], (took, rss, float(out.split()[3])))
    floor, ours = figures["floor"][0], figures["ours"][0]
    print(f"{'path':<8} {'seconds':>8} {'MB/s':>8} {'peak RSS':>10} {'CPU s':>7}")
    for name, (took, rss, cpu) in figures.items():
        print(f"{name:<8} {took:>8.2f} {size / 1e6 / took:>8.0f} {rss:>7.0f} MB {cpu:>7.2f}")
    print(f"\nvalidate + spool takes {ours / floor:.2f}x a plain json.loads per line (target: at most 2x)")
    print(
        f"CPU (all threads: the file is read and hashed, and the spool hashed and written, beside the parsing): "
        f"{figures['ours'][2] / figures['floor'][2]:.2f}x"
    )
    if args.json:
        n, mb = f"{args.requests:,}", f"{size / 1e6:.0f} MB"
        rows = [
            {"measure": f"validate + spool {n} requests / {mb}", "unit": "s", "ours": ours, "floor": floor,
             "target": "≤ 2x a json.loads per line"},
            {"measure": "validate + spool, CPU of all threads", "unit": "s", "ours": figures["ours"][2],
             "floor": figures["floor"][2]},
            {"measure": f"peak RSS, validate + spool of {n}", "unit": "MB", "ours": figures["ours"][1],
             "floor": figures["floor"][1]},
        ]  # fmt: skip
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
