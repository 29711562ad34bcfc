"""What the reliability suites share: request files, real `batchtui` processes (the CLI, or the dashboard on a
headless driver) on one cache and one emulator, reading both stores with plain SQL while they run, and SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from batchtui.cli import main

DASHBOARD = str(Path(__file__).with_name("headless_dashboard.py"))
MODEL = "claude-haiku-4-5"


def write_requests(path: Path, n: int, prefix: str = "r", pad: int = 0) -> Path:
    """n requests `prefix-0` … `prefix-(n-1)`; `pad` characters more per prompt make validating and sending
    longer (wider windows to kill in)."""
    with open(path, "w") as f:
        for i in range(n):
            content = f"question {prefix} {i} " + "x" * pad
            params = {"model": MODEL, "max_tokens": 50, "messages": [{"role": "user", "content": content}]}
            f.write(json.dumps({"custom_id": f"{prefix}-{i}", "params": params}) + "\n")
    return path


def query(db: Path, sql: str, args: tuple = ()) -> list[tuple] | None:
    """Rows of `sql` on a database another process is writing (read-only, WAL: never blocks it); None while the
    database or its schema does not exist yet."""
    if not db.exists():
        return None
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error:
        return None
    try:
        return conn.execute(sql, args).fetchall()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return None
        raise
    finally:
        conn.close()


@dataclass
class Rig:
    """One cache (`db`) and one emulator, and the processes started on them."""

    root: Path
    emulator: Any  # batchtui.emulator.server.Emulator, served from a thread of this process

    @property
    def db(self) -> Path:
        return self.root / "cache.sqlite3"

    @property
    def emulator_db(self) -> Path:
        return self.emulator.config.state_path

    @property
    def spool(self) -> Path:
        return self.root / "spool"

    def env(self) -> dict[str, str]:
        # Unbuffered: what a process said is on disk even when it is killed.
        return {**os.environ, "ANTHROPIC_API_KEY": "test", "XDG_CONFIG_HOME": str(self.root / "xdg"),
                "PYTHONUNBUFFERED": "1"}  # fmt: skip

    def argv(self, *args: str) -> list[str]:
        return ["--db", str(self.db), "--base-url", self.emulator.base_url, *args]

    def spawn(self, *args: str, log: str = "proc") -> subprocess.Popen:
        """`batchtui ARGS` as a real process; stdout and stderr go to files under root (`log`.out / .err)."""
        cmd = [sys.executable, "-m", "batchtui", *self.argv(*args)]
        return self._popen(cmd, log)

    def spawn_dashboard(self, log: str = "dashboard") -> subprocess.Popen:
        """The dashboard on a headless driver; what it notifies goes to `log`.notes."""
        cmd = [sys.executable, DASHBOARD, str(self.root / f"{log}.notes"), "--", *self.argv()]
        return self._popen(cmd, log)

    def _popen(self, cmd: list[str], log: str) -> subprocess.Popen:
        out = open(self.root / f"{log}.out", "ab")  # noqa: SIM115 -- the child holds it; closed with the process
        err = open(self.root / f"{log}.err", "ab")  # noqa: SIM115
        proc = subprocess.Popen(cmd, env=self.env(), stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        out.close()
        err.close()
        return proc

    def output(self, log: str) -> str:
        return "".join(
            (self.root / f"{log}{ext}").read_text(errors="replace")
            for ext in (".out", ".err", ".notes")
            if (self.root / f"{log}{ext}").exists()
        )

    def cli(self, *args: str) -> int:
        """`batchtui ARGS` in this process (the restart after a kill: the same code, without a second start-up)."""
        old = os.environ.get("ANTHROPIC_API_KEY")
        os.environ["ANTHROPIC_API_KEY"] = "test"
        try:
            return main(self.argv(*args))
        finally:
            if old is None:
                del os.environ["ANTHROPIC_API_KEY"]
            else:
                os.environ["ANTHROPIC_API_KEY"] = old

    def store(self, sql: str, args: tuple = ()) -> list[tuple]:
        return query(self.db, sql, args) or []

    def calls(self, route: str) -> int:
        return self.emulator.faults.calls[route]


def kill9(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)


def wait_until(check: Callable[[], Any], proc: subprocess.Popen | None, what: str, timeout: float = 60.0) -> Any:
    """Poll `check` every 5 ms until it returns something truthy (returned); fail if `proc` exits first."""
    deadline = time.monotonic() + timeout
    while not (value := check()):
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"exited ({proc.returncode}) before {what}")
        assert time.monotonic() < deadline, f"never reached {what}"
        time.sleep(0.005)
    return value
