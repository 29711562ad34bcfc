"""One dashboard process per browser tab: textual-serve's AppService, started without a shell in its own process
group, and stopped within a bound whatever the app does."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from asyncio.subprocess import Process

from textual_serve.app_service import AppService

# How long an app may take to quit when asked, then to die when terminated, before the next, harder step.
QUIT_GRACE = 5.0
TERM_GRACE = 2.0


class AppProcess(AppService):
    """`argv` runs as is (no shell to quote for, and the pid is the app's own); `stop()` may be called from the
    tab's handler and from shutdown at once, and ends the whole process group."""

    def __init__(self, argv: list[str], **kwargs) -> None:
        super().__init__(" ".join(argv), **kwargs)
        self.argv = argv
        self._stopping: asyncio.Future[None] | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    async def _open_app_process(self, width: int = 80, height: int = 24) -> Process:
        self._process = process = await asyncio.create_subprocess_exec(
            *self.argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=self._build_environment(width=width, height=height),
            # Its own group: a Ctrl-C at the server's terminal reaches the server only, which then ends each app
            # in order; and killing the group takes anything the app started with it.
            start_new_session=True,
        )
        assert process.stdin is not None
        self._stdin = process.stdin
        return process

    async def run(self) -> None:
        await super().run()
        # The app is gone (it quit, or crashed): close the tab's socket so the page says so.
        with contextlib.suppress(Exception):
            await self.remote_close()

    async def stop(self) -> None:
        if self._stopping is None:
            self._stopping = asyncio.ensure_future(self._stop())
        await asyncio.shield(self._stopping)

    async def _stop(self) -> None:
        await self._download_manager.cancel_app_downloads(app_service_id=self.app_service_id)
        process = self._process
        if process is not None and process.returncode is None:
            await self.send_meta({"type": "quit"})
            if not await _exited(process, QUIT_GRACE):
                _signal_group(process, signal.SIGTERM)
                if not await _exited(process, TERM_GRACE):
                    _signal_group(process, signal.SIGKILL)
                    await process.wait()
        if self._task is not None:
            # The reader ends at the pipe's end; anything the app left holding it was killed with its group.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._task, TERM_GRACE)
            self._task = None


async def _exited(process: Process, seconds: float) -> bool:
    try:
        await asyncio.wait_for(process.wait(), seconds)
    except TimeoutError:
        return False
    return True


def _signal_group(process: Process, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)
