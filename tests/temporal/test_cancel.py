"""The one cancel decision shared by `batchtui cancel` and the dashboard (batchtui/temporal/cancel.py): what a live
workflow carries goes through its signal, never to the API; what cannot be signalled is reported, not canceled.
These cases need no server; the signal itself is tested on the real dev server (test_cli.py, test_dashboard.py)."""

from __future__ import annotations

import sys

import pytest

from batchtui.core.config import TemporalSettings
from batchtui.core.errors import UsageError
from batchtui.core.models import WorkflowLink
from batchtui.temporal.cancel import Signalled, cancel_through_workflows, carrier, connect
from batchtui.temporal.client import TemporalUnavailable
from batchtui.temporal.names import EXTRA_MISSING

NOBODY = TemporalSettings("127.0.0.1:1")  # nothing listens on port 1: refused at once


async def carried_by_cache(store, batch_id: str, phase: str, workflow_id: str = "batchtui-sub-abc") -> None:
    sub = await store.record_submission(source_file=None, label=None, request_count=1, body_bytes=1,
                                        params_digest=batch_id, workflow_id=workflow_id)  # fmt: skip
    await store.mark_submission_sending(sub.id)
    await store.mark_submission_created(sub.id, batch_id)
    await store.set_workflow_phase(sub.id, phase)


def test_carrier() -> None:
    links = {"msgbatch_live": WorkflowLink("wf-1", "tracking"), "msgbatch_over": WorkflowLink("wf-2", "done")}
    assert carrier("batchtui-sub-xyz", {}) == "batchtui-sub-xyz"  # a workflow id names itself
    assert carrier("msgbatch_live", links) == "wf-1"
    assert carrier("msgbatch_over", links) is None  # the workflow is over: nobody to confuse
    assert carrier("msgbatch_plain", links) is None


async def test_nothing_carried_and_no_address_asks_no_server(cache_store) -> None:
    await carried_by_cache(cache_store, "msgbatch_over", "done")
    outcome = await cancel_through_workflows(cache_store, ["msgbatch_plain", "msgbatch_over"], TemporalSettings())
    assert outcome.direct == ["msgbatch_plain", "msgbatch_over"] and outcome.signalled == []


async def test_strict_refuses_everything_when_visibility_cannot_be_asked(cache_store) -> None:
    await carried_by_cache(cache_store, "msgbatch_live", "tracking")
    with pytest.raises(TemporalUnavailable, match="batchtui temporal dev"):
        await cancel_through_workflows(cache_store, ["msgbatch_live", "msgbatch_plain"], NOBODY)


async def test_lenient_never_cancels_a_carried_batch_behind_its_workflow(cache_store) -> None:
    await carried_by_cache(cache_store, "msgbatch_live", "tracking")
    known = {"msgbatch_seen": WorkflowLink("batchtui-sub-remote", "tracking", "temporal")}  # visibility, earlier
    targets = ["msgbatch_live", "msgbatch_seen", "msgbatch_plain"]
    outcome = await cancel_through_workflows(cache_store, targets, NOBODY, known=known, strict=False)
    assert outcome.direct == ["msgbatch_plain"]  # carried by no workflow anyone knows of
    assert [(s.target, s.workflow_id) for s in outcome.signalled] == [
        ("msgbatch_live", "batchtui-sub-abc"),
        ("msgbatch_seen", "batchtui-sub-remote"),
    ]
    assert all(s.error and "No Temporal server at 127.0.0.1:1" in s.error for s in outcome.signalled)
    assert outcome.lookup_error and "127.0.0.1:1" in outcome.lookup_error


async def test_unconfigured_still_signals_what_the_cache_knows(cache_store) -> None:
    """No address configured: the signal goes to the default address (here: nobody), and fails loudly."""
    await carried_by_cache(cache_store, "msgbatch_live", "tracking")
    outcome = await cancel_through_workflows(
        cache_store, ["msgbatch_live"], TemporalSettings(namespace="x", ui=None), strict=False
    )
    assert outcome.direct == [] and outcome.lookup_error is None
    (sent,) = outcome.signalled
    assert isinstance(sent, Signalled) and sent.workflow_id == "batchtui-sub-abc"


async def test_without_the_extra_it_says_how_to_install_it(monkeypatch) -> None:
    # What an install without `batchtui[temporal]` looks like to the import system (restored after the test).
    for name in [m for m in sys.modules if m == "temporalio" or m.startswith("temporalio.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.delitem(sys.modules, "batchtui.temporal.client")
    with pytest.raises(UsageError) as caught:
        await connect(NOBODY)
    assert str(caught.value) == EXTRA_MISSING
