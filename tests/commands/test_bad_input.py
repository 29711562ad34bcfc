"""Bad input through the real command line: exit 2, the file, line and field named, no traceback, nothing created."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import anthropic
import pytest

CORPUS = Path(__file__).parents[1] / "core" / "data" / "inputs"
# file -> (line, field) of the first error reported (None: a whole-file problem)
EXPECTED = {
    "malformed_json.jsonl": (3, None),
    "duplicate_custom_id.jsonl": (4, "custom_id"),
    "invalid_custom_id.jsonl": (2, "custom_id"),
    "missing_fields.jsonl": (1, "custom_id"),
    "params_not_object.jsonl": (1, "params"),
    "bad_max_tokens.jsonl": (1, "params.max_tokens"),
    "empty.jsonl": (None, None),
    "binary_nul.jsonl": (2, None),
}


def run_cli(emu, db: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "ANTHROPIC_API_KEY": "test"}
    return subprocess.run(
        [sys.executable, "-m", "batchtui", "--db", str(db), "--base-url", emu.base_url, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def batches_on(emu) -> list:
    return list(anthropic.Anthropic(api_key="t", base_url=emu.base_url).messages.batches.list())


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_file_exits_2_naming_the_place_and_creates_nothing(name, batch_emulator, tmp_path):
    path = CORPUS / name
    result = run_cli(batch_emulator, tmp_path / "c.sqlite3", "submit", str(path))
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    assert name in result.stderr
    line, field = EXPECTED[name]
    if line is not None:
        assert f"{name}:{line}:" in result.stderr
    if field is not None:
        assert field in result.stderr
    assert "nothing was submitted" in result.stderr
    assert batches_on(batch_emulator) == []


def test_a_file_split_into_a_group_sends_nothing_when_its_last_line_is_bad(batch_emulator, tmp_path):
    """Over 100,000 requests a file is sent as several batches, but only once all of it is valid: the first part
    is complete long before the bad line is read, and still nothing is sent."""
    path = tmp_path / "big.jsonl"
    line = {"model": "claude-haiku-4-5", "max_tokens": 5, "messages": [{"role": "user", "content": "x"}]}
    with open(path, "w") as f:
        for i in range(100_001):
            f.write(json.dumps({"custom_id": f"r{i}", "params": line}) + "\n")
        f.write('{"custom_id": "r0", "params": {}}\n')
    result = run_cli(batch_emulator, tmp_path / "c.sqlite3", "submit", str(path))
    assert result.returncode == 2
    assert "big.jsonl:100002: custom_id: duplicate" in result.stderr and "nothing was submitted" in result.stderr
    assert batches_on(batch_emulator) == []
    assert not list((tmp_path / "spool").glob("*"))  # the parts spooled so far went with the error


@pytest.mark.parametrize("target", ["missing.jsonl", "a-directory"])
def test_not_a_file(target, batch_emulator, tmp_path):
    (tmp_path / "a-directory").mkdir()
    result = run_cli(batch_emulator, tmp_path / "c.sqlite3", "submit", str(tmp_path / target))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert target in result.stderr
    assert batches_on(batch_emulator) == []


def test_usage_errors_exit_2(batch_emulator, tmp_path):
    result = run_cli(batch_emulator, tmp_path / "c.sqlite3", "submit")
    assert result.returncode == 2 and "FILE" in result.stderr
    result = run_cli(batch_emulator, tmp_path / "c.sqlite3", "frobnicate")
    assert result.returncode == 2


def test_valid_file_goes_through_with_no_progress_noise_when_piped(batch_emulator, tmp_path):
    result = run_cli(batch_emulator, tmp_path / "c.sqlite3", "submit", str(CORPUS / "valid.jsonl"))
    assert result.returncode == 0, result.stderr
    (batch,) = batches_on(batch_emulator)
    assert result.stdout.strip() == batch.id  # data on stdout, diagnostics on stderr
    assert "\r" not in result.stderr  # the progress bar is for terminals only
