"""Every CLI command end to end against the emulator: outputs, JSON shapes and exit codes are a contract."""

from __future__ import annotations

import csv
import io
import json

import anthropic
import pytest

from batchtui.cli import main


def requests_file(tmp_path, n: int = 6, name: str = "in.jsonl", bad_model_every: int = 0):
    path = tmp_path / name
    with open(path, "w") as f:
        for i in range(n):
            model = "claude-nope-9" if bad_model_every and i % bad_model_every == 0 else "claude-sonnet-5"
            params = {"model": model, "max_tokens": 64, "messages": [{"role": "user", "content": f"Hi {i}"}]}
            f.write(json.dumps({"custom_id": f"item-{i}", "params": params}) + "\n")
    return path


def server_ids(emu) -> list[str]:
    return [b.id for b in anthropic.Anthropic(api_key="t", base_url=emu.base_url).messages.batches.list()]


def submit(cli, path, *extra) -> str:
    code, out, _ = cli("submit", str(path), "--json", *extra)
    assert code == 0
    return json.loads(out)["batch_ids"][0]


def test_submit_json_and_list(cli, tmp_path, batch_emulator):
    code, out, _ = cli("submit", str(requests_file(tmp_path)), "--label", "first try", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["batch_ids"] == server_ids(batch_emulator)
    assert data["request_count"] == 6 and data["dry_run"] is False and data["submission_id"]
    code, out, _ = cli("list", "--json")
    assert code == 0
    (batch,) = json.loads(out)
    for key in ("id", "processing_status", "request_counts", "created_at", "ended_at", "expires_at",
                "cancel_initiated_at", "archived_at", "results_url", "label"):  # fmt: skip
        assert key in batch
    assert batch["label"] == "first try" and batch["request_counts"]["processing"] == 6
    code, out, _ = cli("list")
    assert code == 0 and data["batch_ids"][0] in out and "first try" in out and "in_progress" in out


def test_dry_run_sends_nothing(cli, tmp_path, batch_emulator):
    code, out, _ = cli("submit", str(requests_file(tmp_path)), "--dry-run", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["batch_ids"] == [] and data["dry_run"] is True and data["request_count"] == 6
    assert data["estimated_cost_usd"]["high"] >= data["estimated_cost_usd"]["low"] > 0
    assert server_ids(batch_emulator) == []


@pytest.mark.emulator(batch_seconds=0.5)
def test_submit_wait_downloads_results(cli, tmp_path):
    code, out, err = cli("submit", str(requests_file(tmp_path, 5)), "--wait", "--json")
    assert code == 0, err
    batch = json.loads(out)["batch"]
    assert batch["processing_status"] == "ended" and batch["results_state"] == "complete"
    assert batch["results_rows"] == 5


def test_list_offline_makes_no_api_call(cli, tmp_path, batch_emulator, monkeypatch, capsys):
    batch_id = submit(cli, requests_file(tmp_path))
    code = main(["--db", str(tmp_path / "cache.sqlite3"), "--base-url", "http://127.0.0.1:9", "list", "--offline"])
    out, _ = capsys.readouterr()
    assert code == 0 and batch_id in out


def test_list_when_the_api_is_down_shows_the_cache_and_fails(cli, tmp_path, capsys):
    batch_id = submit(cli, requests_file(tmp_path))
    code = main(["--db", str(tmp_path / "cache.sqlite3"), "--base-url", "http://127.0.0.1:9", "list"])
    out, err = capsys.readouterr()
    assert code == 1 and batch_id in out and "showing the cache" in err


def test_show(cli, tmp_path):
    batch_id = submit(cli, requests_file(tmp_path), "--label", "shown")
    code, out, _ = cli("show", batch_id, "--json")
    assert code == 0 and json.loads(out)["id"] == batch_id and json.loads(out)["label"] == "shown"
    code, out, _ = cli("show", batch_id)
    assert code == 0 and "in_progress" in out and "6 total" in out
    code, _, err = cli("show", "msgbatch_01nonexistent000000000000")
    assert code == 1 and "No batch" in err


def test_cancel_then_cancel_again_after_the_end(cli, tmp_path, batch_emulator):
    batch_id = submit(cli, requests_file(tmp_path))
    code, out, _ = cli("cancel", batch_id)
    assert code == 0 and out.strip() == f"{batch_id}\tcanceling"
    batch_emulator.clock.advance(3600)
    code, _, err = cli("cancel", batch_id)
    assert code == 1 and "already ended" in err


def test_delete_only_ended_batches_and_keep_the_local_copy(cli, tmp_path, batch_emulator):
    batch_id = submit(cli, requests_file(tmp_path))
    code, _, err = cli("delete", batch_id)
    assert code == 1 and "only ended batches can be deleted" in err
    batch_emulator.clock.advance(3600)
    code, out, _ = cli("delete", batch_id)
    assert code == 0 and out.strip() == f"{batch_id}\tdeleted"
    assert server_ids(batch_emulator) == []
    code, out, _ = cli("list", "--offline", "--json")
    assert json.loads(out)[0]["deleted_remotely"] is True


def test_sync_downloads_results_of_ended_batches(cli, tmp_path, batch_emulator):
    first = submit(cli, requests_file(tmp_path, 4))
    second = submit(cli, requests_file(tmp_path, 3, "b.jsonl"))
    batch_emulator.clock.advance(3600)
    code, out, _ = cli("sync", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["downloaded"] == {first: 4, second: 3} and data["errors"] == {}
    code, out, _ = cli("sync", "--json")
    assert json.loads(out)["downloaded"] == {}  # nothing left to fetch


def test_sync_given_batches_only(cli, tmp_path, batch_emulator):
    first = submit(cli, requests_file(tmp_path, 4))
    submit(cli, requests_file(tmp_path, 3, "b.jsonl"))
    batch_emulator.clock.advance(3600)
    code, out, _ = cli("sync", first, "--json")
    assert code == 0 and json.loads(out)["downloaded"] == {first: 4}


@pytest.mark.emulator(error_rate=0.0)
def test_results_formats_and_type_filter(cli, tmp_path, batch_emulator):
    batch_id = submit(cli, requests_file(tmp_path, 9, bad_model_every=3))
    batch_emulator.clock.advance(3600)
    code, out, _ = cli("results", batch_id)  # downloads first
    assert code == 0
    lines = [json.loads(line) for line in out.splitlines()]
    assert sorted(r["custom_id"] for r in lines) == sorted(f"item-{i}" for i in range(9))
    assert {r["result"]["type"] for r in lines} == {"succeeded", "errored"}

    code, out, _ = cli("results", batch_id, "--type", "errored", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and len(rows) == 3
    assert {r["type"] for r in rows} == {"errored"}
    assert all(r["error_type"] == "invalid_request_error" for r in rows)

    target = tmp_path / "out.md"
    code, _, err = cli("results", batch_id, "--format", "md", "-o", str(target))
    assert code == 0 and "wrote 9 results" in err
    assert "item-1" in target.read_text()


def test_results_of_a_batch_still_running_is_a_clear_failure(cli, tmp_path):
    batch_id = submit(cli, requests_file(tmp_path))
    code, out, err = cli("results", batch_id)
    assert code == 1 and out == "" and "in_progress" in err


def test_bad_result_type_is_a_usage_error(cli, tmp_path):
    code, _, err = cli("results", "msgbatch_x", "--type", "done")
    assert code == 2 and "unknown result type" in err


def test_no_api_key_says_how_to_set_it(batch_emulator, tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("ANTHROPIC_AUTH_TOKEN", raising=False)
    code = main(["--db", str(tmp_path / "c.sqlite3"), "--base-url", batch_emulator.base_url, "list"])
    _, err = capsys.readouterr()
    assert code == 2 and "ANTHROPIC_API_KEY" in err
