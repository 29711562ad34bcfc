"""Which completion hooks are configured: `--notify-webhook URL` / `--on-complete CMD` on the command line, else
`[hooks]` in the config file (the dashboard reads only the file). Plain data; checked here so a bad value is a
usage error before anything runs."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from batchtui.core.config import config_path, data_dir
from batchtui.core.errors import UsageError

WEBHOOK, COMMAND = "webhook", "command"


@dataclass(frozen=True)
class HookSettings:
    webhook: str | None = None
    on_complete: str | None = None
    results_dir: Path | None = None  # where each ended batch's results JSONL is written for the hooks
    command_timeout: float = 600.0

    @property
    def targets(self) -> list[str]:
        """Stable names for the outbox: the same URL or command is the same hook across runs."""
        out = []
        if self.webhook:
            out.append(f"{WEBHOOK} {self.webhook}")
        if self.on_complete:
            out.append(f"{COMMAND} {self.on_complete}")
        return out

    @property
    def any(self) -> bool:
        return bool(self.targets)

    def results_folder(self) -> Path:
        return self.results_dir or data_dir() / "results"


def check_webhook(url: str, where: str = "--notify-webhook") -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(f"{where}: {url!r} is not an http(s) URL (e.g. https://example.com/hooks/batch)")
    return url


def resolve_hooks(
    *,
    webhook: str | None = None,
    on_complete: str | None = None,
    results_dir: Path | None = None,
    path: Path | None = None,
) -> HookSettings:
    """A flag beats the same key of the config file's `[hooks]` table (keys: notify_webhook, on_complete,
    results_dir, command_timeout). A malformed table is a usage error naming the file and key."""
    path = path or config_path()
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8")).get("hooks", {})
    except (OSError, UnicodeDecodeError):
        table = {}
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: not valid TOML ({exc}); fix or remove it") from None
    if not isinstance(table, dict):
        raise UsageError(f"{path}: [hooks] must be a table")

    def text(key: str) -> str | None:
        value = table.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise UsageError(f"{path}: hooks.{key} must be a non-empty string")
        return value.strip()

    timeout = table.get("command_timeout", 600.0)
    if not isinstance(timeout, int | float) or isinstance(timeout, bool) or timeout <= 0:
        raise UsageError(f"{path}: hooks.command_timeout must be a positive number of seconds")
    hook_url = webhook or text("notify_webhook")
    if hook_url:
        check_webhook(hook_url, "--notify-webhook" if webhook else f"{path}: hooks.notify_webhook")
    folder = results_dir or (Path(p).expanduser() if (p := text("results_dir")) else None)
    return HookSettings(hook_url, on_complete or text("on_complete"), folder, float(timeout))
