"""A CSV with defaults through the Temporal engine: the workflow sends the requests the defaults made, and the
worker keeps each row's extra columns as local metadata (never sent), then removes the spool and its sidecar."""

from __future__ import annotations

import json

import pytest

from batchtui.core.inputs import RequestDefaults
from batchtui.core.store import Store
from batchtui.temporal.submit import submit_workflow

pytestmark = pytest.mark.timeout(180)


@pytest.mark.emulator(batch_seconds=1)
async def test_a_csv_with_defaults_runs_as_a_workflow_and_keeps_its_metadata(engine, tmp_path):
    source = tmp_path / "tickets.csv"
    source.write_text("id,prompt,team\nT-1,Summarise ticket one,ops\nT-2,Summarise ticket two,billing\n")
    defaults = RequestDefaults(model="claude-haiku-4-5", max_tokens=64)
    async with engine.worker():
        done = await submit_workflow(engine.settings, source, engine.options(), defaults=defaults)
        summary = await done.started.handle.result()
    (batch_id,) = summary.batch_ids
    assert summary.counts["succeeded"] == 2
    async with await Store.open(engine.settings.db_path) as store:
        assert await store.request_metadata(batch_id, ["T-1", "T-2"]) == {"T-1": {"team": "ops"},
                                                                         "T-2": {"team": "billing"}}  # fmt: skip
        params = json.loads(await store.get_request_params(batch_id, "T-1"))  # type: ignore[arg-type]
    # What the spool held, so what was sent: the defaults filled in, the extra column left out.
    assert (params["model"], params["max_tokens"]) == ("claude-haiku-4-5", 64)
    assert params["messages"][0]["content"] == "Summarise ticket one" and "team" not in json.dumps(params)
    assert list(engine.spool.glob("*")) == [], "spool and metadata sidecar removed when the workflow ends"
