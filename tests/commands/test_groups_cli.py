"""Groups on the command line, end to end on the emulator: `submit` of a file over the limits (JSON shape, dry-run
plan, --wait for every part, continuing), `groups`, `show GROUP_ID`, `results GROUP_ID`, `list --json`'s group_id,
queue feeding, and the exit codes. A small split limit is injected so a few requests make a group."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import anthropic
import pytest

from batchtui.commands import submit as submit_command
from batchtui.core.inputs import SplitLimits
from batchtui.emulator import Emulator

MODEL = "claude-sonnet-5"


@pytest.fixture(autouse=True)
def four_per_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(submit_command, "SPLIT_LIMITS", SplitLimits(max_requests=4))


def requests_file(tmp_path: Path, n: int = 10, name: str = "big.jsonl") -> Path:
    path = tmp_path / name
    with path.open("w") as f:
        for i in range(n):
            params = {"model": MODEL, "max_tokens": 64, "messages": [{"role": "user", "content": f"Hi {i}"}]}
            f.write(json.dumps({"custom_id": f"item-{i}", "params": params}) + "\n")
    return path


def server_ids(emu: Emulator) -> list[str]:
    with anthropic.Anthropic(api_key="t", base_url=emu.base_url) as client:
        return [b.id for b in client.messages.batches.list()]


def test_submit_json_lists_every_batch_of_the_group(cli, tmp_path: Path, batch_emulator: Emulator) -> None:
    code, out, err = cli("submit", str(requests_file(tmp_path)), "--label", "big run", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert len(data["batch_ids"]) == 3 and sorted(data["batch_ids"]) == sorted(server_ids(batch_emulator))
    assert data["group_id"].startswith("grp_") and data["continued"] is False
    assert data["submission_state"] == "created" and data["dry_run"] is False and data["batch"] is None
    assert data["request_count"] == 10  # the whole file, as for a single batch
    parts = data["parts"]
    assert [(p["part"], p["request_count"], p["first_custom_id"], p["last_custom_id"]) for p in parts] == [
        (1, 4, "item-0", "item-3"), (2, 4, "item-4", "item-7"), (3, 2, "item-8", "item-9"),
    ]  # fmt: skip
    assert [p["batch_id"] for p in parts] == data["batch_ids"]
    assert all(p["state"] == "created" and p["batch"]["group_id"] == data["group_id"] for p in parts)
    assert data["group"]["part_count"] == 3 and data["group"]["state"] == "complete"
    assert "as group " + data["group_id"] in err and "part 2 of 3: created" in err

    code, out, _ = cli("list", "--json")
    assert code == 0
    by_id = {b["id"]: b for b in json.loads(out)}
    assert [by_id[b]["group_part"] for b in data["batch_ids"]] == [1, 2, 3]
    assert {by_id[b]["group_id"] for b in data["batch_ids"]} == {data["group_id"]}


def test_a_file_within_the_limits_keeps_todays_output(cli, tmp_path: Path) -> None:
    code, out, _ = cli("submit", str(requests_file(tmp_path, n=4)), "--json")
    data = json.loads(out)
    assert code == 0 and len(data["batch_ids"]) == 1 and data["batch"]["id"] == data["batch_ids"][0]
    assert "group_id" not in data and "parts" not in data and data["submission_state"] == "created"
    assert data["batch"]["group_id"] is None


def test_dry_run_reports_how_it_would_split(cli, tmp_path: Path, batch_emulator: Emulator) -> None:
    path = requests_file(tmp_path, n=9)
    code, out, _ = cli("submit", str(path), "--dry-run")
    assert code == 0
    assert "would be sent as a group of 3 batches" in out
    assert "part 1: 4 requests" in out and "(lines 1–4; item-0 … item-3)" in out and "part 3: 1 requests" in out
    code, out, _ = cli("submit", str(path), "--dry-run", "--json")
    data = json.loads(out)
    assert code == 0 and data["batch_ids"] == [] and data["dry_run"] is True
    assert [p["request_count"] for p in data["parts"]] == [4, 4, 1]
    assert server_ids(batch_emulator) == []


@pytest.mark.emulator(batch_seconds=0.2)
def test_wait_follows_every_part_and_results_span_the_group(cli, tmp_path: Path) -> None:
    code, out, err = cli("submit", str(requests_file(tmp_path)), "--wait", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert [p["batch"]["results_state"] for p in data["parts"]] == ["complete"] * 3
    assert data["group"]["processing_status"] == "ended"
    assert data["group"]["request_counts"]["succeeded"] == 10 and data["group"]["cost_status"] == "known"
    group_id = data["group_id"]

    code, out, _ = cli("results", group_id)
    assert code == 0
    assert sorted(json.loads(line)["custom_id"] for line in out.splitlines()) == sorted(f"item-{i}" for i in range(10))
    target = tmp_path / "all.csv"
    code, _, err = cli("results", group_id, "--format", "csv", "-o", str(target))
    assert code == 0 and "wrote 10 results" in err
    assert len(list(csv.reader(io.StringIO(target.read_text())))) == 11  # the header and 10 rows (cells may span lines)

    code, out, _ = cli("groups", "--json")
    (group,) = json.loads(out)
    assert code == 0 and group["id"] == group_id and group["total_requests"] == 10
    assert group["cost_usd"] == pytest.approx(sum(p["batch"]["cost_usd"] for p in data["parts"]))
    code, out, _ = cli("groups")
    assert code == 0 and group_id in out and "3/3" in out and "ended" in out
    code, out, _ = cli("groups", "--offline")
    assert code == 0 and group_id in out

    code, out, _ = cli("show", group_id)
    assert code == 0 and "3 of 3 have a batch" in out and "item-4 … item-7" in out
    assert all(b in out for b in data["batch_ids"])
    code, out, _ = cli("show", group_id, "--json")
    assert code == 0 and json.loads(out)["batch_ids"] == data["batch_ids"]


def test_unknown_group_ids_exit_1(cli) -> None:
    for command in ("show", "results"):
        code, out, err = cli(command, "grp_000000000000000000000000")
        assert code == 1 and out == "" and "No group grp_000000000000000000000000" in err


def test_groups_with_none_yet(cli) -> None:
    code, out, err = cli("groups", "--json")
    assert code == 0 and json.loads(out) == []
    code, out, err = cli("groups")
    assert code == 0 and out == "" and "no groups yet" in err


@pytest.mark.emulator(queue_limit=5, batch_seconds=1.5)  # part 1 still runs when part 2 is sent, even under load
def test_a_group_bigger_than_the_queue_is_fed_as_it_drains(cli, tmp_path: Path, batch_emulator: Emulator) -> None:
    code, out, err = cli("submit", str(requests_file(tmp_path)), "--json")
    assert code == 0, err
    assert len(json.loads(out)["batch_ids"]) == 3 == len(server_ids(batch_emulator))
    assert "part 2 of 3 waits for the queue: 4 requests processing" in err


@pytest.mark.emulator(queue_limit=3)
def test_a_part_larger_than_the_queue_exits_1_and_sends_nothing_more(
    cli, tmp_path: Path, batch_emulator: Emulator
) -> None:
    path = requests_file(tmp_path)
    code, out, err = cli("submit", str(path), "--json")
    assert code == 1
    data = json.loads(out)
    assert data["batch_ids"] == [] and "larger than this workspace's processing queue" in data["error"]
    assert [p["state"] for p in data["parts"]] == ["failed", "pending", "pending"]
    assert f"run `batchtui submit {path}` again" in err
    assert server_ids(batch_emulator) == []


def test_submitting_the_file_again_continues_an_unfinished_group(cli, tmp_path: Path, batch_emulator: Emulator) -> None:
    path = requests_file(tmp_path, n=12)
    theirs = [{"custom_id": f"x-{i}", "params": {"model": MODEL, "max_tokens": 5, "messages": [{"role": "user",
               "content": "x"}]}} for i in range(4)]  # fmt: skip
    with anthropic.Anthropic(api_key="t", base_url=batch_emulator.base_url) as other:  # the same size, same time
        other.messages.batches.create(requests=theirs)  # type: ignore[arg-type]
    batch_emulator.faults.inject("lost_create", route="create")  # part 1: made, answer lost, two candidates
    code, out, err = cli("submit", str(path), "--json")
    data = json.loads(out)
    assert code == 1 and [p["state"] for p in data["parts"]] == ["unknown", "pending", "pending"]
    assert len(server_ids(batch_emulator)) == 2

    code, out, err = cli("submit", str(path), "--json")  # still unknown: refused, nothing sent
    assert code == 2 and "Run `batchtui sync` to resolve it" in err
    assert json.loads(out)["error"]["type"] == "duplicate_submission"  # --json: the failure as JSON on stdout
    assert len(server_ids(batch_emulator)) == 2

    batch_emulator.clock.advance(3600)  # both candidates end: their custom_ids tell which one is ours
    code, _, err = cli("sync")
    assert code == 0, err
    code, out, err = cli("submit", str(path), "--json")
    again = json.loads(out)
    assert code == 0 and again["group_id"] == data["group_id"] and again["continued"] is True
    assert [p["earlier"] for p in again["parts"]] == [True, False, False]
    assert len(server_ids(batch_emulator)) == 4  # theirs + our three parts: part 1 was never sent twice
    assert "continuing group " + data["group_id"] in err

    code, out, err = cli("submit", str(path), "--json", "--force")  # a new group, on purpose
    assert code == 0 and json.loads(out)["group_id"] != data["group_id"]
    assert len(server_ids(batch_emulator)) == 7


def test_the_temporal_engine_refuses_a_file_that_needs_splitting(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("batchtui.core.inputs.validate.MAX_REQUESTS", 4)  # one batch's limit, made small
    path = requests_file(tmp_path, n=5)
    for extra in ((), ("--dry-run",)):
        code, out, err = cli("submit", str(path), "--engine", "temporal", *extra)
        assert code == 2 and out == ""
        assert "has 5 requests; a batch holds at most 4" in err
        assert "--engine temporal sends a file as one batch and does not split it" in err
