"""The request queue's rules, as plain data: its triggers (size, age), when it flushes next, and how long an
automatic flush waits after failures. No I/O except reading `[queue]` from the config file."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from batchtui.core.config import config_path
from batchtui.core.errors import UsageError

DEFAULT_FLUSH_SIZE = 10_000
DEFAULT_FLUSH_AGE = timedelta(minutes=15)
FAILURE_BACKOFF = timedelta(minutes=1)  # after a failed flush; doubled per failure in a row
FAILURE_BACKOFF_CAP = timedelta(hours=1)

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|d)?\s*$", re.IGNORECASE)
_UNITS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> timedelta:
    """`90s`, `15m`, `1.5h`, `2d`, or bare seconds. ValueError with the accepted forms otherwise."""
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a duration: write e.g. 90s, 15m, 2h or 1d")
    seconds = float(match.group(1)) * _UNITS[(match.group(2) or "s").lower()]
    if seconds <= 0:
        raise ValueError(f"{text!r}: a duration must be more than 0")
    return timedelta(seconds=seconds)


@dataclass(frozen=True)
class QueueSettings:
    flush_size: int = DEFAULT_FLUSH_SIZE
    flush_age: timedelta = DEFAULT_FLUSH_AGE
    source: str = "default"  # where they came from: "queue add" (kept in the cache), a config file, "default"

    def to_json(self) -> dict[str, object]:
        return {
            "flush_size": self.flush_size,
            "flush_age_seconds": self.flush_age.total_seconds(),
            "source": self.source,
        }


def config_settings(path: Path | None = None) -> QueueSettings | None:
    """`[queue] flush_size = 10000`, `flush_age = "15m"` (or seconds) from the config file; None when it has no
    `[queue]` table. A bad value is a UsageError naming the file and key."""
    path = path or config_path()
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8")).get("queue")
    except (OSError, UnicodeDecodeError):
        return None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: not valid TOML ({exc}); fix or remove it") from None
    if table is None:
        return None
    if not isinstance(table, dict):
        raise UsageError(f"{path}: [queue] must be a table")
    size = table.get("flush_size", DEFAULT_FLUSH_SIZE)
    if not isinstance(size, int) or isinstance(size, bool) or size < 1:
        raise UsageError(f"{path}: queue.flush_size must be a whole number of requests, 1 or more")
    age = table.get("flush_age", DEFAULT_FLUSH_AGE.total_seconds())
    try:
        if isinstance(age, bool) or not isinstance(age, int | float | str):
            raise ValueError("must be seconds or a duration like 15m")
        flush_age = parse_duration(str(age))
    except ValueError as exc:
        raise UsageError(f"{path}: queue.flush_age: {exc}") from None
    return QueueSettings(size, flush_age, str(path))


def effective_settings(
    stored_size: int | None, stored_age: timedelta | None, config: QueueSettings | None
) -> QueueSettings:
    """What `queue add` stored beats the config file, which beats the defaults (key by key)."""
    base = config or QueueSettings()
    if stored_size is None and stored_age is None:
        return base
    return QueueSettings(
        stored_size if stored_size is not None else base.flush_size,
        stored_age if stored_age is not None else base.flush_age,
        "queue add",
    )


def failure_backoff(failures_in_a_row: int) -> timedelta:
    """How long a flusher waits after the last of `failures_in_a_row` flushes that it could not send (1 min, 2,
    4 … 1 h): an API that is down or refusing is not hammered every round."""
    if failures_in_a_row <= 0:
        return timedelta(0)
    return min(FAILURE_BACKOFF_CAP, FAILURE_BACKOFF * 2 ** (failures_in_a_row - 1))


@dataclass(frozen=True)
class FlushRecord:
    """One line of the flush log: one claim of queued requests, sent as one submission."""

    id: int
    reason: str  # size | age | manual
    state: str  # claimed | sending | sent | failed | abandoned
    request_count: int
    body_bytes: int
    claimed_at: datetime
    finished_at: datetime | None = None
    submission_id: str | None = None
    batch_id: str | None = None  # sent: its batch; sending: the probable batch, if reconcile found one
    error: str | None = None

    @property
    def label(self) -> str:
        """The batch's local name: the flush number tells a queue's batches apart."""
        return f"queue flush #{self.id}"

    def to_json(self) -> dict[str, object]:
        return {
            "flush_id": self.id,
            "reason": self.reason,
            "state": self.state,
            "request_count": self.request_count,
            "body_bytes": self.body_bytes,
            "claimed_at": self.claimed_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "submission_id": self.submission_id,
            "batch_id": self.batch_id,
            "error": self.error,
        }


@dataclass(frozen=True)
class QueueStatus:
    """What is queued (not yet taken by a flush), what is on its way, and when the next flush comes."""

    queued: int
    queued_bytes: int
    oldest_added_at: datetime | None
    taken: int  # claimed by a flush whose outcome is not final yet (being sent, or answer lost: reconcile decides)
    settings: QueueSettings
    recent: list[FlushRecord] = field(default_factory=list)  # newest first
    backoff_until: datetime | None = None  # a flusher that just failed waits till then (its own memory)

    def due_reason(self, now: datetime) -> str | None:
        """size / age when an automatic flush should run now, else None."""
        if not self.queued:
            return None
        if self.backoff_until is not None and now < self.backoff_until:
            return None
        if self.queued >= self.settings.flush_size:
            return "size"
        if self.oldest_added_at is not None and now >= self.oldest_added_at + self.settings.flush_age:
            return "age"
        return None

    def next_flush(self, now: datetime) -> tuple[datetime, str] | None:
        """(when, why) of the next automatic flush; None while nothing is queued."""
        if not self.queued or self.oldest_added_at is None:
            return None
        when, why = self.oldest_added_at + self.settings.flush_age, "age"
        if self.queued >= self.settings.flush_size:
            when, why = now, "size"
        if self.backoff_until is not None and self.backoff_until > when:
            return self.backoff_until, f"{why}, after a failed flush"
        return when, why

    def to_json(self, now: datetime) -> dict[str, object]:
        upcoming = self.next_flush(now)
        return {
            "queued": self.queued,
            "queued_bytes": self.queued_bytes,
            "oldest_added_at": self.oldest_added_at.isoformat() if self.oldest_added_at else None,
            "oldest_age_seconds": (now - self.oldest_added_at).total_seconds() if self.oldest_added_at else None,
            "taken": self.taken,
            "settings": self.settings.to_json(),
            "next_flush_at": upcoming[0].isoformat() if upcoming else None,
            "next_flush_reason": upcoming[1] if upcoming else None,
            "flushes": [f.to_json() for f in self.recent],
        }
