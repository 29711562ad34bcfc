"""Cost, saving and every kind of content block through the CLI, end to end on the emulator: `show`, `list`,
and `results` as CSV and Markdown for a structured-extraction batch (forced tool calls, thinking)."""

from __future__ import annotations

import csv
import io
import json

import pytest

TOOL = {
    "name": "record_ticket",
    "description": "Record the ticket's fields.",
    "input_schema": {
        "type": "object",
        "properties": {"customer": {"type": "string"}, "priority": {"type": "string", "enum": ["high", "low"]}},
    },
}


def write(tmp_path, requests: dict[str, dict], name: str = "in.jsonl"):
    path = tmp_path / name
    path.write_text("".join(json.dumps({"custom_id": k, "params": p}) + "\n" for k, p in requests.items()))
    return path


def extraction(n: int) -> dict[str, dict]:
    forced = {"tools": [TOOL], "tool_choice": {"type": "tool", "name": "record_ticket"}}
    out = {
        f"t-{i}": {"model": "claude-haiku-4-5", "max_tokens": 300, "messages": [
            {"role": "user", "content": f"Ticket {i}: the invoice was charged twice."}], **forced}
        for i in range(n)
    }  # fmt: skip
    out["think"] = {
        "model": "claude-haiku-4-5",
        "max_tokens": 2000,
        "thinking": {"type": "enabled", "budget_tokens": 1024},
        "messages": [{"role": "user", "content": "Why was the invoice charged twice?"}],
    }
    return out


def submitted(cli, path) -> str:
    code, out, err = cli("submit", str(path), "--json")
    assert code == 0, err
    return json.loads(out)["batch_ids"][0]


@pytest.mark.emulator(error_rate=0.0)
def test_show_and_list_give_the_saving_against_the_standard_api(cli, tmp_path, batch_emulator):
    batch_id = submitted(cli, write(tmp_path, extraction(3)))
    batch_emulator.clock.advance(3600)
    code, out, _ = cli("results", batch_id, "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    per_result = sum(float(r["cost_usd"]) for r in rows)

    code, out, _ = cli("show", batch_id, "--json")
    batch = json.loads(out)
    # JSON money has 6 decimals; the CSV keeps 10.
    assert code == 0 and batch["cost_usd"] == pytest.approx(per_result, abs=1e-6)
    # Batch rates are half the standard ones: the same usage costs twice as much there, and half is saved.
    assert batch["standard_cost_usd"] == pytest.approx(2 * batch["cost_usd"], abs=2e-6)
    assert batch["saved_usd"] == pytest.approx(batch["cost_usd"], abs=1e-6)
    code, out, _ = cli("list", "--json")
    assert json.loads(out)[0]["saved_usd"] == pytest.approx(batch["saved_usd"])

    code, out, _ = cli("show", batch_id)
    cost_line = next(line for line in out.splitlines() if line.strip().startswith("cost"))
    assert "at batch rates" in cost_line and "on the standard API, saved $" in cost_line
    code, out, _ = cli("list", "--offline")
    header, row = out.splitlines()[:2]
    assert header.split()[-2:] == ["COST", "SAVED"] and row.split()[-1].startswith("$")


@pytest.mark.emulator(error_rate=0.0)
def test_a_batch_with_an_unpriced_model_is_unknown_and_says_what_is_known(cli, tmp_path, batch_emulator):
    requests = {
        "priced": {"model": "claude-haiku-4-5", "max_tokens": 50, "messages": [{"role": "user", "content": "Hi"}]},
        "no-price": {"model": "claude-fable-5-2", "max_tokens": 50, "messages": [{"role": "user", "content": "Hi"}]},
    }
    batch_id = submitted(cli, write(tmp_path, requests))
    batch_emulator.clock.advance(3600)
    code, out, _ = cli("results", batch_id, "--format", "csv")
    assert code == 0
    costs = {r["custom_id"]: r["cost_usd"] for r in csv.DictReader(io.StringIO(out))}
    assert costs["no-price"] == "unknown" and float(costs["priced"]) > 0

    code, out, _ = cli("show", batch_id, "--json")
    batch = json.loads(out)
    assert (batch["cost_usd"], batch["standard_cost_usd"], batch["saved_usd"]) == (None, None, None)
    code, out, _ = cli("show", batch_id)
    assert "unknown: 1 result has no known price; the others cost $" in out
    code, out, _ = cli("list", "--offline")
    assert code == 0 and out.splitlines()[1].split()[-2:] == ["unknown", "unknown"]


@pytest.mark.emulator(error_rate=0.0)
def test_results_csv_and_markdown_carry_tool_calls_and_thinking(cli, tmp_path, batch_emulator):
    batch_id = submitted(cli, write(tmp_path, extraction(2)))
    batch_emulator.clock.advance(3600)
    code, out, _ = cli("results", batch_id, "--format", "csv")
    assert code == 0
    rows = {r["custom_id"]: r for r in csv.DictReader(io.StringIO(out))}
    (call,) = json.loads(rows["t-0"]["tool_use"])
    assert call["name"] == "record_ticket" and set(call["input"]) == {"customer", "priority"}
    assert call["input"]["priority"] == "high"  # the schema's first choice, as the emulator fills it
    assert rows["t-0"]["text"] == "" and rows["t-0"]["thinking"] == ""
    assert "the invoice charged twice" in rows["think"]["thinking"] and rows["think"]["text"]
    assert rows["think"]["tool_use"] == ""

    target = tmp_path / "out.md"
    code, _, err = cli("results", batch_id, "--format", "md", "-o", str(target))
    assert code == 0, err
    md = target.read_text()
    section = md[md.index("## `t-0`") : md.index("## `t-1`")]
    assert "**`tool_use`** `record_ticket`" in section and "```json\n{\n" in section
    assert '"priority": "high"' in section and "(no text in the response)" not in section
    think = md[md.index("## `think`") :]
    assert think.index("**Thinking**") < think.index("pending authorisation")  # thinking first, then the answer
    assert "(saved $" in think


def test_dry_run_estimate_says_what_it_leaves_out(cli, tmp_path):
    requests = {
        "priced": {"model": "claude-haiku-4-5", "max_tokens": 50, "messages": [{"role": "user", "content": "Hi"}]},
        "no-price": {"model": "claude-fable-5-2", "max_tokens": 50, "messages": [{"role": "user", "content": "Hi"}]},
    }
    code, out, _ = cli("submit", str(write(tmp_path, requests)), "--dry-run")
    assert code == 0 and "estimated cost " in out and " + unknown for 1 request at batch rates" in out
