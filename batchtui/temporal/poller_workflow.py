"""The one poller of the fleet: a singleton workflow (fixed id) that runs one long heartbeating activity at a time.
Every worker "starts" it with USE_EXISTING, so there is exactly one, and a killed worker's run is taken over by
another worker once its heartbeat times out. About 6 events per activity run; it continues as new when told to."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from batchtui.temporal import ids
    from batchtui.temporal.models import PollerInput, PollStats


@workflow.defn(name=ids.POLLER_WORKFLOW)
class PollerWorkflow:
    @workflow.run
    async def run(self, inp: PollerInput) -> None:
        while True:
            await workflow.execute_activity(
                "poll_batches",
                inp,
                result_type=PollStats,
                start_to_close_timeout=timedelta(seconds=inp.run_seconds + 600),
                heartbeat_timeout=timedelta(seconds=inp.heartbeat_seconds),
                retry_policy=RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1)),
            )
            if workflow.info().is_continue_as_new_suggested():
                workflow.continue_as_new(inp)
