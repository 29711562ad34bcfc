"""`results BATCH_ID --merged` end to end: a retry chain's final results, each request of the original batch once
with its latest outcome, from the original or any of its retries, in every format, `--type` applied to the final
outcome, and a retry still running said and left out."""

from __future__ import annotations

import csv
import io
import json

import anthropic
import pytest

from tests.commands.test_cli import requests_file, submit
from tests.commands.test_retry_cli import wait_all_ended


def api_outcomes(emu, *batch_ids: str) -> dict[str, tuple[str, str]]:
    """Each request's outcome as the API gives it (the official SDK), the later batch's overriding."""
    client = anthropic.Anthropic(api_key="t", base_url=emu.base_url)
    out: dict[str, tuple[str, str]] = {}
    for batch_id in batch_ids:
        out.update({r.custom_id: (batch_id, r.result.type) for r in client.messages.batches.results(batch_id)})
    return out


N = 30


def retry(cli, batch_id: str) -> str:
    code, out, err = cli("retry", batch_id, "--json")
    assert code == 0, err
    (child,) = json.loads(out)["batch_ids"]
    return child


@pytest.mark.emulator(batch_seconds=0.3, error_rate=0.5, seed=3)
def test_merged_gives_each_request_its_latest_outcome(cli, tmp_path, batch_emulator):
    parent = submit(cli, requests_file(tmp_path, n=N, bad_model_every=5))
    wait_all_ended(batch_emulator)
    child = retry(cli, parent)
    wait_all_ended(batch_emulator)  # the retry's results are not downloaded: --merged fetches them
    expected = api_outcomes(batch_emulator, parent, child)
    assert any(v == (child, "succeeded") for v in expected.values()), expected  # the seed: some succeed again

    code, out, err = cli("results", child, "--merged")  # a retry given: its whole chain
    assert code == 0, err
    assert f"{child} is a retry of {parent}" in err
    lines = [json.loads(line) for line in out.splitlines()]
    assert [d["custom_id"] for d in lines] == sorted(f"item-{i}" for i in range(N))  # each once, in order
    assert {d["custom_id"]: (d["batch_id"], d["result"]["type"]) for d in lines} == expected
    assert {expected[f"item-{i}"] for i in range(0, N, 5)} == {(parent, "errored")}  # invalid: never retried

    code, again, _ = cli("results", parent, "--merged")
    assert code == 0 and again == out  # the original gives the same chain

    code, out, _ = cli("results", parent, "--merged", "--type", "errored", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and [r["custom_id"] for r in rows] == sorted(c for c, v in expected.items() if v[1] == "errored")
    assert all(r["batch_id"] == expected[r["custom_id"]][0] for r in rows)

    target = tmp_path / "final.md"
    code, _, err = cli("results", parent, "--merged", "--format", "md", "-o", str(target))
    assert code == 0 and f"wrote {N} final results" in err
    assert target.read_text().startswith(f"# Final results of `{parent}` across 1 retry")

    code, out, _ = cli("results", parent)  # without --merged: the batch's own results, as before
    assert {json.loads(line)["custom_id"]: (parent, json.loads(line)["result"]["type"]) for line in out.splitlines()}
    assert "batch_id" not in json.loads(out.splitlines()[0])


@pytest.mark.emulator(batch_seconds=30, error_rate=0.5, seed=3)
def test_a_retry_still_running_is_said_and_left_out(cli, tmp_path, batch_emulator):
    parent = submit(cli, requests_file(tmp_path, n=8))
    batch_emulator.clock.advance(3600)
    code, out, _ = cli("results", parent)
    own = out
    child = retry(cli, parent)  # still running: its requests keep the parent's outcome
    code, out, err = cli("results", parent, "--merged")
    assert code == 0 and f"retry {child} left out" in err and "in_progress" in err
    assert [{k: v for k, v in json.loads(line).items() if k != "batch_id"} for line in out.splitlines()] == [
        json.loads(line) for line in own.splitlines()
    ]


def test_merged_is_in_the_help(cli, capsys):
    with pytest.raises(SystemExit) as done:
        cli("results", "--help")
    out = capsys.readouterr().out
    assert done.value.code == 0 and "--merged" in out and "latest outcome" in out


@pytest.mark.emulator(batch_seconds=0.2, error_rate=0.5, seed=3)
def test_a_group_merges_each_parts_chain(cli, tmp_path, batch_emulator, monkeypatch):
    from batchtui.commands import submit as submit_command
    from batchtui.core.inputs import SplitLimits

    monkeypatch.setattr(submit_command, "SPLIT_LIMITS", SplitLimits(max_requests=4))  # 10 requests: 3 parts
    code, out, err = cli("submit", str(requests_file(tmp_path, n=10)), "--wait", "--json")
    assert code == 0, err
    data = json.loads(out)
    parts = data["batch_ids"]
    assert len(parts) == 3
    child = retry(cli, parts[1])  # the second part's failures go again
    wait_all_ended(batch_emulator)
    expected = api_outcomes(batch_emulator, *parts, child)
    code, out, err = cli("results", data["group_id"], "--merged")
    assert code == 0, err
    lines = [json.loads(line) for line in out.splitlines()]
    assert sorted(d["custom_id"] for d in lines) == sorted(f"item-{i}" for i in range(10))  # each once
    assert {d["custom_id"]: (d["batch_id"], d["result"]["type"]) for d in lines} == expected
