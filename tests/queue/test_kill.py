"""kill -9 at the worst moments, with real `batchtui` processes on one cache and the emulator as the API: an add
killed mid-transaction leaves nothing, and a `sync --watch` flusher killed between claim and send, between link and
send, or right after the API stored its batch ends, once restarted, with every request sent exactly once (read
back from the emulator's batches)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from batchtui.core.queue import QueueSettings
from batchtui.core.store import Store
from batchtui.service.spool import clean_orphans, spool_dir_for
from tests.queue.support import ids, sent_custom_ids, write_requests

pytestmark = pytest.mark.timeout(180)
PAUSING = str(Path(__file__).with_name("pausing_cli.py"))


def batchtui(tmp_path: Path, emulator, *args: str, pause: tuple[str, int] | None = None) -> subprocess.Popen:
    """A real `batchtui` process on the test's cache; `pause`: (MODULE:ATTR, N) freezes it there (pausing_cli.py)."""
    env = {**os.environ, "ANTHROPIC_API_KEY": "test", "XDG_CONFIG_HOME": str(tmp_path / "xdg")}
    cli = ["--db", str(tmp_path / "cache.sqlite3"), "--base-url", emulator.base_url, *args]
    if pause is None:
        cmd = [sys.executable, "-m", "batchtui", *cli]
    else:
        cmd = [sys.executable, PAUSING, str(tmp_path / "paused"), pause[0], str(pause[1]), "--", *cli]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def kill9(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)


def wait_for_pause(proc: subprocess.Popen, tmp_path: Path, timeout: float = 60.0) -> None:
    marker = tmp_path / "paused"
    deadline = time.monotonic() + timeout
    while not marker.exists():
        if proc.poll() is not None:
            raise AssertionError(f"exited before the pause: {proc.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
        assert time.monotonic() < deadline, "never reached the pause point"
        time.sleep(0.05)
    marker.unlink()


async def queue_state(tmp_path: Path) -> tuple[int, int, list[str]]:
    """(queued, taken, flush states oldest first) as another process sees them."""
    async with await Store.open(tmp_path / "cache.sqlite3") as store:
        status = await store.queue_status(QueueSettings())
        return status.queued, status.taken, [f.state for f in reversed(await store.flushes())]


def state_of(tmp_path: Path) -> tuple[int, int, list[str]]:
    return asyncio.run(queue_state(tmp_path))


def wait_state(tmp_path: Path, predicate, timeout: float = 90.0) -> tuple[int, int, list[str]]:
    deadline = time.monotonic() + timeout
    while True:
        state = state_of(tmp_path)
        if predicate(state):
            return state
        assert time.monotonic() < deadline, f"stuck at {state}"
        time.sleep(0.2)


async def clean(tmp_path: Path) -> None:
    async with await Store.open(tmp_path / "cache.sqlite3") as store:
        await clean_orphans(store)


def add(cli, tmp_path: Path, n: int) -> None:
    code, _, err = cli("queue", "add", str(write_requests(tmp_path / "req.jsonl", n)), "--flush-size", "5")
    assert code == 0, err


def test_an_add_killed_mid_transaction_leaves_nothing(cli, tmp_path, batch_emulator):
    source = write_requests(tmp_path / "big.jsonl", 10_000)
    proc = batchtui(tmp_path, batch_emulator, "queue", "add", str(source),
                    pause=("batchtui.core.store.queue:_clashes", 3))  # fmt: skip
    try:
        wait_for_pause(proc, tmp_path)  # 4,000 rows inserted, uncommitted
    finally:
        kill9(proc)
    assert state_of(tmp_path) == (0, 0, [])
    asyncio.run(clean(tmp_path))  # what every session does when it opens
    assert not list(spool_dir_for(tmp_path / "cache.sqlite3").glob("tmp-*")), "its staged rows are cleaned up"
    code, _, err = cli("queue", "add", str(source))
    assert code == 0, err
    assert state_of(tmp_path) == (10_000, 0, [])


@pytest.mark.parametrize("after", [0.6, 1.2, 1.8])
def test_an_add_killed_at_any_moment_is_all_or_nothing(tmp_path, batch_emulator, after):
    source = write_requests(tmp_path / "big.jsonl", 20_000)
    proc = batchtui(tmp_path, batch_emulator, "queue", "add", str(source))
    time.sleep(after)
    kill9(proc)
    queued, taken, _ = state_of(tmp_path)
    assert queued in (0, 20_000) and taken == 0


@pytest.mark.parametrize(
    "where",
    ["batchtui.core.store.queue_flushes:QueueFlushMixin.claim_flush",  # claimed, not linked: nothing was sent
     "batchtui.core.store.queue_flushes:QueueFlushMixin.link_flush"],  # linked, recorded, never sent
)  # fmt: skip
def test_a_flusher_killed_before_sending_is_sent_once_after_restart(cli, tmp_path, batch_emulator, where):
    add(cli, tmp_path, 8)
    proc = batchtui(tmp_path, batch_emulator, "sync", "--watch", pause=(where, 1))
    try:
        wait_for_pause(proc, tmp_path)
    finally:
        kill9(proc)
    assert state_of(tmp_path) == (0, 8, ["claimed" if "claim" in where else "sending"])
    assert batch_emulator.faults.calls["create"] == 0
    again = batchtui(tmp_path, batch_emulator, "sync", "--watch")
    try:
        _, _, states = wait_state(tmp_path, lambda s: s[:2] == (0, 0) and "sent" in s[2])
    finally:
        kill9(again)
    assert states == ["abandoned" if "claim" in where else "failed", "sent"]
    seen, batches = sent_custom_ids(batch_emulator)
    assert len(batches) == 1 and seen == dict.fromkeys(ids(8), 1)


def test_a_flusher_killed_right_after_the_api_stored_its_batch_never_sends_it_again(cli, tmp_path, batch_emulator):
    add(cli, tmp_path, 6)
    batch_emulator.faults.inject("held_create", route="create")  # stored; its answer never comes back
    proc = batchtui(tmp_path, batch_emulator, "sync", "--watch")
    try:
        deadline = time.monotonic() + 60
        while batch_emulator.faults.calls["create"] < 1:
            assert time.monotonic() < deadline and proc.poll() is None, "the create never reached the API"
            time.sleep(0.05)
        time.sleep(0.3)  # the batch is stored while the flusher waits for its answer
    finally:
        kill9(proc)
    assert state_of(tmp_path) == (0, 6, ["sending"])
    batch_emulator.clock.advance(3600)  # it has ended: reconcile can compare its custom_ids at once
    again = batchtui(tmp_path, batch_emulator, "sync", "--watch")
    try:
        wait_state(tmp_path, lambda s: s == (0, 0, ["sent"]))
    finally:
        kill9(again)
    seen, batches = sent_custom_ids(batch_emulator)
    assert len(batches) == 1 and seen == dict.fromkeys(ids(6), 1)
    assert batch_emulator.faults.calls["create"] == 1, "nothing was sent again"
