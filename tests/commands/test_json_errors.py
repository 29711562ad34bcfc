"""--json on a failed command: one `{"error": {...}}` object on stdout (the exit code and stderr as without it)."""

from __future__ import annotations

import json

import pytest

from batchtui.cli import main


def _error(out: str) -> dict:
    data = json.loads(out)
    assert list(data) == ["error"]  # one object, nothing else
    return data["error"]


def test_a_usage_error_is_json_and_still_exits_2(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["show", "--json"])  # BATCH_ID missing
    assert exited.value.code == 2
    out, err = capsys.readouterr()
    error = _error(out)
    assert error["type"] == "usage_error" and error["exit_code"] == 2
    assert "BATCH_ID" in error["message"] and error["usage"].startswith("usage: batchtui show")
    assert "usage:" in err and "error:" in err  # stderr says what it always said


def test_without_json_a_usage_error_prints_nothing_on_stdout(capsys):
    with pytest.raises(SystemExit):
        main(["show"])
    assert capsys.readouterr().out == ""


def test_an_unknown_batch_is_not_found(cli):
    code, out, err = cli("show", "msgbatch_01nosuchbatchxxxxxxxxxxx", "--json")
    assert code == 1 and "No batch msgbatch_01nosuchbatchxxxxxxxxxxx" in err
    error = _error(out)
    assert error["type"] == "not_found" and error["exit_code"] == 1 and "No batch" in error["message"]


def test_a_file_that_fails_validation_lists_each_problem(cli, tmp_path, batch_emulator):
    path = tmp_path / "bad.jsonl"
    line = {"custom_id": "a", "params": {"model": "claude-sonnet-4-5", "messages": [{"role": "user", "content": "hi"}]}}
    path.write_text(json.dumps(line) + "\n", encoding="utf-8")
    code, out, err = cli("submit", str(path), "--json")
    assert code == 2 and "nothing was submitted" in err
    error = _error(out)
    assert error["type"] == "validation_error" and error["exit_code"] == 2
    (problem,) = error["problems"]
    assert problem["file"] == str(path) and problem["line"] == 1 and problem["field"] == "params.max_tokens"
    assert problem["hint"]  # what to do
    assert batch_emulator.state.is_empty()  # nothing sent


@pytest.mark.emulator(error_rate=0.0)
def test_an_api_error_says_its_status_and_request_id(cli, tmp_path, batch_emulator):
    path = tmp_path / "ok.jsonl"
    line = {"custom_id": "a", "params": {"model": "claude-sonnet-4-5", "max_tokens": 5,
            "messages": [{"role": "user", "content": "hi"}]}}  # fmt: skip
    path.write_text(json.dumps(line) + "\n", encoding="utf-8")
    batch_emulator.faults.inject("rate_limit", route="create", times=10)  # every retry too: refused, never created
    code, out, err = cli("submit", str(path), "--json")
    assert code == 1 and "batchtui:" in err
    error = _error(out)
    assert error["type"] == "api_error" and error["exit_code"] == 1
    assert error["status_code"] == 429 and error["api_error_type"] == "rate_limit_error"
    assert error["request_id"].startswith("req_")


def test_a_command_that_succeeds_prints_only_its_data(cli):
    code, out, _ = cli("list", "--json")
    assert code == 0 and json.loads(out) == []
