"""The submission workflow: it only decides. Check the spool → create exactly once → wait for the poller's word
that the batch ended (no loop, no events while nothing changes) → download → retry rounds → notify → done.

History for one batch is about 40 events however long it runs; each safety check (the poller silent for
`safety_check_seconds`, 6 h by default) adds about 11, each retry round about 25.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from batchtui.temporal import ids
    from batchtui.temporal.models import (
        BatchRef,
        BatchUpdate,
        CreateInput,
        CreateResult,
        DownloadInput,
        DownloadResult,
        FinishInput,
        NotifyInput,
        SpoolCheck,
        SubmissionInput,
        Summary,
    )

# Creating is retried without bound (each attempt reconciles before it sends); the backoff is capped so that a
# submission created while the API was down goes out soon after it is back.
CREATE_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=2),
    maximum_interval=timedelta(minutes=2),
    non_retryable_error_types=["Refused", "SpoolUnreadable"],
)
STEP_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=2),
    maximum_interval=timedelta(minutes=5),
    non_retryable_error_types=["SpoolUnreadable", "NoResults"],
)
NOTIFY_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=5), maximum_interval=timedelta(minutes=5), maximum_attempts=8
)


@workflow.defn(name=ids.SUBMISSION_WORKFLOW)
class SubmissionWorkflow:
    @workflow.init
    def __init__(self, inp: SubmissionInput) -> None:
        self.inp = inp
        self.summary = Summary(workflow.info().workflow_id, inp.submission_id, "checking")
        self.cancel_requested = False
        self.cancel_sent: set[str] = set()

    # -- handlers -------------------------------------------------------------------------------------------------
    @workflow.signal
    def batch_update(self, update: BatchUpdate) -> None:
        """Idempotent: the poller may say the same thing twice (a crash between its signal and its memory)."""
        if update.batch_id in self.summary.batch_ids:
            self.summary.batch_statuses[update.batch_id] = update.processing_status

    @workflow.signal
    def cancel(self) -> None:
        self.cancel_requested = True
        self.summary.cancel_requested = True

    @workflow.query
    def status(self) -> Summary:
        return self.summary

    # -- the run --------------------------------------------------------------------------------------------------
    @workflow.run
    async def run(self, inp: SubmissionInput) -> Summary:
        try:
            await self._run(inp)
        except ActivityError as exc:
            cause = exc.cause.message if isinstance(exc.cause, ApplicationError) else str(exc.cause or exc)
            self.summary.error = cause
            await self._finish("failed")
            raise ApplicationError(f"submission {inp.submission_id}: {cause}", type="SubmissionFailed") from exc
        return self.summary

    async def _run(self, inp: SubmissionInput) -> None:
        await self._act("check_spool", SpoolCheck(inp.spool, inp.request_count, inp.digest), minutes=10)
        if self.cancel_requested:
            await self._finish("canceled")
            return
        self._phase("creating")
        created: CreateResult = await self._create(
            CreateInput(
                inp.submission_id,
                self.summary.workflow_id,
                inp.spool,
                inp.request_count,
                inp.body_bytes,
                inp.digest,
                inp.label,
                inp.source_file,
            )
        )
        assert created.batch_id is not None
        self.summary.probable = created.probable
        rounds = 0
        retried: dict[str, int] = {}
        round_id = inp.submission_id  # the submission of the batch being tracked: `{id}-r{n}` for a retry round
        while True:
            batch_id = created.batch_id
            assert batch_id is not None
            self._track(batch_id)
            await self._wait_ended(batch_id)
            self._phase("downloading", batch_id)
            got: DownloadResult = await self._act(
                "download_results",
                DownloadInput(batch_id, round_id, inp.label, inp.output_dir),
                minutes=120,
                heartbeat=True,
            )
            for key, n in got.counts.items():
                self.summary.counts[key] = self.summary.counts.get(key, 0) + n
            for key, n in retried.items():  # these requests' outcome is the retry round's, just added
                self.summary.counts[key] = self.summary.counts.get(key, 0) - n
            retried = {}
            if got.path:
                self.summary.results_files.append(got.path)
            if rounds >= inp.retries or self.cancel_requested or not got.retryable:
                break
            rounds += 1
            round_id = f"{inp.submission_id}-r{rounds}"
            self._phase("retrying", batch_id)
            created = await self._create(
                CreateInput(
                    round_id,
                    self.summary.workflow_id,
                    inp.spool,
                    label=inp.label,
                    source_file=inp.source_file,
                    retry_of=batch_id,
                )
            )
            if created.batch_id is None:
                break
            retried = dict(got.retryable_types)
        if inp.webhook:
            self._phase("notifying")
            final = "canceled" if self.cancel_requested else "done"
            note = Summary(**{**self.summary.__dict__, "phase": final})
            try:
                await workflow.execute_activity(
                    "notify",
                    NotifyInput(inp.webhook, note),
                    start_to_close_timeout=timedelta(seconds=60),
                    retry_policy=NOTIFY_RETRY,
                )
            except ActivityError as exc:  # a dead webhook must not fail a batch that is done
                self.summary.error = f"webhook not delivered: {exc.cause or exc}"
        await self._finish("canceled" if self.cancel_requested else "done")

    async def _create(self, inp: CreateInput) -> CreateResult:
        return await workflow.execute_activity(
            "create_batch",
            inp,
            result_type=CreateResult,
            start_to_close_timeout=timedelta(hours=1),
            heartbeat_timeout=self._heartbeat(),
            retry_policy=CREATE_RETRY,
        )

    def _track(self, batch_id: str) -> None:
        self.summary.batch_ids.append(batch_id)
        self.summary.batch_statuses.setdefault(batch_id, "in_progress")
        self._phase("tracking", batch_id)

    async def _wait_ended(self, batch_id: str) -> None:
        """Wait for the poller's signal; cancel when asked; look ourselves only if the poller stays silent."""
        safety = timedelta(seconds=self.inp.safety_check_seconds)
        while self.summary.batch_statuses.get(batch_id) != "ended":
            if self.cancel_requested and batch_id not in self.cancel_sent:
                self.cancel_sent.add(batch_id)
                self._phase("canceling", batch_id)
                await self._update_from(await self._act("cancel_batch", BatchRef(batch_id), minutes=5))
                continue
            try:
                await workflow.wait_condition(
                    lambda: (
                        self.summary.batch_statuses.get(batch_id) == "ended"
                        or (self.cancel_requested and batch_id not in self.cancel_sent)
                    ),
                    timeout=safety,
                )
            except TimeoutError:
                await self._update_from(await self._act("check_batch", BatchRef(batch_id), minutes=5))

    async def _update_from(self, update: dict) -> None:
        self.batch_update(BatchUpdate(**update))

    async def _act(self, name: str, arg: object, *, minutes: float, heartbeat: bool = False) -> object:
        return await workflow.execute_activity(
            name,
            arg,
            start_to_close_timeout=timedelta(minutes=minutes),
            heartbeat_timeout=self._heartbeat() if heartbeat else None,
            retry_policy=STEP_RETRY,
            result_type=_RESULT_TYPES.get(name),
        )

    def _heartbeat(self) -> timedelta:
        return timedelta(seconds=self.inp.heartbeat_seconds)

    def _phase(self, phase: str, batch_id: str | None = None) -> None:
        """One history event: the phase (and the batch being tracked) where the poller and `workflows` read it."""
        self.summary.phase = phase
        updates = [ids.PHASE.value_set(phase)]
        if batch_id is not None:
            updates += [ids.BATCH_ID.value_set(batch_id), ids.BATCH_IDS.value_set(list(self.summary.batch_ids))]
        workflow.upsert_search_attributes(updates)

    async def _finish(self, phase: str) -> None:
        self._phase(phase)
        await workflow.execute_activity(
            "finish",
            FinishInput(self.inp.submission_id, self.inp.spool, phase, list(self.summary.batch_ids)),
            start_to_close_timeout=timedelta(minutes=5),
            retry_policy=STEP_RETRY,
        )
        await workflow.wait_condition(workflow.all_handlers_finished)


_RESULT_TYPES: dict[str, type] = {
    "download_results": DownloadResult,
    "check_spool": dict,
    "cancel_batch": dict,
    "check_batch": dict,
}
