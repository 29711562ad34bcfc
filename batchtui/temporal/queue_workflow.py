"""The queue workflow: one long-lived workflow per task queue (`batchtui-queue-<queue>`) that holds what `queue add
--engine temporal` signalled (signal-with-start) and flushes it into submission workflows when it reaches its size
or its oldest chunk its age (a timer), or when told to (`flush` signal). It only decides:

- an add is a list of chunk paths and counts (the requests themselves are on shared storage); a repeated add id
  is dropped;
- a flush takes every pending chunk, has an activity cut them into part spools (one per batch, deterministic),
  then starts one SubmissionWorkflow per part as a child with a deterministic id (`batchtui-sub-q<epoch>-<n>-<k>`)
  that outlives this run (ABANDON): each start is an event in history, replayed, never repeated, and the child's
  create activity is exactly-once by its submission id;
- continue-as-new past `max_history` events (or when the server suggests), carrying the state; never from a
  handler, and only once every handler has finished.

History per flush: about 25 events (two activities, a child start per batch, a timer); per add signal 4.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributePair, TypedSearchAttributes, WorkflowIDReusePolicy
from temporalio.exceptions import ActivityError, ApplicationError, WorkflowAlreadyStartedError
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from batchtui.temporal import ids
    from batchtui.temporal.models import SubmissionInput
    from batchtui.temporal.queue_models import (
        RECENT_FLUSHES,
        REMEMBERED_ADDS,
        BuildFlush,
        BuiltFlush,
        DropChunks,
        FlushPart,
        FlushRef,
        PendingChunk,
        QueueAdd,
        QueueInput,
        QueueState,
    )

STEP_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=2),
    maximum_interval=timedelta(minutes=5),
    maximum_attempts=20,
    non_retryable_error_types=["SpoolUnreadable"],
)
FAILED_FLUSH_WAIT = timedelta(minutes=10)  # chunks that could not be cut wait this long (or a `flush` signal)


@workflow.defn(name=ids.QUEUE_WORKFLOW)
class QueueWorkflow:
    @workflow.init
    def __init__(self, inp: QueueInput) -> None:
        self.s = inp
        self.flush_asked = False
        self.clear_asked = False
        self.flushing = False

    # -- handlers -------------------------------------------------------------------------------------------------
    @workflow.signal
    def add(self, add: QueueAdd) -> None:
        if add.add_id in self.s.seen_adds:
            return  # the same add signalled twice
        self.s.seen_adds = [*self.s.seen_adds, add.add_id][-REMEMBERED_ADDS:]
        self.s.pending += [PendingChunk(c, add.add_id, workflow.now()) for c in add.chunks]
        if add.flush_size is not None:
            self.s.flush_size = add.flush_size
        if add.flush_age_seconds is not None:
            self.s.flush_age_seconds = add.flush_age_seconds

    @workflow.signal
    def flush(self) -> None:
        self.flush_asked = True

    @workflow.signal
    def clear(self) -> None:
        self.clear_asked = True

    @workflow.query
    def status(self) -> QueueState:
        oldest = self._oldest()
        due = self._next_flush()
        return QueueState(
            workflow_id=workflow.info().workflow_id,
            queued=self._queued(),
            queued_bytes=sum(p.chunk.body_bytes for p in self.s.pending),
            oldest_added_at=oldest,
            flush_size=self.s.flush_size,
            flush_age_seconds=self.s.flush_age_seconds,
            next_flush_at=due[0] if due else None,
            next_flush_reason=due[1] if due else None,
            flushing=self.flushing,
            flushes=list(self.s.recent),
        )

    # -- the run --------------------------------------------------------------------------------------------------
    @workflow.run
    async def run(self, inp: QueueInput) -> None:
        if not self.s.epoch:
            self.s.epoch = workflow.uuid4().hex[:12]
        while True:
            if self.flush_asked and not self.s.pending:
                self.flush_asked = False  # nothing to flush: a later add waits for its own trigger
            if self.clear_asked:
                await self._clear()
                continue
            reason = self._due()
            if reason is not None:
                await self._flush(reason)
                continue
            if self._history_long():
                break
            await self._wait()
        await workflow.wait_condition(workflow.all_handlers_finished)
        workflow.continue_as_new(self.s)

    async def _wait(self) -> None:
        """Until a signal makes a flush (or a clear) due, or the oldest chunk comes of age (a timer)."""

        def woken() -> bool:  # each signal re-checks: history grows by signals too
            return self.clear_asked or self.flush_asked or self._due() is not None or self._history_long()

        due = self._next_flush()
        if due is None:
            await workflow.wait_condition(woken)
            return
        left = due[0] - workflow.now()
        if left <= timedelta(0):
            return
        try:
            await workflow.wait_condition(woken, timeout=left)
        except TimeoutError:
            pass

    def _queued(self) -> int:
        return sum(p.chunk.request_count for p in self.s.pending)

    def _oldest(self) -> datetime | None:
        return min((p.added_at for p in self.s.pending), default=None)

    def _next_flush(self) -> tuple[datetime, str] | None:
        oldest = self._oldest()
        if oldest is None:
            return None
        if self.flush_asked:
            return workflow.now(), "manual"
        if self._queued() >= self.s.flush_size:
            return workflow.now(), "size"
        return oldest + timedelta(seconds=self.s.flush_age_seconds), "age"

    def _due(self) -> str | None:
        due = self._next_flush()
        return due[1] if due is not None and due[0] <= workflow.now() else None

    def _history_long(self) -> bool:
        info = workflow.info()
        return info.is_continue_as_new_suggested() or info.get_current_history_length() >= self.s.max_history

    async def _flush(self, reason: str) -> None:
        taken, self.s.pending = self.s.pending, []
        self.flush_asked = False
        self.flushing = True
        self.s.flushes += 1
        ref = FlushRef(self.s.flushes, reason, sum(p.chunk.request_count for p in taken), at=workflow.now())
        build = BuildFlush(
            self.s.epoch, ref.number, [p.chunk.path for p in taken], self.s.max_requests, self.s.max_body_bytes
        )
        try:
            built: BuiltFlush = await workflow.execute_activity(
                "queue_build_flush",
                build,
                result_type=BuiltFlush,
                start_to_close_timeout=timedelta(hours=1),
                heartbeat_timeout=timedelta(seconds=self.s.heartbeat_seconds),
                retry_policy=STEP_RETRY,
            )
        except ActivityError as exc:
            cause = exc.cause.message if isinstance(exc.cause, ApplicationError) else str(exc.cause or exc)
            ref.error = f"not sent: {cause}; its requests wait queued"
            self.s.pending = taken + self.s.pending  # nothing was started: they go out with the next flush
            self._remember(ref)
            self.flushing = False
            try:
                await workflow.wait_condition(lambda: self.flush_asked or self.clear_asked, timeout=FAILED_FLUSH_WAIT)
            except TimeoutError:
                pass
            return
        for part in built.parts:
            ref.workflow_ids.append(await self._start_submission(part, ref, len(built.parts)))
        self._remember(ref)
        self.flushing = False
        await self._drop([p.chunk.path for p in taken])

    async def _start_submission(self, part: FlushPart, ref: FlushRef, parts: int) -> str:
        workflow_id = ids.workflow_id_for(part.submission_id)
        label = f"queue flush {ref.number}" + (f" (part {len(ref.workflow_ids) + 1}/{parts})" if parts > 1 else "")
        try:
            await self._start_child(workflow_id, part, label)
        except WorkflowAlreadyStartedError:
            pass  # its id is this flush's alone: it is this very submission, already on its way
        return workflow_id

    async def _start_child(self, workflow_id: str, part: FlushPart, label: str) -> None:
        await workflow.start_child_workflow(
            ids.SUBMISSION_WORKFLOW,
            SubmissionInput(
                submission_id=part.submission_id,
                spool=part.spool,
                request_count=part.request_count,
                body_bytes=part.body_bytes,
                digest=part.digest,
                label=label,
                retries=self.s.retries,
                webhook=self.s.webhook,
                output_dir=self.s.output_dir,
                safety_check_seconds=self.s.safety_check_seconds,
                heartbeat_seconds=self.s.heartbeat_seconds,
            ),
            id=workflow_id,
            task_queue=self.s.task_queue,
            parent_close_policy=ParentClosePolicy.ABANDON,  # it carries its batch whatever this run does
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            search_attributes=TypedSearchAttributes([SearchAttributePair(ids.PHASE, "checking")]),
        )

    def _remember(self, ref: FlushRef) -> None:
        self.s.recent = [ref, *self.s.recent][:RECENT_FLUSHES]

    async def _clear(self) -> None:
        taken, self.s.pending = self.s.pending, []
        self.clear_asked = False
        self.flush_asked = False
        await self._drop([p.chunk.path for p in taken])

    async def _drop(self, paths: list[str]) -> None:
        if paths:
            await workflow.execute_activity(
                "queue_drop_chunks",
                DropChunks(paths),
                start_to_close_timeout=timedelta(minutes=5),
                retry_policy=STEP_RETRY,
            )
