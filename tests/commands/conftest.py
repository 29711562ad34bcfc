"""The `cli` fixture: run batchtui's CLI in-process against the test's emulator and its own cache."""

from __future__ import annotations

import pytest

from batchtui.cli import main


@pytest.fixture
def cli(batch_emulator, tmp_path, monkeypatch, capsys):
    """Run `batchtui --db ... --base-url <emulator> ARGS`; returns (exit code, stdout, stderr)."""
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test")
    db = tmp_path / "cache.sqlite3"

    def run(*args: str) -> tuple[int, str, str]:
        code = main(["--db", str(db), "--base-url", batch_emulator.base_url, *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run
