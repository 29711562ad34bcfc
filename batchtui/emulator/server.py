"""Running the emulator: in a running asyncio loop, on a thread of its own, or as `batchtui emulator`."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace

from aiohttp import web

from batchtui.emulator.clock import Clock
from batchtui.emulator.config import EmulatorConfig
from batchtui.emulator.faults import Faults
from batchtui.emulator.routes import BASE_URL, build_app
from batchtui.emulator.state import EmulatorState


class Emulator:
    """One emulator: state, clock and faults, served over HTTP once started."""

    def __init__(self, config: EmulatorConfig | None = None) -> None:
        self.config = config or EmulatorConfig()
        self.clock = Clock()
        self.faults = Faults(self.config.fault_rate, self.config.seed)
        self.state = EmulatorState(self.config, self.clock)
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    async def start(self) -> str:
        await self.state.open()
        app = build_app(self.state, self.faults, self.config.max_body_bytes)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.config.host, self.config.port)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        host = f"[{host}]" if ":" in host else host
        self.base_url = f"http://{host}:{port}"
        app[BASE_URL][0] = self.base_url
        return self.base_url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        await self.state.close()


@contextlib.asynccontextmanager
async def serve_emulator(config: EmulatorConfig | None = None, **overrides) -> AsyncIterator[Emulator]:
    """Serve an emulator on a free loopback port inside the running loop:

    async with serve_emulator(batch_seconds=1) as emu:
        client = AsyncAnthropic(api_key="test", base_url=emu.base_url)
    """
    config = replace(config or EmulatorConfig(port=0), **overrides)
    emu = Emulator(config)
    await emu.start()
    try:
        yield emu
    finally:
        await emu.stop()


@contextlib.contextmanager
def emulator_thread(config: EmulatorConfig | None = None, **overrides) -> Iterator[Emulator]:
    """Serve an emulator from a background thread with its own loop, for synchronous code and subprocess tests."""
    config = replace(config or EmulatorConfig(port=0), **overrides)
    emu = Emulator(config)
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    stop = asyncio.Event()
    failure: list[BaseException] = []

    async def main() -> None:
        try:
            await emu.start()
        except BaseException as exc:
            failure.append(exc)
            ready.set()
            return
        ready.set()
        await stop.wait()
        await emu.stop()

    thread = threading.Thread(target=loop.run_until_complete, args=(main(),), name="emulator", daemon=True)
    thread.start()
    ready.wait()
    if failure:
        thread.join()
        raise failure[0]
    try:
        yield emu
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(timeout=10)
        loop.close()


async def run_forever(config: EmulatorConfig, seed_demo: bool = False, announce=print) -> None:
    """`batchtui emulator`: serve until Ctrl-C or SIGTERM, then stop cleanly."""
    emu = Emulator(config)
    if seed_demo:
        from batchtui.emulator.seed import seed_demo as seed

        await emu.state.open()
        await seed(emu.state)
    # Handlers go in before the URL is announced: a supervisor may signal as soon as it reads that line, and a
    # signal arriving in between used to kill the process with the default action (exit -15 / 130, not 0).
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        announce(await emu.start())
        await stop.wait()
    finally:
        await emu.stop()
