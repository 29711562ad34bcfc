"""`submit FILE`: validate, record, then create a batch. `--wait` follows it to the end and downloads results."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from batchtui.commands.hooks import describe_outcome, hook_settings_of, outcome_json
from batchtui.commands.input_flags import add_input_flags, defaults_from
from batchtui.commands.output import Progress, emit_json, fail_validation, note
from batchtui.commands.session import cli_session
from batchtui.commands.submit_cache import add_cache_flags, describe_cache, suggestion
from batchtui.commands.submit_reuse import add_reuse_flags, describe_reuse, reuse_json, reuse_options
from batchtui.core import fmt
from batchtui.core.errors import BatchtuiError, UsageError, describe, is_sdk_error
from batchtui.core.events import ResultsProgress
from batchtui.core.inputs import SplitLimits
from batchtui.core.models import BatchRecord, Submission
from batchtui.core.sanitize import clean

if TYPE_CHECKING:
    from batchtui.core.inputs import ValidationReport


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "submit",
        help="validate a requests file and create a batch from it (a group of batches when it is over one batch's "
        "limits: 100,000 requests or about 256 MB)",
    )
    p.add_argument("file", metavar="FILE", type=Path, help="requests as JSONL, a JSON array, CSV or plain text")
    p.add_argument("--label", help="a name for the batch (kept locally; the API has no batch metadata)")
    p.add_argument("--dry-run", action="store_true", help="validate and estimate only; send nothing")
    p.add_argument(
        "--wait", action="store_true", help="wait until the batch (every batch of a group) ends, then download results"
    )
    p.add_argument("--json", action="store_true", help='print {"batch_ids": [...], ...} as JSON')
    p.add_argument(
        "--force",
        action="store_true",
        help="submit even if an earlier submission of exactly these requests has an unknown outcome; for a group, "
        "start a new one rather than continue an unfinished group of the same file",
    )
    add_input_flags(p)
    add_cache_flags(p)
    add_reuse_flags(p)
    engine = p.add_argument_group("Temporal engine (--engine temporal)")
    engine.add_argument(
        "--engine", choices=("local", "temporal"), default="local",
        help="local: this process creates and follows the batch; temporal: a durable workflow on `batchtui worker`",
    )  # fmt: skip
    from batchtui.commands.temporal import add_engine_flags

    add_engine_flags(engine)  # type: ignore[arg-type]
    engine.add_argument("--retries", type=int, default=0, help="retry rounds for retryable failures (default: 0)")
    engine.add_argument("--spool-dir", type=Path, help="where workflows read the requests (shared by all workers)")
    engine.add_argument("--output", type=Path, help="results JSONL folder (default: the worker's --output)")
    from batchtui.commands.hooks import add_hook_flags

    add_hook_flags(p.add_argument_group("When the batch ends (local engine: with --wait; temporal: the webhook)"))
    p.set_defaults(handler=lambda a: asyncio.run(dispatch(a)))


async def dispatch(args: argparse.Namespace) -> int:
    if args.engine == "temporal" and (args.on_complete or args.results_dir):
        raise UsageError(
            "--on-complete and --results-dir run with the local engine; a workflow writes its results under the "
            "worker's --output and posts --notify-webhook when it ends"
        )
    if args.engine == "local" and not args.wait and not args.dry_run and (args.on_complete or args.notify_webhook):
        raise UsageError(
            "--notify-webhook and --on-complete need --wait here (this process must see the batch end); or set "
            "them under [hooks] in config.toml so `batchtui sync --watch` and the dashboard run them"
        )
    if args.engine == "temporal" and args.auto_cache:
        raise UsageError("--auto-cache works with the local engine; a workflow sends the file as it is")
    if args.engine == "temporal" and reuse_options(args) is not None:
        raise UsageError(
            "--reuse works with the local engine; a workflow sends the file as it is (its worker's cache, not "
            "this one, holds what it answered)"
        )
    if args.engine == "temporal":
        if args.dry_run:
            return await run(args)  # nothing is sent: the same validation and estimate
        from batchtui.commands import temporal

        return await temporal.submit(args)
    return await run(args)


def print_errors(report: ValidationReport, *, temporal: bool = False) -> None:
    for line in report.error_lines():
        note(line)
    note(f"{report.file}: {fmt.count(report.error_count)} problem(s); nothing was submitted")
    fail_validation([report], f"{report.file}: {fmt.count(report.error_count)} problem(s); nothing was submitted")
    if temporal and any(e.code in ("too_many_requests", "too_large") for e in report.errors):
        note(
            "--engine temporal sends a file as one batch and does not split it; submit it without --engine temporal "
            "to send it as a group of batches (each within the API's limits)"
        )


def summary(report: ValidationReport) -> dict:
    low, high = report.estimated_cost_usd
    return {
        "file": report.file,
        "request_count": report.request_count,
        "file_bytes": report.total_bytes,
        "body_bytes": report.body_bytes,
        "format": report.format,
        "generated_custom_ids": report.generated_ids,
        "unpriced_requests": report.unpriced_requests,
        "models": dict(report.models),
        "estimated_cost_usd": {"low": low, "high": high},
        "warnings": report.warning_lines(),
    }


# A plain dry run estimates auto-caching (to suggest it) for files up to this size: the counting and the second
# pass it takes would more than double a dry run of a 250 MB file.
SUGGEST_MAX_BYTES = 64 * 1024 * 1024


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # the validator says what is wrong with it


# One part of a split file: the API's limits with a safety margin (core/inputs/split.py). Tests make it small.
SPLIT_LIMITS = SplitLimits()


async def run(args: argparse.Namespace) -> int:
    from batchtui.commands.submit_group import print_plan, report_group
    from batchtui.service.actions import WaitGaveUp, wait
    from batchtui.service.auto_cache import AutoCache
    from batchtui.service.group_submit import GroupOutcome, submit_source
    from batchtui.service.hooks import HookOutcome, HookRunner
    from batchtui.service.settle import SettlePolicy, submit_settled
    from batchtui.service.submit import ValidationFailed, submit

    progress = Progress("submit", unit="bytes")

    def on_progress(phase: str, done: int, total: int) -> None:
        if phase == "upload":
            progress.update(done, total)
        elif phase == "retry":
            progress.done()
            note(f"the API is busy (nothing was created); trying again ({done} of {total - 1} retries)")

    hooks = hook_settings_of(args) if args.wait else None  # config hooks too; a bad value fails before sending
    # The SDK is imported (and a missing key said) only once the file is valid: a bad file is refused fast, keyless.
    async with cli_session(args, online=not args.dry_run, connect=False) as session:
        runner = HookRunner(session, hooks) if hooks is not None and hooks.any and not args.dry_run else None
        if runner is not None:
            await runner.arm()  # before the batch exists: its end fires the hooks
        try:
            if args.engine == "temporal":  # a workflow carries one batch: a file is not split (see dispatch)
                outcome = await submit(
                    session, args.file, label=args.label, dry_run=args.dry_run, force=args.force,
                    fmt=args.input_format, defaults=defaults_from(args), on_progress=on_progress,
                )  # fmt: skip
            else:
                cache = AutoCache(True, args.auto_cache_share) if args.auto_cache else None
                if args.dry_run and not args.auto_cache and _size(args.file) <= SUGGEST_MAX_BYTES:
                    cache = AutoCache(False, args.auto_cache_share)  # estimated anyway, to suggest it when large
                say = lambda line: progress.done() or note(line)  # noqa: E731
                options = dict(
                    label=args.label, dry_run=args.dry_run, fmt=args.input_format, defaults=defaults_from(args),
                    on_progress=on_progress, on_note=say, auto_cache=cache, reuse=reuse_options(args),
                )  # fmt: skip
                if args.wait and not args.dry_run:  # waiting anyway: a lost create is settled, not left to `sync`
                    outcome = await submit_settled(
                        session, args.file, SPLIT_LIMITS, SettlePolicy(on_note=say), force=args.force, **options
                    )
                else:
                    outcome = await submit_source(session, args.file, SPLIT_LIMITS, force=args.force, **options)
        except ValidationFailed as exc:
            progress.done()
            print_errors(exc.report, temporal=args.engine == "temporal")
            return 2
        finally:
            progress.done()
        for warning in outcome.report.warning_lines():
            note(f"warning: {warning}")
        for line in outcome.notes:
            note(line)
        info = summary(outcome.report)
        cached = getattr(outcome, "auto_cache", None)
        if cached is not None:
            info["auto_cache"] = cached.to_json()
            if not args.json and (tip := describe_cache(cached) if cached.applied else suggestion(cached)):
                note(tip)  # before the outcome: a script reading stdout still gets only the ids
        reused = getattr(outcome, "reuse", None)
        if reused is not None:
            where = None if args.dry_run else _reuse_batch(outcome)
            info["reuse"] = reuse_json(reused, where)
            if not args.json:
                note(describe_reuse(reused, dry_run=args.dry_run, where=where))
        if isinstance(outcome, GroupOutcome):
            if args.dry_run:
                return print_plan(args, outcome.report, info)
            return await report_group(args, session, outcome, info, runner)
        if args.dry_run:
            if args.json:
                emit_json({"batch_ids": [], "dry_run": True, **info})
            else:
                low, high = outcome.report.estimated_cost_usd
                body, sending = info["body_bytes"], ""
                if reused is not None and reused.reused:  # what would go out: the rest
                    (low, high), body = reused.estimated_cost_usd, reused.body_bytes
                    sending = f" ({fmt.count(reused.sent)} after reuse)"
                models = ", ".join(f"{m} ×{fmt.count(n)}" for m, n in outcome.report.models.most_common())
                generated = outcome.report.generated_ids
                plural = "s" if generated != 1 else ""
                ids = f" ({fmt.count(generated)} custom_id{plural} generated)" if generated else ""
                unknown = outcome.report.unpriced_requests  # a model with no price, or input that cannot be bounded
                rest = f" + unknown for {fmt.count(unknown)} request{'s' if unknown != 1 else ''}" if unknown else ""
                print(
                    f"{clean(str(args.file))} ({outcome.report.format}): {fmt.count(info['request_count'])} valid "
                    f"requests{ids}, {fmt.naturalsize(body)} to send{sending}; models: {clean(models)}; "
                    f"estimated cost {fmt.money(low)}–{fmt.money(high)}{rest} at batch rates. "
                    "Nothing was sent (--dry-run)."
                )
            return 0
        batch, submission = outcome.batch, outcome.submission
        assert batch is not None and submission is not None
        if batch.local:  # every request answered from the cache: nothing was sent, nothing to wait for
            return _all_reused(args, batch, submission, info)
        if not args.json:
            note(
                f"submitted {fmt.count(batch.request_counts.total)} requests as {batch.id}"
                + (" (probably: the create answer was lost)" if outcome.probable else "")
                + (f" ({args.label})" if args.label else "")
            )
        code = 0
        error: str | None = None
        delivered: list[HookOutcome] = []
        if args.wait:
            note(f"waiting for {batch.id} to end (Ctrl-C stops waiting; the batch keeps running)")
            bar = Progress("results")
            engine = session.events_to(
                lambda e: bar.update(e.rows, e.total) if isinstance(e, ResultsProgress) else None
            )
            try:
                batch = await wait(session, batch.id)
            except WaitGaveUp as exc:
                code, error = 1, str(exc)
            except Exception as exc:  # e.g. the batch was deleted meanwhile: still name it before exiting
                if not is_sdk_error(exc) and not isinstance(exc, BatchtuiError):
                    raise
                code, error = 1, f"Stopped waiting for {batch.id}: {describe(exc)} Do not resubmit."

            finally:
                bar.done()
                engine.set_event_sink(None)
            if outcome.probable:
                from batchtui.service.reconcile import reconcile

                for r in await reconcile(session, only=submission.id):
                    note(r.describe())
            submission = await session.store.get_submission(submission.id) or submission
            batch = await session.store.get_batch(batch.id) or batch
            if runner is not None and not error:
                delivered = await runner.run_due(only=batch.id)
                for o in delivered:
                    note(f"hook {describe_outcome(o)}")
        # The batch ids go to stdout even when waiting failed: a script must never create the batch again.
        if args.json:
            emit_json(
                {
                    "batch_ids": [batch.id],
                    "submission_id": submission.id,
                    "submission_state": submission.display_state,
                    "dry_run": False,
                    "batch": batch.to_json(),
                    **({"hooks": [outcome_json(o) for o in delivered]} if runner is not None else {}),
                    **({"error": error} if error else {}),
                    **info,
                }
            )
        else:
            print(batch.id)
        if error:
            note(error)
    return code


def _reuse_batch(outcome: object) -> str | None:
    """The batch whose results hold the reused answers: the new (or local) batch, or a group's first part's."""
    from batchtui.service.group_submit import GroupOutcome

    if isinstance(outcome, GroupOutcome):
        return outcome.parts[0].batch_id if outcome.parts else None
    batch = getattr(outcome, "batch", None)
    return batch.id if batch is not None else None


def _all_reused(args: argparse.Namespace, batch: BatchRecord, submission: Submission, info: dict) -> int:
    """No batch was created: the local batch's id is printed (where `batchtui results` reads the answers)."""
    if args.json:
        emit_json(
            {
                "batch_ids": [],  # none was created on the API
                "submission_id": submission.id,
                "submission_state": "reused",
                "dry_run": False,
                "batch": batch.to_json(),  # local: true
                **info,
            }
        )
    else:
        print(batch.id)
    return 0
