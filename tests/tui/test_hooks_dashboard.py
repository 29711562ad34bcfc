"""Completion hooks in the dashboard: configured ones run in a task of their own for the app's life; a failing hook
shows a warning toast (when it tries again, or that it gave up) and a quiet line in the activity panel; a delivered
one only the line. A malformed `[hooks]` table never stops the dashboard: it is said, and hooks stay off."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from batchtui.core.events import HookFailed
from batchtui.core.hook_settings import HookSettings
from batchtui.tui import launch
from batchtui.tui.app import BatchTuiApp
from batchtui.tui.hooks import load_hooks
from batchtui.tui.widgets.activity_panel import ActivityPanel
from tests.tui.app_support import SIZE, add_batch, settle


async def end_a_batch_while_watched(pilot, app, emu) -> str:
    """A batch the app sees running, then sees end (what arms a hook's delivery), with its results downloaded."""
    batch_id = await add_batch(emu, 3, ago=60, duration=120)
    await pilot.press("r")
    await settle(pilot, app)
    emu.clock.advance(300)
    await pilot.press("r")
    await settle(pilot, app)
    await app.engine.ensure_download(batch_id)  # the poll loop would; polling is off in these tests
    return batch_id


async def wait_until(pilot, predicate, within: float = 20.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not predicate():
        assert loop.time() < deadline, "timed out"
        await pilot.pause(0.1)


def panel_lines(app) -> list[str]:
    return [line.text for line in app.main_screen.query_one(ActivityPanel).lines]


async def test_a_failing_hook_shows_a_warning_toast(make_app, batch_emulator, tmp_path):
    hooks = HookSettings(on_complete="echo 'disk full' >&2; exit 3", results_dir=tmp_path / "results")
    app = make_app(hooks=hooks)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        batch_id = await end_a_batch_while_watched(pilot, app, batch_emulator)
        await wait_until(pilot, lambda: any(n.title == "Completion hook failed" for n in app._notifications))
        toast = next(n for n in app._notifications if n.title == "Completion hook failed")
        assert toast.severity == "warning"
        assert toast.message.startswith(f"{batch_id}: command echo 'disk full' >&2; exit 3 failed: ")
        assert "command exited with 3: disk full; trying again in " in toast.message
        await pilot.press("a")  # the activity panel (a hidden log renders once shown)
        await wait_until(pilot, lambda: any("FAIL" in line and "exited with 3" in line for line in panel_lines(app)))
        assert app.is_running
    assert (tmp_path / "results" / f"{batch_id}.jsonl").exists()  # the command was given the results


async def test_a_hook_that_gives_up_says_so(make_app, batch_emulator):
    batch_id = await add_batch(batch_emulator, 2, ago=7200, duration=60)
    app = make_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("r")
        await settle(pilot, app)
        # What the runner emits after its last try, through the engine's event sink like every sync event.
        app.engine.emit(HookFailed(batch_id, "webhook http://127.0.0.1:9/hook", "webhook not reached", None))
        await settle(pilot, app)
        (toast,) = [n for n in app._notifications if n.title == "Completion hook gave up"]
        assert toast.message == f"{batch_id}: webhook http://127.0.0.1:9/hook failed: webhook not reached; gave up"
        assert toast.severity == "warning"


async def test_a_delivered_hook_is_a_quiet_line(make_app, batch_emulator, tmp_path, cache_store):
    marker = tmp_path / "ran"
    app = make_app(hooks=HookSettings(on_complete=f'echo "$BATCHTUI_BATCH_ID" > {marker}', results_dir=tmp_path))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        batch_id = await end_a_batch_while_watched(pilot, app, batch_emulator)
        await pilot.press("a")
        await wait_until(pilot, lambda: any("hook   done" in line for line in panel_lines(app)))
        assert marker.read_text().strip() == batch_id
        assert not [n for n in app._notifications if "hook" in n.title.lower()]  # no toast for a success
    (delivery,) = await cache_store.deliveries(batch_id)
    assert delivery.state == "delivered"


def test_load_hooks_never_raises(tmp_path: Path):
    config = tmp_path / "config.toml"
    assert load_hooks(config) == (None, [])  # no file
    config.write_text("[hooks\n")
    assert load_hooks(config) == (None, [])  # broken TOML: the keymap loader reports the file once
    config.write_text('[keymap]\n"batch.new" = "ctrl+n"\n')
    assert load_hooks(config) == (None, [])  # no [hooks]: nothing to run
    config.write_text('[hooks]\non_complete = "true"\ncommand_timeout = 5\n')
    settings, problems = load_hooks(config)
    assert settings == HookSettings(on_complete="true", command_timeout=5.0) and problems == []
    for bad in ("hooks = 3", '[hooks]\nnotify_webhook = "ftp://example.com"', "[hooks]\ncommand_timeout = -1"):
        config.write_text(bad + "\n")
        settings, problems = load_hooks(config)
        assert settings is None and len(problems) == 1 and "completion hooks are off" in problems[0]


async def test_a_malformed_hooks_table_is_told_and_the_dashboard_runs(tmp_path, monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("ANTHROPIC_AUTH_TOKEN", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    config = tmp_path / "config" / "batchtui" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('[hooks]\nnotify_webhook = "not a url"\n')
    seen: dict[str, object] = {}

    async def run_async(self: BatchTuiApp) -> None:
        async with self.run_test(size=SIZE, notifications=True) as pilot:
            await settle(pilot, self)
            seen.update(hooks=self.hooks, toasts=[n.message for n in self._notifications], running=self.is_running)

    monkeypatch.setattr(BatchTuiApp, "run_async", run_async)
    args = argparse.Namespace(db=tmp_path / "cache.sqlite3", base_url=None, demo=False)
    assert await launch._run(args) == 0
    assert seen["running"] is True and seen["hooks"] is None
    (toast,) = [t for t in seen["toasts"] if "hooks" in t]  # type: ignore[attr-defined]
    assert "hooks.notify_webhook: 'not a url' is not an http(s) URL" in toast and "hooks are off" in toast
