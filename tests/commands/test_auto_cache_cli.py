"""`submit --auto-cache` and the saving caching made, through the CLI on the emulator: the dry run's estimate
(text and JSON), the tip a plain dry run gives, the flag refused with the Temporal engine, and `show` / `stats`
reporting what caching really saved, from the usage."""

from __future__ import annotations

import csv
import io
import json

import pytest

DOC = "Clause 4: the supplier refunds any invoice disputed within ninety days. " * 160  # ~3,000 tokens


def write(tmp_path, n: int = 8):
    path = tmp_path / "contract.jsonl"
    with open(path, "w") as f:
        for i in range(n):
            content = [{"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": DOC}},
                       {"type": "text", "text": f"Is invoice {i} covered?"}]  # fmt: skip
            params = {"model": "claude-sonnet-5", "max_tokens": 100, "messages": [{"role": "user", "content": content}]}
            f.write(json.dumps({"custom_id": f"q-{i}", "params": params}) + "\n")
    return path


def test_a_dry_run_shows_what_would_be_marked_and_saved(cli, tmp_path) -> None:
    path = write(tmp_path)
    code, out, err = cli("submit", str(path), "--auto-cache", "--dry-run", "--json")
    assert code == 0, err
    data = json.loads(out)["auto_cache"]
    assert data["applied"] and (data["prefixes"], data["requests_marked"], data["breakpoints_added"]) == (1, 8, 8)
    cost = data["estimated_cost_usd"]
    assert cost["with"]["high"] == pytest.approx(cost["without"]["high"] - data["estimated_saving_usd"]["high"])
    assert data["estimated_saving_usd"]["high"] > 0 and data["worst_case_extra_usd"] > 0
    code, out, err = cli("submit", str(path), "--auto-cache", "--dry-run")
    assert code == 0 and "auto-cache: 1 shared prefix marked in 8 requests" in err
    assert "best-effort" in err and "Nothing was sent" in out


def test_a_plain_dry_run_suggests_auto_cache_when_the_saving_is_large(cli, tmp_path) -> None:
    code, out, err = cli("submit", str(write(tmp_path)), "--dry-run", "--json")
    assert code == 0 and json.loads(out)["auto_cache"]["applied"] is False
    code, _, err = cli("submit", str(write(tmp_path)), "--dry-run")
    assert code == 0 and "tip: 8 requests share 1 prefix" in err and "--auto-cache" in err


def test_auto_cache_needs_the_local_engine(cli, tmp_path) -> None:
    for dry_run in ((), ("--dry-run",)):
        code, _, err = cli("submit", str(write(tmp_path)), "--auto-cache", "--engine", "temporal", *dry_run)
        assert code == 2 and "--auto-cache works with the local engine" in err


@pytest.mark.emulator(batch_seconds=0.5, error_rate=0.0, expire_rate=0.0)
def test_show_and_stats_report_what_caching_really_saved(cli, tmp_path) -> None:
    code, out, err = cli("submit", str(write(tmp_path)), "--auto-cache", "--wait", "--json")
    assert code == 0, err
    batch_id = json.loads(out)["batch_ids"][0]
    code, out, _ = cli("results", batch_id, "--format", "jsonl")
    saved = 0.0
    for line in out.splitlines():
        u = json.loads(line)["result"]["message"]["usage"]
        # Sonnet 5 at batch rates: $1 input, $1.25 5-minute write, $0.10 read per million tokens.
        w, r = u["cache_creation_input_tokens"], u["cache_read_input_tokens"]
        saved += ((w + r) * 1.0 - (w * 1.25 + r * 0.1)) / 1e6
    code, out, _ = cli("show", batch_id, "--json")
    assert code == 0 and json.loads(out)["cache_saved_usd"] == pytest.approx(saved) and saved > 0
    code, out, _ = cli("show", batch_id)
    assert "prompt caching  saved $" in out
    code, out, _ = cli("results", batch_id, "--format", "csv")
    per_result = [float(r["cache_saved_usd"]) for r in csv.DictReader(io.StringIO(out))]
    assert sum(per_result) == pytest.approx(saved) and min(per_result) < 0 < max(per_result)  # the write, the reads
    code, out, _ = cli("stats", "--json")
    assert json.loads(out)["totals"]["cache_saved_usd"] == pytest.approx(saved, abs=1e-6)
    code, out, _ = cli("stats")
    assert "prompt caching saved $" in out and "CACHING SAVED" in out
