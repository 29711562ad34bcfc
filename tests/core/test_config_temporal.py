"""Where the dashboard finds Temporal: $TEMPORAL_ADDRESS, then `[temporal]` in the config file; none: cache only."""

from __future__ import annotations

from pathlib import Path

from batchtui.core.config import TemporalSettings, config_path, resolve_temporal


def test_nothing_configured(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.delenv("TEMPORAL_ADDRESS", raising=False)
    settings, problems = resolve_temporal(tmp_path / "missing.toml")
    assert settings == TemporalSettings() and not settings.configured and problems == []


def test_the_environment_beats_the_config_file(monkeypatch, tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[temporal]\naddress = "temporal.internal:7233"\nnamespace = "batch"\nui = "https://t.example"\n')
    monkeypatch.delenv("TEMPORAL_ADDRESS", raising=False)
    assert resolve_temporal(path) == (TemporalSettings("temporal.internal:7233", "batch", "https://t.example"), [])
    monkeypatch.setenv("TEMPORAL_ADDRESS", "127.0.0.1:7233")
    settings, _ = resolve_temporal(path)
    assert settings.address == "127.0.0.1:7233" and settings.namespace == "batch" and settings.configured


def test_bad_values_are_reported_and_ignored(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.delenv("TEMPORAL_ADDRESS", raising=False)
    path = tmp_path / "config.toml"
    path.write_text('[temporal]\naddress = 7233\nnamespace = ""\n')
    settings, problems = resolve_temporal(path)
    assert settings == TemporalSettings()
    assert len(problems) == 2 and "'address'" in problems[0] and "'namespace'" in problems[1]
    path.write_text("temporal = 3\n")
    assert resolve_temporal(path)[1] == [f"{path}: [temporal] must be a table; ignored"]
    path.write_text("[temporal\n")  # does not parse: the keymap loader says so, once
    assert resolve_temporal(path) == (TemporalSettings(), [])


def test_the_config_file_is_the_keymaps_file(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert config_path() == tmp_path / "batchtui" / "config.toml"
