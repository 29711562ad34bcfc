"""--demo after the command, and --batch-seconds: demo batches end in demo time."""

from __future__ import annotations

import json
import sqlite3
import time

import pytest

from batchtui.cli import main


def _ends(state: str) -> list[float]:
    """Seconds from now until each batch of the demo's emulator state ends (negative: already ended)."""
    with sqlite3.connect(state) as db:
        rows = db.execute("SELECT created_at, duration, cancel_initiated_at, cancel_seconds FROM batches").fetchall()
    now = time.time()
    return [min(c + d, (ci + cs) if ci is not None else float("inf")) - now for c, d, ci, cs in rows]


def test_demo_after_the_command_with_demo_time(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    db = tmp_path / "demo" / "cache.sqlite3"
    assert main(["--db", str(db), "list", "--demo", "--batch-seconds", "8", "--json"]) == 0
    batches = json.loads(capsys.readouterr().out)
    assert "quick-check" in {b["label"] for b in batches}
    assert any(b["processing_status"] != "ended" for b in batches)
    ends = _ends(str(tmp_path / "demo" / "emulator.sqlite3"))
    assert max(ends) <= 8  # every batch still in flight ends within --batch-seconds

    path = tmp_path / "r.jsonl"
    line = {"custom_id": "a", "params": {"model": "claude-sonnet-4-5", "max_tokens": 50,
            "messages": [{"role": "user", "content": "What is a batch?"}]}}  # fmt: skip
    path.write_text(json.dumps(line) + "\n", encoding="utf-8")
    assert main(["--db", str(db), "submit", str(path), "--demo", "--batch-seconds", "8", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["batch_ids"]
    assert max(_ends(str(tmp_path / "demo" / "emulator.sqlite3"))) <= 8 * 1.3  # a new one too (±30 % jitter)

    assert main(["--db", str(db), "stats", "--demo", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)


def test_batch_seconds_needs_demo(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["list", "--batch-seconds", "5"])
    assert exited.value.code == 2 and "use it with --demo" in capsys.readouterr().err
