"""One line under the list: is the cache fresh (synced when, next poll when, or offline and why), how many batches are
in flight, what the request queue holds, and whether this is the demo."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from textual.widgets import Static

from batchtui.core import fmt
from batchtui.tui.safe import content_assemble


@dataclass
class SyncState:
    """What the app knows about syncing. Times are the app's clock at the moment the event arrived."""

    offline_reason: str | None = None  # no API at all (e.g. no key): nothing will be tried
    last_ok: datetime | None = None
    error: str | None = None  # the last sync failure, until a sync succeeds
    transient: bool = True  # connection trouble (keep retrying) rather than e.g. a rejected key
    next_poll_at: datetime | None = None
    syncing: bool = False


def _in(seconds: float) -> str:
    return "now" if seconds < 1 else f"in {fmt.duration(seconds)}"


def sync_parts(state: SyncState, now: datetime) -> list[str | tuple[str, str]]:
    if state.offline_reason:
        return [("○ offline ", "bold yellow"), (state.offline_reason, "yellow")]
    next_poll = ""
    if state.next_poll_at is not None:
        next_poll = _in((state.next_poll_at - now).total_seconds())
    if state.error:
        if state.transient:
            parts: list[str | tuple[str, str]] = [("○ offline ", "bold yellow"), (state.error, "yellow")]
            if next_poll:
                parts.append((f" · retrying {next_poll}", "dim"))
            if state.last_ok:
                parts.append((f" · cache from {fmt.ago(state.last_ok, now)}", "dim"))
            return parts
        return [("✗ ", "bold red"), (state.error, "red")]
    if state.syncing and state.last_ok is None:
        return [("◌ syncing…", "dodger_blue1")]
    if state.last_ok is None:
        return [("◌ not synced yet (showing the cache)", "dim")]
    parts = [("● ", "green"), f"synced {fmt.ago(state.last_ok, now)}"]
    if next_poll:
        parts.append((f" · next poll {next_poll}", "dim"))
    return parts


class StatusBar(Static):
    def __init__(self, *, demo: bool = False, **kwargs) -> None:
        super().__init__(**kwargs)
        self.demo = demo

    def show(
        self,
        state: SyncState,
        *,
        in_flight: int,
        total: int,
        shown: int,
        marked: int,
        now: datetime,
        queue: str | None = None,
    ) -> None:
        """`queue`: the request queue in a few words (tui/queue.py), when something is queued."""
        # Counts first: they always fit; a long offline explanation may be cut at the right edge instead.
        parts: list[str | tuple[str, str]] = [("DEMO", "bold reverse yellow"), " "] if self.demo else []
        parts.append((f"{fmt.count(in_flight)} in flight", "bold dodger_blue1" if in_flight else "dim"))
        noun = "batch" if total == 1 else "batches"
        if shown == total:
            batches = f" · {fmt.count(total)} {noun}"
        else:
            batches = f" · {fmt.count(shown)} of {fmt.count(total)} shown"
        parts.append((batches, "dim"))
        if marked:
            parts.append((f" · {fmt.count(marked)} marked", "bold magenta"))
        if queue:
            parts.append((f" · {queue}", "dark_orange"))
        parts.append(("  │  ", "dim"))
        parts += sync_parts(state, now)
        self.update(content_assemble(*parts))
