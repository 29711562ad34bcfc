"""Fills a fresh emulator with batches in every state, so a first `--demo` looks alive."""

from __future__ import annotations

import fcntl
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from batchtui.emulator.state import EmulatorState

HOUR = 3600.0
DAY = 24 * HOUR

_TEMPLATES = {
    "support": "Summarize this support ticket in two sentences and tag its product area:\n{text}",
    "sentiment": "Classify the sentiment of this review as positive, neutral or negative:\n{text}",
    "translate": "Translate into French, keeping the tone:\n{text}",
    "extract": "Extract the company names and dates mentioned in:\n{text}",
    "eval": "Answer the question, then rate your confidence from 1 to 5:\n{text}",
}
_SNIPPETS = (
    "My invoice for October shows two charges for the same plan.",
    "The export button greys out after I apply a date filter.",
    "Great battery life, but the screen scratches far too easily.",
    "Delivery took three weeks and nobody answered my emails.",
    "Acme Corp signed the agreement with Globex on 12 March 2025.",
    "What is the boiling point of water at the top of Mount Everest?",
    "The new dashboard is faster, though the colours are hard to read.",
    "Please reset my password; the reset link in the email has expired.",
    "Initech and Umbrella announced a merger on 3 June 2026.",
    "How many moons does Jupiter have, and which is the largest?",
)
_MODELS = ("claude-sonnet-5", "claude-haiku-4-5", "claude-opus-5", "claude-haiku-5-5")


@dataclass(frozen=True)
class SeededBatch:
    batch_id: str
    label: str
    source_file: str


def _requests(kind: str, n: int, rng: random.Random, bad_every: int = 0) -> list[dict]:
    model = rng.choice(_MODELS)
    out = []
    for i in range(n):
        params: dict = {
            "model": model,
            "max_tokens": rng.choice((256, 512, 1024)),
            "messages": [{"role": "user", "content": _TEMPLATES[kind].format(text=rng.choice(_SNIPPETS))}],
        }
        if bad_every and i % bad_every == bad_every - 1:
            # A realistic mistake: a typo in the model name surfaces as an errored result after the batch ends.
            params["model"] = model.replace("claude-", "claude-3-")
        out.append({"custom_id": f"{kind}-{i:05d}", "params": params})
    return out


# (label, kind, requests, created ago, duration, extra insert_batch arguments)
_PLAN: tuple = (
    ("quick-check", "eval", 40, 20.0, 45.0, {}),
    ("eval-run-7", "eval", 500, 40.0, 150.0, {}),
    ("ticket-summaries", "support", 3_000, 5 * 60.0, 50 * 60.0, {}),
    (
        "reviews-v2",  # the status column says it is canceling: a label that did would go stale
        "sentiment",
        800,
        10 * 60.0,
        HOUR,
        {"cancel_after": 10 * 60.0 - 5, "cancel_seconds": 90.0},
    ),
    ("support-triage", "support", 240, 2 * HOUR, 25 * 60.0, {"bad_every": 37, "error_rate": 0.03}),
    ("sentiment-large", "sentiment", 12_000, 3 * HOUR, 55 * 60.0, {"error_rate": 0.004, "expire_rate": 0.002}),
    ("translations-fr", "translate", 1_200, 26 * HOUR, 40 * 60.0, {}),
    ("extract-entities", "extract", 600, 30 * HOUR, 1.5 * HOUR, {"cancel_after": 30 * 60.0, "cancel_seconds": 20.0}),
    ("nightly-eval", "eval", 2_000, 2 * DAY, 30 * HOUR, {"expiry_seconds": DAY}),
    ("q3-archive", "support", 300, 40 * DAY, HOUR, {}),
)


# Batches that start "now" when a returning demo finds nothing in flight and nothing recent (see LIVE_REST).
_LIVE_PLAN: tuple = (
    ("live: quick-check", "eval", 60, 0.0, 25.0, {}),
    ("live: ticket-summaries", "support", 1_500, 0.0, 100.0, {"error_rate": 0.01}),
    ("live: reviews-batch", "sentiment", 4_000, 0.0, 20 * 60.0, {}),
)

# A relaunch starts live batches only if no batch was created for this long: relaunching (or running one command
# after another with --demo) must not add three batches each time the last ones have ended.
LIVE_REST = HOUR


async def seed_demo(state: EmulatorState, seed: int = 7, *, batch_seconds: float | None = None) -> list[SeededBatch]:
    """Insert the demo batches unless the state already has batches. Returns what was inserted. `batch_seconds`:
    those in flight end within about that many seconds (None: the plan's own, realistic, durations)."""
    return await state.run(_seed, state, seed, batch_seconds)


async def seed_live(state: EmulatorState, seed: int = 11, *, batch_seconds: float | None = None) -> list[SeededBatch]:
    """Start a few batches now if none is in flight and none was created within LIVE_REST, so a returning demo
    still has something moving but a relaunch does not pile up batches."""
    return await state.run(_seed_live, state, seed, batch_seconds)


async def seed_launch(state: EmulatorState, *, batch_seconds: float | None = None) -> list[SeededBatch]:
    """What a demo launch adds: the demo batches on a fresh state, else live ones when it is time (seed_live)."""
    return await seed_demo(state, batch_seconds=batch_seconds) or await seed_live(state, batch_seconds=batch_seconds)


@contextmanager
def _seeding_lock(state: EmulatorState) -> Iterator[None]:
    """One seeder at a time per state file: two demo processes started together (two browser tabs of `serve`)
    would both find the state empty and both seed it. An advisory lock beside the file makes check-and-insert one
    step across processes; an in-memory state has only one process."""
    path = state.config.state_path
    if path is None:
        yield
        return
    with open(f"{path}.seed-lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _seed(state: EmulatorState, seed: int, batch_seconds: float | None) -> list[SeededBatch]:
    with _seeding_lock(state):
        if not state.is_empty():
            return []
        return _insert_plan(state, _PLAN, random.Random(seed), batch_seconds)


def _seed_live(state: EmulatorState, seed: int, batch_seconds: float | None) -> list[SeededBatch]:
    with _seeding_lock(state):
        return _seed_live_unlocked(state, seed, batch_seconds)


def _seed_live_unlocked(state: EmulatorState, seed: int, batch_seconds: float | None) -> list[SeededBatch]:
    now = state.clock.now()
    rows = state.db.execute("SELECT * FROM batches WHERE deleted_at IS NULL").fetchall()
    if any(state.end_time(r) > now for r in rows):
        return []
    newest = state.db.execute("SELECT max(created_at) FROM batches").fetchone()[0]  # deleted ones count too
    if newest is not None and now - newest < LIVE_REST:
        return []
    return _insert_plan(state, _LIVE_PLAN, random.Random(seed + int(now)), batch_seconds)


def _demo_time(ago: float, duration: float, cancel: tuple[float, float] | None, left: float) -> tuple[float, float]:
    """(duration, cancel_seconds) so a batch still in flight `ago` seconds after its creation ends about `left`
    seconds from now, if it would have ended later (a batch already over is history: left as it is)."""
    cancel_after, cancel_seconds = cancel or (0.0, 0.0)
    end = min(duration, cancel_after + cancel_seconds) if cancel else duration
    if end <= ago or end - ago <= left:
        return duration, cancel_seconds
    if cancel and cancel_after + cancel_seconds < duration:
        return duration, max(0.0, ago + left - cancel_after)
    return ago + left, cancel_seconds


def _insert_plan(
    state: EmulatorState, plan: tuple, rng: random.Random, batch_seconds: float | None = None
) -> list[SeededBatch]:
    now = state.clock.now()
    out = []
    # Oldest first, so insertion order (the list order) matches creation time.
    ordered = sorted(plan, key=lambda p: -p[3])
    for i, (label, kind, n, ago, duration, extra) in enumerate(ordered):
        extra = dict(extra)
        bad_every = extra.pop("bad_every", 0)
        cancel_after = extra.pop("cancel_after", None)
        if batch_seconds is not None:
            # Spread over (0.4 .. 1.0) x batch_seconds, the newest last, so they end one after another.
            left = batch_seconds * (0.4 + 0.6 * (i + 1) / len(ordered))
            cancel = None if cancel_after is None else (cancel_after, extra.get("cancel_seconds", 0.0))
            duration, cancel_seconds = _demo_time(ago, duration, cancel, left)
            if cancel is not None:
                extra["cancel_seconds"] = cancel_seconds
        created = now - ago
        row = state.insert_batch(
            _requests(kind, n, rng, bad_every),
            created_at=created,
            duration=duration,
            cancel_initiated_at=None if cancel_after is None else created + cancel_after,
            **extra,
        )
        out.append(SeededBatch(row["id"], label, f"{kind}-{n}.jsonl"))
    return out
