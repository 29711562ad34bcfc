"""The Temporal engine's commands: `temporal dev`, `worker`, `workflows`, and the `--engine temporal` parts of
`submit` and `cancel`. The `temporal` extra is imported only here, only when one of them runs."""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from batchtui.commands.output import emit_json, note, table
from batchtui.commands.session import settings_of
from batchtui.core import fmt
from batchtui.core.config import TemporalSettings, data_dir
from batchtui.core.errors import UsageError
from batchtui.core.sanitize import clean
from batchtui.temporal.names import EXTRA_MISSING


def _need_temporal() -> None:
    try:
        import temporalio  # noqa: F401
    except ImportError:
        raise UsageError(EXTRA_MISSING) from None


def add_engine_flags(p: argparse.ArgumentParser) -> None:
    """Where the Temporal server is: shared by `worker`, `workflows`, `submit --engine temporal` and `cancel`."""
    p.add_argument("--temporal-address", metavar="HOST:PORT", help="default: $TEMPORAL_ADDRESS, then localhost:7233")
    p.add_argument("--namespace", default="default", help="Temporal namespace (default: default)")
    p.add_argument("--task-queue", default="batchtui", help="Temporal task queue (default: batchtui)")


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("temporal", help="Temporal helpers: `temporal dev` starts a local Temporal server")
    tsub = p.add_subparsers(dest="temporal_command", metavar="SUBCOMMAND", required=True)
    dev = tsub.add_parser("dev", help="start `temporal server start-dev` with its database in the user data dir")
    dev.add_argument("--port", type=int, default=7233, help="gRPC port (default: 7233)")
    dev.add_argument("--ui-port", type=int, default=8233, help="web UI port (default: 8233)")
    dev.add_argument("--db-file", type=Path, help="server database (default: <data dir>/temporal/dev.sqlite3)")
    dev.set_defaults(handler=temporal_dev)

    p = sub.add_parser("worker", help="run Temporal workflows for submissions (and the shared poller)")
    add_engine_flags(p)
    p.add_argument("--output", type=Path, default=None, help="folder for results JSONL (default: ./batchtui-results)")
    p.add_argument("--poll-interval", type=float, default=60.0, help="seconds between batch listings (default: 60)")
    p.add_argument(
        "--poller-heartbeat",
        type=float,
        default=30.0,
        help="seconds after which another worker takes over the poll of a dead one (default: 30)",
    )
    p.set_defaults(handler=lambda a: asyncio.run(worker(a)))

    p = sub.add_parser("workflows", help="list submission workflows and their phase (Temporal visibility)")
    add_engine_flags(p)
    p.add_argument("--json", action="store_true", help="print a JSON array")
    p.set_defaults(handler=lambda a: asyncio.run(workflows(a)))


def _address(args: argparse.Namespace) -> str:
    return args.temporal_address or os.environ.get("TEMPORAL_ADDRESS") or "localhost:7233"


def temporal_dev(args: argparse.Namespace) -> int:
    _need_temporal()
    from batchtui.temporal.devserver import dev_server_args

    db_file = args.db_file or data_dir() / "temporal" / "dev.sqlite3"
    db_file.parent.mkdir(parents=True, exist_ok=True)
    cmd = dev_server_args(args.port, args.ui_port, db_file)
    print(f"Temporal server: localhost:{args.port}   (TEMPORAL_ADDRESS=localhost:{args.port})", flush=True)
    print(f"Temporal web UI: http://localhost:{args.ui_port}", flush=True)
    print(f"database: {db_file}   (Ctrl-C stops the server)", flush=True)
    proc = subprocess.Popen(cmd)
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        proc.wait(timeout=30)
        return 0


async def worker(args: argparse.Namespace) -> int:
    _need_temporal()
    from batchtui.temporal.worker import WorkerOptions, run_worker

    options = WorkerOptions(
        address=_address(args),
        namespace=args.namespace,
        task_queue=args.task_queue,
        output_dir=(args.output or Path("batchtui-results")).resolve(),
        poll_interval=args.poll_interval,
        poller_heartbeat=args.poller_heartbeat,
    )
    await run_worker(settings_of(args), options, on_ready=lambda line: note(line))
    note("batchtui worker: stopped")
    return 0


async def workflows(args: argparse.Namespace) -> int:
    _need_temporal()
    from batchtui.temporal.client import connect, list_submissions

    client = await connect(_address(args), args.namespace)
    rows = await list_submissions(client)
    if args.json:
        emit_json([r.to_json() for r in rows])
        return 0
    headers = ["WORKFLOW", "STATUS", "PHASE", "BATCHES", "STARTED"]
    print(table(headers, [[clean(r.workflow_id), r.status, r.phase or "", clean(", ".join(r.batch_ids)),
                           fmt.ago(r.start_time) if r.start_time else ""] for r in rows]))  # fmt: skip
    return 0


async def submit(args: argparse.Namespace) -> int:
    """`submit FILE --engine temporal`: prints the workflow; `--wait` follows it to its end."""
    _need_temporal()
    from batchtui.commands.input_flags import defaults_from
    from batchtui.commands.submit import print_errors
    from batchtui.service.submit import ValidationFailed
    from batchtui.temporal.submit import EngineOptions, submit_workflow

    options = EngineOptions(
        address=_address(args),
        namespace=args.namespace,
        task_queue=args.task_queue,
        spool_dir=args.spool_dir,
        retries=args.retries,
        webhook=args.notify_webhook,
        output_dir=str(args.output.resolve()) if args.output else None,
    )
    try:
        done = await submit_workflow(
            settings_of(args), args.file, options, label=args.label, force=args.force,
            fmt=args.input_format, defaults=defaults_from(args),
        )  # fmt: skip
    except ValidationFailed as exc:
        print_errors(exc.report, temporal=True)
        return 2
    info = done.to_json()
    if not args.json:
        verb = "joined the running workflow" if done.started.existing else "started workflow"
        note(f"{verb} {info['workflow_id']} for {fmt.count(info['request_count'])} requests; {info['temporal_ui']}")
    if not args.wait:
        if args.json:
            emit_json(info)
        else:
            print(info["workflow_id"])
        return 0
    from temporalio.client import WorkflowFailureError

    code = 0
    summary: dict[str, Any] = {}
    try:
        result = await done.started.handle.result()
        summary = _summary_json(result)
    except WorkflowFailureError as exc:
        code = 1
        info["error"] = clean(str(exc.cause or exc))
    info.update(summary)
    if args.json:
        emit_json(info)
    else:
        if code:
            note(f"workflow {info['workflow_id']} failed: {info['error']}")
        print("\n".join(info.get("batch_ids", [])) or info["workflow_id"])
    return code


def _summary_json(summary: Any) -> dict[str, Any]:
    return {
        "phase": summary.phase,
        "batch_ids": list(summary.batch_ids),
        "counts": dict(summary.counts),
        "results_files": list(summary.results_files),
        "probable": summary.probable,
        **({"error": summary.error} if summary.error else {}),
    }


async def cancel_through_workflows(args: argparse.Namespace, ids_: list[str]) -> tuple[list[str], int]:
    """Cancel what a workflow carries by signalling it (the rules: batchtui/temporal/cancel.py). Returns the ids left
    for a direct cancel, and an exit code for those signalled."""
    from batchtui.service.session import open_session
    from batchtui.temporal.cancel import cancel_through_workflows as through_workflows

    # Visibility is asked only when an address is given: a plain `cancel` needs no Temporal server.
    temporal = TemporalSettings(args.temporal_address or os.environ.get("TEMPORAL_ADDRESS") or None, args.namespace)
    async with open_session(settings_of(args), online=False) as session:
        outcome = await through_workflows(session.store, ids_, temporal)
    code = 0
    for sent in outcome.signalled:
        if sent.error is not None:
            note(f"{sent.target}: could not signal workflow {sent.workflow_id}: {sent.error}")
            code = 1
        else:
            print(f"{sent.target}\tcancel requested (workflow {sent.workflow_id})")
    sys.stdout.flush()
    return outcome.direct, code
