"""Where things live and which API to talk to: flags, then environment, then defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP = "batchtui"


def data_dir() -> Path:
    return platformdirs.user_data_path(APP)


def default_db_path() -> Path:
    return data_dir() / "batchtui.sqlite3"


def demo_dir() -> Path:
    """The demo keeps its own emulator state and cache, apart from real data."""
    return data_dir() / "demo"


@dataclass(frozen=True)
class Settings:
    db_path: Path
    base_url: str | None  # None: the SDK's default (api.anthropic.com)
    api_key: str | None
    demo: bool = False


def resolve_settings(*, db: Path | None, base_url: str | None, demo: bool) -> Settings:
    """--db beats BATCHTUI_DB beats the default; --base-url beats ANTHROPIC_BASE_URL. The key is never stored."""
    if demo:
        return Settings(db_path=db or demo_dir() / "cache.sqlite3", base_url=None, api_key="demo", demo=True)
    env_db = os.environ.get("BATCHTUI_DB")
    return Settings(
        db_path=db or (Path(env_db) if env_db else default_db_path()),
        base_url=base_url or os.environ.get("ANTHROPIC_BASE_URL") or None,
        api_key=os.environ.get("ANTHROPIC_API_KEY") or os.environ.get("ANTHROPIC_AUTH_TOKEN") or None,
    )
