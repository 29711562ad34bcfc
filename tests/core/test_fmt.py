"""fmt: deterministic given `now`; None is always an em dash."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from batchtui.core import fmt

NOW = datetime(2026, 10, 1, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("delta", "expected"),
    [
        (timedelta(minutes=3), "3 minutes ago"),
        (timedelta(hours=5), "5 hours ago"),
        (timedelta(days=3), "3 days ago"),
        (timedelta(0), "now"),
    ],
)
def test_ago(delta: timedelta, expected: str) -> None:
    assert fmt.ago(NOW - delta, now=NOW) == expected


def test_ago_future_reads_as_until() -> None:
    assert fmt.ago(NOW + timedelta(minutes=3), now=NOW) == "in 3 minutes"


def test_ago_accepts_naive_as_utc() -> None:
    assert fmt.ago(datetime(2026, 10, 1, 11, 57), now=NOW) == "3 minutes ago"


@pytest.mark.parametrize(
    ("delta", "expected"),
    [
        (timedelta(hours=23), "in 23 hours"),
        (timedelta(minutes=10), "in 10 minutes"),
        (timedelta(seconds=0.2), "now"),
    ],
)
def test_until(delta: timedelta, expected: str) -> None:
    assert fmt.until(NOW + delta, now=NOW) == expected


def test_until_past_reads_as_ago() -> None:
    assert fmt.until(NOW - timedelta(hours=2), now=NOW) == "2 hours ago"


def test_until_other_timezone() -> None:
    from datetime import timezone

    tz = timezone(timedelta(hours=2))
    assert fmt.until(datetime(2026, 10, 1, 16, 0, tzinfo=tz), now=NOW) == "in 2 hours"


def test_none_everywhere_is_dash() -> None:
    assert fmt.ago(None) == fmt.until(None) == fmt.naturalsize(None) == fmt.count(None) == "—"
    assert fmt.money(None) == fmt.duration(None) == "—"


def test_naturalsize() -> None:
    assert fmt.naturalsize(1_234_567) == "1.2 MB"
    assert fmt.naturalsize(815) == "815 B" and fmt.naturalsize(1) == "1 B"  # not "815 Bytes", "1 Byte"
    assert fmt.naturalsize(1000) == "1.0 kB" and fmt.naturalsize(1023, binary=True) == "1023 B"
    assert fmt.naturalsize(256 * 1024 * 1024, binary=True) == "256.0 MiB"
    assert fmt.naturalsize(0) == "0 B"


def test_plural() -> None:
    assert fmt.plural(1, "batch", "batches") == "1 batch"
    assert fmt.plural(1200, "request") == "1,200 requests" and fmt.plural(0, "part") == "0 parts"


def test_count() -> None:
    assert fmt.count(12345) == "12,345"
    assert fmt.count(0) == "0"
    assert fmt.count(100_000) == "100,000"


@pytest.mark.parametrize(
    ("usd", "expected"),
    [
        (0.0123, "$0.0123"),
        (12.34, "$12.34"),
        (1234.5, "$1,234.50"),
        (0, "$0.00"),
        (0.00001, "<$0.0001"),
        (0.99999, "$1.00"),
        (1.005, "$1.00"),  # binary float: 1.005 is 1.00499..., banker's rounding is not at play
        (-2.5, "-$2.50"),
        (0.5, "$0.5000"),
    ],
)
def test_money(usd: float, expected: str) -> None:
    assert fmt.money(usd) == expected


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (0, "0s"),
        (45, "45s"),
        (125, "2m 05s"),
        (3720, "1h 02m"),
        (2 * 86400 + 3 * 3600 + 59, "2d 03h"),
        (59.9, "59s"),
        (-5, "0s"),
    ],
)
def test_duration(seconds: float, expected: str) -> None:
    assert fmt.duration(seconds) == expected


def test_hours_are_whole_and_rounded_down_within_two_days():
    from datetime import UTC, datetime, timedelta

    from batchtui.core import fmt

    now = datetime(2026, 1, 2, tzinfo=UTC)
    assert fmt.until(now + timedelta(hours=23, minutes=59), now) == "in 23 hours"  # a fresh batch's expiry
    assert fmt.until(now + timedelta(hours=1, minutes=50), now) == "in an hour"
    assert fmt.ago(now - timedelta(hours=30), now) == "30 hours ago"
    assert fmt.until(now + timedelta(days=3), now) == "in 3 days"
