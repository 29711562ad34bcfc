"""Reliability suites: seeded, bounded in time. BATCHTUI_RELIABILITY_SEED picks the seed (printed in the report
by every test that uses it); BATCHTUI_RELIABILITY_SCALE multiplies trials and durations for a long local run, e.g.
`BATCHTUI_RELIABILITY_SCALE=10 pytest tests/reliability -n 2`."""

from __future__ import annotations

import os
import random

import pytest

DEFAULT_SEED = 20251204


def base_seed() -> int:
    return int(os.environ.get("BATCHTUI_RELIABILITY_SEED", DEFAULT_SEED))


def scale() -> float:
    return max(float(os.environ.get("BATCHTUI_RELIABILITY_SCALE", "1")), 0.1)


@pytest.fixture
def rng(request: pytest.FixtureRequest) -> random.Random:
    """A generator seeded by the base seed and the test's id, so each test replays alone and under xdist alike."""
    seed = f"{base_seed()}:{request.node.nodeid}"
    print(f"seed {base_seed()} ({request.node.nodeid}); rerun with BATCHTUI_RELIABILITY_SEED={base_seed()}")
    return random.Random(seed)
