"""Demo time and relaunches: batches in flight end within --batch-seconds, and launching again does not pile up
live batches."""

from __future__ import annotations

from pathlib import Path

from batchtui.emulator import serve_emulator
from batchtui.emulator.seed import LIVE_REST, seed_launch


async def _in_flight(emu) -> int:
    def count(state) -> int:
        now = state.clock.now()
        rows = state.db.execute("SELECT * FROM batches WHERE deleted_at IS NULL").fetchall()
        return sum(1 for r in rows if state.end_time(r) > now)

    return await emu.state.run(count, emu.state)


async def _total(emu) -> int:
    return await emu.state.run(lambda: emu.state.db.execute("SELECT count(*) FROM batches").fetchone()[0])


async def test_relaunching_does_not_pile_up_live_batches(tmp_path: Path) -> None:
    async with serve_emulator(state_path=tmp_path / "demo.sqlite3") as emu:
        first = await seed_launch(emu.state, batch_seconds=20)
        flying, total = await _in_flight(emu), await _total(emu)
        assert first and flying >= 3
        assert await seed_launch(emu.state, batch_seconds=20) == []  # launched again at once
        assert (await _in_flight(emu), await _total(emu)) == (flying, total)

        emu.clock.advance(21)  # demo time: every batch in flight has ended
        assert await _in_flight(emu) == 0
        assert await seed_launch(emu.state, batch_seconds=20) == []  # nothing moving, but a relaunch adds nothing
        assert await _total(emu) == total

        emu.clock.advance(LIVE_REST)  # a returning demo gets something moving again...
        live = await seed_launch(emu.state, batch_seconds=20)
        assert len(live) == 3 and await _in_flight(emu) == 3
        for _ in range(3):  # ...once
            assert await seed_launch(emu.state, batch_seconds=20) == []
        assert await _in_flight(emu) == 3 and await _total(emu) == total + 3
        emu.clock.advance(21)
        assert await _in_flight(emu) == 0


async def test_without_demo_time_the_plan_keeps_its_durations(tmp_path: Path) -> None:
    async with serve_emulator(state_path=tmp_path / "demo.sqlite3") as emu:
        assert await seed_launch(emu.state)
        emu.clock.advance(60)
        assert await _in_flight(emu) >= 1  # the 50-minute batch is still running


async def test_two_processes_launching_together_seed_once(tmp_path: Path) -> None:
    """Two demo processes on one state file (two browser tabs of `serve`): the second waits for the first's seeding
    and then finds the state full. Here the first is a held lock, released only after the plan is in."""
    import asyncio
    import fcntl

    from batchtui.emulator.seed import _PLAN, _insert_plan

    path = tmp_path / "demo.sqlite3"
    async with serve_emulator(state_path=path) as first, serve_emulator(state_path=path) as second:
        with open(f"{path}.seed-lock", "a") as held:
            fcntl.flock(held, fcntl.LOCK_EX)  # the first process is seeding
            waiting = asyncio.create_task(seed_launch(second.state, batch_seconds=20))
            await asyncio.sleep(0.3)
            assert not waiting.done() and await _total(first) == 0  # checked nothing yet: it waits
            import random

            await first.state.run(_insert_plan, first.state, _PLAN, random.Random(7), 20)
            fcntl.flock(held, fcntl.LOCK_UN)
        assert await asyncio.wait_for(waiting, 10) == []  # found it seeded: adds nothing
        assert await _total(second) == len(_PLAN)
