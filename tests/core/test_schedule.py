"""The adaptive poll schedule: brisk on change, backoff with jitter when idle or failing, retry-after honoured."""

import random

from batchtui.core.schedule import PollSchedule


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
