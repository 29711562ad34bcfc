"""`submit` with CSV, JSON and plain text: the defaults flags, `--format`, generated ids in the summary, and bad
input (exit 2, the file, line and field named, nothing created) through the real command line."""

from __future__ import annotations

import json
import sqlite3

import anthropic
import pytest

from batchtui.core.inputs.custom_ids import generated_custom_id

FLAGS = ("--model", "claude-haiku-4-5", "--max-tokens", "40")


def batches_on(emu) -> list:
    return list(anthropic.Anthropic(api_key="t", base_url=emu.base_url).messages.batches.list())


@pytest.mark.parametrize(
    ("name", "text", "fmt"),
    [
        ("q.csv", "prompt,team\nWhat is 2+2?,ops\nName a colour,dev\n", "csv"),
        ("q.json", json.dumps([{"content": "What is 2+2?"}, {"id": "c", "content": "Name a colour"}]), "json"),
        ("q.txt", "What is 2+2?\n\nName a colour\n", "txt"),
    ],
)
def test_each_format_is_submitted_with_the_default_flags(cli, tmp_path, batch_emulator, name, text, fmt):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    code, out, err = cli("submit", str(path), *FLAGS, "--system", "Be brief.", "--json")
    assert code == 0, err
    info = json.loads(out)
    assert info["format"] == fmt and info["request_count"] == 2
    assert info["generated_custom_ids"] == (1 if fmt == "json" else 2)
    assert info["models"] == {"claude-haiku-4-5": 2}
    assert [b.id for b in batches_on(batch_emulator)] == info["batch_ids"]


def test_dry_run_says_the_format_and_how_many_ids_were_generated(cli, tmp_path, batch_emulator):
    path = tmp_path / "questions.txt"
    path.write_text("one\ntwo\nthree\n", encoding="utf-8")
    code, out, err = cli("submit", str(path), *FLAGS, "--dry-run")
    assert code == 0, err
    assert "(txt): 3 valid requests (3 custom_ids generated)" in out
    assert batches_on(batch_emulator) == []


def test_format_flag_reads_a_file_as_asked(cli, tmp_path, batch_emulator):
    path = tmp_path / "prompts.jsonl"  # named like JSONL, holds plain prompts
    path.write_text("What is 2+2?\n", encoding="utf-8")
    code, _, err = cli("submit", str(path), *FLAGS, "--dry-run")
    assert code == 2 and f"{path}:1: malformed JSON" in err
    code, out, err = cli("submit", str(path), *FLAGS, "--format", "txt", "--json")
    assert code == 0, err
    assert json.loads(out)["format"] == "txt"
    with sqlite3.connect(tmp_path / "cache.sqlite3") as db:  # the cli fixture's cache
        stored = db.execute("SELECT custom_id, params FROM requests").fetchall()
    assert [(cid, json.loads(params)["messages"][0]["content"]) for cid, params in stored] == [
        (generated_custom_id(1, "What is 2+2?"), "What is 2+2?")
    ]


def test_a_simple_file_without_model_names_the_flag_and_sends_nothing(cli, tmp_path, batch_emulator):
    path = tmp_path / "questions.csv"
    path.write_text("prompt\nWhat is 2+2?\n", encoding="utf-8")
    code, out, err = cli("submit", str(path), "--max-tokens", "10")
    assert code == 2 and out == ""
    assert f"{path}:1: model: missing" in err and "pass --model" in err
    assert "nothing was submitted" in err
    assert batches_on(batch_emulator) == []


def test_bad_csv_cells_are_named_by_file_line_and_column(cli, tmp_path, batch_emulator):
    path = tmp_path / "q.csv"
    path.write_text("prompt,max_tokens,temperature\nok,10,0.5\nbad,lots,0.5\nhot,10,7\n", encoding="utf-8")
    code, _, err = cli("submit", str(path), "--model", "claude-haiku-4-5")
    assert code == 2
    assert f'{path}:3: max_tokens: must be a whole number of tokens (got "lots")' in err
    assert f"{path}:4: temperature: must be a number from 0 to 1 (got 7.0)" in err
    assert batches_on(batch_emulator) == []


def test_a_file_in_no_known_format_gets_one_message(cli, tmp_path, batch_emulator):
    path = tmp_path / "notes.md"
    path.write_text("# Notes\nsome text\n", encoding="utf-8")
    code, _, err = cli("submit", str(path), *FLAGS)
    assert code == 2
    assert err.count("batchtui reads JSONL") == 1 and "plain text (.txt)" in err
    assert batches_on(batch_emulator) == []


@pytest.mark.parametrize(
    ("flag", "value", "message"),
    [
        ("--max-tokens", "lots", "must be a whole number of tokens"),
        ("--max-tokens", "-5", "must be a whole number of tokens"),
        ("--temperature", "2", "must be a number from 0 to 1"),
        ("--temperature", "nan", "must be a number from 0 to 1"),
        ("--model", " ", "must name a model"),
        ("--format", "yaml", "invalid choice"),
    ],
)
def test_bad_flag_values_exit_2(cli, tmp_path, capsys, flag, value, message):
    path = tmp_path / "q.txt"
    path.write_text("hi\n", encoding="utf-8")
    with pytest.raises(SystemExit) as info:
        cli("submit", str(path), f"{flag}={value}")
    assert info.value.code == 2
    assert message in capsys.readouterr().err
