"""Completion hooks from the command line: `submit --wait --on-complete`, `sync --on-complete`, the `[hooks]` table
of config.toml, `hooks --json`, and the usage errors (exit 2, nothing sent)."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import anthropic
import pytest

from tests.commands.test_cli import requests_file, server_ids

pytestmark = pytest.mark.emulator(batch_seconds=0.5)


def recorder(tmp_path: Path) -> tuple[str, Path]:
    """A command that appends what it was given (batch id, number of result lines) to a log file."""
    log = tmp_path / "hook.log"
    script = tmp_path / "hook.py"
    script.write_text(
        "import os, sys\n"
        "rows = open(os.environ['BATCHTUI_RESULTS_FILE']).read().count('\\n')\n"
        "open(sys.argv[1], 'a').write(f\"{os.environ['BATCHTUI_BATCH_ID']} {rows}\\n\")\n"
    )
    return f"{sys.executable} {script} {log}", log


def wait_ended(emu, batch_id: str) -> None:
    client = anthropic.Anthropic(api_key="t", base_url=emu.base_url)
    for _ in range(100):
        if client.messages.batches.retrieve(batch_id).processing_status == "ended":
            return
        time.sleep(0.1)
    raise AssertionError("the batch never ended")


def test_submit_wait_runs_the_hook_and_reports_it(cli, tmp_path):
    command, log = recorder(tmp_path)
    code, out, _ = cli("submit", str(requests_file(tmp_path, n=5)), "--wait", "--json", "--on-complete", command,
                       "--results-dir", str(tmp_path / "results"))  # fmt: skip
    assert code == 0
    data = json.loads(out)
    (batch_id,) = data["batch_ids"]
    assert data["hooks"] == [{"batch_id": batch_id, "hook": f"command {command}", "ok": True, "error": None,
                              "retry_in": None}]  # fmt: skip
    assert log.read_text() == f"{batch_id} 5\n"
    assert (tmp_path / "results" / f"{batch_id}.jsonl").is_file()
    code, out, _ = cli("hooks", "--json")
    (delivery,) = json.loads(out)
    assert delivery["batch_id"] == batch_id and delivery["state"] == "delivered" and delivery["attempts"] == 1


def test_sync_fires_hooks_from_the_config_file_for_batches_that_end(cli, tmp_path, batch_emulator):
    command, log = recorder(tmp_path)
    config = Path(os.environ["XDG_CONFIG_HOME"]) / "batchtui" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(f"[hooks]\non_complete = {json.dumps(command)}\nresults_dir = {json.dumps(str(tmp_path))}\n")
    code, out, _ = cli("submit", str(requests_file(tmp_path, n=3)), "--json")
    batch_id = json.loads(out)["batch_ids"][0]
    wait_ended(batch_emulator, batch_id)
    code, out, err = cli("sync", "--json")
    assert code == 0, err
    assert [(h["batch_id"], h["ok"]) for h in json.loads(out)["hooks"]] == [(batch_id, True)]
    assert log.read_text() == f"{batch_id} 3\n"
    code, out, _ = cli("sync", "--json")
    assert json.loads(out)["hooks"] == [], "once per end"
    code, out, _ = cli("hooks")
    assert code == 0 and batch_id in out and "delivered" in out


def test_a_failing_hook_is_reported_and_kept_for_the_next_sync(cli, tmp_path, batch_emulator):
    code, out, _ = cli("submit", str(requests_file(tmp_path, n=2)), "--json")
    batch_id = json.loads(out)["batch_ids"][0]
    wait_ended(batch_emulator, batch_id)
    code, _, err = cli("sync", "--on-complete", "echo no database >&2; exit 4")
    assert code == 0, "a hook's failure is not the sync's"
    assert "hook " in err and "command exited with 4: no database" in err and "trying again in" in err
    code, out, _ = cli("hooks", batch_id, "--json")
    (delivery,) = json.loads(out)
    assert delivery["state"] == "pending" and delivery["attempts"] == 1 and delivery["next_at"]


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--on-complete", "true"], "need --wait"),
        (["--notify-webhook", "http://127.0.0.1:9/x"], "need --wait"),
        (["--wait", "--notify-webhook", "file:///tmp/x"], "not an http(s) URL"),
        (["--engine", "temporal", "--on-complete", "true"], "run with the local engine"),
    ],
)
def test_hook_flags_that_cannot_work_are_usage_errors(cli, tmp_path, batch_emulator, flags, message):
    code, _, err = cli("submit", str(requests_file(tmp_path)), *flags)
    assert code == 2 and message in err
    assert server_ids(batch_emulator) == [], "nothing was sent"
