"""Completion hooks on the real stack: a batch submitted to the emulator ends, its results land in the cache, then a
webhook (a real local HTTP server) gets the summary and a command (a real shell script) gets the batch id and the
results file. Failures are retried with backoff and recorded, a slow hook never holds up a sync, an end survives a
crash before its hooks ran, and ends from before a hook was set up never fire it."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import pytest
from aiohttp import web

from batchtui.core.errors import UsageError
from batchtui.core.events import HookDelivered, HookFailed
from batchtui.core.hook_settings import HookSettings, resolve_hooks
from batchtui.core.store import Store
from batchtui.service.actions import wait
from batchtui.service.hooks import HookRunner
from batchtui.service.session import Session
from batchtui.service.submit import submit
from batchtui.service.sync import sync_once
from tests.service.support import write_requests

pytestmark = pytest.mark.emulator(batch_seconds=0.5)


@dataclass
class Receiver:
    """A webhook endpoint: answers each POST with the next scripted status (then 200)."""

    url: str = ""
    statuses: list[int] = field(default_factory=list)
    received: list[tuple[dict, dict]] = field(default_factory=list)  # (headers, body)

    async def handle(self, request: web.Request) -> web.Response:
        self.received.append((request.headers.copy(), await request.json()))  # case-insensitive
        status = self.statuses.pop(0) if self.statuses else 200
        return web.Response(status=status, text="nope" if status >= 300 else "ok")


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    rec = Receiver()
    app = web.Application()
    app.router.add_post("/hook", rec.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    rec.url = f"http://127.0.0.1:{port}/hook"
    yield rec
    await runner.cleanup()


def events_of(session: Session) -> list:
    seen: list = []
    session.engine.add_listener(seen.append)
    return seen


async def ended_batch(session: Session, tmp_path: Path, n: int = 4, prefix: str = "q") -> str:
    outcome = await submit(session, write_requests(tmp_path / f"{prefix}.jsonl", n, prefix))
    assert outcome.batch is not None
    await wait(session, outcome.batch.id)  # sees it end, downloads its results
    return outcome.batch.id


async def test_webhook_gets_the_summary_once_results_are_stored(session, tmp_path, receiver):
    runner = HookRunner(session, HookSettings(webhook=receiver.url, results_dir=tmp_path / "results"))
    await runner.arm()
    seen = events_of(session)
    batch_id = await ended_batch(session, tmp_path)
    (outcome,) = await runner.run_due()
    assert outcome.ok and outcome.batch_id == batch_id
    ((headers, body),) = receiver.received
    assert body["event"] == "batch.ended" and body["batch_id"] == batch_id
    assert body["processing_status"] == "ended" and sum(body["request_counts"].values()) == 4
    lines = Path(body["results_file"]).read_text().splitlines()
    assert sorted(json.loads(line)["custom_id"] for line in lines) == [f"q-{i}" for i in range(4)]
    assert headers["Idempotency-Key"] == f"{batch_id}:{body['event_id']}"
    assert HookDelivered(batch_id, f"webhook {receiver.url}") in seen
    assert await runner.run_due() == [], "delivered once"
    (delivery,) = await session.store.deliveries(batch_id)
    assert delivery.state == "delivered" and delivery.attempts == 1


async def test_on_complete_runs_a_script_with_the_batch_and_its_results(session, tmp_path):
    script = tmp_path / "post.py"
    script.write_text(
        "import json, os, sys\n"
        "summary = json.load(sys.stdin)\n"
        "rows = open(os.environ['BATCHTUI_RESULTS_FILE']).read().count('\\n')\n"
        "open(sys.argv[1], 'w').write(json.dumps({'id': os.environ['BATCHTUI_BATCH_ID'], 'rows': rows,\n"
        "    'stdin_id': summary['batch_id'], 'status': os.environ['BATCHTUI_STATUS']}))\n"
    )
    out = tmp_path / "seen.json"
    command = f"{sys.executable} {script} {out}"
    runner = HookRunner(session, HookSettings(on_complete=command, results_dir=tmp_path / "results"))
    await runner.arm()
    batch_id = await ended_batch(session, tmp_path, n=6)
    (outcome,) = await runner.run_due()
    assert outcome.ok, outcome.error
    assert json.loads(out.read_text()) == {"id": batch_id, "rows": 6, "stdin_id": batch_id, "status": "ended"}


async def test_a_failing_webhook_is_retried_with_backoff_then_delivered(session, tmp_path, receiver):
    receiver.statuses = [500, 503]
    runner = HookRunner(session, HookSettings(webhook=receiver.url, results_dir=tmp_path), first_delay=0.2)
    await runner.arm()
    seen = events_of(session)
    batch_id = await ended_batch(session, tmp_path)
    (first,) = await runner.run_due()
    assert not first.ok and "HTTP 500" in (first.error or "") and first.retry_in is not None
    assert await runner.run_due() == [], "not due again before its backoff"
    stop = asyncio.Event()
    task = asyncio.create_task(runner.run(stop))  # the loop wakes for the retry when it is due
    for _ in range(200):
        if len(receiver.received) == 3:
            break
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(task, 10)
    assert len(receiver.received) == 3, "500, 503, then 200"
    (delivery,) = await session.store.deliveries(batch_id)
    assert delivery.state == "delivered" and delivery.attempts == 3
    failures = [e for e in seen if isinstance(e, HookFailed)]
    assert [("HTTP 500" in f.message, "HTTP 503" in f.message) for f in failures] == [(True, False), (False, True)]
    assert {h["Idempotency-Key"] for h, _ in receiver.received} == {f"{batch_id}:{receiver.received[0][1]['event_id']}"}


async def test_a_hook_that_keeps_failing_gives_up_and_says_so(session, tmp_path):
    runner = HookRunner(session, HookSettings(on_complete="echo broken >&2; exit 3", results_dir=tmp_path),
                        max_attempts=2, first_delay=0.01)  # fmt: skip
    await runner.arm()
    batch_id = await ended_batch(session, tmp_path)
    (first,) = await runner.run_due()
    assert first.error == "command exited with 3: broken" and first.retry_in is not None
    await asyncio.sleep(0.05)
    (last,) = await runner.run_due()
    assert not last.ok and last.retry_in is None
    (delivery,) = await session.store.deliveries(batch_id)
    assert (delivery.state, delivery.attempts, delivery.last_error) == ("failed", 2, "command exited with 3: broken")
    assert await runner.run_due() == []


async def test_a_slow_hook_never_holds_up_syncing(session, tmp_path, other_tool):
    started, release = tmp_path / "started", tmp_path / "release"
    command = f"touch {started}; while [ ! -f {release} ]; do sleep 0.02; done"
    runner = HookRunner(session, HookSettings(on_complete=command, results_dir=tmp_path))
    stop = asyncio.Event()
    task = asyncio.create_task(runner.run(stop))
    await asyncio.sleep(0.1)  # armed
    await ended_batch(session, tmp_path)
    runner.poke()
    for _ in range(200):
        if started.exists():
            break
        await asyncio.sleep(0.02)
    assert started.exists(), "the hook is running"
    params = {"model": "claude-haiku-4-5", "max_tokens": 5, "messages": [{"role": "user", "content": "hi"}]}
    other = other_tool.messages.batches.create(requests=[{"custom_id": "x", "params": params}])
    report = await sync_once(session)  # while the hook still runs
    assert other.id in report.changed and not task.done()
    release.touch()
    for _ in range(200):
        if (await session.store.deliveries()) and (await session.store.deliveries())[0].state == "delivered":
            break
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(task, 10)
    assert [d.state for d in await session.store.deliveries()] == ["delivered"]


async def test_a_command_past_its_time_limit_is_killed_with_its_children(session, tmp_path):
    pid_file = tmp_path / "child.pid"
    settings = HookSettings(on_complete=f"sleep 60 & echo $! > {pid_file}; wait", results_dir=tmp_path,
                            command_timeout=0.5)  # fmt: skip
    runner = HookRunner(session, settings)
    await runner.arm()
    await ended_batch(session, tmp_path)
    (outcome,) = await runner.run_due()
    assert outcome.error == "command timed out after 0.5 s and was killed"
    child = int(pid_file.read_text())
    await asyncio.sleep(0.1)
    try:  # gone, or a zombie nobody has reaped yet (PID 1 in a container may never reap it): dead either way
        assert psutil.Process(child).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        pass


async def test_an_end_seen_before_a_crash_still_fires_after_restart(tmp_path, live_api, receiver):
    db = tmp_path / "cache.sqlite3"
    settings = HookSettings(webhook=receiver.url, results_dir=tmp_path / "results")
    async with await Store.open(db) as store:
        session = Session(store, live_api)
        await HookRunner(session, settings).arm()
        batch_id = await ended_batch(session, tmp_path)
        # the process dies here: the end is logged, no hook ran
    assert receiver.received == []
    async with await Store.open(db) as store:
        outcomes = await HookRunner(Session(store, live_api), settings).run_due()
    assert [(o.batch_id, o.ok) for o in outcomes] == [(batch_id, True)]


async def test_ends_from_before_a_hook_was_set_up_never_fire_it(session, tmp_path, receiver):
    before = await ended_batch(session, tmp_path, prefix="old")
    runner = HookRunner(session, HookSettings(webhook=receiver.url, results_dir=tmp_path))
    await runner.arm()
    assert await runner.run_due() == []
    after = await ended_batch(session, tmp_path, prefix="new")
    assert [o.batch_id for o in await runner.run_due()] == [after] and before != after


def test_config_and_flags(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('[hooks]\nnotify_webhook = "https://example.com/h"\non_complete = "make load"\n'
                      'results_dir = "~/batch-results"\ncommand_timeout = 30\n')  # fmt: skip
    got = resolve_hooks(path=config)
    assert got.webhook == "https://example.com/h" and got.on_complete == "make load"
    assert got.results_dir == Path("~/batch-results").expanduser() and got.command_timeout == 30
    flagged = resolve_hooks(webhook="http://127.0.0.1:9/x", on_complete="true", path=config)
    assert flagged.targets == ["webhook http://127.0.0.1:9/x", "command true"], "a flag beats the file"
    with pytest.raises(UsageError, match="not an http"):
        resolve_hooks(webhook="ftp://example.com", path=config)
    config.write_text('[hooks]\non_complete = ""\n')
    with pytest.raises(UsageError, match=r"hooks\.on_complete must be a non-empty string"):
        resolve_hooks(path=config)
    assert resolve_hooks(path=tmp_path / "absent.toml").targets == []
