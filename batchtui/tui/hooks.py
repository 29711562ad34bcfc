"""Completion hooks in the dashboard: the `[hooks]` table of config.toml, read so that a mistake in it never stops
the dashboard (it is said, and the dashboard runs without hooks), and the words for a hook's outcome."""

from __future__ import annotations

import tomllib
from pathlib import Path

from rich.text import Text

from batchtui.core import fmt
from batchtui.core.config import config_path
from batchtui.core.errors import UsageError
from batchtui.core.events import HookDelivered, HookFailed
from batchtui.core.hook_settings import HookSettings, resolve_hooks
from batchtui.core.sanitize import clean


def load_hooks(path: Path | None = None) -> tuple[HookSettings | None, list[str]]:
    """(the hooks to run, or None; problems to tell the user). Never raises."""
    path = path or config_path()
    try:
        tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None, []  # missing, or broken: the keymap loader, which reads the same file, says so once
    try:
        settings = resolve_hooks(path=path)
    except UsageError as exc:
        return None, [f"{exc}; completion hooks are off until it is fixed"]
    return (settings if settings.any else None), []


def failure_text(event: HookFailed, name: str) -> str:
    """`support-triage: webhook https://… failed: HTTP 500; trying again in 30s` (or `…; gave up`)."""
    later = f"trying again in {fmt.duration(event.retry_in)}" if event.retry_in is not None else "gave up"
    return f"{name}: {event.target} failed: {event.message}; {later}"


def activity_line(event: HookDelivered | HookFailed, name: str) -> Text:
    """A quiet line for the activity panel. Targets and errors come from config and the outside: sanitized, and a
    Text, never markup."""
    ok = isinstance(event, HookDelivered)
    line = Text.assemble(("hook   ", "bold"), ("done " if ok else "FAIL ", "green" if ok else "bold red"))
    line.append(clean(f"{name}: {event.target}"))
    if isinstance(event, HookFailed):
        line.append(f"  {clean(event.message)}", style="red")
    return line
