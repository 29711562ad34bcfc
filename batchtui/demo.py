"""`--demo`: an embedded, seeded emulator with its own state and cache, so everything works with no key."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

from batchtui.core.config import demo_dir
from batchtui.emulator import Emulator, EmulatorConfig, serve_emulator
from batchtui.emulator.seed import SeededBatch, seed_demo, seed_live

DEMO_CONFIG = EmulatorConfig(port=0, batch_seconds=45.0, error_rate=0.02, expire_rate=0.005)


@dataclass
class DemoServer:
    emulator: Emulator
    seeded: list[SeededBatch]  # batches created on this start (labels to apply to the cache)

    @property
    def base_url(self) -> str:
        return self.emulator.base_url


@contextlib.asynccontextmanager
async def demo_server(state_dir=None) -> AsyncIterator[DemoServer]:
    state_dir = state_dir or demo_dir()
    async with serve_emulator(DEMO_CONFIG, state_path=state_dir / "emulator.sqlite3") as emu:
        seeded = await seed_demo(emu.state) or await seed_live(emu.state)
        yield DemoServer(emu, seeded)
