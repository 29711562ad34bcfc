"""`stats` end to end: the JSON shape, the human summary, and a bad --since (exit 2)."""

from __future__ import annotations

import json

import pytest

from tests.commands.test_cli import requests_file


@pytest.mark.emulator(batch_seconds=0.2)
def test_stats_json_and_text(cli, tmp_path, batch_emulator):
    code, out, err = cli("stats")
    assert code == 0 and "no batches in the cache" in err
    cli("submit", str(requests_file(tmp_path, n=7)), "--wait")
    code, out, _ = cli("stats", "--json", "--since", "1d")
    assert code == 0
    data = json.loads(out)
    assert set(data) == {"since", "totals", "days", "error_types"} and data["since"]
    totals = data["totals"]
    assert totals["batches"] == 1 and totals["requests"] == 7 and totals["succeeded"] == 7
    assert totals["success_rate"] == 1.0 and totals["saved_usd"] == totals["cost_usd"] > 0
    assert [d["requests"] for d in data["days"]] == [7]
    code, out, _ = cli("stats")
    assert code == 0 and "1 batch, 7 requests" in out and "success rate 100.0%" in out and "saved $" in out
    code, _, err = cli("stats", "--since", "yesterday-ish")
    assert code == 2 and "not a date" in err
