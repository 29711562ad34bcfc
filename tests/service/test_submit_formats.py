"""Every input format submitted end to end on the emulator: defaults applied, ids generated, metadata stored locally
(never sent) and exported beside the results; a bad simple file sends and records nothing."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from batchtui.core.inputs import RequestDefaults
from batchtui.core.inputs.custom_ids import generated_custom_id
from batchtui.service.actions import ensure_results
from batchtui.service.export import Selection, export
from batchtui.service.submit import ValidationFailed, prepare, submit
from tests.service.support import server_batch_ids

DEFAULTS = RequestDefaults(model="claude-haiku-4-5", max_tokens=50, system="Answer in one word.")


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


FILES = {
    "questions.csv": "id,prompt,max_tokens,team\nq1,What is 2+2?,20,ops\n,Name a colour,,design\n",
    "questions.json": json.dumps(
        [{"id": "q1", "content": "What is 2+2?", "max_tokens": 20}, {"prompt": "Name a colour"}]
    ),
    "questions.txt": "What is 2+2?\nName a colour\n",
}


@pytest.mark.parametrize("name", sorted(FILES))
async def test_each_format_is_submitted_with_defaults_and_generated_ids(name, tmp_path, session, other_tool):
    path = write(tmp_path / name, FILES[name])
    outcome = await submit(session, path, label=name, defaults=DEFAULTS)
    batch = outcome.batch
    assert batch is not None and batch.request_counts.total == 2
    assert server_batch_ids(other_tool) == [batch.id]
    second = generated_custom_id(3 if name.endswith(".csv") else 2, "Name a colour")
    ids = ["q1", second] if not name.endswith(".txt") else [generated_custom_id(1, "What is 2+2?"), second]
    stored = {cid: json.loads(await session.store.get_request_params(batch.id, cid)) for cid in ids}
    assert stored[ids[1]] == {
        "model": "claude-haiku-4-5",
        "max_tokens": 50,
        "system": "Answer in one word.",
        "messages": [{"role": "user", "content": "Name a colour"}],
    }
    assert stored[ids[0]]["max_tokens"] == (50 if name.endswith(".txt") else 20)  # a row's own value wins


async def test_csv_metadata_is_stored_and_exported_but_never_sent(tmp_path, session, batch_emulator, other_tool):
    path = write(tmp_path / "tickets.csv", "id,prompt,team,ticket\nq1,Hello,ops,T-1\nq2,World,dev,\n")
    spooled = prepare(path, tmp_path / "spool", defaults=DEFAULTS, keep_metadata=True)
    assert "ops" not in spooled.spool.read_text() and "T-1" in spooled.metadata.read_text()  # type: ignore[union-attr]
    spooled.discard()
    assert not list((tmp_path / "spool").iterdir())

    outcome = await submit(session, path, defaults=DEFAULTS)
    assert outcome.batch is not None
    assert not list(session.spool_dir.glob("*"))  # spool and metadata sidecar both gone
    batch_id = outcome.batch.id
    assert await session.store.request_metadata(batch_id, ["q1", "q2"]) == {
        "q1": {"team": "ops", "ticket": "T-1"},
        "q2": {"team": "dev", "ticket": ""},
    }
    batch_emulator.clock.advance(3600)
    await ensure_results(session, batch_id)

    out = io.StringIO(newline="")
    await export(session, Selection((batch_id,)), "csv", out)
    table = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert {r["custom_id"]: (r["team"], r["ticket"]) for r in table} == {"q1": ("ops", "T-1"), "q2": ("dev", "")}

    out = io.StringIO()
    await export(session, Selection((batch_id,)), "jsonl", out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert {x["custom_id"]: x["metadata"]["team"] for x in lines} == {"q1": "ops", "q2": "dev"}
    assert all(x["result"]["type"] for x in lines)  # the API's own fields are all there


async def test_a_simple_file_without_a_model_sends_and_records_nothing(tmp_path, session, other_tool):
    path = write(tmp_path / "questions.txt", "What is 2+2?\n")
    with pytest.raises(ValidationFailed) as info:
        await submit(session, path, defaults=RequestDefaults(max_tokens=10))
    assert [(e.field, e.code) for e in info.value.report.errors] == [("model", "missing_default")]
    assert await session.store.list_submissions() == []
    assert server_batch_ids(other_tool) == []
    assert not list(session.spool_dir.glob("*"))
