"""Where things live and which API (and Temporal server) to talk to: flags, then environment, then the config
file, then defaults."""

from __future__ import annotations

import math
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP = "batchtui"


def data_dir() -> Path:
    return platformdirs.user_data_path(APP)


def default_db_path() -> Path:
    return data_dir() / "batchtui.sqlite3"


def config_path() -> Path:
    """`~/.config/batchtui/config.toml` on Linux: key remaps (`[keymap]`) and the Temporal server (`[temporal]`)."""
    return platformdirs.user_config_path(APP) / "config.toml"


def demo_dir() -> Path:
    """The demo keeps its own emulator state and cache, apart from real data."""
    return data_dir() / "demo"


@dataclass(frozen=True)
class Settings:
    db_path: Path
    base_url: str | None  # None: the SDK's default (api.anthropic.com)
    api_key: str | None
    demo: bool = False
    demo_batch_seconds: float | None = None  # --demo --batch-seconds: how long a demo batch takes (None: default)
    # How long a batch may take to appear in the API's list after its create (reconcile waits this long before it
    # calls a lost create "nothing was made"). None: service/reconcile.py's default. BATCHTUI_RECONCILE_GRACE
    # (seconds) sets it: for an emulator, which lists a new batch at once; the demo's is short.
    reconcile_grace: float | None = None


def resolve_settings(
    *, db: Path | None, base_url: str | None, demo: bool, demo_batch_seconds: float | None = None
) -> Settings:
    """--db beats BATCHTUI_DB beats the default; --base-url beats ANTHROPIC_BASE_URL. The key is never stored."""
    if demo:
        return Settings(
            db_path=db or demo_dir() / "cache.sqlite3",
            base_url=None,
            api_key="demo",
            demo=True,
            demo_batch_seconds=demo_batch_seconds,
            reconcile_grace=DEMO_RECONCILE_GRACE if (grace := _grace()) is None else grace,
        )
    env_db = os.environ.get("BATCHTUI_DB")
    return Settings(
        db_path=db or (Path(env_db) if env_db else default_db_path()),
        base_url=base_url or os.environ.get("ANTHROPIC_BASE_URL") or None,
        api_key=os.environ.get("ANTHROPIC_API_KEY") or os.environ.get("ANTHROPIC_AUTH_TOKEN") or None,
        reconcile_grace=_grace(),
    )


DEMO_RECONCILE_GRACE = 5.0  # seconds: the embedded emulator lists a batch the moment it is made


def _grace() -> float | None:
    """BATCHTUI_RECONCILE_GRACE in seconds; a value that is not a non-negative number is ignored."""
    raw = os.environ.get("BATCHTUI_RECONCILE_GRACE", "").strip()
    try:
        value = float(raw)
    except ValueError:
        return None
    return value if math.isfinite(value) and value >= 0 else None


@dataclass(frozen=True)
class TemporalSettings:
    """Where the dashboard finds Temporal. `address` None: none configured; workflow info then comes from the local
    cache only, and a workflow's cancel signal goes to the default address."""

    address: str | None = None
    namespace: str = "default"
    ui: str | None = None  # the web UI's base URL; None: the dev server's, beside the address

    @property
    def configured(self) -> bool:
        return self.address is not None


def resolve_temporal(path: Path | None = None) -> tuple[TemporalSettings, list[str]]:
    """$TEMPORAL_ADDRESS beats `[temporal] address` in the config file; `namespace` and `ui` come from the file.
    Returns the settings and what was wrong with the table (never fatal). A file that does not parse is reported
    by the keymap loader, which reads the same file."""
    path = path or config_path()
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8")).get("temporal", {})
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        table = {}
    problems: list[str] = []
    if not isinstance(table, dict):
        problems.append(f"{path}: [temporal] must be a table; ignored")
        table = {}
    values: dict[str, str] = {}
    for key in ("address", "namespace", "ui"):
        value = table.get(key)
        if value is None:
            continue
        if isinstance(value, str) and value.strip():
            values[key] = value.strip()
        else:
            problems.append(f"{path}: temporal {key!r} must be a non-empty string; ignored")
    address = os.environ.get("TEMPORAL_ADDRESS") or values.get("address")
    settings = TemporalSettings(address, values.get("namespace", "default"), values.get("ui"))
    return settings, problems
