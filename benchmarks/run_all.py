"""Every benchmark, one table: what batchtui does, the path a user would otherwise write, and the floor.

Runs each script of this folder in its own process (each writes its figures with --json), then prints one table
with the machine it ran on. The README's Benchmarks section is this output.

  ingest          `batchtui sync` of N results vs the SDK iterator + aiosqlite, and a raw insert (ingest.py)
  validate_spool  validate + spool of N requests vs json.loads of every line (validate_spool.py, if present)
  first_paint     the dashboard from process start to the first batch row, and each key's latency (first_paint.py)
  tui             the dashboard in-process on a big cache: results, filters, search (tui.py)
  paying_less     cost with --auto-cache and --reuse vs without, and the cost floor (paying_less.py)
  temporal        the Temporal engine's polling vs one workflow polling per batch (temporal.py; needs temporalio)

Defaults take a few minutes; --full runs the sizes the README quotes (100k results, 10,000 batches / 1M results).
Usage: python benchmarks/run_all.py [--only NAME ...] [--skip NAME ...] [--full] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
PY = sys.executable

# name -> (script, default arguments, --full arguments)
BENCHMARKS: dict[str, tuple[str, list[str], list[str]]] = {
    "ingest": ("ingest.py", ["--requests", "100000", "--repeat", "3"], ["--requests", "100000", "--repeat", "5"]),
    "validate_spool": ("validate_spool.py", ["--requests", "100000", "--repeat", "3"], ["--requests", "100000"]),
    "first_paint": (
        "first_paint.py",
        ["--batches", "10000", "--results", "200000", "--repeat", "3"],
        ["--batches", "10000", "--results", "1000000", "--repeat", "5"],
    ),
    "tui": ("tui.py", ["--batches", "10000", "--results", "200000"], ["--batches", "10000", "--results", "1000000"]),
    "paying_less": ("paying_less.py", ["--requests", "200"], ["--requests", "1000"]),
    "temporal": ("temporal.py", ["--n", "50", "--batch-seconds", "20"], ["--n", "200"]),
}


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = ""
    try:
        meminfo = Path("/proc/meminfo").read_text().splitlines()
        kib = int(next(x for x in meminfo if x.startswith("MemTotal")).split()[1])
        ram = f", {kib / 1024 / 1024:.0f} GB RAM"
    except (OSError, StopIteration, ValueError):
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores{ram}; Python {platform.python_version()}; "
        f"{platform.system()} {platform.release()}; {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )


def bytecode_env(work: Path) -> dict[str, str]:
    """Every process measured starts as on a machine where Python keeps compiled bytecode (its default, and what
    pip does at install): the cache goes under `work` (not the checkout), and batchtui is compiled into it first.
    Without it (PYTHONDONTWRITEBYTECODE set, as some sandboxes do) each run compiles batchtui from source while
    the installed libraries it is compared with come compiled."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    subprocess.run([PY, "-m", "compileall", "-q", str(HERE.parent / "batchtui")], env=env, check=True)
    return env


def run_one(name: str, full: bool, work: Path, env: dict[str, str]) -> tuple[list[dict[str, Any]], str, float]:
    """(rows, the script's own output, seconds). A script without --json gives its output only."""
    script, default, full_args = BENCHMARKS[name]
    path = HERE / script
    out = work / f"{name}.json"
    source = path.read_text(encoding="utf-8")
    cmd = [PY, str(path), *(full_args if full else default)]
    if '"--json"' in source:
        cmd += ["--json", str(out)]
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=HERE.parent, env=env)
    seconds = time.perf_counter() - start
    text = proc.stdout + (f"\n[exit {proc.returncode}]\n{proc.stderr[-2000:]}" if proc.returncode else "")
    rows = json.loads(out.read_text()) if proc.returncode == 0 and out.exists() else []
    return rows, text, seconds


def fmt(value: float | None, unit: str) -> str:
    if value is None:
        return ""
    if unit == "$":
        return f"${value:,.4f}"
    if unit == "s":
        return f"{value * 1000:,.0f} ms" if value < 1 else f"{value:,.2f} s"
    if unit == "MB":
        return f"{value:,.0f} MB"
    return f"{value:,.1f} {unit}" if isinstance(value, float) and not value.is_integer() else f"{value:,.0f} {unit}"


def ratio(a: float | None, b: float | None) -> str:
    if a is None or b is None or b == 0:
        return ""
    return f"{a / b:.2f}x"


def table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| measure | batchtui | what a user would otherwise write | floor | user ÷ ours | ours ÷ floor | target |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        unit = r.get("unit", "")
        ours, user, floor = r.get("ours"), r.get("user"), r.get("floor")
        lines.append(
            f"| {r['measure']} | {fmt(ours, unit)} | {fmt(user, unit)} | {fmt(floor, unit)} | {ratio(user, ours)} "
            f"| {ratio(ours, floor)} | {r.get('target') or ''} |"
        )
    return "\n".join(lines)


def loop_seconds() -> float:
    """CPU seconds of a fixed pure-Python loop: taken before each benchmark, its spread shows how steady the
    machine's speed was during the run (a shared virtual machine's can swing by half within minutes; the ratios
    against the floor, measured in the same run, interleaved, hold better than the absolute figures)."""
    start, total = time.process_time(), 0
    for i in range(3_000_000):
        total += i
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="+", choices=list(BENCHMARKS), help="run these benchmarks only")
    parser.add_argument("--skip", nargs="+", choices=list(BENCHMARKS), default=[], help="leave these out")
    parser.add_argument("--full", action="store_true", help="the README's full sizes (takes much longer)")
    parser.add_argument("--verbose", action="store_true", help="print each benchmark's own output too")
    parser.add_argument("--json", type=Path, help="also write every row here")
    args = parser.parse_args()
    names = [n for n in (args.only or BENCHMARKS) if n not in args.skip]
    rows: list[dict[str, Any]] = []
    skipped: list[str] = []
    outputs: dict[str, str] = {}
    without_rows: set[str] = set()
    speeds: list[float] = []
    with tempfile.TemporaryDirectory(prefix="batchtui-run-all-") as tmp:
        env = bytecode_env(Path(tmp))
        for name in names:
            script = HERE / BENCHMARKS[name][0]
            if not script.exists():
                skipped.append(f"{name}: {script.name} is not in this checkout")
                continue
            if name == "temporal" and not _has("temporalio"):
                skipped.append("temporal: needs the temporal extra (pip install -e '.[temporal]')")
                continue
            speeds.append(loop_seconds())
            print(f"running {name} …", file=sys.stderr, flush=True)
            got, text, seconds = run_one(name, args.full, Path(tmp), env)
            outputs[name] = text
            print(f"  {name}: {seconds:.0f} s", file=sys.stderr, flush=True)
            if got:
                rows.extend(got)
            else:
                without_rows.add(name)
    speeds.append(loop_seconds())
    steadiness = (
        f"; a fixed Python loop took {min(speeds) * 1000:.0f}-{max(speeds) * 1000:.0f} ms across the run "
        f"({max(speeds) / min(speeds):.2f}x)"
    )
    print(f"Machine: {machine()}; bytecode compiled, as after pip install{steadiness}\n")
    print(table(rows))
    for note in skipped:
        print(f"\n- {note}")
    for name, text in outputs.items():
        if args.verbose or name in without_rows:  # a script that writes no --json figures is quoted whole
            print(f"\n{BENCHMARKS[name][0]}:\n\n```\n{text.strip()}\n```")
    if args.json:
        args.json.write_text(json.dumps({"machine": machine(), "rows": rows}, indent=1))


def _has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


if __name__ == "__main__":
    main()
