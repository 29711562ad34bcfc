"""`--demo`: every command works with no key against the embedded, seeded emulator and its own cache."""

from __future__ import annotations

import asyncio
import json

from batchtui.cli import main
from batchtui.core.store import Store


def test_demo_list_is_seeded_labelled_and_knows_its_prompts(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    db = tmp_path / "demo" / "cache.sqlite3"
    assert main(["--demo", "--db", str(db), "list", "--json"]) == 0
    batches = json.loads(capsys.readouterr().out)
    statuses = {b["processing_status"] for b in batches}
    assert {"in_progress", "canceling", "ended"} <= statuses
    labels = {b["label"] for b in batches}
    assert "sentiment-large" in labels and "quick-check" in labels
    assert (tmp_path / "demo" / "emulator.sqlite3").exists()  # the demo's own state, beside its cache

    triage = next(b for b in batches if b["label"] == "support-triage")

    async def prompt() -> str | None:
        async with await Store.open(db) as store:
            return await store.get_request_params(triage["id"], "support-00003")

    params = json.loads(asyncio.run(prompt()))
    assert "support ticket" in params["messages"][0]["content"]

    # A second run reuses the same state: same batches, nothing seeded twice.
    assert main(["--demo", "--db", str(db), "list", "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert sorted(b["id"] for b in again) == sorted(b["id"] for b in batches)
