"""The adaptive poll schedule: brisk on change, backoff with jitter when idle or failing, retry-after honoured."""

import random
from datetime import UTC, datetime, timedelta

from batchtui.core.models import BatchRecord, RequestCounts
from batchtui.core.schedule import PollSchedule, due_in


def schedule(**kw) -> PollSchedule:
    return PollSchedule(rng=random.Random(1), **kw)


def test_change_keeps_polling_brisk():
    s = schedule(brisk=5, jitter=0)
    assert s.after_success(changed=True, in_flight=True) == 5
    assert s.after_success(changed=True, in_flight=True) == 5


def test_no_change_backs_off_exponentially_up_to_the_cap():
    s = schedule(brisk=5, growth=2, busy_cap=60, jitter=0)
    delays = [s.after_success(changed=False, in_flight=True) for _ in range(8)]
    assert delays[:5] == [5, 10, 20, 40, 60]
    assert delays[-1] == 60


def test_idle_cap_applies_when_nothing_is_in_flight():
    s = schedule(brisk=5, growth=2, busy_cap=60, idle_cap=300, jitter=0)
    delays = [s.after_success(changed=False, in_flight=False) for _ in range(10)]
    assert max(delays) == 300
    # Something new in flight: back to the busy cap at most.
    assert s.after_success(changed=False, in_flight=True) == 60


def test_user_action_resets_to_brisk():
    s = schedule(brisk=5, growth=2, jitter=0)
    for _ in range(6):
        s.after_success(changed=False, in_flight=True)
    s.user_action()
    assert s.after_success(changed=False, in_flight=True) == 5


def test_errors_back_off_exponentially_with_jitter_and_reset_on_success():
    s = schedule(error_base=2, error_cap=100, jitter=0.2)
    delays = [s.after_error() for _ in range(8)]
    nominal = [2, 4, 8, 16, 32, 64, 100, 100]
    for d, n in zip(delays, nominal, strict=True):
        assert 0.8 * n <= d <= 1.2 * n
    s.after_success(changed=False, in_flight=True)
    assert s.errors == 0
    assert s.after_error() <= 2.4


def test_retry_after_is_never_undercut():
    s = schedule(error_base=2, jitter=0)
    assert s.after_error(retry_after=30) == 30
    assert s.after_error(retry_after=0.1) == 4  # backoff already longer than asked


def test_jitter_spreads_instances():
    a = PollSchedule(rng=random.Random(1), brisk=10)
    b = PollSchedule(rng=random.Random(2), brisk=10)
    assert a.after_success(changed=True, in_flight=True) != b.after_success(changed=True, in_flight=True)


# -- how soon an in-flight batch may end (the demo knows how long its emulator's batches run) --------------------

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def running(age: float, status: str = "in_progress", expires_in: float = 86_400.0) -> BatchRecord:
    counts = RequestCounts(processing=10, succeeded=0, errored=0, canceled=0, expired=0)
    created = NOW - timedelta(seconds=age)
    return BatchRecord("msgbatch_x", status, counts, created, expires_at=NOW + timedelta(seconds=expires_in))


def test_a_batch_of_known_length_is_due_from_70_percent_of_it():
    assert due_in([running(10)], NOW, 45.0) == 45 * 0.7 - 10
    assert due_in([running(35)], NOW, 45.0) == 0  # inside its window: any moment now
    assert due_in([running(10), running(30)], NOW, 45.0) == 45 * 0.7 - 30  # the soonest of them


def test_past_its_window_or_of_unknown_length_only_the_expiry_bounds_it():
    assert due_in([running(45 * 1.3 + 1)], NOW, 45.0) == 86_400.0  # not one of the demo's usual batches
    assert due_in([running(600)], NOW) == 86_400.0  # the API's counts say nothing until the end
    assert due_in([running(600, expires_in=40)], NOW) == 40
    assert due_in([running(10, "canceling")], NOW, 45.0) == 0
    assert due_in([], NOW, 45.0) is None


def test_the_wait_never_runs_past_a_batch_coming_due():
    s = schedule(brisk=5, growth=2, busy_cap=60, jitter=0)
    for _ in range(6):
        s.after_success(changed=False, in_flight=True)  # backed off to the cap
    assert s.after_success(changed=False, in_flight=True) == 60
    assert s.after_success(changed=False, in_flight=True, due=12) == 12  # due in 12 s: look then
    assert s.after_success(changed=False, in_flight=True, due=0) == s.near  # any moment: every few seconds
    assert s.after_success(changed=False, in_flight=False, due=0) == 6  # nothing in flight: due means nothing


def test_the_demo_caps_its_backoff_while_a_batch_runs():
    s = PollSchedule.for_known_duration(45.0)
    s.jitter = 0
    delays = [s.after_success(changed=False, in_flight=True) for _ in range(10)]
    assert max(delays) <= 45.0 / 8  # an ended batch shows within seconds, not after a 25-52 s backoff
    assert PollSchedule.for_known_duration(30.0).busy_cap == 3.75
    assert s.after_success(changed=False, in_flight=True, due=0) == s.near
