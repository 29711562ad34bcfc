"""`submit --reuse` through the CLI on the emulator: the dry run's count and saving (text and JSON), the reused
answers among the new batch's results in every export format with their source, `show` and `stats` counting the
saving, a file answered in full making no batch (exit 0, the id to read them under), and the flag refused with
the Temporal engine."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

pytestmark = pytest.mark.emulator(batch_seconds=0.5, error_rate=0.0, expire_rate=0.0)


def write(path: Path, ids: list[str], texts: list[str]) -> Path:
    with open(path, "w") as f:
        for cid, text in zip(ids, texts, strict=True):
            params = {"model": "claude-haiku-4-5", "max_tokens": 50, "messages": [{"role": "user", "content": text}]}
            f.write(json.dumps({"custom_id": cid, "params": params}) + "\n")
    return path


def questions(n: int, start: int = 0) -> list[str]:
    return [f"What is {i} squared?" for i in range(start, start + n)]


def answered_first(cli, tmp_path: Path) -> str:
    code, out, err = cli("submit", str(write(tmp_path / "first.jsonl", ["a", "b", "c", "d"], questions(4))),
                         "--wait", "--json")  # fmt: skip
    assert code == 0, err
    return json.loads(out)["batch_ids"][0]


def test_reused_answers_are_results_of_the_new_batch_in_every_format_and_counted(cli, tmp_path: Path) -> None:
    first = answered_first(cli, tmp_path)
    path = write(tmp_path / "second.jsonl", ["w", "x", "y", "z", "new-1", "new-2"], questions(6))
    code, out, err = cli("submit", str(path), "--reuse", "--dry-run")
    assert code == 0 and "reuse: 4 of 6 requests would be answered from 1 earlier batch (saving $" in err
    assert "(2 after reuse)" in out and "Nothing was sent" in out

    code, out, err = cli("submit", str(path), "--reuse", "--wait", "--json")
    assert code == 0, err
    data = json.loads(out)
    (batch_id,) = data["batch_ids"]
    reuse = data["reuse"]
    assert (reuse["reused"], reuse["sent"], reuse["requests"], reuse["all_reused"]) == (4, 2, 6, False)
    assert reuse["sources"] == {first: 4} and reuse["saved_usd"] > 0 and reuse["batch_id"] == batch_id
    assert data["request_count"] == 6 and data["batch"]["request_counts"]["succeeded"] == 2

    code, out, _ = cli("results", batch_id, "--format", "csv")
    rows = {r["custom_id"]: r for r in csv.DictReader(io.StringIO(out))}
    assert sorted(rows) == ["new-1", "new-2", "w", "x", "y", "z"]
    assert [rows[c]["reused_from_batch_id"] for c in ("w", "new-1")] == [first, ""]
    assert rows["x"]["reused_from_custom_id"] == "b" and rows["x"]["cost_usd"] == "0"
    assert float(rows["x"]["reuse_saved_usd"]) > 0
    code, out, _ = cli("results", batch_id, "--format", "jsonl")
    lines = {json.loads(line)["custom_id"]: json.loads(line) for line in out.splitlines()}
    assert lines["y"]["reused_from"]["batch_id"] == first and "reused_from" not in lines["new-2"]
    code, out, _ = cli("results", batch_id, "--format", "md")
    assert out.count("_Reused from `" + first + "`") == 4

    code, out, _ = cli("show", batch_id, "--json")
    shown = json.loads(out)
    assert (shown["reused_requests"], shown["local"]) == (4, False)
    assert shown["reuse_saved_usd"] == pytest.approx(reuse["saved_usd"])
    code, out, _ = cli("show", batch_id)
    assert "4 answers from earlier batches, not sent again: saved $" in out
    code, out, _ = cli("stats", "--json")
    totals = json.loads(out)["totals"]
    assert (totals["batches"], totals["requests"], totals["reused_requests"]) == (2, 6, 4)
    assert totals["reuse_saved_usd"] == pytest.approx(reuse["saved_usd"], abs=1e-6)
    code, out, _ = cli("stats")
    assert "reused 4 answers from earlier batches" in out and "REUSE SAVED" in out


def test_a_file_answered_in_full_sends_nothing_and_names_where_to_read_it(cli, tmp_path: Path) -> None:
    first = answered_first(cli, tmp_path)
    path = write(tmp_path / "again.jsonl", ["r1", "r2"], questions(2))
    code, out, err = cli("submit", str(path), "--reuse", "--reuse-max-age", "30d", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["batch_ids"] == [] and data["submission_state"] == "reused"
    local = data["batch"]["id"]
    assert data["batch"]["local"] and data["reuse"]["all_reused"] and data["reuse"]["max_age"] == "30d"
    assert data["reuse"]["batch_id"] == local

    code, out, err = cli("submit", str(path), "--reuse")
    assert code == 0 and out.strip().startswith("reuse_")
    assert "every request (2) was answered from 1 earlier batch" in err and "nothing was sent" in err
    code, out, _ = cli("results", local, "--format", "csv")
    assert [r["reused_from_batch_id"] for r in csv.DictReader(io.StringIO(out))] == [first, first]
    code, out, _ = cli("show", local)
    assert code == 0 and "local: every answer reused" in out
    code, _, err = cli("delete", local)
    assert code == 1 and "never on the API" in err
    code, out, _ = cli("list", "--offline", "--json")
    assert {b["id"] for b in json.loads(out)} >= {first, local}
    code, out, _ = cli("list", "--json")  # a refresh lists the workspace: the local batch is not taken for deleted
    assert not next(b for b in json.loads(out) if b["id"] == local)["deleted_remotely"]
    code, out, _ = cli("stats", "--json")
    assert json.loads(out)["totals"]["batches"] == 1  # a local batch ran nowhere


def test_reuse_needs_the_local_engine_and_a_readable_age(cli, tmp_path: Path) -> None:
    path = write(tmp_path / "f.jsonl", ["a"], questions(1))
    for extra in ((), ("--dry-run",)):
        code, _, err = cli("submit", str(path), "--reuse", "--engine", "temporal", *extra)
        assert code == 2 and "--reuse works with the local engine" in err
    with pytest.raises(SystemExit) as info:
        cli("submit", str(path), "--reuse-max-age", "a month")
    assert info.value.code == 2
