"""`submit` of a file sent as a group of batches: the dry-run plan, and the outcome (every part, `--wait` for all)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from batchtui.commands.hooks import describe_outcome, outcome_json
from batchtui.commands.output import Progress, emit_json, note
from batchtui.core import fmt
from batchtui.core.errors import BatchtuiError, describe, is_sdk_error
from batchtui.core.events import ResultsProgress
from batchtui.core.inputs import ValidationReport
from batchtui.core.inputs.split import PartPlan
from batchtui.core.sanitize import clean

if TYPE_CHECKING:
    from batchtui.service.group_submit import GroupOutcome, PartOutcome
    from batchtui.service.hooks import HookOutcome, HookRunner
    from batchtui.service.session import Session


def plan_line(plan: PartPlan) -> str:
    ids = f"{plan.first_custom_id} … {plan.last_custom_id}" if plan.request_count > 1 else f"{plan.first_custom_id}"
    first, last = plan.first_line, plan.last_line
    lines = f"lines {first}–{last}" if first != last else f"line {first}"
    return (
        f"  part {plan.number}: {fmt.count(plan.request_count)} requests, {fmt.naturalsize(plan.body_bytes)} "
        f"({lines}; {clean(ids)})"
    )


def print_plan(args: argparse.Namespace, report: ValidationReport, info: dict[str, Any]) -> int:
    """`--dry-run` of a file that needs splitting: how it would be sent."""
    parts = report.parts
    if args.json:
        emit_json({"batch_ids": [], "dry_run": True, **info, "parts": [p.to_json() for p in parts]})
        return 0
    low, high = report.estimated_cost_usd
    models = ", ".join(f"{m} ×{fmt.count(n)}" for m, n in report.models.most_common())
    unknown = report.unpriced_requests
    rest = f" + unknown for {fmt.count(unknown)} request{'s' if unknown != 1 else ''}" if unknown else ""
    print(
        f"{clean(str(args.file))} ({report.format}): {fmt.count(report.request_count)} valid requests, too many for "
        f"one batch: it would be sent as a group of {len(parts)} batches, in file order:"
    )
    print("\n".join(plan_line(p) for p in parts))
    print(
        f"models: {clean(models)}; estimated cost {fmt.money(low)}–{fmt.money(high)}{rest} at batch rates. "
        "Nothing was sent (--dry-run)."
    )
    return 0


def _state(outcome: GroupOutcome) -> str:
    if not outcome.complete:
        return "incomplete"
    return "probable" if any(p.probable for p in outcome.parts) else "created"


def _part_json(part: PartOutcome, plan: PartPlan) -> dict[str, Any]:
    return {
        **plan.to_json(),
        "state": part.state,
        "earlier": part.earlier,
        "submission_id": part.submission.id if part.submission else None,
        "submission_state": part.submission.display_state if part.submission else None,
        "batch_id": part.batch_id,
        "batch": part.batch.to_json() if part.batch else None,
        "error": part.error,
    }


async def _wait_all(session: Session, outcome: GroupOutcome) -> str | None:
    """Follow every part's batch to its end (and download its results); the first failure stops waiting."""
    from batchtui.service.actions import WaitGaveUp, wait

    bar = Progress("results")
    engine = session.events_to(lambda e: bar.update(e.rows, e.total) if isinstance(e, ResultsProgress) else None)
    try:
        for part in outcome.parts:
            if part.batch is None:
                continue
            note(f"waiting for part {part.spec.part} ({part.batch.id}) to end (Ctrl-C stops waiting; it keeps running)")
            try:
                part.batch = await wait(session, part.batch.id)
            except WaitGaveUp as exc:
                return str(exc)
            except Exception as exc:
                if not is_sdk_error(exc) and not isinstance(exc, BatchtuiError):
                    raise
                return f"Stopped waiting for {part.batch.id}: {describe(exc)} Do not resubmit."
    finally:
        bar.done()
        engine.set_event_sink(None)
    return None


async def _reverify(session: Session, outcome: GroupOutcome) -> None:
    """After waiting: a probable part's batch has ended, so reconcile can now verify it by its custom_ids."""
    from batchtui.service.reconcile import reconcile

    for part in outcome.parts:
        if part.probable and part.submission is not None:
            for r in await reconcile(session, only=part.submission.id):
                note(r.describe())
            part.submission = await session.store.get_submission(part.submission.id) or part.submission
            part.probable = part.submission.state != "created"


async def report_group(
    args: argparse.Namespace,
    session: Session,
    outcome: GroupOutcome,
    info: dict[str, Any],
    runner: HookRunner | None,
) -> int:
    """Print what a group submit did; with `--wait`, follow every part to its end first. Exit 1 when a part has
    no batch or waiting failed: the batch ids made are still printed, so a script never sends them again."""
    group = outcome.group
    assert group is not None
    error = outcome.error
    made = len(outcome.batch_ids)
    note(
        f"{'continued' if outcome.continued else 'submitted'} {clean(str(args.file))} as group {group.id}: "
        f"{made} of {group.part_count} batches" + (f" ({clean(args.label)})" if args.label else "")
    )
    delivered: list[HookOutcome] = []
    if args.wait and made:
        wait_error = await _wait_all(session, outcome)
        error = "; ".join(e for e in (error, wait_error) if e) or None
        await _reverify(session, outcome)
        if runner is not None and not wait_error:
            for batch_id in outcome.batch_ids:
                for o in await runner.run_due(only=batch_id):
                    delivered.append(o)
                    note(f"hook {describe_outcome(o)}")
    summary = await session.store.get_group(group.id)
    if args.json:
        emit_json(
            {
                "batch_ids": outcome.batch_ids,
                "group_id": group.id,
                "continued": outcome.continued,
                "submission_id": None,  # one per part: see parts
                "submission_state": _state(outcome),
                "dry_run": False,
                "batch": None,  # several: see parts
                "group": summary.to_json() if summary else None,
                "parts": [_part_json(p, plan) for p, plan in zip(outcome.parts, outcome.report.parts, strict=True)],
                **({"hooks": [outcome_json(o) for o in delivered]} if runner is not None else {}),
                **({"error": error} if error else {}),
                **info,
            }
        )
    else:
        print("\n".join(outcome.batch_ids))
    if error:
        note(error)
        if outcome.error:
            note(
                f"Parts already created are not sent again: run `batchtui submit {clean(str(args.file))}` again "
                f"(with the same options) to continue group {group.id}."
            )
    return 1 if error or not outcome.complete else 0
