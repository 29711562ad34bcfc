"""The demo's seeded labels name batches, never their state: a status frozen into a label ("reviews-v2 (canceling)")
would still say it after the batch ended (the status column says it, and stays true)."""

from batchtui.emulator import seed

STATES = ("in progress", "in_progress", "canceling", "canceled", "ended", "expired", "running")


def test_no_seeded_label_carries_a_status():
    labels = [plan[0] for plan in (*seed._PLAN, *seed._LIVE_PLAN)]
    assert labels and not [label for label in labels if any(state in label.lower() for state in STATES)]
