"""Where the cache lives and which API is used: flag, then environment, then default. The key is read, never kept."""

from pathlib import Path

import pytest

from batchtui.core.config import default_db_path, demo_dir, resolve_settings


def test_db_flag_beats_environment_beats_default(monkeypatch, tmp_path):
    monkeypatch.setenv("BATCHTUI_DB", str(tmp_path / "env.sqlite3"))
    assert (
        resolve_settings(db=tmp_path / "flag.sqlite3", base_url=None, demo=False).db_path == tmp_path / "flag.sqlite3"
    )
    assert resolve_settings(db=None, base_url=None, demo=False).db_path == tmp_path / "env.sqlite3"
    monkeypatch.delenv("BATCHTUI_DB")
    default = resolve_settings(db=None, base_url=None, demo=False).db_path
    assert default == default_db_path() and default.name == "batchtui.sqlite3"


def test_base_url_and_key_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "http://127.0.0.1:8787")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test")
    settings = resolve_settings(db=Path("x.sqlite3"), base_url=None, demo=False)
    assert settings.base_url == "http://127.0.0.1:8787" and settings.api_key == "sk-test"
    assert resolve_settings(db=None, base_url="http://other", demo=False).base_url == "http://other"


def test_demo_has_its_own_cache_and_needs_no_key(monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.setenv("BATCHTUI_DB", "/somewhere/else.sqlite3")
    settings = resolve_settings(db=None, base_url=None, demo=True)
    assert settings.db_path.parent == demo_dir() and settings.api_key and settings.demo


@pytest.mark.parametrize(
    ("raw", "expected", "demo_expected"),
    [(None, None, 5.0), ("30", 30.0, 30.0), ("0.5", 0.5, 0.5), ("0", 0.0, 0.0), ("-1", None, 5.0),
     ("soon", None, 5.0), ("nan", None, 5.0), ("inf", None, 5.0)],
)  # fmt: skip
def test_the_reconcile_grace_comes_from_the_environment_and_is_short_in_the_demo(
    monkeypatch, raw, expected, demo_expected
):
    if raw is None:
        monkeypatch.delenv("BATCHTUI_RECONCILE_GRACE", raising=False)
    else:
        monkeypatch.setenv("BATCHTUI_RECONCILE_GRACE", raw)
    assert resolve_settings(db=None, base_url=None, demo=False).reconcile_grace == expected
    assert resolve_settings(db=None, base_url=None, demo=True).reconcile_grace == demo_expected
