"""The dashboard on fixed data and a fixed clock, for deterministic snapshots and the README screenshots.

`FixedApp` opens its own store in a temporary directory when it loads (in the app's own event loop, which is how
snapshot tests run apps), fills it with the batches below, and removes it when it exits. Nothing touches a network.
`FixedApp(groups=True)` adds two files sent as groups of batches (GROUPS): one with a part still running, one left
unfinished (a part that failed, two never sent).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from batchtui.core.client import BatchApi
from batchtui.core.groups import PartSpec
from batchtui.core.models import format_time
from batchtui.core.result_lines import parse_result_line
from batchtui.core.store import Store
from batchtui.core.store.db import execute
from batchtui.tui.app import BatchTuiApp

FIXED_NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
SYNCED_AT = FIXED_NOW - timedelta(seconds=12)
MODEL = "claude-haiku-4-5"
DATA = Path(__file__).parent / "data"
BAD_REQUESTS = DATA / "bad_requests.jsonl"
MINUTE, HOUR, DAY = 60, 3600, 86400

# (id, label, source file, status, counts (processing, succeeded, errored, canceled, expired), created ago (s),
#  ended ago (s) or None, canceled ago (s) or None, archived)
PLAN: tuple[tuple[Any, ...], ...] = (
    ("msgbatch_01QuickCheck4xAd7TtPzJ9Lm", "quick-check", "eval-40.jsonl", "in_progress",
     (40, 0, 0, 0, 0), 2 * MINUTE, None, None, False),
    ("msgbatch_01TicketSumm8Hk2PqRsWv3Xy", "ticket-summaries", "support-3000.jsonl", "in_progress",
     (3000, 0, 0, 0, 0), 5 * MINUTE + 3, None, None, False),
    ("msgbatch_01ReviewsCanc5Gh7JkLmNp2Q", "reviews-v2", "sentiment-800.jsonl", "canceling",
     (800, 0, 0, 0, 0), 10 * MINUTE, None, 1 * MINUTE, False),
    ("msgbatch_01NoLabelBatch3Zx9Cv8Bn7M", None, None, "in_progress",
     (120, 0, 0, 0, 0), 40 * MINUTE, None, None, False),
    ("msgbatch_01SupportTriag2Df4Gh6Jk8L", "support-triage", "support-240.jsonl", "ended",
     (0, 228, 11, 0, 1), 2 * HOUR, 95 * MINUTE, None, False),
    ("msgbatch_01SentimentLrg7Qw3Er5Ty9U", "sentiment-large", "sentiment-12000.jsonl", "ended",
     (0, 11931, 42, 0, 27), 3 * HOUR, 2 * HOUR + 5 * MINUTE, None, False),
    ("msgbatch_01ExtractEntit4Zx6Cv8Bn2M", "extract-entities", "extract-600.jsonl", "ended",
     (0, 183, 3, 412, 2), 30 * HOUR, 29 * HOUR + 40 * MINUTE, 29 * HOUR + 50 * MINUTE, False),
    ("msgbatch_01NightlyEval09Po8Iu7Yt6R", "nightly-eval", "eval-2000.jsonl", "ended",
     (0, 1549, 34, 0, 417), 2 * DAY, DAY, None, False),
    ("msgbatch_01Q3Archive000Lk9Jh8Gf7Ds", "q3-archive", "support-300.jsonl", "ended",
     (0, 291, 7, 0, 2), 40 * DAY, 40 * DAY - HOUR, None, True),
)  # fmt: skip
TRIAGE = PLAN[4][0]
# Batches carried by Temporal workflows (batchtui/temporal): batch id -> (submission id, the workflow's phase).
WORKFLOWS: dict[str, tuple[str, str]] = {
    PLAN[1][0]: ("5b0e7f3a9c2d4e61b8a7f0c3d2e1a946", "tracking"),
    PLAN[2][0]: ("c41d2e8f7a6b5c3d9e0f1a2b3c4d5e6f", "canceling"),
    TRIAGE: ("0f9e8d7c6b5a49382716a5b4c3d2e1f0", "done"),
}


# Files sent as groups: (group id, name, source file, part size, parts). A part is (batch id or None, status,
# counts, created ago (s), ended ago (s) or None, cost when its results are stored) or, without a batch, the error
# of its failed submission ("" for a part never sent).
GroupPlan = tuple[str, str, str, int, tuple[tuple[Any, ...], ...]]
GROUPS: tuple[GroupPlan, ...] = (
    ("grp_0a1b2c3d4e5f60718293a4b5", "tickets-250k", "support-250000.jsonl", 100_000, (
        ("msgbatch_01Tickets250kPart1Zq8Wx7Vb", "ended", (0, 99412, 388, 0, 200), HOUR, 20 * MINUTE, 13.4216),
        ("msgbatch_01Tickets250kPart2Lm4Nb6Vc", "ended", (0, 99530, 301, 0, 169), HOUR - 70, 12 * MINUTE, 13.4587),
        ("msgbatch_01Tickets250kPart3Rt5Yu2Io", "in_progress", (50000, 0, 0, 0, 0), HOUR - 140, None, None),
    )),
    ("grp_5f4e3d2c1b0a99887766aabb", "eval-sweep", "eval-sweep-420000.jsonl", 84_000, (
        ("msgbatch_01EvalSweepPart1Aa2Ss3Dd4F", "ended", (0, 83620, 214, 0, 166), 20 * HOUR, 18 * HOUR, 9.1201),
        ("msgbatch_01EvalSweepPart2Gg5Hh6Jj7K", "ended", (0, 83702, 190, 0, 108), 20 * HOUR - 95, 17 * HOUR, 9.1388),
        ("the API was busy on every attempt (529 overloaded_error: Overloaded); nothing was created",),
        ("",),
        ("",),
    )),
)  # fmt: skip
TICKETS_GROUP, EVAL_GROUP = GROUPS[0][0], GROUPS[1][0]


def wire(batch_id: str, status: str, counts: tuple[int, ...], created_ago: float, ended_ago: float | None,
         canceled_ago: float | None, archived: bool) -> dict[str, Any]:  # fmt: skip
    """A batch as the API sends it."""

    def at(ago: float | None) -> str | None:
        return None if ago is None else format_time(FIXED_NOW - timedelta(seconds=ago))

    created = FIXED_NOW - timedelta(seconds=created_ago)
    keys = ("processing", "succeeded", "errored", "canceled", "expired")
    return {
        "id": batch_id,
        "type": "message_batch",
        "processing_status": status,
        "request_counts": dict(zip(keys, counts, strict=True)),
        "created_at": format_time(created),
        "expires_at": format_time(created + timedelta(days=1)),
        "ended_at": at(ended_ago),
        "cancel_initiated_at": at(canceled_ago),
        "archived_at": format_time(created + timedelta(days=29)) if archived else None,
        "results_url": f"https://api.anthropic.com/v1/messages/batches/{batch_id}/results" if ended_ago else None,
    }


def ticket_params(i: int) -> str:
    content = f"Ticket {i}: a customer asks why they were billed twice. Route it."
    return json.dumps({"model": MODEL, "max_tokens": 256, "messages": [{"role": "user", "content": content}]})


def result_lines(succeeded: int, errored: int, expired: int) -> list[str]:
    lines = []
    for i in range(succeeded):
        message = {
            "id": f"msg_{i:024d}",
            "type": "message",
            "role": "assistant",
            "model": MODEL,
            "content": [{"type": "text", "text": f"Ticket {i}: billing question, routed to payments."}],
            "stop_reason": "end_turn",
            "stop_sequence": None,
            "usage": {"input_tokens": 180, "output_tokens": 40},
        }
        lines.append(json.dumps({"custom_id": f"t-{i:04d}", "result": {"type": "succeeded", "message": message}}))
    for i in range(errored):
        kind = "invalid_request_error" if i % 3 else "overloaded_error"
        error = {"type": "error", "error": {"type": kind, "message": "model: not found"}}
        lines.append(json.dumps({"custom_id": f"t-{succeeded + i:04d}", "result": {"type": "errored", "error": error}}))
    for i in range(expired):
        lines.append(json.dumps({"custom_id": f"t-{succeeded + errored + i:04d}", "result": {"type": "expired"}}))
    return lines


async def seed(store: Store, labels: dict[str, str] | None = None) -> None:
    """Every batch of PLAN, with labels and source files, the workflows of WORKFLOWS, and the stored results of
    `support-triage`.
    `labels` overrides some labels (the hostile-string tests use it)."""
    labels = labels or {}
    await store.upsert_batches([wire(p[0], *p[3:]) for p in PLAN], synced_at=SYNCED_AT, request_id="req_01Fixed")
    for batch_id, label, source, *_ in PLAN:
        label = labels.get(batch_id, label)
        if label is not None:
            await store.set_label(batch_id, label)
        if source is not None:
            await store.set_local(batch_id, source_file=source)
    for batch_id, (submission_id, phase) in WORKFLOWS.items():
        counts = next(p[4] for p in PLAN if p[0] == batch_id)
        await store.record_submission(
            source_file=None, label=None, request_count=sum(counts), body_bytes=1000, params_digest=submission_id,
            submission_id=submission_id, workflow_id=f"batchtui-sub-{submission_id}",
        )  # fmt: skip
        await store.mark_submission_sending(submission_id)
        await store.mark_submission_created(submission_id, batch_id)
        await store.set_workflow_phase(submission_id, phase)
    lines = result_lines(228, 11, 1)
    await store.write_results(TRIAGE, [parse_result_line(TRIAGE, line) for line in lines])
    await store.finish_results(TRIAGE)
    # The requests as submitted (through its workflow): what a retry sends again and the results view's prompts.
    await store.add_requests(WORKFLOWS[TRIAGE][0], [(f"t-{i:04d}", ticket_params(i)) for i in range(len(lines))])


async def seed_groups(store: Store) -> None:
    """GROUPS, recorded and sent the way the group submit leaves them: the plan first, then each part's submission
    (created with its batch, or failed), and the stored results of the ended parts stood in for by their totals."""
    for group_id, name, source, size, parts in GROUPS:
        batches = [p for p in parts if len(p) > 1]
        wires = [wire(p[0], p[1], p[2], p[3], p[4], None, False) for p in batches]
        await store.upsert_batches(wires, synced_at=SYNCED_AT, request_id="req_01Fixed")
        sizes = [sum(p[2]) if len(p) > 1 else size for p in parts]
        firsts = [sum(sizes[:k]) for k in range(len(parts))]
        specs = [
            PartSpec(k, n, n * 1400, f"{group_id}-{k}", f"r-{first:06d}", f"r-{first + n - 1:06d}")
            for k, (n, first) in enumerate(zip(sizes, firsts, strict=True), 1)
        ]
        digest = f"fixed-{group_id}"
        await store.record_group(name=name, source_file=source, digest=digest, parts=specs, group_id=group_id)
        for spec, part in zip(specs, parts, strict=True):
            if part == ("",):
                continue  # never sent
            sub = await store.record_submission(
                source_file=source, label=f"{name} (part {spec.part}/{len(parts)})", request_count=spec.request_count,
                body_bytes=spec.body_bytes, params_digest=spec.params_digest, group_id=group_id, group_part=spec.part,
            )  # fmt: skip
            await store.mark_submission_sending(sub.id)
            if len(part) == 1:
                await store.mark_submission_failed(sub.id, part[0])
                continue
            await store.mark_submission_created(sub.id, part[0])
            if part[5] is not None:  # a download of 100,000 rows, summed up
                async with store._db.transaction() as conn:
                    await execute(
                        conn,
                        "UPDATE batches SET results_state = 'complete', results_rows = ?, cost_usd = ? WHERE id = ?",
                        (sum(part[2]), part[5], part[0]),
                    )


class FixedApp(BatchTuiApp):
    """`online=False`: no API client at all, like a start with no key. `groups`: GROUPS too."""

    def __init__(
        self, *, online: bool = True, labels: dict[str, str] | None = None, groups: bool = False, **kwargs: Any
    ) -> None:
        self._dir = Path(tempfile.mkdtemp(prefix="batchtui-fixed-"))
        self._labels = labels
        self._groups = groups
        # An API client that is never called (no polling, no refresh): it only makes the online actions available.
        api = BatchApi(api_key="snapshot", base_url="http://127.0.0.1:9") if online else None
        kwargs.setdefault("clock", lambda: FIXED_NOW)
        super().__init__(store=None, api=api, engine=None, poll=False, **kwargs)  # type: ignore[arg-type]
        if online:
            self.sync_state.last_ok = SYNCED_AT

    async def on_load(self) -> None:
        self.store = await Store.open(self._dir / "cache.sqlite3")
        await seed(self.store, self._labels)
        if self._groups:
            await seed_groups(self.store)

    async def on_unmount(self) -> None:
        await self.store.close()
        if self.api is not None:
            await self.api.close()
        shutil.rmtree(self._dir, ignore_errors=True)
