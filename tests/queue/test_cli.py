"""`batchtui queue add|list|flush|clear` wired to the service: exit codes, JSON shapes, what goes to stdout, and that
bad input or a clash queues nothing."""

from __future__ import annotations

import json
import os

import pytest

from tests.queue.support import ids, sent_custom_ids, write_requests


def test_add_then_list_shows_size_age_and_next_flush(cli, tmp_path):
    code, out, err = cli("queue", "add", str(write_requests(tmp_path / "a.jsonl", 4)), "--json")
    assert code == 0, err
    added = json.loads(out)
    assert added["added"] == 4 and added["files"][0]["request_count"] == 4 and added["add_id"]
    assert added["queue"]["queued"] == 4 and added["queue"]["next_flush_reason"] == "age"
    code, out, _ = cli("queue", "list", "--json")
    status = json.loads(out)
    assert status["queued"] == 4 and status["settings"] == {"flush_size": 10000, "flush_age_seconds": 900.0,
                                                            "source": "default"}  # fmt: skip
    assert 0 <= status["oldest_age_seconds"] < 60 and status["flushes"] == []
    code, out, _ = cli("queue", "list")
    assert code == 0 and "the queue holds 4 request(s)" in out and "next flush in 1" in out


def test_a_bad_file_queues_nothing_from_any_file(cli, tmp_path):
    good = write_requests(tmp_path / "good.jsonl", 3)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"custom_id": "x-1", "params": {"model": "claude-haiku-4-5", "messages": []}}\n')
    code, out, err = cli("queue", "add", str(good), str(bad))
    assert code == 2 and out == ""
    assert "bad.jsonl:1:" in err and "nothing was queued" in err
    assert json.loads(cli("queue", "list", "--json")[1])["queued"] == 0


def test_simple_formats_take_the_defaults_flags(cli, tmp_path):
    txt = tmp_path / "prompts.txt"
    txt.write_text("first question\nsecond question\n")
    code, _, err = cli("queue", "add", str(txt))
    assert code == 2 and "--model" in err, "a row with no model is an error naming the flag"
    code, out, err = cli("queue", "add", str(txt), "--model", "claude-haiku-4-5", "--max-tokens", "30", "--json")
    assert code == 0, err
    assert json.loads(out)["files"][0]["generated_custom_ids"] == 2


def test_a_clash_is_exit_2_naming_both_files(cli, tmp_path):
    cli("queue", "add", str(write_requests(tmp_path / "one.jsonl", 3)))
    code, _, err = cli("queue", "add", str(write_requests(tmp_path / "two.jsonl", 2, start=2)))
    assert code == 2
    assert f'{tmp_path / "two.jsonl"}:1: custom_id "q-2" is already queued from {tmp_path / "one.jsonl"}:3' in err
    assert json.loads(cli("queue", "list", "--json")[1])["queued"] == 3


def test_triggers_set_by_add_are_kept_and_config_applies_otherwise(cli, tmp_path):
    config = os.environ["XDG_CONFIG_HOME"] + "/batchtui/config.toml"
    os.makedirs(os.path.dirname(config), exist_ok=True)
    with open(config, "w") as f:
        f.write('[queue]\nflush_size = 50\nflush_age = "2h"\n')
    cli("queue", "add", str(write_requests(tmp_path / "a.jsonl", 2)))
    settings = json.loads(cli("queue", "list", "--json")[1])["settings"]
    assert settings == {"flush_size": 50, "flush_age_seconds": 7200.0, "source": config}
    cli("queue", "add", str(write_requests(tmp_path / "b.jsonl", 2, start=2)), "--flush-age", "90s")
    settings = json.loads(cli("queue", "list", "--json")[1])["settings"]
    assert settings == {"flush_size": 50, "flush_age_seconds": 90.0, "source": "queue add"}
    with pytest.raises(SystemExit) as exited:  # argparse: exit 2 before anything runs
        cli("queue", "add", str(write_requests(tmp_path / "c.jsonl", 1, start=9)), "--flush-age", "soon")
    assert exited.value.code == 2
    assert json.loads(cli("queue", "list", "--json")[1])["queued"] == 4


def test_flush_sends_now_and_prints_the_batch_ids(cli, tmp_path, batch_emulator):
    cli("queue", "add", str(write_requests(tmp_path / "a.jsonl", 5)))
    code, out, err = cli("queue", "flush", "--json")
    assert code == 0, err
    data = json.loads(out)
    seen, batches = sent_custom_ids(batch_emulator)
    assert data["batch_ids"] == batches and seen == dict.fromkeys(ids(5), 1)
    assert data["flushes"][0]["reason"] == "manual" and data["queue"]["queued"] == 0
    code, out, err = cli("queue", "flush")
    assert code == 0 and out == "" and "nothing is queued" in err
    code, out, _ = cli("queue", "list")
    assert "#1" in out and batches[0] in out and "sent" in out


def test_clear_asks_unless_yes(cli, tmp_path):
    cli("queue", "add", str(write_requests(tmp_path / "a.jsonl", 3)))
    code, _, err = cli("queue", "clear")
    assert code == 2 and "--yes" in err, "no terminal to ask: refused"
    assert json.loads(cli("queue", "list", "--json")[1])["queued"] == 3
    code, out, _ = cli("queue", "clear", "--yes", "--json")
    assert code == 0 and json.loads(out) == {"removed": 3}
    assert json.loads(cli("queue", "list", "--json")[1])["queued"] == 0
