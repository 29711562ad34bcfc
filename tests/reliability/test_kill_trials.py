"""SIGKILL `submit`, `sync` and the dashboard at random moments of each phase (validate, spool, create, poll,
download), restart, and check with SQL on the cache and on the emulator: every submission holds at most one batch
and it is its own (custom_ids equal), no batch of the API is left unattributed, every ended batch holds each result
exactly once, and `PRAGMA integrity_check` is ok.

The kill moment: a marker of the phase (a temporary spool on disk, a submission row's state, the emulator's
per-route call counts), then a seeded random delay within the phase's measured window. Which phase each kill really
hit is read afterwards from what it left behind, and each test asserts its phase was hit in at least 2 of 5 of its
trials (all 5, as a rule). 50 trials by default (5 phases x 2 tests x 5); BATCHTUI_RELIABILITY_SCALE multiplies them."""

from __future__ import annotations

import contextlib
import math
import random
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from batchtui.emulator.server import emulator_thread
from tests.reliability.conftest import scale
from tests.reliability.invariants import check_store, tmp_spools
from tests.reliability.rig import Rig, kill9, query, wait_until, write_requests

pytestmark = pytest.mark.timeout(600)

PHASES = ("validate", "spool", "create", "poll", "download")
TRIALS = max(1, math.ceil(5 * scale()))  # per test; two tests per phase
BIG = 10_000  # requests: validating, storing and downloading them takes long enough to be killed in the middle
SMALL = 50

# The ways each phase is reached: the command killed (a CLI line, or "dashboard") and, for create, the fault.
VARIANTS: dict[str, list[tuple[str, ...]]] = {
    "validate": [("submit",), ("submit", "--wait")],
    "spool": [("submit",), ("submit", "--wait")],
    "create": [("submit", "held"), ("submit", "--wait", "held"), ("submit",), ("submit", "--wait")],
    "poll": [("submit", "--wait"), ("sync", "--watch"), ("dashboard",)],
    "download": [("sync",), ("sync", "--watch"), ("submit", "--wait"), ("dashboard",)],
}
# Seconds after the phase's marker within which the kill lands (measured windows, with some margin inside them).
WINDOW = {"validate": 0.2, "spool": 0.05, "create": 0.15, "held": 0.5, "poll": 3.0, "download": 0.4}


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("requests")
    return {"big": write_requests(root / "big.jsonl", BIG), "small": write_requests(root / "small.jsonl", SMALL)}


@contextlib.contextmanager
def ending_batches(rig: Rig) -> Iterator[None]:
    """While inside: every batch the emulator stores from now on ends at once (its clock jumps an hour past it), so a
    restarted `submit --wait` finishes without waiting. Moves the clock only after a batch is stored: a batch
    created later than its submission's send time by the jump would fall outside reconcile's window."""
    stop = threading.Event()

    def stored() -> int:
        return (query(rig.emulator_db, "SELECT count(*) FROM batches") or [(0,)])[0][0]

    def run(seen: int) -> None:
        while not stop.wait(0.05):
            if (count := stored()) > seen:
                seen = count
                rig.emulator.clock.advance(3600)

    thread = threading.Thread(target=run, args=(stored(),), daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def latest_submission(rig: Rig) -> tuple[str, str, str | None] | None:
    rows = rig.store("SELECT id, state, batch_id FROM submissions ORDER BY created_at DESC LIMIT 1")
    return rows[0] if rows else None


def phase_hit(rig: Rig, before: dict[str, int]) -> str:
    """The phase the killed process was in, from what it left: spool files, the submission's state, the results
    stored and the API calls it made (`before`: the emulator's call counts when it started)."""
    sub = latest_submission(rig)
    if sub is None:
        return "validate" if tmp_spools(rig) else "start"
    _, state, batch_id = sub
    if state == "recorded":
        return "spool"
    if state in ("sending", "unknown"):
        return "create"
    if state != "created":
        return state
    made = sum(rig.calls(r) - before.get(r, 0) for r in ("create", "list", "retrieve", "results"))
    if made == 0:
        return "start"  # a watcher killed before its first call
    (results_state,) = rig.store("SELECT results_state FROM batches WHERE id = ?", (batch_id,))[0]
    if results_state == "complete":
        return "after"
    return "download" if rig.calls("results") > before.get("results", 0) else "poll"


def kill_in(rig: Rig, phase: str, variant: tuple[str, ...], files: dict[str, Path], rng: random.Random) -> str:
    """Start the variant's process, kill it in `phase`, and return the phase it really hit."""
    command = [a for a in variant if a != "held"]
    big = str(files["big"])
    if phase in ("poll", "download") and command[0] != "submit":
        assert rig.cli("submit", str(files["big" if phase == "download" else "small"])) == 0  # made beforehand
        if phase == "download":
            rig.emulator.clock.advance(3600)  # ended: its results are there to download
    if "held" in variant:
        rig.emulator.faults.inject("held_create", route="create")  # stored; the answer never comes back
    before = dict(rig.emulator.faults.calls)
    if command == ["dashboard"]:
        proc = rig.spawn_dashboard()
    elif command[0] == "submit":
        source = str(files["small"]) if phase == "poll" else big
        proc = rig.spawn(*command, source, log="killed")
    else:
        proc = rig.spawn(*command, log="killed")
    window = WINDOW["held" if "held" in variant else phase]
    try:
        with ending_batches(rig) if phase == "download" and command[0] == "submit" else contextlib.nullcontext():
            wait_until(lambda: marker(rig, phase, variant, before), proc, f"the {phase} phase")
            time.sleep(rng.uniform(0, window))
    finally:
        kill9(proc)
    return phase_hit(rig, before)


def marker(rig: Rig, phase: str, variant: tuple[str, ...], before: dict[str, int]) -> bool:
    """The phase has begun."""
    if phase == "validate":
        return bool(tmp_spools(rig))
    sub = latest_submission(rig)
    if phase == "spool":
        return sub is not None and sub[1] == "recorded"
    if phase == "create":
        if "held" in variant:
            return rig.calls("create") > before.get("create", 0)
        return sub is not None and sub[1] == "sending"
    if phase == "poll":
        if variant[0] == "submit":
            return sub is not None and sub[1] == "created"
        return rig.calls("list") + rig.calls("retrieve") > before.get("list", 0) + before.get("retrieve", 0)
    return rig.calls("results") > before.get("results", 0)


def restart(rig: Rig, phase: str, variant: tuple[str, ...], files: dict[str, Path], hit: str) -> None:
    """What a user does next: the same `submit` again (or `sync` after a watcher or the dashboard), then `sync`
    once every batch has ended."""
    command = [a for a in variant if a != "held"]
    with ending_batches(rig):
        if phase in ("validate", "spool", "create"):
            code = rig.cli(*command, str(files["big"]))
            # 2: refused, the killed one's batch may exist (its outcome is still being resolved): nothing was sent.
            assert code == 0 or (hit == "create" and code == 2), f"the restarted {command} exited {code}"
        else:
            assert rig.cli("sync") == 0
    rig.emulator.clock.advance(3600)
    assert rig.cli("sync") == 0


@pytest.mark.parametrize("half", [0, 1])
@pytest.mark.parametrize("phase", PHASES)
def test_kill_at_random_moments_then_restart(tmp_path, files, rng, phase, half):
    hits: list[str] = []
    for trial in range(TRIALS):
        variant = VARIANTS[phase][(half * TRIALS + trial) % len(VARIANTS[phase])]
        root = tmp_path / f"trial-{trial}"
        root.mkdir()
        seed, started = rng.randrange(1 << 30), time.monotonic()
        with emulator_thread(state_path=root / "emulator.sqlite3", seed=seed, batch_seconds=600) as emu:
            rig = Rig(root, emu)
            hit = kill_in(rig, phase, variant, files, rng)
            hits.append(hit)
            killed = time.monotonic()
            restart(rig, phase, variant, files, hit)
            remote = check_store(rig)
            assert not tmp_spools(rig), "a killed run's temporary spool outlived the restart"
            if phase in ("poll", "download"):
                assert len(remote) == 1, "the batch made before the kill is the only one"
        print(f"trial {trial}: {' '.join(variant)} killed in {hit} after {killed - started:.1f} s, checked after "
              f"{time.monotonic() - killed:.1f} s more")  # fmt: skip
    print(f"{phase}: {hits.count(phase)} of {len(hits)} kills hit it ({hits})")
    # Most land in their phase; a loaded machine may let a short one (spool) run on into the next.
    assert hits.count(phase) * 5 >= len(hits) * 2, f"the {phase} phase was hit too rarely: {hits}"
