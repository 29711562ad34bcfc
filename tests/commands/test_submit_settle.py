"""`submit --wait` settles a create whose answer never came instead of leaving it to `sync`: it looks for the
batch until reconcile proves it (then follows it) or proves none was made (then, and only then, sends the file
again, as a new submission, a bounded number of times). Without --wait the outcome stays unknown (exit 1), as
before. The emulator lists a batch the moment it is made, so the grace is set short."""

from __future__ import annotations

import json
import sqlite3

import pytest

from batchtui.commands import submit as submit_command
from batchtui.core.inputs import SplitLimits
from tests.commands.test_cli import requests_file, server_ids


@pytest.fixture(autouse=True)
def short_grace(monkeypatch):
    monkeypatch.setenv("BATCHTUI_RECONCILE_GRACE", "0.3")


def submissions(tmp_path) -> list[tuple[str, str | None]]:
    with sqlite3.connect(tmp_path / "cache.sqlite3") as db:
        return db.execute("SELECT state, batch_id FROM submissions ORDER BY created_at, rowid").fetchall()


@pytest.mark.emulator(batch_seconds=0.5)
def test_a_500_on_the_create_is_proven_harmless_then_sent_again(cli, tmp_path, batch_emulator):
    batch_emulator.faults.inject("server_error", route="create")  # served before the handler: nothing made
    code, out, err = cli("submit", str(requests_file(tmp_path, 5)), "--wait", "--json")
    assert code == 0, err
    data = json.loads(out)
    (made,) = server_ids(batch_emulator)
    assert data["batch_ids"] == [made] and data["submission_state"] == "created"
    assert data["batch"]["results_rows"] == 5
    assert "Looking for its batch" in err and "Sending it again (1 of 2)" in err
    states = submissions(tmp_path)
    assert [s for s, _ in states] == ["failed", "created"] and states[1][1] == made


@pytest.mark.emulator(batch_seconds=0.5)
def test_a_lost_answer_whose_batch_was_made_is_followed_not_sent_again(cli, tmp_path, batch_emulator):
    batch_emulator.faults.inject("lost_create")  # stored, then the connection dropped
    code, out, err = cli("submit", str(requests_file(tmp_path, 4)), "--wait", "--json")
    assert code == 0, err
    (made,) = server_ids(batch_emulator)
    data = json.loads(out)
    assert data["batch_ids"] == [made] and data["submission_state"] == "created"  # verified by its custom_ids
    assert data["batch"]["results_rows"] == 4
    assert submissions(tmp_path) == [("created", made)]


def test_a_create_that_fails_on_every_send_stops_after_three_and_made_nothing(cli, tmp_path, batch_emulator):
    batch_emulator.faults.inject("server_error", route="create", times=3)
    code, out, err = cli("submit", str(requests_file(tmp_path, 3)), "--wait", "--json")
    assert code == 1, err
    assert server_ids(batch_emulator) == []
    assert json.loads(out)["error"]["message"].count("safe to submit again") == 1
    assert [s for s, _ in submissions(tmp_path)] == ["failed"] * 3
    assert err.count("Sending it again") == 2


def test_without_wait_a_lost_create_is_still_left_to_sync(cli, tmp_path, batch_emulator):
    batch_emulator.faults.inject("server_error", route="create")
    code, out, _ = cli("submit", str(requests_file(tmp_path, 3)), "--json")
    assert code == 1 and json.loads(out)["error"]["type"] == "outcome_unknown"
    assert server_ids(batch_emulator) == [] and [s for s, _ in submissions(tmp_path)] == ["unknown"]


@pytest.mark.emulator(batch_seconds=0.5)
def test_a_group_part_whose_create_failed_is_sent_again_and_the_group_finishes(
    cli, tmp_path, batch_emulator, monkeypatch
):
    monkeypatch.setattr(submit_command, "SPLIT_LIMITS", SplitLimits(max_requests=4))
    batch_emulator.faults.inject("server_error", route="create")  # the first part's create
    code, out, err = cli("submit", str(requests_file(tmp_path, 10)), "--wait", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert sorted(data["batch_ids"]) == sorted(server_ids(batch_emulator)) and len(data["batch_ids"]) == 3
    assert "continues the group" in err
    assert [s for s, _ in submissions(tmp_path)].count("created") == 3
