"""Which batches Temporal workflows carry, as the cache knows it: the workflow's phase, not a retry round's."""

from __future__ import annotations

from batchtui.core.models import WorkflowLink
from batchtui.core.store import Store

WORKFLOW = "batchtui-sub-aaaa"


async def created(store: Store, submission_id: str, batch_id: str, phase: str | None, **kw) -> None:
    await store.record_submission(
        source_file=None, label=None, request_count=2, body_bytes=10, params_digest=submission_id,
        submission_id=submission_id, workflow_id=kw.pop("workflow_id", WORKFLOW), **kw,
    )  # fmt: skip
    await store.mark_submission_sending(submission_id)
    await store.mark_submission_created(submission_id, batch_id)
    if phase is not None:
        await store.set_workflow_phase(submission_id, phase)


async def test_a_plain_submission_carries_nothing(store: Store) -> None:
    sub = await store.record_submission(source_file=None, label=None, request_count=1, body_bytes=1, params_digest="x")
    await store.mark_submission_sending(sub.id)
    await store.mark_submission_created(sub.id, "msgbatch_plain")
    assert await store.workflow_links() == {}


async def test_every_batch_of_a_retry_chain_shows_the_phase_of_the_round_running_now(store: Store) -> None:
    await created(store, "aaaa", "msgbatch_first", "downloading")  # stale: the workflow moved on to a retry round
    await created(store, "aaaa-r1", "msgbatch_retry", "tracking", parent_batch_id="msgbatch_first")
    links = await store.workflow_links()
    assert links == {
        "msgbatch_first": WorkflowLink(WORKFLOW, "tracking"),
        "msgbatch_retry": WorkflowLink(WORKFLOW, "tracking"),
    }
    assert all(link.live and link.source == "cache" for link in links.values())


async def test_the_final_phase_lands_on_the_first_submission_and_ends_the_whole_chain(store: Store) -> None:
    await created(store, "aaaa", "msgbatch_first", "tracking")
    await created(store, "aaaa-r1", "msgbatch_retry", "downloading", parent_batch_id="msgbatch_first")
    await store.set_workflow_phase("aaaa", "done")  # the `finish` activity
    links = await store.workflow_links()
    assert {link.phase for link in links.values()} == {"done"}
    assert not any(link.live for link in links.values())


async def test_workflows_are_kept_apart(store: Store) -> None:
    await created(store, "aaaa", "msgbatch_a", "canceled")
    await created(store, "bbbb", "msgbatch_b", "tracking", workflow_id="batchtui-sub-bbbb")
    links = await store.workflow_links()
    assert links["msgbatch_a"] == WorkflowLink(WORKFLOW, "canceled") and not links["msgbatch_a"].live
    assert links["msgbatch_b"] == WorkflowLink("batchtui-sub-bbbb", "tracking") and links["msgbatch_b"].live


def test_visibility_knows_when_a_workflow_was_stopped_from_outside() -> None:
    assert not WorkflowLink(WORKFLOW, "tracking", "temporal", closed="TERMINATED").live
    assert WorkflowLink(WORKFLOW, None).live  # not reported yet: still running
