"""Two dashboards and `sync --watch` on one cache for a minute (BATCHTUI_RELIABILITY_SCALE: longer), while batches
are submitted, labelled and queued beside them and end one after another: no process ever says "database is locked"
(or dies), and no update is lost: once they have caught up, every batch's status, counts and results in the cache
are the API's, every label written is there, and every queued request went out exactly once."""

from __future__ import annotations

import re
import signal
import subprocess
import time
from collections import Counter

import anthropic
import pytest

from batchtui.emulator.server import emulator_thread
from tests.reliability.conftest import scale
from tests.reliability.invariants import check_store
from tests.reliability.rig import Rig, write_requests

pytestmark = pytest.mark.timeout(900)

DURATION = 60.0 * scale()
CATCH_UP = 120.0  # seconds the watchers get to see every batch end and store its results, after the last one ends
LOCKED = re.compile(r"database (table )?is locked|SQLITE_BUSY", re.IGNORECASE)
WATCHERS = ("dashboard-1", "dashboard-2", "watch")


def test_two_dashboards_and_sync_watch_share_one_cache(tmp_path, rng):
    seed = rng.randrange(1 << 30)
    with emulator_thread(state_path=tmp_path / "emulator.sqlite3", seed=seed, batch_seconds=8) as emu:
        rig = Rig(tmp_path, emu)
        watchers = {
            "dashboard-1": rig.spawn_dashboard("dashboard-1"),
            "dashboard-2": rig.spawn_dashboard("dashboard-2"),
            "watch": rig.spawn("sync", "--watch", "--json", log="watch"),
        }
        try:
            labels, queued = drive(rig, rng)
            caught_up(rig, watchers, queued)
            for name, proc in watchers.items():
                assert proc.poll() is None, f"{name} died: {rig.output(name)[-3000:]}"
        finally:
            for proc in watchers.values():
                stop(proc)
        for name in WATCHERS:
            said = rig.output(name)
            assert not LOCKED.search(said), f"{name}: {LOCKED.search(said).group(0)!r} in {said[-3000:]}"  # type: ignore[union-attr]
            assert "Traceback" not in said, f"{name}: {said[-3000:]}"
        remote = check_store(rig)
        assert_same_as_api(rig, emu.base_url)
        stored = dict(rig.store("SELECT id, label FROM batches WHERE label IS NOT NULL"))
        assert {b: stored.get(b) for b in labels} == labels, "a label was lost"
        others = {label for b, label in stored.items() if b not in labels}
        assert all(re.fullmatch(r"queue flush #\d+", label) for label in others), others  # a flush's own label
        sent = Counter(custom_id for ids in remote.values() for custom_id in ids)
        assert all(sent[c] == 1 for c in queued), "a queued request went out twice, or never"
        assert max(sent.values()) == 1, "a request went out twice"
        print(f"seed {seed}: {len(remote)} batches, {len(labels)} labels, {len(queued)} queued requests")


def drive(rig: Rig, rng) -> tuple[dict[str, str], set[str]]:
    """For DURATION: every second or two, submit a file, label a batch or queue a few requests (a size trigger of
    5: one of the watchers flushes them). Returns the labels written and the custom_ids queued."""
    labels: dict[str, str] = {}
    queued: set[str] = set()
    deadline = time.monotonic() + DURATION
    step = 0
    while time.monotonic() < deadline:
        step += 1
        action = rng.choice(("submit", "submit", "label", "queue"))
        batch_ids = [b for (b,) in rig.store("SELECT batch_id FROM submissions WHERE batch_id IS NOT NULL")]
        if action == "label" and batch_ids:
            batch_id = rng.choice(batch_ids)
            labels[batch_id] = f"label {step}"
            assert rig.cli("label", batch_id, labels[batch_id]) == 0
        elif action == "queue":
            path = write_requests(rig.root / f"queue-{step}.jsonl", 5, prefix=f"queue{step}")
            assert rig.cli("queue", "add", str(path), "--flush-size", "5") == 0
            queued.update(f"queue{step}-{i}" for i in range(5))
        else:
            path = write_requests(rig.root / f"sub-{step}.jsonl", rng.randint(3, 40), prefix=f"sub{step}")
            assert rig.cli("submit", str(path)) == 0
        time.sleep(rng.uniform(0.5, 2.0))
    return labels, queued


def caught_up(rig: Rig, watchers: dict[str, subprocess.Popen], queued: set[str]) -> None:
    """Every batch ends at the API; the watchers alone (nothing else syncs) must then store every end and every
    result, and flush what is still queued."""
    deadline = time.monotonic() + CATCH_UP
    while True:
        rig.emulator.clock.advance(600)  # ends every batch (one flushed meanwhile too)
        left = rig.store(
            "SELECT id FROM batches WHERE processing_status != 'ended' OR results_state != 'complete' "
            "UNION ALL SELECT custom_id FROM queue_requests "
            "UNION ALL SELECT id FROM submissions WHERE state IN ('recorded', 'sending', 'unknown') "
            "UNION ALL SELECT id FROM queue_flushes WHERE state IN ('claimed', 'sending')"
        )
        if not left:
            return
        for name, proc in watchers.items():
            assert proc.poll() is None, f"{name} died: {rig.output(name)[-3000:]}"
        assert time.monotonic() < deadline, f"the watchers never caught up: {left[:10]}"
        time.sleep(1.0)


def assert_same_as_api(rig: Rig, base_url: str) -> None:
    """Every batch's status and counts in the cache equal the API's."""
    with anthropic.Anthropic(api_key="test", base_url=base_url) as client:
        api = {b.id: b for b in client.messages.batches.list(limit=1000)}
    stored = rig.store(
        "SELECT id, processing_status, count_processing, count_succeeded, count_errored, count_canceled, "
        "count_expired FROM batches"
    )
    assert {row[0] for row in stored} == set(api)
    for batch_id, status, *counts in stored:
        theirs = api[batch_id]
        c = theirs.request_counts
        assert (status, counts) == (theirs.processing_status, [c.processing, c.succeeded, c.errored, c.canceled,
                                                               c.expired]), batch_id  # fmt: skip


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)
