"""A real `batchtui serve --demo` in its own process on a free loopback port, and the app processes it starts."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil

FAKE_KEY = "sk-ant-api03-served-FAKE-0123456789abcdef"  # in the server's env: it must never reach a page
TOKEN = "t0k3n-for-the-served-dashboard-tests"
START_BOUND = 60.0  # seconds for the server to listen (a loaded 2-core CI machine)
STOP_BOUND = 30.0  # for it to end every app and exit


@dataclass
class Served:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def apps(self) -> list[psutil.Process]:
        """The dashboard processes the server has started and not yet ended."""
        return psutil.Process(self.process.pid).children(recursive=True)

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> int:
        self.process.send_signal(sig)
        try:
            return self.process.wait(STOP_BOUND)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise AssertionError(f"the server ignored {sig.name}:\n{self.log.read_text()}") from None


def serve_env(tmp_path: Path) -> dict[str, str]:
    env = {**os.environ, "ANTHROPIC_API_KEY": FAKE_KEY}
    env["XDG_DATA_HOME"] = str(tmp_path / "data")  # the demo's emulator state and cache: this test's own
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    env.pop("BATCHTUI_SERVE_TOKEN", None)
    return env


@contextlib.contextmanager
def served(tmp_path: Path, *flags: str) -> Iterator[Served]:
    """Start the server, yield once it prints its URL; on the way out stop it and check it left no app behind."""
    out, log = tmp_path / "serve.out", tmp_path / "serve.log"
    argv = [sys.executable, "-m", "batchtui", "serve", "--demo", "--port", "0", *flags]
    with out.open("wb") as stdout, log.open("wb") as stderr:
        process = subprocess.Popen(argv, stdout=stdout, stderr=stderr, env=serve_env(tmp_path))
    server = Served(_wait_for_url(process, out, log), process, log)
    try:
        yield server
    finally:
        if process.poll() is None:  # (a test that stopped it checked its apps itself)
            apps = server.apps()
            assert server.stop() == 0, log.read_text()
            _, alive = psutil.wait_procs(apps, timeout=STOP_BOUND)
            assert not alive, f"app processes left running after the server stopped: {alive}"


def _wait_for_url(process: subprocess.Popen[bytes], out: Path, log: Path) -> str:
    deadline = time.monotonic() + START_BOUND
    while time.monotonic() < deadline:
        first = out.read_text().partition("\n")
        if first[1]:
            return first[0]
        if process.poll() is not None:
            raise AssertionError(f"batchtui serve exited with {process.returncode}:\n{log.read_text()}")
        time.sleep(0.05)
    process.kill()
    raise AssertionError(f"batchtui serve printed no URL in {START_BOUND}s:\n{log.read_text()}")


def running(process: psutil.Process) -> bool:
    """The process has not ended. The server reaps an app the moment it exits, so one that `is_running()` a
    moment ago may be gone when `status()` asks: psutil then raises NoSuchProcess, which means ended, not an
    error (asking both in one expression made the two-tab test fail now and then on a loaded machine)."""
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def wait_for_apps(server: Served, count: int, bound: float = START_BOUND) -> list[psutil.Process]:
    deadline = time.monotonic() + bound
    while len(apps := server.apps()) < count:
        if time.monotonic() > deadline:
            raise AssertionError(f"{len(apps)} app processes, expected {count}")
        time.sleep(0.05)
    return apps
