"""`retry` and `label` end to end: JSON shapes, the child naming its parent in `show --json`, exit codes."""

from __future__ import annotations

import json
import time

import anthropic
import pytest

from tests.commands.test_cli import requests_file, server_ids


def wait_all_ended(emu) -> None:
    client = anthropic.Anthropic(api_key="t", base_url=emu.base_url)
    for _ in range(100):
        if all(b.processing_status == "ended" for b in client.messages.batches.list()):
            return
        time.sleep(0.1)
    raise AssertionError("batches never ended")


@pytest.mark.emulator(batch_seconds=0.3, error_rate=0.5, seed=3)
def test_retry_json_and_lineage(cli, tmp_path, batch_emulator):
    code, out, _ = cli("submit", str(requests_file(tmp_path, n=12, bad_model_every=5)), "--label", "nightly", "--json")
    parent = json.loads(out)["batch_ids"][0]
    wait_all_ended(batch_emulator)
    code, out, err = cli("retry", parent, "--json")
    assert code == 0, err
    data = json.loads(out)
    (child,) = data["batch_ids"]
    assert data["parent_batch_id"] == parent and data["skipped_invalid"] == 3  # items 0, 5, 10: unknown model
    assert data["request_count"] == sum(data["retried"].values()) == data["batch"]["request_counts"]["processing"]
    assert set(data["retried"]) <= {"errored", "expired"} and data["request_count"] > 0
    code, out, _ = cli("show", child, "--json")
    shown = json.loads(out)
    assert shown["parent_batch_id"] == parent and shown["label"] == "nightly (retry)"
    assert "--include-invalid sends them" in err and child in server_ids(batch_emulator)


@pytest.mark.emulator(batch_seconds=0.3)
def test_retry_dry_run_and_usage_errors(cli, tmp_path, batch_emulator):
    code, out, _ = cli("submit", str(requests_file(tmp_path, n=4)), "--json")
    parent = json.loads(out)["batch_ids"][0]
    wait_all_ended(batch_emulator)
    code, out, err = cli("retry", parent, "--json", "--dry-run")
    assert code == 0 and json.loads(out)["batch_ids"] == [] and "nothing to retry" in err
    code, _, err = cli("retry", parent, "--types", "succeeded")
    assert code == 2 and "choose from errored, expired, canceled" in err
    assert server_ids(batch_emulator) == [parent]


@pytest.mark.emulator(batch_seconds=30)
def test_label_set_show_clear(cli, tmp_path, batch_emulator):
    client = anthropic.Anthropic(api_key="t", base_url=batch_emulator.base_url)
    params = {"model": "claude-haiku-4-5", "max_tokens": 5, "messages": [{"role": "user", "content": "hi"}]}
    theirs = client.messages.batches.create(requests=[{"custom_id": "a", "params": params}]).id  # type: ignore[list-item]
    code, out, _ = cli("label", theirs, "made elsewhere", "--json")
    assert code == 0 and json.loads(out)["label"] == "made elsewhere"
    code, out, _ = cli("list")
    assert "made elsewhere" in out
    code, _, err = cli("label", theirs, "")
    assert code == 0 and "label removed" in err
    code, out, _ = cli("show", theirs, "--json")
    assert json.loads(out)["label"] is None
    code, _, err = cli("label", "msgbatch_missing", "x")
    assert code == 1 and "No batch msgbatch_missing" in err
