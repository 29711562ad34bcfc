"""Fixtures shared across the suite: a real cache store and a real API client on the emulator."""

from __future__ import annotations

import pytest

from batchtui.core.client import BatchApi
from batchtui.core.store import Store


@pytest.fixture(autouse=True)
def no_user_config(tmp_path_factory, monkeypatch):
    """No test reads the developer's own ~/.config/batchtui/config.toml (keymaps, [temporal], [hooks])."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("xdg-config")))


@pytest.fixture
async def cache_store(tmp_path):
    store = await Store.open(tmp_path / "cache.sqlite3")
    yield store
    await store.close()


@pytest.fixture
async def live_api(batch_emulator):
    """BatchApi on the emulator; `.calls` records every API call (the activity log)."""
    calls = []
    api = BatchApi(api_key="test", base_url=batch_emulator.base_url, on_call=calls.append)
    api.calls = calls  # type: ignore[attr-defined]
    yield api
    await api.close()


@pytest.fixture
def cli(batch_emulator, tmp_path, monkeypatch, capsys):
    """Run `batchtui --db ... --base-url <emulator> ARGS` in-process on the test's cache; returns (exit code,
    stdout, stderr)."""
    from batchtui.cli import main

    monkeypatch.setenv("ANTHROPIC_API_KEY", "test")
    db = tmp_path / "cache.sqlite3"

    def run(*args: str) -> tuple[int, str, str]:
        code = main(["--db", str(db), "--base-url", batch_emulator.base_url, *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run
